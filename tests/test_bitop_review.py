"""Review tests for the BITOP rewrite (string_bitop.cc): pipelined groups vs redis-server 7.0
for what the batch handler must account like Dispatch (errorstats, keyspace hits/misses,
slowlog, write counts), the destination's TTL/type/encoding, and BITOP in MULTI and scripts."""
import random
import threading

import pytest
from resp_client import RawClient, encode

KEYS = [f"b{i}" for i in range(6)]


def _pipeline(client, commands):
    client.sock.sendall(b"".join(encode(*c) for c in commands))
    return [client.read_reply() for _ in commands]


def _info(client, section):
    text = client.call("INFO", section).decode()
    out = {}
    for line in text.split("\r\n"):
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def _random_cmd(rng, keys, wrongtype):
    r = rng.random()
    if r < 0.08:
        return ("SET", rng.choice(keys), bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 20))))
    if r < 0.10:
        return ("SET", rng.choice(keys), "v", "EX", "100")
    if r < 0.12 and wrongtype:
        return ("RPUSH", rng.choice(keys), "x")
    if r < 0.14:
        return ("DEL", rng.choice(keys))
    if r < 0.16:
        return ("BITOP", rng.choice(["NAND", "NOT"]), rng.choice(keys), "b0", "b1")
    op = rng.choice(["AND", "OR", "XOR", "NOT"])
    n = 1 if op == "NOT" else rng.randint(1, 4)
    return ("BITOP", op, rng.choice(keys), *[rng.choice(keys + ["nokey"]) for _ in range(n)])


# Not with sources of another type: Redis stops looking up at the first (keyspace_hits and
# misses count only the keys before it), Lacewing looks up every source on its shard.
@pytest.mark.parametrize("seed,wrongtype", [(0, False), (1, False), (2, True)])
def test_bitop_pipeline_accounting(lacewing_factory, redis_server, seed, wrongtype):
    server = lacewing_factory("--proactor_threads", "2")
    lw, rd = RawClient(server.port), RawClient(redis_server.port)
    for c in (lw, rd):
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
        c.call("CONFIG", "SET", "slowlog-max-len", "1000")
        c.call("CONFIG", "RESETSTAT")
        c.call("SLOWLOG", "RESET")
    rng = random.Random(900 + seed)
    keys = KEYS + ["dst"]
    for _ in range(30):
        commands = [_random_cmd(rng, keys, wrongtype) for _ in range(rng.randint(2, 30))]
        got, want = _pipeline(lw, commands), _pipeline(rd, commands)
        for c, g, w in zip(commands, got, want):
            assert g == w, f"{c}: lacewing {g!r} != redis {w!r}"
        ls, rs = _info(lw, "stats"), _info(rd, "stats")
        for f in ("keyspace_hits", "keyspace_misses") if not wrongtype else ():
            assert ls[f] == rs[f], (f, ls[f], rs[f], commands)
        for k in keys:
            for q in (("TYPE", k), ("TTL", k), ("OBJECT", "ENCODING", k)):
                assert lw.call(*q) == rd.call(*q), q
    le, re_ = _info(lw, "errorstats"), _info(rd, "errorstats")
    assert le == re_
    ls, rs = _info(lw, "stats"), _info(rd, "stats")
    for f in ("total_error_replies",) + (("keyspace_hits", "keyspace_misses") if not wrongtype else ()):
        assert ls[f] == rs[f], f
    # SLOWLOG: every request logged with its own arguments, in order.
    lsl = lw.call("SLOWLOG", "LEN")
    rsl = rd.call("SLOWLOG", "LEN")
    assert lsl == rsl


def test_bitop_in_multi_and_scripts(diff):
    rng = random.Random(7)
    for k in KEYS:
        diff.check("SET", k, bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 9))))
    diff.check("RPUSH", "lst", "a")
    for _ in range(40):
        op = rng.choice(["AND", "OR", "XOR", "NOT", "BAD"])
        n = 1 if op == "NOT" else rng.randint(1, 3)
        srcs = [rng.choice(KEYS + ["lst", "nokey"]) for _ in range(n)]
        dst = rng.choice(KEYS)
        diff.check("MULTI")
        diff.check("BITOP", op, dst, *srcs)
        diff.check("GET", dst)
        diff.check("EXEC")
        nk = n + 1
        diff.check("EVAL", "return redis.pcall('bitop', ARGV[1], unpack(KEYS))", nk, dst, *srcs, op)
        diff.check("EVAL", "redis.call('bitop', ARGV[1], unpack(KEYS)) return redis.call('get', KEYS[1])",
                   nk, dst, *srcs, op) if op != "BAD" and "lst" not in srcs else None
        diff.check("GET", dst)


