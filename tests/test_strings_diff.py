"""Differential tests (Lacewing vs redis-server 7.0) for the string family: every command,
its options and its error replies must match byte for byte."""
import random

import pytest


def _has(diff, *probe):
    """True if Lacewing implements the command of `probe` (not an unknown-command error)."""
    lw, _ = diff.run(*probe)
    return not lw.startswith(b"-ERR unknown command")


def _make_non_string(diff, key):
    """Creates `key` holding a non-string value on both servers; False if no container family
    is available in this build yet."""
    for cmd in (("RPUSH", key, "a"), ("SADD", key, "a"), ("HSET", key, "f", "v"),
                ("ZADD", key, "1", "a")):
        lw, rd = diff.run(*cmd)
        if lw == rd and lw.startswith(b":"):
            return True
        diff.run("DEL", key)
    return False


def test_get_set_variants(diff):
    diff.check("GET", "k")
    diff.check("SETNX", "k", "v1")
    diff.check("SETNX", "k", "v2")
    diff.check("GET", "k")
    diff.check("GETSET", "k", "v3")
    diff.check("GETSET", "new", "x")
    diff.check("GETDEL", "new")
    diff.check("GETDEL", "new")
    diff.check("EXISTS", "new")
    diff.check("SETEX", "e", "100", "val")
    diff.check("PSETEX", "p", "100000", "val")
    diff.check("GET", "e")
    diff.check("GET", "p")
    for bad in ("0", "-5", "abc", "1.5", "", "9223372036854775807"):
        diff.check_error("SETEX", "e", bad, "v")
    for bad in ("0", "-5", "abc", "9223372036854775807"):
        diff.check_error("PSETEX", "e", bad, "v")
    diff.check("GET", "e")
    diff.check("SETEX", "e", "10")
    diff.check("SETNX", "k")
    diff.check("GETSET", "k")
    diff.check("GETDEL", "k", "x")
    diff.check("SET", "n", "12345")
    diff.check("GETSET", "n", "67890")
    diff.check("GET", "n")
    diff.check("SET", "empty", "")
    diff.check("GET", "empty")
    diff.check("STRLEN", "empty")
    diff.check("SET", "bin", b"a\x00b\r\nc\xff")
    diff.check("GET", "bin")


def test_set_options(diff):
    diff.check("SET", "k", "v", "EX", "abc", "BOGUS")
    diff.check("SET", "k", "v", "EX", "10", "EX", "20")
    diff.check("SET", "k", "v", "PX", "10000", "PX", "20000")
    diff.check("SET", "k", "v", "EX", "10", "PX", "20")
    diff.check("SET", "k", "v", "EXAT", "99999999999", "KEEPTTL")
    diff.check("SET", "k", "v", "KEEPTTL", "PXAT", "99999999999")
    diff.check("SET", "k", "v", "KEEPTTL", "KEEPTTL")
    diff.check("SET", "k", "v", "NX", "NX")
    diff.check("SET", "k", "v2", "XX", "GET")
    diff.check("SET", "k", "v3", "NX", "GET")
    diff.check("SET", "nk", "v3", "NX", "GET")
    diff.check("SET", "nk2", "v3", "XX", "GET")
    diff.check("SET", "k", "v", "ex", "10", "get", "xx")
    diff.check("SET", "k", "v", "EX")
    diff.check("SET", "k", "v", "EX", "-1")
    diff.check("SET", "k", "v", "EX", "9223372036854775807")
    diff.check("SET", "k", "v", "PX", "9223372036854775807")
    diff.check("SET", "k", "v", "EXAT", "9223372036854775")
    diff.check("SET", "k", "v", "PXAT", "1")
    diff.check("GET", "k")
    diff.check("SET", "k", "v", "PERSIST")
    diff.check("SET", "k")


