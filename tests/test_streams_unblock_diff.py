"""Blocked XREADGROUP / XREAD while their stream is flushed, swapped, moved, renamed, replaced,
copied over or expired: the woken clients' replies byte for byte against redis-server 7.0.

Each scenario runs on Lacewing (2 proactor threads) and redis-server side by side: a stream `s`
with group `g` (in database 0, or 1 where said), one XREADGROUP ... BLOCK 0 ... > and one
XREAD BLOCK 0 ... $ blocked on it (two connections, so on both of Lacewing's threads), then
the change (by a client in database 0 unless it selects another). Redis 7.0 answers the XREADGROUP -UNBLOCKED when the key is gone or no stream any
more, -NOGROUP when a stream without the group took its place, and entries when one with the
group did; a plain XREAD keeps waiting until entries come. To end every XREAD without
timeouts, an XADD in the waiters' database (after a DEL where the key is no stream) follows
the change if anyone still waits.
"""
import re
import threading
import time

import pytest

from resp_client import RawClient

GROUP_READ = ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
PLAIN_READ = ("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
MAKE = [("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")]
IN_DB1 = [("SELECT", "1")] + MAKE + [("SELECT", "0")]

# name: (database of the waiters, setup, change)
SCENARIOS = {
    "flushall": (0, MAKE + IN_DB1, [("FLUSHALL",)]),
    "flushall_async": (1, MAKE + IN_DB1, [("FLUSHALL", "ASYNC")]),
    "flushdb": (0, MAKE, [("FLUSHDB",)]),
    "flushdb_other_db": (1, MAKE + IN_DB1, [("FLUSHDB",)]),
    "flushdb_waiters_db": (1, MAKE + IN_DB1, [("SELECT", "1"), ("FLUSHDB",)]),
    "flushdb_in_multi": (0, MAKE, [("MULTI",), ("FLUSHDB",), ("EXEC",)]),
    "swapdb_empty": (0, MAKE, [("SWAPDB", "0", "1")]),
    "swapdb_stream_with_group": (
        0, MAKE + [("SELECT", "1"), ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
                   ("XADD", "s", "5-5", "a", "b"), ("SELECT", "0")], [("SWAPDB", "0", "1")]),
    "swapdb_stream_without_group": (
        0, MAKE + [("SELECT", "1"), ("XADD", "s", "5-5", "a", "b"), ("SELECT", "0")],
        [("SWAPDB", "1", "0")]),
    "swapdb_string": (0, MAKE + [("SELECT", "1"), ("SET", "s", "x"), ("SELECT", "0")],
                      [("SWAPDB", "0", "1")]),
    "move": (0, MAKE, [("MOVE", "s", "1")]),
    "rename_away": (0, MAKE, [("RENAME", "s", "t")]),
    "rename_stream_without_group": (0, MAKE + [("XADD", "t", "7-7", "a", "b")],
                                    [("RENAME", "t", "s")]),
    "rename_stream_with_group": (
        0, MAKE + [("XGROUP", "CREATE", "t", "g", "0", "MKSTREAM"), ("XADD", "t", "7-7", "a", "b")],
        [("RENAME", "t", "s")]),
    "rename_string": (0, MAKE + [("SET", "t", "x")], [("RENAME", "t", "s")]),
    "set": (0, MAKE, [("SET", "s", "x")]),
    "copy_replace": (0, MAKE + [("XADD", "t", "7-7", "a", "b")], [("COPY", "t", "s", "REPLACE")]),
    "hset_after_del_in_multi": (0, MAKE, [("MULTI",), ("DEL", "s"), ("HSET", "s", "f", "v"),
                                          ("EXEC",)]),
    "del_then_xadd_in_multi": (0, MAKE, [("MULTI",), ("DEL", "s"), ("XADD", "s", "9-9", "a", "b"),
                                         ("EXEC",)]),
    "script_del": (0, MAKE, [("EVAL", "return redis.call('DEL', KEYS[1])", "1", "s")]),
    "pexpire": (0, MAKE, [("PEXPIRE", "s", "1"), ("SLEEP",)]),
}


def blocked(port, db, args):
    c = RawClient(port, timeout=10)
    if db:
        c.call("SELECT", str(db))
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("reply", c.call(*args)), daemon=True)
    t.start()
    return c, t, out


def blocked_count(admin):
    info = admin.call("INFO", "clients")
    return int(re.search(rb"blocked_clients:(\d+)", info).group(1))


def wait_blocked(admin, n, timeout=10):
    """Until INFO clients shows n blocked clients (both servers count them)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if blocked_count(admin) >= n:
            return
        time.sleep(0.01)
    raise AssertionError(f"{n} clients did not block")


def run(port, db, setup, change, result):
    admin = RawClient(port)
    admin.call("FLUSHALL")
    for cmd in setup:
        admin.call(*cmd)
    waiters = [blocked(port, db, GROUP_READ)]
    wait_blocked(admin, 1)
    waiters.append(blocked(port, db, PLAIN_READ))
    wait_blocked(admin, 2)
    for cmd in change:
        if cmd == ("SLEEP",):
            time.sleep(0.2)  # the key expires (deleted actively or on this access)
            result.append(admin.call("EXISTS", "s"))
        else:
            result.append(admin.call(*cmd))
    # Until a waiter is woken (both, in some scenarios), or half a second if none is.
    deadline = time.time() + 0.5
    while blocked_count(admin) >= 2 and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    # Whoever still waits gets an entry, on a stream made anew if the key is no stream now.
    if any(t.is_alive() for _, t, _ in waiters):
        admin.call("SELECT", str(db))
        if admin.call("TYPE", "s") not in (b"+stream\r\n", b"+none\r\n"):
            admin.call("DEL", "s")
        result.append(admin.call("XADD", "s", "99-1", "late", "1"))
    for c, t, out in waiters:
        t.join(5)
        result.append(out.get("reply", b"(still blocked)"))
        c.close()
    admin.close()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_unblock_on_key_change(server, redis_server, name):
    db, setup, change = SCENARIOS[name]
    results = {server.port: [], redis_server.port: []}
    threads = [threading.Thread(target=run, args=(p, db, setup, change, results[p]))
               for p in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    lw, rd = results[server.port], results[redis_server.port]
    assert rd and b"(still blocked)" not in b"".join(rd), rd
    assert lw == rd, f"{name}: lacewing {lw} != redis {rd}"


def test_flushall_wakes_many_group_readers_on_both_threads(server, redis_server):
    """Six XREADGROUPs over streams on both shards and two databases; FLUSHALL ends them all."""
    keys = [f"k{i}" for i in range(6)]
    for port in (server.port, redis_server.port):
        admin = RawClient(port)
        waiters = []
        for i, k in enumerate(keys):
            admin.call("SELECT", str(i % 2))
            admin.call("XGROUP", "CREATE", k, "g", "$", "MKSTREAM")
            waiters.append(blocked(port, i % 2, ("XREADGROUP", "GROUP", "g", f"c{i}", "BLOCK",
                                                 "0", "STREAMS", k, ">")))
        wait_blocked(admin, len(keys))
        admin.call("FLUSHALL")
        for c, t, out in waiters:
            t.join(5)
            assert out.get("reply") == b"-UNBLOCKED the stream key no longer exists\r\n", port
            c.close()
        admin.close()