def test_bitop_destination_seen_by_keyless_commands(lacewing_factory):
    """BITOP's destination write is a detached hop: the same client's next keyless commands
    (KEYS, SCAN, DBSIZE, FLUSHDB) must still see it, as in Redis, also while other clients
    keep the shards' transaction queues busy (scripts, MULTI, BITOP groups)."""
    server = lacewing_factory("--proactor_threads", "3")
    stop = []

    def background(seed):
        r = RawClient(server.port)
        rng = random.Random(seed)
        while not stop:
            ks = [f"bg{rng.randint(0, 30)}" for _ in range(6)]
            _pipeline(r, [("BITOP", "OR", ks[0], *ks[1:]), ("MSET", ks[1], "x", ks[2], "yy"),
                          ("EVAL", "redis.call('set', KEYS[1], 'a') "
                           "return redis.call('bitop', 'and', KEYS[2], KEYS[1], KEYS[3])",
                           3, *ks[:3]),
                          ("MULTI",), ("SET", ks[3], "q"), ("BITOP", "XOR", ks[4], ks[3], ks[5]),
                          ("EXEC",)])
        r.close()

    threads = [threading.Thread(target=background, args=(s,)) for s in range(2)]
    for t in threads:
        t.start()
    c = RawClient(server.port)
    bad = []
    try:
        for i in range(200):
            dst, src = f"d{i}", f"s{i % 7}"
            got = _pipeline(c, [("SET", src, "abc"), ("BITOP", "OR", dst, src),
                                ("BITOP", "AND", dst + "x", src, dst), ("KEYS", "d*"),
                                ("SCAN", "0", "MATCH", "d*", "COUNT", "100000"),
                                ("DEL", dst, dst + "x")])
            # KEYS: two keys; SCAN: the cursor and two keys; DEL: both.
            if got[3].count(b"\r\n$") != 2 or got[4].count(b"\r\n$") != 3 or got[5] != b":2\r\n":
                bad.append((i, got))
        c.call("SELECT", "1")
        for i in range(100):
            got = _pipeline(c, [("SET", "s", "abc"), ("BITOP", "NOT", f"n{i}", "s"), ("DBSIZE",),
                                ("FLUSHDB",), ("DBSIZE",)])
            if got[2] != b":2\r\n" or got[4] != b":0\r\n":
                bad.append((i, got))
    finally:
        stop.append(1)
        for t in threads:
            t.join()
    assert not bad, bad[:5]


def _fill_to_limit(r, headroom):
    r.config_set("maxmemory-policy", "noeviction")
    r.set("src", b"\x01" * (1 << 20))
    r.config_set("maxmemory", r.info("memory")["used_memory"] + headroom)


def test_pipelined_bitops_respect_maxmemory(server):
    """Each pipelined BITOP passes the maxmemory check after the writes before it, as in
    Redis: 40 results of 1 MB must not all land on 4 MB of headroom."""
    r = server.client()
    _fill_to_limit(r, 4 << 20)
    p = r.pipeline(transaction=False)
    for i in range(40):
        p.bitop("OR", f"d{i}", "src")
    out = p.execute(raise_on_error=False)
    stored = sum(1 for x in out if x == 1 << 20)
    refused = [x for x in out if isinstance(x, Exception)]
    assert 1 <= stored <= 6 and len(refused) == 40 - stored, out
    assert all("command not allowed when used memory" in str(e) for e in refused), refused[:1]
    assert r.info("commandstats")["cmdstat_bitop"]["rejected_calls"] == 40 - stored
    r.config_set("maxmemory", 0)


def test_bitop_result_holds_its_size(server):
    """The destination holds a block of the result's size (as Redis's BITOP), not APPEND's
    geometric reserve of up to twice that."""
    r = server.client()
    r.set("src", b"\x01" * 300000)
    r.bitop("OR", "dst", "src")
    assert r.get("dst") == b"\x01" * 300000
    assert r.object("encoding", "dst") == b"raw"
    assert r.memory_usage("dst") < 300000 * 1.3
    r.set("small", "ab")
    r.bitop("XOR", "s2", "small", "nokey")
    assert r.object("encoding", "s2") == b"raw" and r.get("s2") == b"ab"