def test_getex(diff):
    diff.check("GETEX", "missing")
    diff.check("GETEX", "missing", "EX", "abc")
    diff.check("GETEX", "missing", "BOGUS")
    diff.check("SET", "k", "v")
    diff.check("GETEX", "k")
    diff.check("GETEX", "k", "EX", "100")
    diff.check("GETEX", "k", "PX", "100000")
    diff.check("GETEX", "k", "EXAT", "99999999999")
    diff.check("GETEX", "k", "PXAT", "99999999999999")
    diff.check("GETEX", "k", "PERSIST")
    diff.check("GETEX", "k", "PERSIST", "PERSIST")
    diff.check("GETEX", "k", "EX", "10", "EX", "20")
    diff.check("GETEX", "k", "EX", "10", "PERSIST")
    diff.check("GETEX", "k", "PERSIST", "EX", "10")
    diff.check("GETEX", "k", "EX", "10", "PX", "10")
    diff.check("GETEX", "k", "KEEPTTL")
    diff.check("GETEX", "k", "NX")
    diff.check("GETEX", "k", "GET")
    diff.check("GETEX", "k", "EX")
    diff.check("GETEX", "k", "EX", "abc")
    diff.check("GETEX", "k", "EX", "0")
    diff.check("GETEX", "k", "PX", "-1")
    diff.check("GETEX", "k", "EX", "9223372036854775807")
    diff.check("GETEX", "k", "PX", "9223372036854775807")
    diff.check("GETEX", "k", "EXAT", "1")
    diff.check("GET", "k")
    diff.check("EXISTS", "k")
    diff.check("GETEX")


def test_ttl_effects(diff):
    if not _has(diff, "TTL", "x"):
        pytest.skip("TTL not in this build")
    diff.check("SETEX", "k", "100", "v")
    diff.check("TTL", "k")
    diff.check("APPEND", "k", "w")
    diff.check("TTL", "k")
    diff.check("SETRANGE", "k", "0", "z")
    diff.check("SETBIT", "k", "1", "1")
    diff.check("TTL", "k")
    diff.check("SETEX", "c", "100", "5")
    diff.check("INCR", "c")
    diff.check("INCRBYFLOAT", "c", "1.5")
    diff.check("TTL", "c")
    diff.check("GETSET", "c", "1")
    diff.check("TTL", "c")
    diff.check("SET", "k", "v", "EX", "100")
    diff.check("SET", "k", "v2", "KEEPTTL")
    diff.check("TTL", "k")
    diff.check("SET", "k", "v3")
    diff.check("TTL", "k")
    diff.check("GETEX", "k", "EX", "50")
    diff.check("TTL", "k")
    diff.check("GETEX", "k", "PERSIST")
    diff.check("TTL", "k")
    diff.check("MSET", "k", "x")
    diff.check("TTL", "k")


def test_append_strlen(diff):
    diff.check("APPEND", "k", "hello")
    diff.check("APPEND", "k", " world")
    diff.check("GET", "k")
    diff.check("STRLEN", "k")
    diff.check("STRLEN", "missing")
    diff.check("APPEND", "e", "")
    diff.check("EXISTS", "e")
    diff.check("STRLEN", "e")
    diff.check("SET", "n", "-123")
    diff.check("STRLEN", "n")
    diff.check("APPEND", "n", "4")
    diff.check("GET", "n")
    diff.check("INCR", "n")
    diff.check("APPEND", "n", "")
    for i in range(40):
        diff.check("APPEND", "grow", "x" * (i * 37))
    diff.check("GET", "grow")
    diff.check("APPEND", "k")
    diff.check("STRLEN")


