"""Differential tests (Lacewing vs redis-server 7.0) for SORT and SORT_RO: random lists, sets
and sorted sets of numbers and strings, BY weight_* and data_*->field patterns whose keys live
on both shards, GET #/patterns, LIMIT, ASC/DESC, ALPHA, STORE (the stored list compared too),
SORT in scripts (Redis 7's rule for sets), every error; and SORT with patterns is atomic
against writers changing the pattern keys on both shards together."""
import os
import random

import pytest
from concurrency import run_for

ELEMS = ["1", "2", "10", "-3", "3.5", "0", "1e2", "abc", "ABC", "b", "", "a b", "x\x00y", "7"]


def _fill(diff, rng, kind, key, numeric):
    pool = [e for e in ELEMS if not numeric or e.lstrip("-").replace(".", "").replace("e", "").isdigit()]
    pool += [str(rng.randint(-50, 50)) for _ in range(10)]
    n = rng.randint(0, 25)
    items = [rng.choice(pool) for _ in range(n)]
    diff.check("DEL", key)
    if not items:
        return
    if kind == "list":
        diff.check("RPUSH", key, *items)
    elif kind == "set":
        diff.check("SADD", key, *items)
    else:
        args = []
        for it in items:
            args += [str(rng.randint(0, 5)), it]
        diff.check("ZADD", key, *args)


def _weights(diff, rng):
    for e in ELEMS + [str(i) for i in range(-50, 51)]:
        r = rng.random()
        if r < 0.5:
            diff.check("SET", f"w_{e}", str(rng.randint(-20, 20)))
        elif r < 0.6:
            diff.check("SET", f"w_{e}", rng.choice(["x", "1.5", " 3", ""]))
        if rng.random() < 0.6:
            diff.check("HSET", f"d_{e}", "f", rng.choice(["u", "v", "w", str(rng.randint(0, 9))]))
        if rng.random() < 0.5:
            diff.check("SET", f"v_{e}", f"val-{e}-{rng.randint(0, 3)}")


def _limit(rng):
    if rng.random() < 0.5:
        return []
    return ["LIMIT", str(rng.randint(-2, 20)), str(rng.randint(-2, 12))]


@pytest.mark.parametrize("seed", range(int(os.environ.get("SORT_SEEDS", "6"))))
def test_sort_random(diff, seed):
    rng = random.Random(seed)
    _weights(diff, rng)
    for _ in range(80):
        kind = rng.choice(["list", "set", "zset"])
        numeric = rng.random() < 0.5
        _fill(diff, rng, kind, "src", numeric)
        opts = []
        by = rng.choice([None, None, "w_*", "d_*->f", "nosort", "w_*->"])
        alpha = not numeric or rng.random() < 0.3
        if by in ("w_*", "d_*->f") and not alpha:
            alpha = by == "d_*->f"  # hash fields are mostly not numbers
        if by:
            opts += ["BY", by]
        if alpha:
            opts.append("ALPHA")
        opts.append(rng.choice(["ASC", "DESC", "desc"]))
        if by == "nosort" and kind == "set":
            lim = []  # a set's own order is the implementation's
        else:
            lim = _limit(rng)
        if kind != "list" and alpha and by in ("w_*", "d_*->f", "w_*->"):
            # Equal ALPHA keys keep the source's own order: a set's or sorted set's hash
            # table order, which is the implementation's.
            by = None
            opts = [o for o in opts if o not in ("BY", "w_*", "d_*->f", "w_*->")]
        opts += lim
        gets = []
        for _ in range(rng.randint(0, 3)):
            gets += ["GET", rng.choice(["#", "v_*", "d_*->f", "nokey", "w_*"])]
        args = opts + gets
        check = diff.check_unordered if (by == "nosort" and kind == "set") else diff.check
        check("SORT", "src", *args)
        check("SORT_RO", "src", *args)
        if not (by == "nosort" and kind == "set"):
            diff.check("SORT", "src", *args, "STORE", "dst")
            diff.check("LRANGE", "dst", "0", "-1")
        else:  # STORE sorts a set ALPHA
            diff.check("SORT", "src", *args, "STORE", "dst")
            diff.check("LRANGE", "dst", "0", "-1")


