"""Differential tests (Lacewing vs redis-server 7.0) for MOVE, SWAPDB and COPY ... DB: replies,
errors, TTLs and values moved between databases; SWAPDB's effect on WATCH (EXEC aborted when a
watched key exists in either database) and on clients blocked on keys that the swap brings in;
and SWAPDB's atomicity across shards under concurrent readers."""
import time

import pytest
from concurrency import run_for

from resp_client import RawClient, encode

KEYS = [f"k{i}" for i in range(8)]  # both shards


def test_move(diff):
    diff.check("SET", "a", "1", "EX", "100")
    diff.check("MOVE", "a", "1")
    diff.check("EXISTS", "a")
    diff.check("SELECT", "1")
    diff.check("GET", "a")
    diff.check("TTL", "a")
    diff.check("MOVE", "a", "0")
    diff.check("SET", "a", "again")
    diff.check("MOVE", "a", "0")  # exists in the target: 0
    diff.check("GET", "a")
    diff.check("MOVE", "missing", "0")
    diff.check("RPUSH", "l", "x", "y")
    diff.check("MOVE", "l", "2")
    diff.check("SELECT", "2")
    diff.check("LRANGE", "l", "0", "-1")
    diff.check_error("MOVE", "l", "2")
    diff.check_error("MOVE", "l", "16")
    diff.check_error("MOVE", "l", "-1")
    diff.check_error("MOVE", "l", "x")
    diff.check_error("MOVE", "l", "99999999999")
    diff.check_error("MOVE", "l")


def test_copy_db(diff):
    diff.check("SET", "s", "v", "PX", "100000")
    diff.check("COPY", "s", "s", "DB", "3")
    diff.check("COPY", "s", "s", "DB", "3")
    diff.check("COPY", "s", "s", "DB", "3", "REPLACE")
    diff.check("SELECT", "3")
    diff.check("GET", "s")
    diff.check("SELECT", "0")
    diff.check_error("COPY", "s", "s")
    diff.check_error("COPY", "s", "t", "DB", "16")
    diff.check_error("COPY", "s", "t", "DB", "x")
    diff.check_error("COPY", "s", "t", "DB")


def test_swapdb(diff):
    for i, k in enumerate(KEYS):
        diff.check("SET", k, f"db0-{i}")
    diff.check("SELECT", "1")
    diff.check("RPUSH", "only1", "a")
    diff.check("SWAPDB", "0", "1")
    diff.check("DBSIZE")
    diff.check("MGET", *KEYS)
    diff.check("SELECT", "0")
    diff.check("LRANGE", "only1", "0", "-1")
    diff.check("DBSIZE")
    diff.check("SWAPDB", "0", "0")
    diff.check("SWAPDB", "1", "0")
    diff.check("MGET", *KEYS)
    diff.check_error("SWAPDB", "0", "16")
    diff.check_error("SWAPDB", "-1", "0")
    diff.check_error("SWAPDB", "x", "0")
    diff.check_error("SWAPDB", "0", "1.5")
    diff.check_error("SWAPDB", "0")


def _watch_outcome(port, setup_other_db):
    """WATCH w in db 0, then another client fills db 1 (or not) and swaps; EXEC's reply."""
    a, b = RawClient(port), RawClient(port)
    a.call("FLUSHALL")
    if setup_other_db:
        b.call("SELECT", "1")
        b.call("SET", "w", "from-db1")
        b.call("SELECT", "0")
    a.call("WATCH", "w")
    b.call("SWAPDB", "0", "1")
    a.call("MULTI")
    a.call("GET", "w")
    out = a.call("EXEC")
    a.close()
    b.close()
    return out


@pytest.mark.parametrize("other", [True, False])
def test_swapdb_invalidates_watch_like_redis(server, redis_server, other):
    lw = _watch_outcome(server.port, other)
    rd = _watch_outcome(redis_server.port, other)
    assert lw == rd, (lw, rd)


def _blocked_outcome(port):
    """A client blocks on `bl` in db 0; db 1 has the list; SWAPDB 0 1 must serve it."""
    a, b = RawClient(port, timeout=5), RawClient(port)
    b.call("FLUSHALL")
    b.call("SELECT", "1")
    b.call("RPUSH", "bl", "v1", "v2")
    a.sock.sendall(encode("BLPOP", "bl", "3"))
    time.sleep(0.2)
    b.call("SWAPDB", "0", "1")
    got = a.read_reply()
    b.call("SELECT", "0")
    rest = b.call("LRANGE", "bl", "0", "-1")
    a.close()
    b.close()
    return got, rest


def test_swapdb_wakes_blocked_clients_like_redis(server, redis_server):
    lw = _blocked_outcome(server.port)
    rd = _blocked_outcome(redis_server.port)
    assert lw == rd, (lw, rd)
    assert lw[0].startswith(b"*2")


def test_swapdb_is_atomic_across_shards(server):
    """db0 holds A-values, db1 B-values on keys of both shards; a thread swaps them over and
    over; MGET in db0 must see all A or all B, never a mix."""
    c = server.client()
    c.mset({k: "A" for k in KEYS})
    c1 = server.client(db=1)
    c1.mset({k: "B" for k in KEYS})
    bad = []
    s, r = server.client(), server.client()

    def swapper():
        s.swapdb(0, 1)

    def reader():
        got = set(r.mget(KEYS))
        if len(got) != 1:
            bad.append(got)

    run_for(1.5, swapper, reader)
    assert not bad, bad[:3]


def test_swapdb_in_scripts(lacewing_factory, redis_server):
    """SWAPDB inside a script: an allow-undeclared-keys script reruns under the whole-store
    lock and then behaves as in Redis (its later reads see the swapped databases); a
    lock-ahead script, which holds only its declared keys, gets the undeclared-key error
    and its earlier writes are rolled back."""
    from differential import Differential
    lw = lacewing_factory("--proactor_threads", "2", "--default_lua_flags",
                          "allow-undeclared-keys")
    diff = Differential(lw.port, redis_server.port)
    diff.check("MSET", *[x for k in KEYS for x in (k, "A")])
    diff.check("SELECT", "1")
    diff.check("MSET", *[x for k in KEYS for x in (k, "B")])
    diff.check("SELECT", "0")
    body = ("redis.call('SET', 'x', 'before') local r = redis.call('SWAPDB', 0, 1) "
            "return {r, redis.call('GET', 'x'), redis.call('GET', KEYS[1]), "
            "redis.call('DBSIZE')}")
    diff.check("EVAL", body, "1", KEYS[0])
    diff.check("MGET", *KEYS, "x")
    diff.check("EVAL", "return redis.pcall('SWAPDB', 0, 99)", "0")
    diff.check("SELECT", "1")
    diff.check("MGET", *KEYS, "x")
    diff.close()
    plain = lacewing_factory("--proactor_threads", "2").client()
    plain.set("k", "v")
    try:
        plain.eval("redis.call('SET', KEYS[1], 'changed') return redis.call('SWAPDB', 0, 1)",
                   1, "k")
        raise AssertionError("SWAPDB ran in a lock-ahead script")
    except Exception as e:  # noqa: BLE001 - redis.ResponseError
        assert "undeclared key" in str(e), e
    assert plain.get("k") == b"v"