def test_getrange_setrange(diff):
    diff.check("SET", "k", "Hello World")
    for start, end in [(0, 4), (-5, -1), (0, -1), (5, 3), (-1, -5), (-100, 100), (20, 30),
                       (0, 0), (-1, -1), (10, 10), (11, 11), (-3, 100)]:
        diff.check("GETRANGE", "k", str(start), str(end))
        diff.check("SUBSTR", "k", str(start), str(end))
    diff.check("GETRANGE", "missing", "0", "-1")
    diff.check("GETRANGE", "missing", "a", "-1")
    diff.check("GETRANGE", "k", "a", "1")
    diff.check("GETRANGE", "k", "0", "1.5")
    diff.check("GETRANGE", "k", "0")
    diff.check("SET", "n", "1234567")
    diff.check("GETRANGE", "n", "2", "4")
    diff.check("SET", "e", "")
    diff.check("GETRANGE", "e", "0", "-1")
    diff.check("SETRANGE", "k", "6", "Redis")
    diff.check("GET", "k")
    diff.check("SETRANGE", "k", "20", "far")
    diff.check("GET", "k")
    diff.check("SETRANGE", "k", "0", "")
    diff.check("SETRANGE", "missing", "5", "")
    diff.check("EXISTS", "missing")
    diff.check("SETRANGE", "missing", "3", "abc")
    diff.check("GET", "missing")
    diff.check("SETRANGE", "n", "1", "9")
    diff.check("GET", "n")
    diff.check("INCR", "n")
    diff.check("SETRANGE", "k", "-1", "x")
    diff.check("SETRANGE", "k", "abc", "x")
    diff.check("SETRANGE", "k", "536870911", "xy")
    diff.check("SETRANGE", "k", "536870912", "x")
    diff.check("SETRANGE", "k", "536870911", "")
    diff.check("SETRANGE", "nokey", "536870912", "x")
    diff.check("SETRANGE", "nokey", "536870912", "")
    diff.check("SETRANGE", "k", "9223372036854775807", "x")
    diff.check("SETRANGE", "k", "0")


def test_counters(diff):
    diff.check("INCR", "c")
    diff.check("INCR", "c")
    diff.check("DECR", "c")
    diff.check("DECR", "d")
    diff.check("INCRBY", "c", "100")
    diff.check("INCRBY", "c", "-300")
    diff.check("DECRBY", "c", "-50")
    diff.check("DECRBY", "c", "7")
    diff.check("GET", "c")
    diff.check("INCRBY", "c", "abc")
    diff.check("INCRBY", "c", "1.0")
    diff.check("INCRBY", "c", " 1")
    diff.check("INCRBY", "c", "9223372036854775808")
    diff.check("DECRBY", "c", "x")
    diff.check("DECRBY", "c", "-9223372036854775808")
    diff.check("DECRBY", "nokey", "-9223372036854775808")
    diff.check("SET", "m", "9223372036854775807")
    diff.check("INCR", "m")
    diff.check("INCRBY", "m", "0")
    diff.check("DECRBY", "m", "-1")
    diff.check("SET", "m", "-9223372036854775808")
    diff.check("DECR", "m")
    diff.check("INCRBY", "m", "-1")
    diff.check("INCRBY", "m", "9223372036854775807")
    diff.check("DECRBY", "m", "9223372036854775807")
    for bad in ("abc", "1.5", " 1", "1 ", "01", "+1", "-0", "", "99999999999999999999",
                "12345678901234567890123"):
        diff.check("SET", "s", bad)
        diff.check("INCR", "s")
        diff.check("DECRBY", "s", "1")
    diff.check("APPEND", "a", "5")
    diff.check("APPEND", "a", "5")
    diff.check("INCR", "a")
    diff.check("INCR")
    diff.check("INCRBY", "c")
    diff.check("DECRBY", "c", "1", "2")


