"""Differential tests (Lacewing vs redis-server 7.0) for the keys family: TYPE, TOUCH, UNLINK,
EXPIRE & co, TTL & co, PERSIST, SCAN, KEYS, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, SELECT,
OBJECT and DEBUG POPULATE/SLEEP.

redis-server refuses DEBUG unless started with --enable-debug-command, so this file starts its
own reference server (`kdiff`) instead of using the shared `diff` fixture. Replies whose order
is unspecified (KEYS, a full SCAN) are compared as sets.
"""
import time

import pytest

from conftest import free_port
from differential import Differential, RedisServerProcess, _split_aggregate
from resp_client import RawClient


@pytest.fixture
def kdiff(server):
    rd = RedisServerProcess(free_port(), extra=["--enable-debug-command", "yes"])
    d = Differential(server.port, rd.port)
    yield d
    d.close()
    rd.stop()


def _elements(reply):
    return _split_aggregate(reply)[1]


def _lw_has(d, command):
    """True if Lacewing knows `command` (other families may not be linked in yet)."""
    return not d.lw.call("COMMAND", "INFO", command).startswith(b"*1\r\n*-1")


def _scan_all(client, *extra):
    """Runs a full SCAN; returns (set of keys as bytes, number of calls)."""
    cursor, seen, calls = b"0", set(), 0
    while True:
        reply = client.call("SCAN", cursor, *extra)
        cur, keys = _elements(reply)
        cursor = cur.split(b"\r\n")[1]
        seen.update(_elements(keys))
        calls += 1
        if cursor == b"0" or calls > 100000:
            return seen, calls


def _both(d, *args):
    d.lw.call(*args)
    d.rd.call(*args)


def test_type_touch_unlink(kdiff):
    d = kdiff
    d.check("TYPE", "nokey")
    d.check("SET", "s", "v")
    d.check("TYPE", "s")
    for cmd, args, kind in (("RPUSH", ("l", "a"), "l"), ("HSET", ("h", "f", "v"), "h"),
                            ("SADD", ("st", "m"), "st"), ("ZADD", ("z", "1", "m"), "z")):
        if _lw_has(d, cmd.lower()):
            d.check(cmd, *args)
            d.check("TYPE", kind)
    for i in range(20):
        _both(d, "SET", f"k{i}", "v")
    d.check("TOUCH", "s", "k1", "k2", "nokey", "s")
    d.check("UNLINK", "s", "k1", "k2", "k3", "nokey", "s")
    d.check("EXISTS", "s", "k1", "k4")
    d.check("TOUCH")
    d.check("UNLINK")
    d.check("TYPE")
    d.check("TYPE", "a", "b")


def test_expire_errors(kdiff):
    d = kdiff
    d.check("SET", "a", "1")
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        d.check_error(cmd, "a", "10", "nx", "xx")
        d.check_error(cmd, "a", "10", "NX", "GT")
        d.check_error(cmd, "a", "10", "nx", "lt")
        d.check_error(cmd, "a", "10", "GT", "LT")
        d.check_error(cmd, "a", "10", "xx", "gt", "lt")
        d.check_error(cmd, "a", "10", "foo")
        d.check_error(cmd, "a", "10", "NX", "foo")
        d.check_error(cmd, "a", "abc", "foo")
        d.check_error(cmd, "a", "abc", "nx", "xx")
        d.check_error(cmd, "a", "abc")
        d.check_error(cmd, "nokey", "abc")
        d.check_error(cmd, "a", "1.5")
        d.check_error(cmd, "a", " 1")
        d.check_error(cmd, "a", "9223372036854775808")
        d.check_error(cmd, "a")
        d.check_error(cmd)
    d.check_error("EXPIRE", "a", "9999999999999999")
    d.check_error("EXPIRE", "a", "-9999999999999999")
    d.check_error("EXPIREAT", "a", "9999999999999999")
    d.check_error("PEXPIRE", "a", "9223372036854775807")
    d.check_error("EXPIREAT", "a", "-9223372036854775808")
    d.check("PEXPIREAT", "a", "9223372036854775807")
    d.check("PEXPIRETIME", "a")
    d.check("PERSIST", "a")
    d.check("TTL", "a")


