"""Differential tests (Lacewing vs redis-server 7.0) for the multi-key commands of keys, sets
and sorted sets: RENAME RENAMENX COPY, SMOVE SINTER SUNION SDIFF SINTERCARD and the *STORE
forms, ZUNION ZINTER ZDIFF ZINTERCARD ZRANGESTORE ZMPOP and the *STORE forms.

Lacewing runs with 2 shards; every scenario is repeated over many distinct key names (no
hashtags), so both the same-shard and the cross-shard paths are exercised.
"""
import pytest

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
PAIRS = [(f"src:{i}", f"dst:{i}") for i in range(8)]


def has_hello(diff):
    lw, _ = diff.run("HELLO", "3")
    ok = not lw.startswith(b"-")
    if ok:
        diff.rd.call("HELLO", "3")
    return ok


def both(diff, *args):
    """Runs a setup command on both servers; their replies must agree too."""
    return diff.check(*args)


# --------------------------------------------------------------------------------------
# RENAME / RENAMENX / COPY


@pytest.mark.parametrize("src,dst", PAIRS)
def test_rename_basics(diff, src, dst):
    diff.check("RENAME", src, dst)
    diff.check("RENAMENX", src, dst)
    both(diff, "SET", src, "v1")
    diff.check("RENAME", src, dst)
    diff.check("EXISTS", src, dst)
    diff.check("GET", dst)
    both(diff, "SET", src, "v2")
    diff.check("RENAMENX", src, dst)
    diff.check("GET", src)
    diff.check("RENAMENX", dst, src + "x")
    diff.check("GET", src + "x")
    diff.check("RENAME", src + "x", src)
    diff.check("MGET", src, dst, src + "x")
    # Same key.
    diff.check("RENAME", src, src)
    diff.check("RENAMENX", src, src)
    diff.check("RENAME", "nokey", "nokey")
    diff.check("RENAMENX", "nokey", "nokey")
    # Expiry goes along; the destination's old expiry does not stay.
    both(diff, "SET", src, "e", "EX", "1000")
    both(diff, "SET", dst, "old", "EX", "50")
    diff.check("RENAME", src, dst)
    diff.check("TTL", dst)
    both(diff, "PERSIST", dst)
    both(diff, "SET", src, "old", "EX", "50")
    diff.check("RENAME", dst, src)
    diff.check("TTL", src)
    # Containers keep type, contents and encoding; overwriting another type is fine.
    both(diff, "DEL", src, dst)
    both(diff, "RPUSH", src, "a", "b", "c")
    both(diff, "SADD", dst, "x")
    diff.check("RENAME", src, dst)
    diff.check("TYPE", dst)
    diff.check("LRANGE", dst, "0", "-1")
    both(diff, "ZADD", src, "1", "a", "2", "b")
    diff.check("RENAMENX", src, dst)
    diff.check("RENAME", src, dst)
    diff.check("ZRANGE", dst, "0", "-1", "WITHSCORES")
    both(diff, "HSET", src, "f", "v")
    diff.check("RENAME", src, dst)
    diff.check("HGETALL", dst)
    both(diff, "SADD", src, *[str(i) for i in range(50)])
    diff.check("RENAME", src, dst)
    diff.check("OBJECT", "ENCODING", dst)
    diff.check("SCARD", dst)


def test_rename_arity(diff):
    diff.check_error("RENAME", "a")
    diff.check_error("RENAME", "a", "b", "c")
    diff.check_error("RENAMENX", "a")
    diff.check_error("RENAMENX", "a", "b", "c")