def test_incrbyfloat(diff):
    diff.check("SET", "f", "10.5")
    diff.check("INCRBYFLOAT", "f", "0.1")
    diff.check("INCRBYFLOAT", "f", "-5.0e3")
    diff.check("INCRBYFLOAT", "f", "5000")
    diff.check("INCRBYFLOAT", "f", "-0.6")
    diff.check("GET", "f")
    diff.check("INCR", "f")
    diff.check("INCRBYFLOAT", "nf", "3.0e3")
    diff.check("INCRBYFLOAT", "nf2", "-0")
    diff.check("INCRBYFLOAT", "nf3", "0x10")
    diff.check("INCRBYFLOAT", "nf4", "1e-300")
    diff.check("INCRBYFLOAT", "nf5", "1e300")
    diff.check("INCRBYFLOAT", "nf6", "1.23456789012345678901234")
    diff.check("INCRBYFLOAT", "nf7", ".5")
    diff.check("INCRBYFLOAT", "nf8", "5.")
    diff.check("INCRBYFLOAT", "nf9", "-1e400")
    diff.check("INCRBYFLOAT", "nf10", "3.3333333333333333")
    diff.check("INCRBYFLOAT", "nf10", "0.1")
    diff.check("SET", "i", "17")
    diff.check("INCRBYFLOAT", "i", "0.25")
    diff.check("SET", "big", "1e4000")
    diff.check("INCRBYFLOAT", "big", "1")
    for bad in ("abc", "nan", "-nan", " 1", "1 ", "", "1e5000", "1.5x", "inf", "-inf", "+inf"):
        diff.check("INCRBYFLOAT", "f", bad)
    diff.check("SET", "s", "notanumber")
    diff.check("INCRBYFLOAT", "s", "1")
    diff.check("INCRBYFLOAT", "s", "abc")
    diff.check("SET", "s", " 1.5")
    diff.check("INCRBYFLOAT", "s", "1")
    diff.check("SET", "s", "inf")
    diff.check("INCRBYFLOAT", "s", "1")
    diff.check("SET", "s", "1.7976931348623157e308")
    diff.check("INCRBYFLOAT", "s", "1.7976931348623157e308")
    diff.check("INCRBYFLOAT", "s", "-1.7976931348623157e308")
    diff.check("INCRBYFLOAT", "f")
    # An embedded NUL is not the end of the number; no negative zero.
    diff.check("SET", "z", "1")
    diff.check("SETRANGE", "z", "2", "2")
    diff.check("INCRBYFLOAT", "z", "1")
    diff.check("INCRBYFLOAT", "f", b"1\x002")
    diff.check("SET", "z", "0")
    diff.check("INCRBYFLOAT", "z", repr(1 / 41))
    diff.check("INCRBYFLOAT", "z", repr(-1 / 41))
    diff.check("SET", "z", "1")
    diff.check("INCRBYFLOAT", "z", "-1.1")
    rnd = random.Random(7)
    for _ in range(200):
        v = rnd.choice([rnd.uniform(-1e6, 1e6), rnd.uniform(-1, 1), rnd.randint(-1000, 1000),
                        rnd.uniform(-1e20, 1e20)])
        diff.check("INCRBYFLOAT", "acc", repr(v))
    diff.check("GET", "acc")


def test_bits(diff):
    diff.check("SETBIT", "b", "7", "1")
    diff.check("SETBIT", "b", "7", "1")
    diff.check("SETBIT", "b", "7", "0")
    diff.check("SETBIT", "b", "100", "1")
    diff.check("GET", "b")
    diff.check("GETBIT", "b", "100")
    diff.check("GETBIT", "b", "101")
    diff.check("GETBIT", "b", "100000")
    diff.check("GETBIT", "missing", "5")
    diff.check("EXISTS", "missing")
    for off in ("-1", "abc", "4294967296", "1.5", "9223372036854775808", "#1"):
        diff.check("SETBIT", "b", off, "1")
        diff.check("GETBIT", "b", off)
    for val in ("2", "-1", "abc", "", "01", "1.0"):
        diff.check("SETBIT", "b", "1", val)
    diff.check("SETBIT", "b", "4294967295", "0")
    diff.check("STRLEN", "b")
    diff.check("DEL", "b")
    diff.check("SET", "n", "12")
    diff.check("SETBIT", "n", "6", "0")
    diff.check("GET", "n")
    diff.check("SET", "n", "12")
    diff.check("GETBIT", "n", "2")
    diff.check("SETBIT", "b", "1")
    diff.check("GETBIT", "b")