def test_expire_options(kdiff):
    d = kdiff
    d.check("EXPIRE", "nokey", "10")
    d.check("EXPIRE", "nokey", "10", "NX")
    d.check("SET", "a", "1")
    d.check("EXPIRE", "a", "100", "XX")
    d.check("EXPIRE", "a", "100", "GT")
    d.check("EXPIRE", "a", "100", "LT")
    d.check("TTL", "a")
    d.check("EXPIRE", "a", "200", "NX")
    d.check("EXPIRE", "a", "50", "GT")
    d.check("EXPIRE", "a", "200", "gt")
    d.check("TTL", "a")
    d.check("EXPIRE", "a", "300", "LT")
    d.check("EXPIRE", "a", "150", "xx", "lt")
    d.check("EXPIRE", "a", "150", "xx", "xx", "lt", "LT")
    d.check("TTL", "a")
    d.check("EXPIRE", "a", "-5", "GT")
    d.check("EXISTS", "a")
    d.check("PERSIST", "a")
    d.check("PERSIST", "a")
    d.check("PERSIST", "nokey")
    d.check("PERSIST")
    d.check("EXPIRE", "a", "10", "NX")
    d.check("EXPIREAT", "a", "99999999999", "GT")
    d.check("EXPIRETIME", "a")
    d.check("PEXPIREAT", "a", "99999999999000", "LT")
    d.check("PEXPIRETIME", "a")
    d.check("PEXPIREAT", "a", "99999999999001", "LT")
    d.check("PEXPIRETIME", "a")


def test_past_deadline_deletes(kdiff):
    d = kdiff
    for cmd, when in (("EXPIRE", "-1"), ("EXPIRE", "0"), ("PEXPIRE", "-100"),
                      ("EXPIREAT", "1"), ("PEXPIREAT", "1"), ("PEXPIREAT", "0")):
        d.check("SET", "a", "1")
        d.check(cmd, "a", when)
        d.check("EXISTS", "a")
    d.check("SET", "a", "1")
    d.check("EXPIRE", "a", "0", "LT")  # no TTL counts as infinite, so LT passes
    d.check("EXISTS", "a")
    d.check("SET", "a", "1")
    d.check("EXPIREAT", "a", "1", "GT")  # GT fails first: nothing is deleted
    d.check("EXISTS", "a")
    d.check("EXPIREAT", "a", "1", "XX")
    d.check("EXISTS", "a")
    d.check("EXPIREAT", "a", "1", "NX")
    d.check("EXISTS", "a")
    d.check("TYPE", "a")


def test_ttl_family(kdiff):
    d = kdiff
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        d.check(cmd, "nokey")
        d.check(cmd)
        d.check(cmd, "a", "b")
    d.check("SET", "a", "1")
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        d.check(cmd, "a")
    for at in ("99999999999499", "99999999999500", "99999999999999", "1999999999001"):
        d.check("PEXPIREAT", "a", at)
        d.check("EXPIRETIME", "a")
        d.check("PEXPIRETIME", "a")
    d.check("EXPIRE", "a", "1000")
    d.check("TTL", "a")
    d.check("PEXPIRE", "a", "1499")
    d.check("TTL", "a")
    d.check("PEXPIRE", "a", "100000")
    lw, rd = d.run("PTTL", "a")
    assert 90000 < int(lw[1:-2]) <= 100000 and 90000 < int(rd[1:-2]) <= 100000
    d.check("PEXPIRE", "a", "30")
    time.sleep(0.08)
    d.check("TTL", "a")
    d.check("PTTL", "a")
    d.check("EXISTS", "a")


def test_scan(kdiff):
    d = kdiff
    for i in range(300):
        _both(d, "SET", f"key:{i}", "v")
        _both(d, "SET", f"other{i}", i)
    if _lw_has(d, "rpush"):
        for i in range(10):
            d.check("RPUSH", f"list{i}", "x")
    for extra in ((), ("COUNT", "1"), ("COUNT", "7"), ("COUNT", "1000"), ("MATCH", "key:1*"),
                  ("MATCH", "other?", "COUNT", "3"), ("MATCH", "*", "COUNT", "50"),
                  ("TYPE", "string"), ("TYPE", "STRING", "MATCH", "key:2?"), ("TYPE", "list"),
                  ("TYPE", "nosuchtype"), ("match", "nomatch*"), ("MATCH", "a", "MATCH", "key:5"),
                  ("COUNT", "5", "COUNT", "100")):
        lw, lw_calls = _scan_all(d.lw, *extra)
        rd, _ = _scan_all(d.rd, *extra)
        assert lw == rd, f"SCAN {extra}: {len(lw)} keys vs redis {len(rd)}"
    _, calls = _scan_all(d.lw, "COUNT", "10")
    assert calls > 10  # COUNT bounds each call's work
    for args in (("SCAN", "abc"), ("SCAN", " 1"), ("SCAN", "1x"), ("SCAN", "18446744073709551616"),
                 ("SCAN", "0", "COUNT", "0"), ("SCAN", "0", "COUNT", "-1"),
                 ("SCAN", "0", "COUNT", "x"), ("SCAN", "0", "MATCH"), ("SCAN", "0", "COUNT"),
                 ("SCAN", "0", "TYPE"), ("SCAN", "0", "FOO", "bar"), ("SCAN", "0", "COUNT", "1", "x"),
                 ("SCAN", "abc", "FOO")):
        d.check_error(*args)
    d.check("SCAN")
    d.check("FLUSHALL")
    d.check("SCAN", "0")
    d.check("SCAN", "0", "COUNT", "100", "MATCH", "*")