@pytest.mark.parametrize("src,dst", PAIRS)
def test_copy(diff, src, dst):
    diff.check("COPY", src, dst)
    diff.check("COPY", src, src)
    both(diff, "SET", src, "12345")
    diff.check("COPY", src, src)
    diff.check("COPY", src, dst)
    diff.check("COPY", src, dst)
    diff.check("OBJECT", "ENCODING", dst)
    diff.check("GET", dst)
    both(diff, "SET", src, "x" * 60, "EX", "500")
    diff.check("COPY", src, dst)
    diff.check("COPY", src, dst, "REPLACE")
    diff.check("TTL", dst)
    diff.check("OBJECT", "ENCODING", dst)
    both(diff, "APPEND", src, "y")
    diff.check("COPY", src, dst, "replace")
    diff.check("OBJECT", "ENCODING", dst)
    diff.check("GET", dst)
    # Other databases.
    diff.check("COPY", src, src, "DB", "1")
    diff.check("COPY", src, dst, "DB", "2", "REPLACE")
    diff.check("COPY", src, dst, "DB", "0", "DB", "3", "REPLACE", "REPLACE")
    for db in ("1", "2", "3"):
        both(diff, "SELECT", db)
        diff.check("MGET", src, dst)
        diff.check("TTL", src)
        both(diff, "FLUSHDB")
        both(diff, "SELECT", "0")
    # Containers, small and large encodings; the copy is independent.
    for fill, dump in [
        (["RPUSH", src, *[f"e{i}" for i in range(5)]], ["LRANGE", dst, "0", "-1"]),
        (["RPUSH", src, *[f"e{i}" for i in range(300)]], ["LRANGE", dst, "0", "-1"]),
        (["HSET", src, "f1", "v1", "f2", "v2"], ["HGETALL", dst]),
        (["SADD", src, "1", "2", "3"], ["SMEMBERS", dst]),
        (["SADD", src, "a", "b", "c"], ["SCARD", dst]),
        (["SADD", src, *[f"m{i}" for i in range(300)]], ["SCARD", dst]),
        (["ZADD", src, "1", "a", "2", "b", "3", "c"], ["ZRANGE", dst, "0", "-1", "WITHSCORES"]),
        (["ZADD", src, *sum([[str(i), f"m{i}"] for i in range(200)], [])],
         ["ZRANGE", dst, "0", "-1", "WITHSCORES"]),
    ]:
        both(diff, "DEL", src)
        both(diff, *fill)
        diff.check("COPY", src, dst, "REPLACE")
        if fill[0] != "RPUSH" and fill[2] != "a":  # 7.0 has no listpack lists / sets
            diff.check("OBJECT", "ENCODING", dst)
        diff.check("TYPE", dst)
        diff.check(*dump)
        both(diff, "DEL", src)
        diff.check(*dump)
    both(diff, "DEL", src, dst)


def test_copy_errors(diff):
    both(diff, "SET", "a", "1")
    diff.check_error("COPY", "a")
    diff.check_error("COPY", "a", "a")
    diff.check_error("COPY", "a", "b", "DB", "x")
    diff.check_error("COPY", "a", "b", "DB", "16")
    diff.check_error("COPY", "a", "b", "DB", "-1")
    diff.check_error("COPY", "a", "b", "DB", "99999999999999999999")
    diff.check_error("COPY", "a", "b", "DB")
    diff.check_error("COPY", "a", "b", "REPLACE", "x")
    diff.check_error("COPY", "a", "b", "foo")
    diff.check_error("COPY", "a", "b", "DB", "20", "foo")
    diff.check_error("COPY", "a", "b", "foo", "DB", "20")
    diff.check_error("COPY", "a", "a", "DB", "0")
    diff.check("COPY", "a", "a", "DB", "1")
    diff.check("COPY", "nokey", "nokey", "DB", "1")


# --------------------------------------------------------------------------------------
# Sets

SET_GROUPS = [[f"set:{g}:{i}" for i in range(4)] for g in range(6)]


def fill_sets(diff, a, b, c):
    both(diff, "SADD", a, "1", "2", "3", "4", "x", "y")
    both(diff, "SADD", b, "3", "4", "5", "y", "z")
    both(diff, "SADD", c, "4", "y", "w", "100")


@pytest.mark.parametrize("keys", SET_GROUPS)
def test_set_algebra(diff, keys):
    a, b, c, d = keys
    fill_sets(diff, a, b, c)
    for cmd in ("SINTER", "SUNION", "SDIFF"):
        diff.check_unordered(cmd, a)
        diff.check_unordered(cmd, a, b)
        diff.check_unordered(cmd, a, b, c)
        diff.check_unordered(cmd, c, b, a)
        diff.check_unordered(cmd, a, "nokey")
        diff.check_unordered(cmd, "nokey", a)
        diff.check_unordered(cmd, a, a)
        diff.check(cmd, "nokey")
        diff.check(cmd, "nokey", "nokey2")
    for cmd in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        for srcs in ([a, b], [a, b, c], [c, a], [a, "nokey"], ["nokey", a], [a]):
            diff.check(cmd, d, *srcs)
            diff.check_unordered("SMEMBERS", d)
            diff.check("EXISTS", d)
        diff.check(cmd, a, a, b)  # the destination is also a source
        diff.check_unordered("SMEMBERS", a)
        both(diff, "DEL", a)
        fill_sets(diff, a, b, c)
    # Integer-only results come back in ascending order (intset) on both servers.
    both(diff, "SADD", f"{a}:i", "9", "-3", "7", "1000")
    both(diff, "SADD", f"{b}:i", "5", "7", "-20")
    diff.check("SUNION", f"{a}:i", f"{b}:i")
    diff.check("SDIFF", f"{a}:i", f"{b}:i")
    diff.check("SINTER", f"{a}:i", f"{b}:i")
    diff.check("SUNIONSTORE", d, f"{a}:i", f"{b}:i")
    diff.check("SMEMBERS", d)
    diff.check("OBJECT", "ENCODING", d)
    # The store replaces any type and drops the old expiry.
    both(diff, "SET", d, "str", "EX", "100")
    diff.check("SINTERSTORE", d, a, b)
    diff.check("TTL", d)
    diff.check("TYPE", d)
    both(diff, "SET", d, "str")
    diff.check("SDIFFSTORE", d, "nokey", a)
    diff.check("EXISTS", d)


