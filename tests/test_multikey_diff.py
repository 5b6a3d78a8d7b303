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
