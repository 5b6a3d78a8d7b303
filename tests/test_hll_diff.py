"""Differential tests (Lacewing vs redis-server 7.0) for the HyperLogLog commands: PFADD,
PFCOUNT, PFMERGE and PFDEBUG replies AND the raw bytes of the HLL strings (GET) must match
byte for byte, across the sparse -> dense promotion; HLL strings move between the servers with
GET/SET; corrupt strings get the same errors."""
import random

import pytest

HEADER = 16
DENSE_SIZE = 16 + 12288


def _elements(rng, n):
    """n random binary elements of 0..24 bytes (some repeated, so some adds change nothing)."""
    out = []
    for _ in range(n):
        if out and rng.random() < 0.1:
            out.append(rng.choice(out))
        else:
            out.append(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 24))))
    return out


def _grow(diff, rng, key, total, check_get_every=1):
    """PFADDs about `total` random elements to `key` in random batches, comparing each reply,
    and the raw string and PFCOUNT after every `check_get_every` batches."""
    added, batch_no = 0, 0
    while added < total:
        n = rng.choice([0, 1, 1, 2, 3, 5, 8, 20, 60])
        diff.check("PFADD", key, *_elements(rng, n))
        added += max(n, 1)
        batch_no += 1
        if batch_no % check_get_every == 0:
            diff.check("GET", key)
            if rng.random() < 0.3:
                diff.check("PFCOUNT", key)
                diff.check("GET", key)  # the cached cardinality and its valid bit


@pytest.mark.parametrize("seed", range(6))
def test_pfadd_random_sequences_cross_promotion(diff, seed):
    rng = random.Random(seed)
    # Sizes on both sides of the sparse -> dense switch (default 3000 bytes: ~1-2k elements).
    total = [5, 200, 900, 2500, 6000, 20000][seed]
    every = 1 if total < 3000 else 10
    _grow(diff, rng, "h", total, every)
    diff.check("GET", "h")
    diff.check("PFCOUNT", "h")
    diff.check("GET", "h")
    diff.check("PFDEBUG", "ENCODING", "h")
    diff.check("PFADD", "h")  # no elements on an existing key: 0
    diff.check("PFADD", "fresh")  # no elements on a new key: created, 1
    diff.check("GET", "fresh")
    diff.check("PFCOUNT", "fresh")
    diff.check("TYPE", "h")


def test_large_counts_match(diff):
    """Counts far beyond the sparse range: the estimator must round to the same integer."""
    rng = random.Random(99)
    for step in range(40):
        diff.check("PFADD", "big", *[b"%d:%d" % (step, i) for i in range(rng.randint(500, 3000))])
        diff.check("PFCOUNT", "big")
    diff.check("GET", "big")


@pytest.mark.parametrize("limit", ["0", "100", "500", "10000"])
def test_sparse_max_bytes_setting(diff, limit):
    diff.check("CONFIG", "SET", "hll-sparse-max-bytes", limit)
    diff.check("CONFIG", "GET", "hll-sparse-max-bytes")
    rng = random.Random(int(limit))
    _grow(diff, rng, "h", 1500)
    diff.check("PFDEBUG", "ENCODING", "h")
    diff.check("GET", "h")


def test_sparse_max_bytes_bad_values(diff):
    for bad in ("-1", "abc", "1.5"):
        diff.check_error("CONFIG", "SET", "hll-sparse-max-bytes", bad)
    diff.check("CONFIG", "SET", "hll-sparse-max-bytes", "1kb")
    diff.check("CONFIG", "GET", "hll-sparse-max-bytes")