def test_bitcount(diff):
    diff.check("SET", "s", "foobar")
    diff.check("BITCOUNT", "s")
    diff.check("BITCOUNT", "s", "0", "0")
    diff.check("BITCOUNT", "s", "1", "1")
    diff.check("BITCOUNT", "s", "1", "1", "BYTE")
    diff.check("BITCOUNT", "s", "5", "30", "BIT")
    diff.check("BITCOUNT", "s", "5", "30", "bit")
    diff.check("BITCOUNT", "s", "-2", "-1")
    diff.check("BITCOUNT", "s", "-1", "-2")
    diff.check("BITCOUNT", "s", "-100", "100")
    diff.check("BITCOUNT", "s", "1")
    diff.check("BITCOUNT", "s", "1", "2", "3")
    diff.check("BITCOUNT", "s", "1", "2", "BIT", "x")
    diff.check("BITCOUNT", "s", "a", "2")
    diff.check("BITCOUNT", "s", "1", "b")
    diff.check("BITCOUNT", "s", "a", "b", "FOO")
    diff.check("BITCOUNT", "missing")
    diff.check("BITCOUNT", "missing", "1")
    diff.check("BITCOUNT", "missing", "a", "b", "FOO")
    diff.check("SET", "e", "")
    diff.check("BITCOUNT", "e")
    diff.check("BITCOUNT", "e", "0", "-1")
    diff.check("SET", "n", "-987654321")
    diff.check("BITCOUNT", "n")
    diff.check("BITCOUNT")


def test_bitpos(diff):
    diff.check("SET", "p", b"\xff\xf0\x00")
    diff.check("BITPOS", "p", "0")
    diff.check("BITPOS", "p", "1")
    diff.check("BITPOS", "p", "0", "2", "-1", "BYTE")
    diff.check("BITPOS", "p", "1", "2", "-1", "BYTE")
    diff.check("BITPOS", "p", "1", "7", "15", "BIT")
    diff.check("BITPOS", "p", "0", "7", "15", "BIT")
    diff.check("BITPOS", "p", "0", "1")
    diff.check("BITPOS", "p", "1", "1")
    diff.check("BITPOS", "p", "1", "-1")
    diff.check("BITPOS", "p", "0", "5", "2", "BIT")
    diff.check("SET", "full", b"\xff\xff")
    diff.check("BITPOS", "full", "0")
    diff.check("BITPOS", "full", "0", "0")
    diff.check("BITPOS", "full", "0", "0", "-1")
    diff.check("BITPOS", "full", "0", "3", "BIT")
    diff.check("BITPOS", "full", "0", "3", "-1", "BIT")
    diff.check("BITPOS", "full", "1", "20")
    diff.check("SET", "zero", b"\x00\x00")
    diff.check("BITPOS", "zero", "1")
    diff.check("BITPOS", "zero", "0")
    diff.check("BITPOS", "zero", "1", "0", "-1", "BIT")
    diff.check("BITPOS", "missing", "0")
    diff.check("BITPOS", "missing", "1")
    diff.check("BITPOS", "missing", "1", "a", "b", "FOO")
    diff.check("BITPOS", "missing", "2")
    diff.check("BITPOS", "p", "2")
    diff.check("BITPOS", "p", "-1")
    diff.check("BITPOS", "p", "a")
    diff.check("BITPOS", "p", "1", "a")
    diff.check("BITPOS", "p", "1", "0", "a")
    diff.check("BITPOS", "p", "1", "0", "a", "FOO")
    diff.check("BITPOS", "p", "1", "0", "1", "FOO")
    diff.check("BITPOS", "p", "1", "0", "1", "BIT", "x")
    diff.check("SET", "e", "")
    diff.check("BITPOS", "e", "0")
    diff.check("BITPOS", "e", "1")
    diff.check("SET", "n", "12")
    diff.check("BITPOS", "n", "1")
    diff.check("BITPOS", "p")


