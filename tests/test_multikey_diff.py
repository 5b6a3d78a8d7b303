"""Differential tests (Lacewing vs redis-server 7.0) for the multi-key commands of keys, sets
and sorted sets: RENAME RENAMENX COPY, SMOVE SINTER SUNION SDIFF SINTERCARD and the *STORE
forms, ZUNION ZINTER ZDIFF ZINTERCARD ZRANGESTORE ZMPOP and the *STORE forms.

Lacewing runs with 2 shards; every scenario is repeated over many distinct key names (no
hashtags), so both the same-shard and the cross-shard paths are exercised.
"""
import pytest

from differential import has_hello

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
PAIRS = [(f"src:{i}", f"dst:{i}") for i in range(8)]


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


# --------------------------------------------------------------------------------------
# Sorted sets

ZSET_GROUPS = [[f"zset:{g}:{i}" for i in range(5)] for g in range(6)]


def fill_zsets(diff, a, b, c, s):
    both(diff, "ZADD", a, "1", "one", "2", "two", "3", "three", "-inf", "ninf", "inf", "pinf")
    both(diff, "ZADD", b, "10", "two", "0.5", "three", "4", "four", "inf", "ninf", "-inf", "pinf")
    both(diff, "ZADD", c, "5", "three", "1.5", "two", "7", "seven")
    both(diff, "SADD", s, "two", "three", "x")


@pytest.mark.parametrize("keys", ZSET_GROUPS)
def test_zset_algebra(diff, keys):
    a, b, c, s, d = keys
    fill_zsets(diff, a, b, c, s)
    source_lists = [[a], [a, b], [b, a], [a, b, c], [c, b, a], [a, s], [s, c], [a, "nokey"],
                    ["nokey", a], [a, a], ["nokey"]]
    options = [[], ["WITHSCORES"], ["AGGREGATE", "MIN", "WITHSCORES"],
               ["AGGREGATE", "max", "WITHSCORES"], ["aggregate", "sum", "withscores"]]
    for srcs in source_lists:
        n = str(len(srcs))
        for opts in options:
            diff.check("ZUNION", n, *srcs, *opts)
            diff.check("ZINTER", n, *srcs, *opts)
        diff.check("ZDIFF", n, *srcs)
        diff.check("ZDIFF", n, *srcs, "WITHSCORES")
        weights = ["WEIGHTS", *[str(w) for w in (2, -1, 0.5)[:len(srcs)]]]
        diff.check("ZUNION", n, *srcs, *weights, "WITHSCORES")
        diff.check("ZINTER", n, *srcs, *weights, "AGGREGATE", "MAX", "WITHSCORES")
        zeros = ["WEIGHTS", *["0"] * len(srcs)]  # inf * 0 is NaN: Redis counts it as 0
        diff.check("ZUNION", n, *srcs, *zeros, "WITHSCORES")
        diff.check("ZINTER", n, *srcs, *zeros, "WITHSCORES")
        diff.check("ZINTERCARD", n, *srcs)
        diff.check("ZINTERCARD", n, *srcs, "LIMIT", "1")
        diff.check("ZINTERCARD", n, *srcs, "LIMIT", "0")
        for cmd in ("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"):
            diff.check(cmd, d, n, *srcs)
            diff.check("ZRANGE", d, "0", "-1", "WITHSCORES")
            diff.check("EXISTS", d)
        diff.check("ZUNIONSTORE", d, n, *srcs, *weights, "AGGREGATE", "MIN")
        diff.check("ZRANGE", d, "0", "-1", "WITHSCORES")
        diff.check("ZINTERSTORE", d, n, *srcs, *weights)
        diff.check("ZRANGE", d, "0", "-1", "WITHSCORES")
    # The destination may be a source; it replaces any type and drops the old expiry.
    diff.check("ZUNIONSTORE", a, "2", a, b)
    diff.check("ZRANGE", a, "0", "-1", "WITHSCORES")
    both(diff, "SET", d, "x", "EX", "100")
    diff.check("ZINTERSTORE", d, "2", a, c)
    diff.check("TTL", d)
    diff.check("OBJECT", "ENCODING", d)
    # Big inputs become a skiplist destination; long members too.
    both(diff, "ZADD", f"{a}:big", *sum([[str(i), f"m{i}"] for i in range(200)], []))
    diff.check("ZUNIONSTORE", d, "2", f"{a}:big", c)
    diff.check("OBJECT", "ENCODING", d)
    diff.check("ZRANGE", d, "100", "110", "WITHSCORES")
    both(diff, "ZADD", f"{b}:long", "1", "x" * 100)
    diff.check("ZUNIONSTORE", d, "1", f"{b}:long")
    diff.check("OBJECT", "ENCODING", d)
    diff.check("ZDIFFSTORE", d, "2", f"{a}:big", f"{a}:big")
    diff.check("EXISTS", d)