def test_pfmerge_and_pfcount_of_several_keys(diff):
    rng = random.Random(7)
    # keys spread over both shards, sparse and dense, and one missing
    sizes = {"a": 10, "b": 300, "c": 3000, "d": 50, "e{x}": 8000, "f{y}": 1}
    for key, n in sizes.items():
        diff.check("PFADD", key, *_elements(rng, n))
    keys = list(sizes)
    for r in range(1, len(keys) + 1):
        diff.check("PFCOUNT", *keys[:r], "missing")
    diff.check("PFCOUNT", "missing", "missing2")
    diff.check("PFMERGE", "m1", "a", "b", "d")
    diff.check("GET", "m1")
    diff.check("PFCOUNT", "m1")
    diff.check("PFMERGE", "m2", "a", "c")  # one dense source: the destination is dense
    diff.check("GET", "m2")
    diff.check("PFMERGE", "a", "b")  # the destination is a source too
    diff.check("GET", "a")
    diff.check("PFMERGE", "only")  # no sources: an empty HLL
    diff.check("GET", "only")
    diff.check("PFMERGE", "e{x}", "f{y}", "missing")
    diff.check("GET", "e{x}")
    diff.check("PFMERGE", "all", *keys)
    diff.check("PFCOUNT", "all")
    diff.check("GET", "all")
    diff.check("PFCOUNT", *keys)
    # a PFMERGE whose merge crosses the sparse limit in the destination
    diff.check("CONFIG", "SET", "hll-sparse-max-bytes", "200")
    diff.check("PFMERGE", "small", "b")
    diff.check("GET", "small")


def test_strings_move_between_servers(diff):
    rng = random.Random(11)
    for n in (0, 3, 150, 1200, 5000):
        key = "r%d" % n
        diff.rd.call("DEL", key)
        for chunk in range(0, n, 100):
            diff.rd.call("PFADD", key, *_elements(rng, min(100, n - chunk)))
        if n == 0:
            diff.rd.call("PFADD", key)
        raw_reply = diff.rd.call("GET", key)
        raw = raw_reply[raw_reply.index(b"\r\n") + 2:-2]
        # redis-server's bytes, set into Lacewing: same counts, same bytes after more adds
        diff.lw.call("SET", key, raw)
        diff.check("PFCOUNT", key)
        diff.check("GET", key)
        more = _elements(rng, 40)
        diff.check("PFADD", key, *more)
        diff.check("GET", key)
        diff.check("PFCOUNT", key, "r0")
    # Lacewing's bytes into redis-server
    diff.run("DEL", "mine")
    diff.lw.call("PFADD", "mine", *_elements(rng, 700))
    raw_reply = diff.lw.call("GET", "mine")
    raw = raw_reply[raw_reply.index(b"\r\n") + 2:-2]
    diff.rd.call("SET", "mine", raw)
    diff.check("PFCOUNT", "mine")
    diff.check("PFDEBUG", "DECODE", "mine")
    diff.check("GET", "mine")


def _valid_sparse(diff, rng, n):
    diff.rd.call("DEL", "tmp")
    diff.rd.call("PFADD", "tmp", *_elements(rng, n))
    reply = diff.rd.call("GET", "tmp")
    return reply[reply.index(b"\r\n") + 2:-2]


def _corrupt_strings(diff):
    rng = random.Random(5)
    sparse = _valid_sparse(diff, rng, 20)
    dense = _valid_sparse(diff, rng, 3000)
    assert len(dense) == DENSE_SIZE
    header = sparse[:HEADER]
    cached = header[:8] + b"\x05" + b"\x00" * 7  # a valid cache over corrupt registers
    return {
        "truncated_dense": dense[:-1],
        "long_dense": dense + b"\x00",
        "truncated_header": sparse[:10],
        "wrong_magic": b"HYLX" + sparse[4:],
        "bad_encoding": sparse[:4] + b"\x02" + sparse[5:],
        "int_string": b"12345",
        "too_many_registers": sparse + b"\x3f",
        "xzero_past_end": sparse + b"\x7f\xff",
        "too_few_registers": header + b"\x00",
        "empty_sparse": header,
        "cut_xzero": header + b"\x7f",
        "val_run_past_end": header + b"\x7f\xfd\x83",
        "val_past_full": header + b"\x7f\xff\x80",
        "zero_past_full": header + b"\x7f\xff\x00",
        "cached_but_corrupt": cached + b"\x00",
    }