def test_keys(kdiff):
    d = kdiff
    d.check("KEYS", "*")
    names = ["", "a[b", "a-", "a]", "x\\", "\xe9", "hello", "hallo", "hxllo", "hllo", "heeeello",
             "key:1", "key:10", "key:2", "Key:3", "a*b", "a?b", "?", "*"]
    for n in names:
        _both(d, "SET", n, "1")
    for p in ("*", "**", "", "?", "[", "a[", "a[[]b", "a[-]", "a[a-]", "a[\\]]", "x\\", "x\\\\",
              "[^a]*", "[z-a]*", "a\\[b", "[a", "*[", "[]]", "*-", "h?llo", "h*llo", "h[ae]llo",
              "h[^e]llo", "h[a-b]llo", "key:*", "key:?", "key:[0-1]*", "*ll*", "\\*", "\\?",
              "a\\*b", "a*b", "[\\^]", "[^", "h*l*o", "*e*e*e*", "nomatch"):
        d.check_unordered("KEYS", p)
    d.check("KEYS")
    d.check("KEYS", "a", "b")
    d.check("SELECT", "2")
    d.check("KEYS", "*")


def test_randomkey_dbsize(kdiff):
    d = kdiff
    d.check("RANDOMKEY")
    d.check("DBSIZE")
    d.check("SET", "only", "1")
    d.check("RANDOMKEY")
    d.check("DBSIZE")
    for i in range(100):
        _both(d, "SET", f"k{i}", "v")
    d.check("DBSIZE")
    seen = set()
    for _ in range(100):
        lw = d.lw.call("RANDOMKEY")
        assert lw.startswith(b"$")
        seen.add(lw)
    assert len(seen) > 10
    d.check("RANDOMKEY", "x")
    d.check("DBSIZE", "x")
    d.check("PEXPIRE", "only", "20")
    d.check("DEL", *[f"k{i}" for i in range(100)])
    time.sleep(0.05)
    d.check("RANDOMKEY")


def test_select_flush(kdiff):
    d = kdiff
    for i in range(10):
        _both(d, "SET", f"k{i}", "v")
    for idx in ("16", "-1", "abc", "99999999999", "-99999999999", "1.0", "", " 1", "01"):
        d.check_error("SELECT", idx)
    d.check("SELECT")
    d.check("SELECT", "1", "2")
    d.check("SELECT", "3")
    d.check("DBSIZE")
    d.check("GET", "k1")
    for i in range(5):
        _both(d, "SET", f"k{i}", "db3")
    d.check("DBSIZE")
    d.check("GET", "k1")
    for args in (("FLUSHDB", "foo"), ("FLUSHDB", "async", "x"), ("FLUSHALL", "bar"),
                 ("FLUSHALL", "sync", "sync")):
        d.check_error(*args)
    d.check("FLUSHDB", "ASYNC")
    d.check("DBSIZE")
    d.check("SELECT", "0")
    d.check("DBSIZE")
    d.check("FLUSHDB", "sync")
    d.check("DBSIZE")
    for i in range(5):
        _both(d, "SET", f"k{i}", "v")
    d.check("SELECT", "15")
    _both(d, "SET", "x", "y")
    d.check("FLUSHALL", "ASYNC")
    d.check("DBSIZE")
    d.check("SELECT", "0")
    d.check("DBSIZE")
    _both(d, "SET", "x", "y")
    d.check("FLUSHALL")
    d.check("FLUSHDB")
    d.check("DBSIZE")