def test_sort_details(diff):
    diff.check("RPUSH", "l", "3", "1", "2")
    diff.check("SORT", "l")
    diff.check("SORT", "l", "LIMIT", "1", "1")
    diff.check("SORT", "l", "LIMIT", "5", "1")
    diff.check("SORT", "l", "LIMIT", "0", "0")
    diff.check("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "5")
    diff.check("SORT", "l", "GET", "#", "GET", "nostar", "GET", "k_*")
    diff.check("SET", "k_1", "one")
    diff.check("SORT", "l", "GET", "#", "GET", "k_*", "STORE", "st")
    diff.check("LRANGE", "st", "0", "-1")
    diff.check("SORT", "missing", "STORE", "st")
    diff.check("EXISTS", "st")
    diff.check("SORT", "missing")
    diff.check("RPUSH", "bad", "1", "x")
    diff.check_error("SORT", "bad")
    diff.check("SORT", "bad", "ALPHA")
    diff.check_error("SORT", "l", "BY", "k_*")  # "one" is no number
    diff.check("SET", "s", "x")
    diff.check_error("SORT", "s")
    diff.check_error("SORT", "l", "FOO")
    diff.check_error("SORT", "l", "LIMIT", "1")
    diff.check_error("SORT", "l", "LIMIT", "a", "1")
    diff.check_error("SORT_RO", "l", "STORE", "x")
    diff.check_error("SORT", "l", "STORE")
    diff.check_error("SORT", "s", "FOO")
    diff.check("ZADD", "z", "1", "a", "2", "b")
    diff.check("OBJECT", "ENCODING", "z")
    diff.check("SORT", "z", "BY", "nosort", "DESC")
    diff.check("OBJECT", "ENCODING", "z")  # SORT converts the set, as Redis
    diff.check("SET", "dst", "old", "EX", "100")
    diff.check("SORT", "z", "ALPHA", "STORE", "dst")
    diff.check("TTL", "dst")
    diff.check("TYPE", "dst")


def test_sort_in_scripts(diff):
    diff.check("SADD", "{s}set", "c", "a", "b", "10", "2")
    diff.check("EVAL", "return redis.call('SORT', KEYS[1], 'BY', 'nosort')", "1", "{s}set")
    diff.check("EVAL", "return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'DESC', 'LIMIT', 0, 2)",
               "1", "{s}set")
    diff.check("EVAL", "return redis.call('SORT_RO', KEYS[1], 'ALPHA')", "1", "{s}set")
    diff.check("SORT", "{s}set", "BY", "nosort", "STORE", "{s}out")
    diff.check("LRANGE", "{s}out", "0", "-1")
    diff.check("MULTI")
    diff.check("SORT", "{s}set", "ALPHA", "GET", "#", "GET", "w_*")
    diff.check("EXEC")


def test_sort_with_patterns_is_atomic(server):
    """A writer sets data_* of every element (keys on both shards) to the same version with
    one MSET; SORT ... BY nosort GET data_* must always see one version only."""
    r = server.client()
    elems = [f"e{i}" for i in range(8)]
    r.rpush("items", *elems)
    r.mset({f"data_{e}": "0" for e in elems})
    bad = []
    w, c = server.client(), server.client()
    version = {"i": 0}

    def writer():
        version["i"] += 1
        w.mset({f"data_{e}": str(version["i"]) for e in elems})

    def reader():
        got = c.sort("items", by="nosort", get="data_*")
        if len(set(got)) != 1:
            bad.append(got)
        c.sort("items", by="data_*", get="data_*", store="out")
        got = c.lrange("out", 0, -1)
        if len(set(got)) != 1:
            bad.append(got)

    run_for(1.5, writer, reader)
    assert not bad, bad[:3]


SORT_SCRIPTS = [
    "return redis.call('SORT', KEYS[1], 'BY', 'w_*', 'GET', 'd_*', 'GET', '#')",
    "return redis.call('SORT', KEYS[1], 'BY', 'w_*->f', 'GET', 'h_*->f', 'LIMIT', 1, 2)",
    "return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'GET', 'd_*')",
    "return redis.call('SORT_RO', KEYS[1], 'BY', 'w_*', 'DESC', 'GET', 'd_*')",
    "return redis.call('SORT', KEYS[2], 'BY', 'nosort', 'GET', 'd_*')",  # a set: ALPHA
    "return redis.call('SORT', KEYS[2], 'BY', 'w_*', 'GET', '#', 'GET', 'missing_*')",
    "redis.call('SET', 'w_3', '-1') "
    "return redis.call('SORT', KEYS[1], 'BY', 'w_*', 'GET', 'd_*', 'STORE', KEYS[3])",
    "return {redis.call('SORT', KEYS[1], 'BY', 'w_*', 'GET', 'd_*', 'STORE', KEYS[3]), "
    "redis.call('LRANGE', KEYS[3], 0, -1)}",
    "return redis.pcall('SORT', KEYS[1], 'BY', 'd_*')",  # not numbers: an error reply
]


def _sort_script_data(diff):
    diff.check("FLUSHALL")
    diff.check("RPUSH", "l", "3", "1", "2", "4")
    diff.check("SADD", "s", "3", "1", "2", "4")
    for i, w in ((1, 30), (2, 10), (3, 20), (4, 5)):
        diff.check("SET", f"w_{i}", str(w))
        diff.check("SET", f"d_{i}", f"data{i}")
        diff.check("HSET", f"w_{i}->f", "x", "1")  # a key named like a pattern: not read
        diff.check("HSET", f"h_{i}", "f", f"hash{i}")


@pytest.fixture
def undeclared_diff(lacewing_factory, redis_server):
    from differential import Differential
    lw = lacewing_factory("--proactor_threads", "2", "--default_lua_flags",
                          "allow-undeclared-keys")
    d = Differential(lw.port, redis_server.port)
    yield d
    d.close()


def test_sort_patterns_in_undeclared_key_scripts(undeclared_diff):
    """allow-undeclared-keys scripts may SORT with BY/GET patterns (the script reruns under
    the whole-store lock): replies and stored lists equal redis-server's, with Redis 7's
    in-script rules (a set sorted BY nosort comes out ALPHA)."""
    diff = undeclared_diff
    _sort_script_data(diff)
    for body in SORT_SCRIPTS:
        diff.check("EVAL", body, "3", "l", "s", "dst")
        diff.check("LRANGE", "dst", "0", "-1")
    info = diff.lw.call("INFO", "stats")
    assert b"lua_script_global_fallbacks:0\r\n" not in info


def test_sort_patterns_in_lock_ahead_scripts(diff):
    """A lock-ahead script locks its declared keys only: SORT with a pattern, which reads keys
    the script did not declare, fails with the undeclared-key error (documented Lacewing
    rule) and nothing it did before stays; without patterns SORT runs as in Redis."""
    _sort_script_data(diff)
    lw = diff.lw.call("EVAL", "redis.call('SET', KEYS[2], 'x') return redis.call('SORT', "
                      "KEYS[1], 'BY', 'w_*')", "2", "l", "other")
    assert lw.startswith(b"-ERR script tried accessing undeclared key"), lw
    assert diff.lw.call("EXISTS", "other") == b":0\r\n"
    lw = diff.lw.call("EVAL", "#!lua flags=no-writes\n" + SORT_SCRIPTS[3], "1", "l")
    assert lw.startswith(b"-ERR script tried accessing undeclared key"), lw
    diff.check("EVAL", "return redis.call('SORT', KEYS[1], 'DESC', 'LIMIT', 0, 3)", "1", "l")
    diff.check("EVAL", "return redis.call('SORT', KEYS[1], 'BY', 'nosort', 'STORE', KEYS[2])",
               "2", "s", "dst")
    diff.check("LRANGE", "dst", "0", "-1")


def _hits_misses(client):
    text = client.call("INFO", "stats").decode()
    out = {}
    for line in text.split("\r\n"):
        if line.startswith(("keyspace_hits:", "keyspace_misses:")):
            k, v = line.split(":")
            out[k] = int(v)
    return out


@pytest.mark.parametrize("threads", ["1", "2"])
def test_sort_get_without_by_reads_what_redis_reads(lacewing_factory, redis_server, threads):
    """SORT/SORT_RO ... GET pattern without a BY sort (the two-hop path: the key's shard reads
    the source, orders it and reads its GET keys; the other shard the rest): replies, errors
    and the keyspace hits/misses each command adds equal Redis's (the same keys are read: only
    the LIMIT range's GET keys, none after an error), on one thread and on two."""
    from differential import Differential
    server = lacewing_factory("--proactor_threads", threads)
    diff = Differential(server.port, redis_server.port)
    diff.check("FLUSHALL")
    rng = random.Random(1800 + int(threads))
    for i in range(60):
        diff.check("SET", f"g_{i}", f"val{i}")
        if i % 3 == 0:
            diff.check("HSET", f"h_{i}", "f", f"hv{i}")
    diff.check("SET", "g_str", "x")
    for _ in range(120):
        kind = rng.choice(["list", "list", "zset", "set", "missing", "string"])
        diff.check("DEL", "src")
        n = rng.randint(0, 40)
        items = [str(rng.randint(-5, 70)) for _ in range(n)] + (["abc"] if rng.random() < 0.2 else [])
        if kind == "list" and items:
            diff.check("RPUSH", "src", *items)
        elif kind == "zset" and items:
            diff.check("ZADD", "src", *[x for it in items for x in (str(rng.randint(0, 3)), it)])
        elif kind == "set" and items:
            diff.check("SADD", "src", *items)
        elif kind == "string":
            diff.check("SET", "src", "v")
        opts = rng.choice([[], ["BY", "nosort"], ["BY", "nosort"], ["ALPHA"]])
        opts += [rng.choice(["ASC", "DESC"])]
        if kind != "set" and rng.random() < 0.5:
            opts += ["LIMIT", str(rng.randint(-1, 30)), str(rng.randint(-1, 15))]
        gets = []
        for _ in range(rng.randint(1, 3)):
            gets += ["GET", rng.choice(["g_*", "#", "h_*->f", "nostar", "g_*", "h_*->"])]
        if not any(g in ("g_*", "h_*->f", "h_*->") for g in gets):
            gets += ["GET", "g_*"]
        for cmd in ("SORT", "SORT_RO"):
            if kind == "set" and "nosort" in opts:
                continue  # a set's own order is the implementation's
            before = _hits_misses(diff.lw), _hits_misses(diff.rd)
            diff.check(cmd, "src", *opts, *gets)
            after = _hits_misses(diff.lw), _hits_misses(diff.rd)
            delta = [{k: a[k] - b[k] for k in a} for a, b in zip(after, before)]
            # INFO itself is no lookup; the deltas are the SORT's own reads.
            assert delta[0] == delta[1], f"{cmd} src {opts} {gets}: {delta}"
    diff.close()
