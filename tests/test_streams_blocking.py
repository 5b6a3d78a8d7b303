"""Blocking stream reads: XREAD BLOCK / XREADGROUP BLOCK across connections and threads.

Lacewing runs with 2 proactor threads, so the blocked clients and the writers are spread over
both. Checked: wake-ups by XADD from another connection, a script and MULTI/EXEC; arrival
order of blocked clients; exactly-once delivery of group entries; BLOCK 0; timeouts; a
deleted, replaced or group-less stream; and the raw reply bytes of a woken read, RESP2 and
RESP3, against redis-server.
"""
import threading
import time

import pytest

from resp_client import RawClient


def start_blocked(port, *args, resp3=False):
    """Sends a blocking command on a new raw connection; returns (client, thread, result)."""
    c = RawClient(port, timeout=30)
    if resp3:
        c.call("HELLO", "3")
    result = {}

    def run():
        result["reply"] = c.call(*args)
        result["at"] = time.time()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return c, t, result


def wait_blocked(admin, n):
    """Lacewing's INFO does not count blocked clients yet: a pause orders the commands."""
    time.sleep(0.25)


def test_group_entries_delivered_once_in_arrival_order(server):
    r = server.client()
    r.xgroup_create("q", "g", id="$", mkstream=True)
    waiters = []
    for i in range(6):
        waiters.append(start_blocked(server.port, "XREADGROUP", "GROUP", "g", f"c{i}", "COUNT",
                                     "1", "BLOCK", "0", "STREAMS", "q", ">"))
        wait_blocked(r, i + 1)
        time.sleep(0.05)
    ids = [r.xadd("q", {"n": str(i)}, id=f"{i + 1}-0") for i in range(6)]
    got = []
    for c, t, res in waiters:
        t.join(10)
        assert not t.is_alive()
        got.append(res["reply"])
        c.close()
    # Each blocked consumer, oldest first, received exactly one entry, in order.
    for i, reply in enumerate(got):
        assert f"{i + 1}-0".encode() in reply and f"c{i}".encode() not in reply, got
    pending = r.xpending("q", "g")
    assert pending["pending"] == 6
    assert sorted(x["name"] for x in pending["consumers"]) == [f"c{i}".encode() for i in range(6)]
    assert [i.decode() for i in ids] == [f"{i + 1}-0" for i in range(6)]


