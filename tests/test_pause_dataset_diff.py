"""CLIENT PAUSE keeps the dataset still (issue 17), as redis-server 7.0 does: while a WRITE or
ALL pause lasts, the active expiry cycle deletes nothing and nothing is evicted; a read of a
key past its TTL answers as if the key were gone but leaves it stored (DBSIZE, INFO keyspace
and expired_keys do not move) until the pause ends. Each step runs on both servers and the
replies must be identical; "expired" notifications must not arrive before the pause ends."""
import time

import redis


def _subscriber(port):
    ps = redis.Redis(port=port).pubsub()
    ps.subscribe("__keyevent@0__:expired", "__keyevent@0__:evicted")
    for _ in range(2):
        assert ps.get_message(timeout=5)["type"] == "subscribe"
    return ps


def _events(ps, wait):
    out, deadline = [], time.time() + wait
    while time.time() < deadline:
        m = ps.get_message(timeout=0.05)
        if m and m["type"] == "message":
            out.append((m["channel"].decode().rsplit(":", 1)[1], m["data"].decode()))
    return out


def _events_of_all(subs, wait):
    out, deadline = [[] for _ in subs], time.time() + wait
    while time.time() < deadline:
        for i, ps in enumerate(subs):
            out[i] += _events(ps, 0.01)
    return out


def _stat(client, name):
    for line in client.call("INFO", "stats").decode().split("\r\n"):
        if line.startswith(name + ":"):
            return int(line.split(":")[1])
    raise AssertionError(name)


def test_write_pause_freezes_expiry_like_redis(diff, server, redis_server):
    diff.check("CONFIG", "SET", "notify-keyspace-events", "Exe")
    subs = [_subscriber(p) for p in (server.port, redis_server.port)]
    for k in ("a", "b", "{a}c"):
        diff.check("SET", k, "1", "PX", "150")
    diff.check("SET", "d", "1")
    diff.check("SET", "e", "1", "EX", "1000")
    diff.check("CLIENT", "PAUSE", "6000", "WRITE")  # UNPAUSE ends it
    time.sleep(0.5)  # past the TTLs: several expire cycles ran on both servers
    diff.check("DBSIZE")
    for k in ("a", "b", "{a}c"):
        diff.check("GET", k)  # nil: the key is logically gone...
        diff.check("EXISTS", k)
        diff.check("TTL", k)
    diff.check("DBSIZE")  # ...and still stored
    diff.check("INFO", "keyspace")
    diff.check_unordered("KEYS", "*")
    diff.check("GET", "e")
    assert _stat(diff.lw, "expired_keys") == _stat(diff.rd, "expired_keys") == 0
    assert _events_of_all(subs, 0.3) == [[], []]
    diff.check("CLIENT", "UNPAUSE")
    for ps in subs:
        got = set()
        deadline = time.time() + 10
        while len(got) < 3 and time.time() < deadline:
            got |= set(_events(ps, 0.2))
        assert got == {("expired", "a"), ("expired", "b"), ("expired", "{a}c")}
    diff.check("DBSIZE")
    assert _stat(diff.lw, "expired_keys") == _stat(diff.rd, "expired_keys") == 3
    for ps in subs:
        ps.close()


def test_all_pause_holds_expiry_until_it_ends(diff, server, redis_server):
    diff.check("CONFIG", "SET", "notify-keyspace-events", "Ex")
    subs = [_subscriber(p) for p in (server.port, redis_server.port)]
    diff.check("SET", "t", "1", "PX", "100")
    diff.check("SET", "u", "1", "PX", "100")
    start = time.time()
    diff.check("CLIENT", "PAUSE", "1500", "ALL")
    # TTLs long past, the pause still on (both read in the same window, well inside it).
    assert _events_of_all(subs, 0.5) == [[], []]
    assert time.time() - start < 1.4
    for ps in subs:
        got = set()
        deadline = time.time() + 10
        while len(got) < 2 and time.time() < deadline:
            got |= set(_events(ps, 0.1))
        assert got == {("expired", "t"), ("expired", "u")}
        assert time.time() - start >= 1.45  # not before the pause ended
    diff.check("DBSIZE")
    for ps in subs:
        ps.close()


def test_pause_stops_eviction_like_redis(diff):
    diff.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    for i in range(500):
        diff.check("SET", f"key:{i}", "x" * 64)
    diff.check("CLIENT", "PAUSE", "6000", "WRITE")
    diff.check("CONFIG", "SET", "maxmemory", "1")  # far below what either server holds
    time.sleep(0.4)
    diff.check("DBSIZE")  # 500: nothing evicted while paused
    diff.check("GET", "key:7")
    assert _stat(diff.lw, "evicted_keys") == _stat(diff.rd, "evicted_keys") == 0
    diff.check("CLIENT", "UNPAUSE")
    deadline = time.time() + 20  # both evict in the background, in bounded steps
    while time.time() < deadline and any(int(c.call("DBSIZE")[1:-2]) > 0
                                         for c in (diff.lw, diff.rd)):
        time.sleep(0.05)
    diff.check("DBSIZE")  # 0: everything evicted once the pause is over
    assert _stat(diff.lw, "evicted_keys") == _stat(diff.rd, "evicted_keys") == 500
    diff.check("CONFIG", "SET", "maxmemory", "0")