def test_zset_algebra_errors(diff):
    both(diff, "ZADD", "za", "1", "a", "2", "b")
    both(diff, "SET", "str", "x")
    both(diff, "LPUSH", "list", "x")
    for cmd in ("ZUNION", "ZINTER", "ZDIFF"):
        name = cmd.lower()
        for args in (["0", "za"], ["-1", "za"], ["x", "za"], ["99999999999999999999", "za"],
                     ["2", "za"], ["1", "za", "foo"], ["1", "za", "WEIGHTS"],
                     ["1", "za", "WEIGHTS", "x"], ["1", "za", "WEIGHTS", "nan"],
                     ["1", "za", "WEIGHTS", "1", "2"], ["1", "za", "AGGREGATE"],
                     ["1", "za", "AGGREGATE", "avg"], ["1", "str"], ["2", "za", "list"],
                     ["2", "nokey", "str"], ["1", "str", "WEIGHTS", "x"], ["1", "str", "foo"],
                     ["1", "za", "LIMIT", "1"], ["1"]):
            diff.check_error(cmd, *args)
        diff.check("ZUNION", "1", "za", "WEIGHTS", "inf", "WITHSCORES")
    for cmd in ("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"):
        for args in (["0", "za"], ["x", "za"], ["2", "za"], ["1", "za", "WITHSCORES"],
                     ["1", "za", "WEIGHTS", "x"], ["1", "str"], ["2", "za", "str"],
                     ["1", "str", "foo"], ["1"]):
            diff.check_error(cmd, "dst", *args)
        diff.check("EXISTS", "dst")
    for args in (["0", "za"], ["x", "za"], ["2", "za"], ["1", "za", "LIMIT", "-1"],
                 ["1", "za", "LIMIT", "x"], ["1", "za", "LIMIT"], ["1", "za", "WITHSCORES"],
                 ["1", "za", "WEIGHTS", "1"], ["1", "str"], ["1", "str", "LIMIT", "-1"],
                 ["1"]):
        diff.check_error("ZINTERCARD", *args)
    diff.check("ZINTERCARD", "1", "za", "LIMIT", "1", "LIMIT", "5")