@pytest.mark.parametrize("name", sorted([
    "truncated_dense", "long_dense", "truncated_header", "wrong_magic", "bad_encoding",
    "int_string", "too_many_registers", "xzero_past_end", "too_few_registers", "empty_sparse",
    "cut_xzero", "val_run_past_end", "val_past_full", "zero_past_full", "cached_but_corrupt"]))
def test_corrupt_strings(diff, name):
    value = _corrupt_strings(diff)[name]
    for cmd in (("PFCOUNT", "k"), ("PFCOUNT", "k", "ok"), ("PFADD", "k", "a", "b", "c"),
                ("PFADD", "k", *[b"%d" % i for i in range(300)]), ("PFMERGE", "dst", "ok", "k"),
                ("PFMERGE", "k", "ok"), ("PFDEBUG", "GETREG", "k"), ("PFDEBUG", "DECODE", "k"),
                ("PFDEBUG", "ENCODING", "k"), ("PFDEBUG", "TODENSE", "k")):
        diff.check("SET", "k", value)
        diff.check("PFADD", "ok", "x", "y")
        diff.check(*cmd)
        diff.check("GET", "k")
        diff.check("EXISTS", "dst")
        diff.run("DEL", "dst")


def test_pfdebug(diff):
    rng = random.Random(3)
    diff.check("PFADD", "s", *_elements(rng, 30))
    diff.check("PFDEBUG", "DECODE", "s")
    diff.check("PFDEBUG", "ENCODING", "s")
    diff.check("PFDEBUG", "encoding", "s")
    diff.check("PFDEBUG", "GETREG", "s")  # converts the key to dense
    diff.check("GET", "s")
    diff.check("PFDEBUG", "ENCODING", "s")
    diff.check_error("PFDEBUG", "DECODE", "s")
    diff.check("PFDEBUG", "TODENSE", "s")
    diff.check("PFADD", "t", "a", "b")
    diff.check("PFDEBUG", "TODENSE", "t")
    diff.check("GET", "t")
    diff.check_error("PFDEBUG", "NOPE", "t")
    diff.check_error("PFDEBUG", "NOPE", "missing")
    diff.check_error("PFDEBUG", "GETREG", "missing")
    diff.check_error("PFDEBUG", "GETREG")
    diff.check_error("PFDEBUG", "GETREG", "t", "extra")
    diff.check("SET", "str", "hello")
    diff.check_error("PFDEBUG", "GETREG", "str")
    diff.check("RPUSH", "list", "a")
    diff.check_error("PFDEBUG", "ENCODING", "list")


def test_wrong_types_and_arity(diff):
    diff.check("RPUSH", "list", "a")
    diff.check("SET", "str", "not a hll at all, long enough")
    diff.check("PFADD", "h", "a")
    for key in ("list", "str"):
        diff.check_error("PFADD", key, "x")
        diff.check_error("PFCOUNT", key)
        diff.check_error("PFCOUNT", "h", key)
        diff.check_error("PFMERGE", key, "h")
        diff.check_error("PFMERGE", "h", key)
        diff.check_error("PFMERGE", "new", "h", key)
        diff.check("EXISTS", "new")
    diff.check_error("PFADD")
    diff.check_error("PFCOUNT")
    diff.check_error("PFMERGE")
    diff.check_error("PFSELFTEST", "x")


def test_pfselftest_and_command_info(diff):
    # PFSELFTEST runs for seconds on each server, past the client's 10 s timeout when the
    # machine is loaded (the known flake of this test).
    for client in (diff.lw, diff.rd):
        client.sock.settimeout(120)
    lw, rd = diff.run("PFSELFTEST")
    assert lw == rd == b"+OK\r\n"
    for name in ("pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest"):
        lw, rd = diff.run("COMMAND", "INFO", name)
        # name, arity, flags, first key, last key, step: the first 6 fields of the entry
        lw_head = lw.split(b"\r\n")[:20]
        rd_head = rd.split(b"\r\n")[:20]
        assert _info_head(lw) == _info_head(rd), (name, lw_head, rd_head)