def test_many_consumers_each_entry_once(server):
    r = server.client()
    r.xgroup_create("jobs", "g", id="$", mkstream=True)
    seen, lock = [], threading.Lock()
    stop = threading.Event()

    def consumer(name):
        c = server.client()
        while not stop.is_set():
            res = c.xreadgroup("g", name, {"jobs": ">"}, count=3, block=200)
            for _, entries in res or []:
                with lock:
                    seen.extend(e[0] for e in entries)
                c.xack("jobs", "g", *[e[0] for e in entries])

    threads = [threading.Thread(target=consumer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    writer = server.client()
    for i in range(300):
        writer.xadd("jobs", {"i": str(i)})
    deadline = time.time() + 20
    while time.time() < deadline:
        with lock:
            if len(seen) >= 300:
                break
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(10)
    assert len(seen) == 300 and len(set(seen)) == 300
    assert r.xpending("jobs", "g")["pending"] == 0


def test_xread_wakes_from_script_and_multi_on_other_shard(server):
    r = server.client()
    keys = [f"k{i}" for i in range(4)]  # on both shards
    c, t, res = start_blocked(server.port, "XREAD", "BLOCK", "0", "STREAMS", *keys,
                              *(["$"] * len(keys)))
    wait_blocked(r, 1)
    r.eval("return redis.call('XADD', KEYS[1], '7-1', 'f', 'v')", 1, "k3")
    t.join(10)
    assert res["reply"] == b"*1\r\n*2\r\n$2\r\nk3\r\n*1\r\n*2\r\n$3\r\n7-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
    c.close()
    c, t, res = start_blocked(server.port, "XREAD", "BLOCK", "0", "STREAMS", "k0", "k1", "$",
                              "$")
    wait_blocked(r, 1)
    p = r.pipeline(transaction=True)
    p.set("other", "x")
    p.xadd("k1", {"a": "1"}, id="9-9")
    p.execute()
    t.join(10)
    assert b"9-9" in res["reply"] and b"k1" in res["reply"]
    c.close()


def test_block_zero_waits_and_timeouts(server):
    r = server.client()
    c, t, res = start_blocked(server.port, "XREAD", "BLOCK", "0", "STREAMS", "forever", "$")
    time.sleep(0.5)
    assert t.is_alive()
    r.xadd("forever", {"x": "1"}, id="1-1")
    t.join(10)
    assert b"1-1" in res["reply"]
    c.close()
    start = time.time()
    c, t, res = start_blocked(server.port, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "300",
                              "STREAMS", "forever", ">")
    t.join(10)
    assert res["reply"].startswith(b"-NOGROUP")  # checked before blocking
    r.xgroup_create("forever", "g", id="$")
    start = time.time()
    c2, t2, res2 = start_blocked(server.port, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "300",
                                 "STREAMS", "forever", ">")
    t2.join(10)
    assert res2["reply"] == b"*-1\r\n"
    assert 0.28 <= res2["at"] - start < 2.0
    # A timed-out XREADGROUP created no consumer, as in Redis.
    assert r.xinfo_groups("forever")[0]["consumers"] == 0
    c.close()
    c2.close()


@pytest.mark.parametrize("change", ["DEL", "SET", "DESTROY", "UNLINK"])
def test_blocked_group_read_on_changed_key(server, change):
    r = server.client()
    r.xgroup_create("gone", "g", id="$", mkstream=True)
    c, t, res = start_blocked(server.port, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0",
                              "STREAMS", "gone", ">")
    c2, t2, res2 = start_blocked(server.port, "XREAD", "BLOCK", "0", "STREAMS", "gone", "$")
    wait_blocked(r, 2)
    if change == "DEL":
        r.delete("gone")
    elif change == "UNLINK":
        r.unlink("gone")
    elif change == "SET":
        r.set("gone", "string now")
    else:
        r.xgroup_destroy("gone", "g")
    t.join(10)
    expected = (b"-NOGROUP the consumer group this client was blocked on no longer exists\r\n"
                if change == "DESTROY" else b"-UNBLOCKED the stream key no longer exists\r\n")
    assert res["reply"] == expected
    # A plain XREAD keeps waiting for entries, as in Redis.
    time.sleep(0.2)
    assert t2.is_alive()
    r.delete("gone")
    r.xadd("gone", {"a": "b"}, id="5-5")
    t2.join(10)
    assert b"5-5" in res2["reply"]
    c.close()
    c2.close()


def test_woken_reply_bytes_match_redis(server, redis_server):
    for resp3 in (False, True):
        for port in (server.port, redis_server.port):
            RawClient(port).call("XGROUP", "CREATE", "w", "g", "$", "MKSTREAM")
        replies = []
        for port in (server.port, redis_server.port):
            admin = RawClient(port)
            c1, t1, r1 = start_blocked(port, "XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "w",
                                       "$", resp3=resp3)
            c2, t2, r2 = start_blocked(port, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0",
                                       "STREAMS", "w", ">", resp3=resp3)
            time.sleep(0.3)
            admin.call("XADD", "w", "3-3", "f1", "v1", "f2", "v2")
            t1.join(10)
            t2.join(10)
            replies.append((r1["reply"], r2["reply"]))
            admin.call("DEL", "w")
            for c in (c1, c2, admin):
                c.close()
        assert replies[0] == replies[1], replies


def test_block_refused_in_scripts_and_null_in_multi(diff):
    diff.check("XADD", "s", "1-1", "a", "1")
    diff.check("EVAL", "return redis.call('XREAD', 'BLOCK', '0', 'STREAMS', KEYS[1], '$')", "1",
               "s")
    diff.check("EVAL", "return redis.pcall('xread', 'block', '10', 'STREAMS', KEYS[1], '0')",
               "1", "s")
    diff.check("MULTI")
    diff.check("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    diff.check("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    diff.check("XREAD", "BLOCK", "0", "STREAMS", "s", "0")
    diff.check("EXEC")