@pytest.mark.parametrize("i", range(8))
def test_zrangestore(diff, i):
    src, dst = f"zrs:src:{i}", f"zrs:dst:{i}"
    both(diff, "ZADD", src, "1", "a", "2", "b", "3", "c", "4", "d", "4", "e", "5", "f")
    for args in (["0", "-1"], ["1", "2"], ["-2", "-1"], ["5", "1"], ["0", "-1", "REV"],
                 ["(1", "4", "BYSCORE"], ["4", "(1", "BYSCORE", "REV"],
                 ["-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"],
                 ["+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0", "3"],
                 ["[b", "(e", "BYLEX"], ["+", "-", "BYLEX", "REV", "LIMIT", "1", "10"],
                 ["10", "20", "BYSCORE"]):
        diff.check("ZRANGESTORE", dst, src, *args)
        diff.check("ZRANGE", dst, "0", "-1", "WITHSCORES")
        diff.check("EXISTS", dst)
    diff.check("ZRANGESTORE", dst, "nokey", "0", "-1")
    diff.check("EXISTS", dst)
    diff.check("ZRANGESTORE", src, src, "1", "2")
    diff.check("ZRANGE", src, "0", "-1", "WITHSCORES")
    both(diff, "SET", "str", "x")
    diff.check("ZRANGESTORE", "str", src, "0", "-1")
    diff.check("TYPE", "str")
    both(diff, "SET", "str", "x")
    for args in ([dst, "str", "0", "-1"], [dst, src, "0", "-1", "WITHSCORES"],
                 [dst, src, "0", "-1", "LIMIT", "0", "1"], [dst, src, "a", "b"],
                 [dst, src, "a", "b", "BYSCORE"], [dst, src, "a", "b", "BYLEX"],
                 [dst, src, "0", "-1", "foo"], [dst, src, "0"],
                 [dst, "str", "a", "b", "BYSCORE"]):
        diff.check_error("ZRANGESTORE", *args)


@pytest.mark.parametrize("g", range(6))
def test_zmpop(diff, g):
    a, b, c = f"zmp:{g}:a", f"zmp:{g}:b", f"zmp:{g}:c"
    diff.check("ZMPOP", "2", a, b, "MIN")
    both(diff, "ZADD", b, "1", "x", "2", "y", "3", "z")
    both(diff, "ZADD", c, "5", "p")
    diff.check("ZMPOP", "3", a, b, c, "MIN")
    diff.check("ZMPOP", "3", a, b, c, "max", "COUNT", "1")
    diff.check("ZMPOP", "2", a, b, "MIN", "count", "10")
    diff.check("EXISTS", b)
    diff.check("ZMPOP", "3", a, b, c, "MAX", "COUNT", "5")
    diff.check("ZMPOP", "3", a, b, c, "MAX")
    both(diff, "ZADD", a, "1.5", "m", "-2", "n")
    both(diff, "SET", b, "str")
    diff.check("ZMPOP", "2", a, b, "MIN")
    diff.check_error("ZMPOP", "2", b, a, "MIN")
    diff.check("ZMPOP", "1", a, "MIN")
    diff.check_error("ZMPOP", "2", a, b, "MIN")
    diff.check("ZMPOP", "2", c, c, "MIN")


def test_zmpop_errors(diff):
    both(diff, "ZADD", "za", "1", "a")
    for args in (["0", "za", "MIN"], ["-1", "za", "MIN"], ["x", "za", "MIN"],
                 ["2", "za", "MIN"], ["1", "za", "foo"], ["1", "za", "MIN", "COUNT", "0"],
                 ["1", "za", "MIN", "COUNT", "x"], ["1", "za", "MIN", "COUNT", "-1"],
                 ["1", "za", "MIN", "COUNT", "1", "COUNT", "2"], ["1", "za", "MIN", "COUNT"],
                 ["1", "za", "MIN", "foo"], ["1", "za"], ["5", "za", "MIN"]):
        diff.check_error("ZMPOP", *args)
    diff.check("ZCARD", "za")


def test_zset_multikey_resp3(diff):
    if not has_hello(diff):
        pytest.skip("HELLO not available")
    both(diff, "ZADD", "r3a", "1", "a", "2", "b")
    both(diff, "ZADD", "r3b", "3", "b", "4", "c")
    diff.check("ZUNION", "2", "r3a", "r3b", "WITHSCORES")
    diff.check("ZINTER", "2", "r3a", "r3b")
    diff.check("ZDIFF", "2", "r3a", "r3b", "WITHSCORES")
    diff.check("ZMPOP", "2", "nokey", "r3a", "MAX", "COUNT", "2")
    diff.check("ZMPOP", "1", "nokey", "MAX")
    diff.check("ZINTERCARD", "2", "r3a", "r3b")