def _info_head(reply):
    """The first six fields of a COMMAND INFO entry, decoded loosely from RESP2."""
    lines = reply.split(b"\r\n")
    out, i = [], 2  # skip "*1" and the entry's "*N"
    while len(out) < 6 and i < len(lines):
        line = lines[i]
        if line.startswith(b"$"):
            out.append(lines[i + 1])
            i += 2
        elif line.startswith(b"*"):
            n = int(line[1:])
            out.append(tuple(lines[i + 1 + k] for k in range(n)))
            i += 1 + n
        else:
            out.append(line)
            i += 1
    return out


def test_pfcount_caches_and_watch(diff):
    diff.check("PFADD", "h", "a", "b", "c")
    diff.check("GET", "h")
    diff.check("PFCOUNT", "h")
    diff.check("GET", "h")  # the cardinality is cached, the invalid bit cleared
    diff.check("PFADD", "h", "a")  # no change: the cache stays valid
    diff.check("GET", "h")
    diff.check("PFADD", "h", "d")
    diff.check("GET", "h")
    diff.check("OBJECT", "ENCODING", "h")


def test_in_multi_and_scripts(diff):
    """The multi-key commands inside MULTI and scripts, keys on both shards."""
    rng = random.Random(21)
    for key in ("a", "b", "c", "d"):
        diff.check("PFADD", key, *_elements(rng, 40))
    diff.check("MULTI")
    diff.check("PFADD", "a", "x", "y")
    diff.check("PFCOUNT", "a", "b", "c", "d")
    diff.check("PFMERGE", "m", "a", "b", "c", "d")
    diff.check("PFCOUNT", "m")
    diff.check("GET", "m")
    diff.check("EXEC")
    diff.check("EVAL", "redis.call('PFMERGE', KEYS[1], KEYS[2], KEYS[3]);"
               " return {redis.call('PFCOUNT', KEYS[1]), redis.call('PFCOUNT', KEYS[2], KEYS[3])}",
               "3", "n", "c", "d")
    diff.check("GET", "n")


def test_small_hll_strings_become_raw(diff):
    """A short HLL string SET as an embstr is left raw by every PF command, as in Redis."""
    diff.check("PFADD", "src", "a", "b")
    lw, rd = diff.run("GET", "src")
    assert lw == rd
    raw = rd[rd.index(b"\r\n") + 2:-2]
    for cmd in (("PFCOUNT", "k"), ("PFCOUNT", "k"), ("PFADD", "k", "a"), ("PFADD", "k"),
                ("PFDEBUG", "ENCODING", "k"), ("PFCOUNT", "k", "src"), ("PFMERGE", "k")):
        diff.check("SET", "k", raw)
        diff.check("OBJECT", "ENCODING", "k")
        diff.check(*cmd)
        diff.check("OBJECT", "ENCODING", "k")


def test_dump_restore_between_servers(diff):
    """An HLL DUMPed by redis-server RESTOREs here with the same PFCOUNT and bytes, and the
    reverse, sparse and dense."""
    rng = random.Random(23)
    for n in (10, 4000):
        for src, dst in ((diff.rd, diff.lw), (diff.lw, diff.rd)):
            key = f"d{n}"
            diff.run("DEL", key, "copy")
            for chunk in range(0, n, 500):
                src.call("PFADD", key, *_elements(rng, min(500, n - chunk)))
            reply = src.call("DUMP", key)
            payload = reply[reply.index(b"\r\n") + 2:-2]
            assert dst.call("RESTORE", "copy", "0", payload) == b"+OK\r\n"
            src.call("RESTORE", "copy", "0", payload)
            diff.check("PFCOUNT", "copy")
            diff.check("GET", "copy")
            diff.check("PFDEBUG", "ENCODING", "copy")