def test_object(kdiff):
    d = kdiff
    d.check("SET", "i", "123")
    d.check("SET", "zero", "0")
    d.check("SET", "max", "9999")
    d.check("SET", "big", "10000")
    d.check("SET", "neg", "-1")
    d.check("SET", "s", "hello")
    d.check("SET", "e44", "x" * 44)
    d.check("SET", "r45", "x" * 45)
    for key in ("i", "zero", "max", "big", "neg", "s", "e44", "r45", "nokey"):
        d.check("OBJECT", "ENCODING", key)
        d.check("OBJECT", "REFCOUNT", key)
        # The idle clocks tick by the second on each server: a boundary between the two
        # replies (a loaded machine) may put them one apart.
        lw, rd = d.run("OBJECT", "IDLETIME", key)
        if rd.startswith(b":"):
            assert lw.startswith(b":") and abs(int(lw[1:]) - int(rd[1:])) <= 1, (key, lw, rd)
        else:
            assert lw == rd, (key, lw, rd)
        d.check("OBJECT", "FREQ", key)
    d.check("OBJECT", "encoding", "s")
    d.check("object", "Refcount", "i")
    if _lw_has(d, "rpush"):
        d.check("RPUSH", "l", "a", "b")
        d.check("OBJECT", "REFCOUNT", "l")
    d.check("OBJECT", "HELP")
    d.check("OBJECT", "help")
    d.check("OBJECT", "HELP", "x")
    d.check("OBJECT")
    d.check("OBJECT", "ENCODING")
    d.check("OBJECT", "ENCODING", "a", "b")
    d.check("OBJECT", "REFCOUNT")
    d.check("OBJECT", "IDLETIME")
    d.check("OBJECT", "FREQ", "s", "x")
    d.check("OBJECT", "foo")
    d.check("OBJECT", "foo", "s")


def test_debug_populate(kdiff):
    d = kdiff
    d.check("SET", "key:1", "mine")
    d.check("DEBUG", "POPULATE", "1000")
    d.check("DBSIZE")
    d.check("GET", "key:1")
    d.check("GET", "key:999")
    d.check("GET", "key:1000")
    d.check_unordered("KEYS", "*")
    d.check("DEBUG", "populate", "3", "p", "12")
    for k in ("p:0", "p:1", "p:2"):
        d.check("GET", k)
        d.check("STRLEN", k)
        d.check("OBJECT", "ENCODING", k)
    d.check("DEBUG", "POPULATE", "2", "q", "3")
    d.check("GET", "q:0")
    d.check("DEBUG", "POPULATE", "2", "r", "0")
    d.check("GET", "r:1")
    d.check("DEBUG", "POPULATE", "2", "")
    d.check("GET", ":1")
    d.check("DEBUG", "POPULATE", "2", "big", "100")
    d.check("GET", "big:1")
    d.check("OBJECT", "ENCODING", "big:1")
    d.check("DEBUG", "POPULATE", "1", "L" * 130)
    d.check_unordered("KEYS", "LLL*")
    d.check("DEBUG", "POPULATE", "0")
    d.check("DBSIZE")
    d.check("SELECT", "4")
    d.check("DEBUG", "POPULATE", "10", "db4")
    d.check("DBSIZE")
    d.check("SELECT", "0")
    d.check("DBSIZE")
    for args in (("POPULATE", "-1"), ("POPULATE", "abc"), ("POPULATE", "3", "p", "-1"),
                 ("POPULATE", "3", "p", "x"), ("POPULATE", "3", "p", "0", "x"), ("POPULATE",),
                 ("foo",), ("SLEEP",), ("SLEEP", "1", "2"), ("populate", "1.5")):
        d.check_error("DEBUG", *args)
    d.check("DEBUG")
    for arg in ("0", "abc", "0.01", "-1", ""):
        d.check("DEBUG", "SLEEP", arg)


def test_debug_sleep_blocks_only_its_client(server):
    import select
    sleeper = RawClient(server.port)
    other = RawClient(server.port)
    sleeper.sock.sendall(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n2\r\n")
    time.sleep(0.05)
    for _ in range(3):
        assert other.call("PING") == b"+PONG\r\n"
    # The other client was served while the sleeper's reply is still pending.
    readable, _, _ = select.select([sleeper.sock], [], [], 0)
    assert not readable
    assert sleeper.read_reply() == b"+OK\r\n"
    sleeper.close()
    other.close()


def test_resp3(kdiff):
    d = kdiff
    if not _lw_has(d, "hello"):
        pytest.skip("HELLO is not in Lacewing yet")
    d.lw.call("HELLO", "3")
    d.rd.call("HELLO", "3")
    d.check("RANDOMKEY")
    d.check("OBJECT", "ENCODING", "nokey")
    d.check("SET", "a", "1")
    d.check("TYPE", "a")
    d.check("SCAN", "0", "COUNT", "100")
    d.check("KEYS", "*")
    d.check("OBJECT", "HELP")
    d.check("TTL", "a")