def test_bit_ranges_fuzz(diff):
    rnd = random.Random(42)
    for n in range(30):
        length = rnd.randint(0, 12)
        value = bytes(rnd.choice([0x00, 0xff, rnd.randint(0, 255)]) for _ in range(length))
        diff.check("SET", "r", value)
        for _ in range(25):
            a, b = rnd.randint(-110, 110), rnd.randint(-110, 110)
            unit = rnd.choice([[], ["BIT"], ["BYTE"]])
            diff.check("BITCOUNT", "r", str(a), str(b), *unit)
            bit = str(rnd.randint(0, 1))
            diff.check("BITPOS", "r", bit, str(a))
            diff.check("BITPOS", "r", bit, str(a), str(b), *unit)
            diff.check("GETRANGE", "r", str(a), str(b))
        off = rnd.randint(0, 120)
        diff.check("SETBIT", "r", str(off), str(rnd.randint(0, 1)))
        diff.check("SETRANGE", "r", str(rnd.randint(0, 20)), "xyz")
        diff.check("GET", "r")


def test_mget_mset(diff):
    keys = [f"key:{i}" for i in range(30)]
    args = []
    for i, k in enumerate(keys):
        args += [k, f"v{i}"]
    diff.check("MSET", *args)
    diff.check("MGET", *keys, "missing")
    diff.check("MSET", "a", "1", "a", "2")
    diff.check("GET", "a")
    diff.check("MSET", "a", "1", "b")
    diff.check("MSET", "a")
    diff.check("MGET")
    diff.check("MSETNX", "x", "1", "key:3", "2")
    diff.check("EXISTS", "x")
    diff.check("MSETNX", "x", "1", "y", "2", "x", "3")
    diff.check("MGET", "x", "y")
    diff.check("MSETNX", "z", "1", "y")
    diff.check("MSETNX", "z")


def test_wrong_type(diff):
    if not _make_non_string(diff, "l"):
        pytest.skip("no container family in this build")
    for cmd in [("GET", "l"), ("GETEX", "l"), ("GETEX", "l", "EX", "abc"), ("GETDEL", "l"),
                ("GETSET", "l", "v"), ("APPEND", "l", "v"), ("STRLEN", "l"),
                ("GETRANGE", "l", "0", "1"), ("SUBSTR", "l", "0", "1"),
                ("SETRANGE", "l", "0", "v"), ("SETRANGE", "l", "0", ""),
                ("INCR", "l"), ("DECR", "l"), ("INCRBY", "l", "2"), ("DECRBY", "l", "2"),
                ("INCRBYFLOAT", "l", "1.5"), ("INCRBYFLOAT", "l", "abc"),
                ("SETBIT", "l", "0", "1"), ("GETBIT", "l", "0"), ("BITCOUNT", "l"),
                ("BITCOUNT", "l", "1"), ("BITPOS", "l", "1"), ("BITPOS", "l", "1", "a"),
                ("SET", "l", "v", "GET")]:
        diff.check(*cmd)
    # Errors about the arguments come before the type check for these.
    diff.check("INCRBY", "l", "abc")
    diff.check("GETRANGE", "l", "a", "1")
    diff.check("SETRANGE", "l", "-1", "v")
    diff.check("SETBIT", "l", "-1", "1")
    diff.check("SETBIT", "l", "0", "5")
    diff.check("GETBIT", "l", "x")
    diff.check("BITPOS", "l", "5")
    diff.check("SETNX", "l", "v")
    diff.check("MGET", "l", "missing")
    diff.check("MSETNX", "l", "v", "other", "w")
    diff.check("SET", "l", "v")
    diff.check("GET", "l")
    assert _make_non_string(diff, "l2")
    diff.check("MSET", "l2", "v")
    diff.check("GET", "l2")