@pytest.mark.parametrize("keys", SET_GROUPS)
def test_sintercard(diff, keys):
    a, b, c, d = keys
    fill_sets(diff, a, b, c)
    diff.check("SINTERCARD", "1", a)
    diff.check("SINTERCARD", "2", a, b)
    diff.check("SINTERCARD", "3", a, b, c)
    diff.check("SINTERCARD", "2", a, "nokey")
    diff.check("SINTERCARD", "2", a, b, "LIMIT", "1")
    diff.check("SINTERCARD", "2", a, b, "limit", "0")
    diff.check("SINTERCARD", "2", a, b, "LIMIT", "100")
    diff.check("SINTERCARD", "2", a, b, "LIMIT", "1", "LIMIT", "3")
    diff.check("SINTERCARD", "1", a, "LIMIT", "2")
    both(diff, "SET", d, "x")
    diff.check_error("SINTERCARD", "2", a, d)
    diff.check_error("SINTERCARD", "2", "nokey", d)


def test_set_multikey_errors(diff):
    both(diff, "SADD", "s1", "a", "b")
    both(diff, "SET", "str", "x")
    both(diff, "ZADD", "z", "1", "a")
    for cmd in ("SINTER", "SUNION", "SDIFF"):
        diff.check_error(cmd)
        diff.check_error(cmd, "s1", "str")
        diff.check_error(cmd, "str", "s1")
        diff.check_error(cmd, "nokey", "str")
        diff.check_error(cmd, "s1", "z")
    for cmd in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        diff.check_error(cmd, "dst")
        diff.check_error(cmd, "dst", "s1", "str")
        diff.check_error(cmd, "dst", "nokey", "str")
        diff.check("EXISTS", "dst")
    for args in (["0", "s1"], ["x", "s1"], ["-1", "s1"], ["3", "s1", "s1"],
                 ["99999999999999999999", "s1"], ["1", "s1", "LIMIT", "-1"],
                 ["1", "s1", "LIMIT", "x"], ["1", "s1", "LIMIT"], ["1", "s1", "foo"],
                 ["1", "str", "foo"], ["1"]):
        diff.check_error("SINTERCARD", *args)


@pytest.mark.parametrize("i", range(8))
def test_smove(diff, i):
    src, dst = f"from:{i}", f"to:{i}"
    diff.check("SMOVE", src, dst, "m")
    both(diff, "SADD", src, "m", "n", "1")
    diff.check("SMOVE", src, dst, "zz")
    diff.check("EXISTS", dst)
    diff.check("SMOVE", src, dst, "m")
    diff.check_unordered("SMEMBERS", src)
    diff.check_unordered("SMEMBERS", dst)
    diff.check("SMOVE", src, src, "n")
    diff.check("SMOVE", src, src, "m")
    diff.check("SMOVE", src, dst, "n")
    diff.check("SMOVE", src, dst, "1")
    diff.check("EXISTS", src)
    diff.check_unordered("SMEMBERS", dst)
    diff.check("SMOVE", dst, src, "1")
    diff.check("SMEMBERS", src)
    diff.check("OBJECT", "ENCODING", src)
    both(diff, "SET", "str", "x")
    diff.check_error("SMOVE", "str", dst, "m")
    diff.check_error("SMOVE", dst, "str", "m")
    diff.check_error("SMOVE", dst, "str", "nomember")
    diff.check("SMOVE", "nokey", "str", "m")
    diff.check("SMOVE", "nokey", "nokey", "m")
    diff.check_error("SMOVE", src, dst)
    diff.check_error("SMOVE", src, dst, "a", "b")


def test_set_resp3(diff):
    if not has_hello(diff):
        pytest.skip("HELLO not available")
    both(diff, "SADD", "r3a", "1", "2", "3")
    both(diff, "SADD", "r3b", "2", "3", "4")
    diff.check("SINTER", "r3a", "r3b")
    diff.check("SUNION", "r3a", "r3b")
    diff.check("SDIFF", "r3a", "r3b")
    diff.check("SINTER", "r3a", "nokey")
    diff.check("SINTERCARD", "2", "r3a", "r3b")
