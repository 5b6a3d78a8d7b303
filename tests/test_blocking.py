"""End-to-end tests of the blocking list and sorted-set commands on a 2-shard Lacewing:
wake-once across shards, FIFO service, timeouts, disconnects while blocked, BLMOVE across
shards, and shutdown with blocked clients."""
import socket
import threading
import time

import pytest
import redis

from resp_client import RawClient, encode

# With 2 shards, 8 keys almost surely cover both.
KEYS = [f"key{i}" for i in range(8)]


def blocked_call(server, *args):
    """Runs a command on its own connection in a thread; returns (thread, result dict)."""
    result = {}

    def run():
        c = server.client()
        start = time.monotonic()
        try:
            reply = c.execute_command(*args)
            result["reply"] = list(reply) if isinstance(reply, tuple) else reply
        except redis.exceptions.ResponseError as e:
            result["error"] = str(e)
        except redis.exceptions.ConnectionError as e:  # CLIENT KILL
            result["closed"] = str(e)
        result["elapsed"] = time.monotonic() - start
        c.close()

    t = threading.Thread(target=run)
    t.start()
    return t, result


def wait_blocked(client, n, timeout=5):
    """Waits until `n` clients run a blocking command (CLIENT LIST's cmd field)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        clients = client.client_list()
        blocked = [c for c in clients if c.get("cmd", "").startswith(("bl", "br", "bz"))]
        if len(blocked) >= n:
            time.sleep(0.05)  # the command may still be a few steps from its wait
            return
        time.sleep(0.01)
    raise AssertionError(f"{n} blocked clients expected")


def test_woken_exactly_once_by_first_push_across_shards(server):
    c = server.client()
    t, res = blocked_call(server, "BLPOP", *KEYS, 0)
    wait_blocked(c, 1)
    c.rpush("key5", "first", "second")
    c.rpush("key2", "other")
    t.join(5)
    assert not t.is_alive()
    assert res["reply"] == [b"key5", b"first"]
    assert c.lrange("key5", 0, -1) == [b"second"]
    assert c.lrange("key2", 0, -1) == [b"other"]
    # Every other key's push stays put: the client was woken once.
    for k in KEYS:
        c.rpush(k, "later")
    time.sleep(0.1)
    assert sum(c.llen(k) for k in KEYS) == len(KEYS) + 2


def test_several_waiters_served_fifo(server):
    c = server.client()
    threads = []
    for i in range(3):
        threads.append(blocked_call(server, "BRPOP", "q", 0))
        wait_blocked(c, i + 1)
    c.rpush("q", "a", "b", "c")  # BRPOP takes from the right: c, b, a
    for t, _ in threads:
        t.join(5)
    assert [r["reply"] for _, r in threads] == [[b"q", b"c"], [b"q", b"b"], [b"q", b"a"]]
    assert c.exists("q") == 0


def test_fifo_across_pushes(server):
    c = server.client()
    threads = []
    for i in range(3):
        threads.append(blocked_call(server, "BZPOPMIN", "z", "zz", 0))
        wait_blocked(c, i + 1)
    for i in range(3):
        c.zadd("zz" if i % 2 else "z", {f"m{i}": i})
        time.sleep(0.05)
    for t, _ in threads:
        t.join(5)
    replies = [r["reply"] for _, r in threads]
    assert [r[1] for r in replies] == [b"m0", b"m1", b"m2"]


@pytest.mark.parametrize("cmd", [
    ("BLPOP", "e1", "e2", "0.1"), ("BRPOP", "e1", "0.1"),
    ("BLMOVE", "e1", "e2", "LEFT", "RIGHT", "0.1"), ("BRPOPLPUSH", "e1", "e2", "0.1"),
    ("BLMPOP", "0.1", "2", "e1", "e2", "LEFT"), ("BZPOPMIN", "e1", "0.1"),
    ("BZPOPMAX", "e1", "e2", "0.1"), ("BZMPOP", "0.1", "1", "e1", "MIN")])
def test_timeouts_honoured(server, cmd):
    c = server.client()
    start = time.monotonic()
    assert c.execute_command(*cmd) is None
    elapsed = time.monotonic() - start
    assert 0.1 <= elapsed < 5


def test_fractional_timeout_then_push_in_time(server):
    c = server.client()
    t, res = blocked_call(server, "BLPOP", "ft", "2.5")
    wait_blocked(c, 1)
    c.lpush("ft", "v")
    t.join(5)
    assert res["reply"] == [b"ft", b"v"] and res["elapsed"] < 2.5


def test_disconnect_while_blocked_leaks_nothing(server):
    c = server.client()
    raw = socket.create_connection(("127.0.0.1", server.port))
    raw.sendall(encode("BLPOP", "gone", "other", "0"))
    wait_blocked(c, 1)
    raw.close()
    time.sleep(0.2)
    c.rpush("gone", "v")
    time.sleep(0.1)
    assert c.lrange("gone", 0, -1) == [b"v"]  # not consumed by the dead client
    assert not [x for x in c.client_list() if x.get("cmd") == "blpop"]


def test_disconnect_with_pipelined_input_while_blocked(server):
    c = server.client()
    raw = socket.create_connection(("127.0.0.1", server.port))
    raw.sendall(encode("BLMOVE", "src", "dst", "LEFT", "LEFT", "0") + encode("PING"))
    wait_blocked(c, 1)
    raw.shutdown(socket.SHUT_WR)  # hang up after pipelining more input
    raw.close()
    time.sleep(0.2)
    c.rpush("src", "v")
    time.sleep(0.1)
    assert c.lrange("src", 0, -1) == [b"v"]
    assert c.exists("dst") == 0


def test_client_kill_unblocks(server):
    c = server.client()
    t, res = blocked_call(server, "BZPOPMAX", "kz", 0)
    wait_blocked(c, 1)
    victim = [x for x in c.client_list() if x.get("cmd") == "bzpopmax"][0]
    c.client_kill_filter(_id=victim["id"])
    t.join(5)
    assert not t.is_alive() and "closed" in res
    c.zadd("kz", {"m": 1})
    assert c.zcard("kz") == 1


def test_blmove_across_shards(server):
    c = server.client()
    for i in range(4):
        src, dst = f"msrc{i}", f"mdst{i}"
        t, res = blocked_call(server, "BLMOVE", src, dst, "RIGHT", "LEFT", 0)
        wait_blocked(c, 1)
        c.rpush(src, "a", "b")
        t.join(5)
        assert res["reply"] == b"b"
        assert c.lrange(src, 0, -1) == [b"a"]
        assert c.lrange(dst, 0, -1) == [b"b"]
    # Wrong destination type at wake-up: WRONGTYPE and the source keeps its elements.
    for i in range(4):
        src, dst = f"wsrc{i}", f"wdst{i}"
        c.set(dst, "x")
        t, res = blocked_call(server, "BRPOPLPUSH", src, dst, 0)
        wait_blocked(c, 1)
        c.rpush(src, "a", "b", "c")
        t.join(5)
        assert res["error"].startswith("WRONGTYPE")
        assert c.lrange(src, 0, -1) == [b"a", b"b", b"c"]


def test_push_and_served_pop_are_atomic(server):
    """A waiter gets the element of the push that woke it before any other client sees it."""
    c = server.client()
    t, res = blocked_call(server, "BLPOP", "atom", 0)
    wait_blocked(c, 1)
    seen = []
    stop = threading.Event()

    def watch():
        w = server.client()
        while not stop.is_set():
            seen.append(w.llen("atom"))
        w.close()

    wt = threading.Thread(target=watch)
    wt.start()
    time.sleep(0.05)
    c.rpush("atom", "only")
    t.join(5)
    stop.set()
    wt.join()
    assert res["reply"] == [b"atom", b"only"]
    assert all(n == 0 for n in seen)


def test_shutdown_with_blocked_clients(lacewing_factory):
    s = lacewing_factory("--proactor_threads", "2")
    c = s.client()
    raw = RawClient(s.port)
    raw.sock.sendall(encode("BLPOP", "never", "0"))
    raw2 = RawClient(s.port)
    raw2.sock.sendall(encode("BZMPOP", "0", "2", "n1", "n2", "MAX"))
    wait_blocked(c, 2)
    start = time.monotonic()
    assert s.stop() == 0
    assert time.monotonic() - start < 10
    raw.close()
    raw2.close()


def test_zunionstore_destination_wakes_bzpopmin(server):
    c = server.client()
    t, res = blocked_call(server, "BZPOPMIN", "zdst", "5")
    wait_blocked(c, 1)
    c.zadd("zsrc", {"a": 1.5})
    assert c.zunionstore("zdst", ["zsrc"]) == 1
    t.join(5)
    assert res.get("reply") == [b"zdst", b"a", 1.5], res  # redis-py parses the score