def test_encodings(diff):
    if not _has(diff, "OBJECT", "ENCODING", "x"):
        pytest.skip("OBJECT not in this build")
    cases = [
        ("SET", "k", "123"), ("SET", "k", "-9223372036854775808"), ("SET", "k", "012"),
        ("SET", "k", "12345678901234567890"), ("SET", "k", "abc"), ("SET", "k", "x" * 44),
        ("SET", "k", "x" * 45), ("SET", "k", ""), ("APPEND", "k", "a"), ("APPEND", "k", "1"),
        ("INCR", "k"), ("SETRANGE", "k", "0", "9"), ("INCRBYFLOAT", "k", "1"),
        ("INCRBYFLOAT", "k", "0.5"), ("SETBIT", "k", "3", "1"), ("GETSET", "k", "77"),
        ("MSET", "k", "88"), ("SETEX", "k", "100", "99"), ("SET", "k", "1"),
        ("SETRANGE", "k", "0", ""), ("SET", "k", "1"), ("GETEX", "k", "EX", "100"),
        ("SET", "k", "1"), ("SETBIT", "k", "0", "0"),
    ]
    diff.check("DEL", "k")
    for c in cases:
        diff.check(*c)
        diff.check("OBJECT", "ENCODING", "k")
    diff.check("DEL", "k")
    diff.check("APPEND", "k", "42")
    diff.check("OBJECT", "ENCODING", "k")
    diff.check("DEL", "k")
    diff.check("SETBIT", "k", "0", "1")
    diff.check("OBJECT", "ENCODING", "k")


def test_resp3(diff):
    if not _has(diff, "HELLO", "3"):
        pytest.skip("HELLO not in this build")
    diff.run("HELLO", "3")
    diff.check("GET", "missing")
    diff.check("GETEX", "missing")
    diff.check("GETDEL", "missing")
    diff.check("GETSET", "missing", "v")
    diff.check("SET", "k", "v", "NX")
    diff.check("SET", "k", "v", "GET")
    diff.check("MGET", "k", "missing")
    diff.check("INCRBYFLOAT", "f", "1.5")
    diff.check("INCR", "c")


def test_lcs(diff):
    diff.check("MSET", "{l}a", "ohmytext", "{l}b", "mynewtext")
    diff.check("LCS", "{l}a", "{l}b")
    diff.check("LCS", "{l}a", "{l}b", "LEN")
    diff.check("LCS", "{l}a", "{l}b", "IDX")
    diff.check("LCS", "{l}a", "{l}b", "IDX", "MINMATCHLEN", "4")
    diff.check("LCS", "{l}a", "{l}b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
    diff.check("LCS", "{l}a", "{l}b", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "-3")
    diff.check("LCS", "{l}a", "{l}b", "LEN", "IDX")
    diff.check("LCS", "{l}a", "{l}b", "MINMATCHLEN")
    diff.check("LCS", "{l}a", "{l}b", "MINMATCHLEN", "x")
    diff.check("LCS", "{l}a", "{l}b", "FOO")
    diff.check("LCS", "{l}a", "missing")
    diff.check("LCS", "missing", "{l}b", "IDX")
    diff.check("LCS", "{l}a", "{l}a", "IDX", "WITHMATCHLEN")
    diff.check("LCS", "{l}a")
    # Keys on different shards.
    diff.check("MSET", "x1", "abcdefghij", "y2", "xxbcdxxfghxxj")
    diff.check("LCS", "x1", "y2", "IDX", "WITHMATCHLEN")
    rnd = random.Random(3)
    for _ in range(40):
        a = "".join(rnd.choice("abc") for _ in range(rnd.randint(0, 30)))
        b = "".join(rnd.choice("abc") for _ in range(rnd.randint(0, 30)))
        diff.check("MSET", "{l}a", a, "{l}b", b)
        diff.check("LCS", "{l}a", "{l}b")
        diff.check("LCS", "{l}a", "{l}b", "IDX", "WITHMATCHLEN", "MINMATCHLEN",
                   str(rnd.randint(0, 3)))
    if _make_non_string(diff, "nl"):
        diff.check("LCS", "{l}a", "nl")
        diff.check("LCS", "nl", "{l}a", "FOO")
