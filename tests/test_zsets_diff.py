"""Differential tests (Lacewing vs redis-server 7.0) for the sorted-set family.

Sorted-set replies are ordered, so they are compared byte for byte. Scores are chosen exactly
representable (1.5, 0.25, ...): Redis 7.0 prints other non-integral doubles with %.17g while
Lacewing's reply builder prints the shortest round-trip form (Redis 7.2's behaviour).
Random commands are checked where the answer is determined, or by shape.
"""
import pytest

from differential import has_hello

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def check_scan(diff, *args):
    lw, rd = diff.run(*args)
    lp, rp = lw.split(b"\r\n"), rd.split(b"\r\n")
    pairs = lambda p: sorted(zip(p[5:-1:4], p[7:-1:4]))
    assert lp[:4] == rp[:4] and pairs(lp) == pairs(rp), f"{args}: {lw!r} != {rd!r}"


def fill(diff, key, n, prefix="m", score=lambda i: i):
    args = []
    for i in range(n):
        args += [str(score(i)), "%s%d" % (prefix, i)]
    diff.check("ZADD", key, *args)


def test_zadd_options_and_errors(diff):
    diff.check("ZADD", "z", "1", "a", "2", "b", "3", "c")
    diff.check("ZADD", "z", "CH", "5", "a", "2", "b", "9", "d")
    diff.check("ZADD", "z", "NX", "100", "a", "7", "e")
    diff.check("ZADD", "z", "XX", "100", "a", "7", "f")
    diff.check("ZADD", "z", "XX", "CH", "101", "a", "7", "f")
    diff.check("ZADD", "z", "GT", "CH", "50", "a", "200", "b")
    diff.check("ZADD", "z", "LT", "CH", "50", "a", "200", "c")
    diff.check("ZADD", "z", "GT", "1", "new")
    diff.check("ZADD", "z", "INCR", "1.5", "a")
    diff.check("ZADD", "z", "INCR", "NX", "1", "a")
    diff.check("ZADD", "z", "INCR", "XX", "1", "nope")
    diff.check("ZADD", "z", "INCR", "GT", "-1", "a")
    diff.check("ZADD", "z", "INCR", "LT", "-1", "a")
    diff.check("ZADD", "z", "INCR", "0", "a")
    diff.check("ZADD", "nokey", "XX", "1", "a")
    diff.check("ZADD", "nokey", "XX", "INCR", "1", "a")
    diff.check("EXISTS", "nokey")
    diff.check("ZADD", "z", "nx", "xx", "1", "a")
    diff.check("ZADD", "z", "xx", "nx", "gt", "1", "a")
    diff.check("ZADD", "z", "gt", "lt", "1", "a")
    diff.check("ZADD", "z", "nx", "gt", "1", "a")
    diff.check("ZADD", "z", "nx", "lt", "1", "a")
    diff.check("ZADD", "z", "incr", "1", "a", "2", "b")
    diff.check("ZADD", "z", "incr", "x", "a", "2", "b")
    diff.check("ZADD", "z", "1", "a", "2")
    diff.check("ZADD", "z", "NX", "CH")
    diff.check("ZADD", "z", "x", "a")
    diff.check("ZADD", "z", "1", "a", "nan", "b")
    diff.check("ZADD", "z", " 1", "a")
    diff.check("ZADD", "z", "", "a")
    diff.check("ZADD", "z", "1x", "a")
    diff.check("ZADD", "z", "1e-400", "a")
    diff.check("ZADD", "z", "1e400", "a")
    diff.check("ZADD", "z", "0x10", "hex", "-inf", "ninf", "+inf", "pinf", "1e3", "exp")
    diff.check("ZADD", "z", "NX")
    diff.check("ZADD", "z")
    diff.check("ZRANGE", "z", "0", "-1", "WITHSCORES")
    diff.check("ZADD", "i", "inf", "a")
    diff.check("ZADD", "i", "INCR", "-inf", "a")
    diff.check("ZINCRBY", "i", "-inf", "a")
    diff.check("ZINCRBY", "i", "1", "a")
    diff.check("ZSCORE", "i", "a")


def test_zincrby_zscore_zmscore_zcard_zrem(diff):
    diff.check("ZINCRBY", "z", "2.5", "a")
    diff.check("ZINCRBY", "z", "-0.25", "a")
    diff.check("ZINCRBY", "z", "x", "a")
    diff.check("ZINCRBY", "z", "1")
    diff.check("ZSCORE", "z", "a")
    diff.check("ZSCORE", "z", "zz")
    diff.check("ZSCORE", "nokey", "a")
    diff.check("ZADD", "z", "-0", "negzero", "123456789012", "big", "1e20", "huge")
    diff.check("ZMSCORE", "z", "a", "zz", "negzero", "big", "huge")
    diff.check("ZMSCORE", "nokey", "a", "b")
    diff.check("ZMSCORE", "z")
    diff.check("ZCARD", "z")
    diff.check("ZCARD", "nokey")
    diff.check("ZREM", "z", "a", "zz", "a")
    diff.check("ZREM", "nokey", "a")
    diff.check("ZREM", "z")
    diff.check("ZREM", "z", "negzero", "big", "huge")
    diff.check("EXISTS", "z")


def test_wrong_type(diff):
    diff.check("SET", "str", "v")
    for cmd in (["ZADD", "str", "1", "a"], ["ZINCRBY", "str", "1", "a"], ["ZREM", "str", "a"],
                ["ZSCORE", "str", "a"], ["ZMSCORE", "str", "a"], ["ZCARD", "str"],
                ["ZCOUNT", "str", "0", "1"], ["ZLEXCOUNT", "str", "-", "+"],
                ["ZRANGE", "str", "0", "1"], ["ZRANGE", "str", "0", "1", "BYSCORE"],
                ["ZREVRANGE", "str", "0", "1"], ["ZRANGEBYSCORE", "str", "0", "1"],
                ["ZREVRANGEBYSCORE", "str", "1", "0"], ["ZRANGEBYLEX", "str", "-", "+"],
                ["ZREVRANGEBYLEX", "str", "+", "-"], ["ZRANK", "str", "a"],
                ["ZREVRANK", "str", "a"], ["ZREMRANGEBYRANK", "str", "0", "1"],
                ["ZREMRANGEBYSCORE", "str", "0", "1"], ["ZREMRANGEBYLEX", "str", "-", "+"],
                ["ZPOPMIN", "str"], ["ZPOPMIN", "str", "0"], ["ZPOPMAX", "str", "2"],
                ["ZSCAN", "str", "0"], ["ZRANDMEMBER", "str"], ["ZRANDMEMBER", "str", "0"],
                ["ZRANDMEMBER", "str", "2", "WITHSCORES"]):
        assert diff.check(*cmd) == WRONGTYPE, cmd
    # Argument errors come first for these.
    diff.check("ZADD", "str", "x", "a")
    diff.check("ZCOUNT", "str", "x", "1")
    diff.check("ZRANGE", "str", "a", "b")
    diff.check("ZPOPMIN", "str", "-1")
    diff.check("ZRANDMEMBER", "str", "x")
    diff.check("ZSCAN", "str", "x")
    diff.check("ZSCAN", "str", "0", "COUNT", "0")


@pytest.mark.parametrize("n", [10, 200])  # listpack and skiplist
def test_ranges_by_rank(diff, n):
    fill(diff, "z", n, score=lambda i: (i * 7) % 13)
    for start, stop in [("0", "-1"), ("0", "0"), ("2", "5"), ("-3", "-1"), ("-100000", "3"),
                        ("5", "2"), ("3", "100000"), ("100000", "100001"), ("-1", "-2")]:
        diff.check("ZRANGE", "z", start, stop)
        diff.check("ZRANGE", "z", start, stop, "WITHSCORES")
        diff.check("ZRANGE", "z", start, stop, "REV", "WITHSCORES")
        diff.check("ZREVRANGE", "z", start, stop, "WITHSCORES")
    diff.check("ZRANGE", "z", "a", "1")
    diff.check("ZRANGE", "z", "0", "1", "LIMIT", "0", "2")
    diff.check("ZRANGE", "z", "0", "1", "LIMIT", "0", "-1")
    diff.check("ZRANGE", "z", "0", "1", "LIMIT", "x", "-1")
    diff.check("ZRANGE", "z", "0", "1", "LIMIT", "0")
    diff.check("ZRANGE", "z", "0", "1", "REV", "REV")
    diff.check("ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX")
    diff.check("ZRANGE", "z", "0", "1", "FOO")
    diff.check("ZREVRANGE", "z", "0", "1", "REV")
    diff.check("ZREVRANGE", "z", "0", "1", "BYSCORE")
    diff.check("ZRANGE", "nokey", "0", "-1")
    diff.check("ZRANGE", "z", "0")
    for m in ("m0", "m3", "m%d" % (n - 1), "zz"):
        diff.check("ZRANK", "z", m)
        diff.check("ZREVRANK", "z", m)
    diff.check("ZRANK", "nokey", "a")
    diff.check("ZRANK", "z", "m1", "WITHSCORE")


@pytest.mark.parametrize("n", [10, 200])
def test_ranges_by_score(diff, n):
    fill(diff, "z", n, score=lambda i: (i * 7) % 13 + (0.5 if i % 3 == 0 else 0))
    ranges = [("-inf", "+inf"), ("2", "5"), ("(2", "5"), ("2", "(5"), ("(2", "(5"), ("5", "2"),
              ("3", "3"), ("(3", "3"), ("-inf", "(0"), ("12", "+inf"), ("", "4"), ("(", "(4"),
              ("0x2", "4"), ("1e400", "inf")]
    for lo, hi in ranges:
        diff.check("ZCOUNT", "z", lo, hi)
        diff.check("ZRANGEBYSCORE", "z", lo, hi, "WITHSCORES")
        diff.check("ZREVRANGEBYSCORE", "z", hi, lo, "WITHSCORES")
        diff.check("ZRANGE", "z", lo, hi, "BYSCORE")
        diff.check("ZRANGE", "z", hi, lo, "BYSCORE", "REV", "WITHSCORES")
        for off, cnt in (("0", "3"), ("2", "2"), ("1", "-1"), ("-1", "2"), ("0", "0"),
                         ("100000", "1")):
            diff.check("ZRANGEBYSCORE", "z", lo, hi, "LIMIT", off, cnt)
            diff.check("ZREVRANGEBYSCORE", "z", hi, lo, "WITHSCORES", "LIMIT", off, cnt)
            diff.check("ZRANGE", "z", hi, lo, "BYSCORE", "REV", "LIMIT", off, cnt)
    for bad in (("x", "1"), ("1", "y"), ("nan", "1"), ("1 ", "2"), ("((1", "2")):
        diff.check("ZCOUNT", "z", *bad)
        diff.check("ZRANGEBYSCORE", "z", *bad)
        diff.check("ZRANGE", "z", bad[0], bad[1], "BYSCORE")
        diff.check("ZREMRANGEBYSCORE", "z", *bad)
    diff.check("ZCOUNT", "nokey", "0", "1")
    diff.check("ZRANGEBYSCORE", "nokey", "0", "1")
    diff.check("ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "0")
    diff.check("ZRANGEBYSCORE", "z", "0", "1", "BYSCORE")
    diff.check("ZRANGEBYSCORE", "z", "0", "1", "REV")
    diff.check("ZREVRANGEBYSCORE", "z", "0", "1", "REV")


@pytest.mark.parametrize("n", [10, 200])
def test_ranges_by_lex(diff, n):
    diff.check("ZADD", "z", *sum([["0", "w%03d" % i] for i in range(n)], []))
    diff.check("ZADD", "z", "0", "", "0", "a", "0", "\xff", "0", "w005x")
    ranges = [("-", "+"), ("[w002", "[w006"), ("(w002", "(w006"), ("[w005", "(w005x"),
              ("(w005", "+"), ("-", "(w001"), ("+", "-"), ("[", "(a"), ("(", "[a"),
              ("[w009", "[w001"), ("[a", "[a"), ("(a", "[a")]
    for lo, hi in ranges:
        diff.check("ZLEXCOUNT", "z", lo, hi)
        diff.check("ZRANGEBYLEX", "z", lo, hi)
        diff.check("ZREVRANGEBYLEX", "z", hi, lo)
        diff.check("ZRANGE", "z", lo, hi, "BYLEX")
        diff.check("ZRANGE", "z", hi, lo, "BYLEX", "REV")
        for off, cnt in (("0", "3"), ("2", "2"), ("1", "-1"), ("-1", "2"), ("0", "0")):
            diff.check("ZRANGEBYLEX", "z", lo, hi, "LIMIT", off, cnt)
            diff.check("ZREVRANGEBYLEX", "z", hi, lo, "LIMIT", off, cnt)
    for bad in (("a", "+"), ("-", "b"), ("", "+"), ("--", "+"), ("-", "++")):
        diff.check("ZLEXCOUNT", "z", *bad)
        diff.check("ZRANGEBYLEX", "z", *bad)
        diff.check("ZREMRANGEBYLEX", "z", *bad)
    diff.check("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES")
    diff.check("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES")
    diff.check("ZLEXCOUNT", "nokey", "-", "+")
    diff.check("ZREMRANGEBYLEX", "z", "[w002", "(w006")
    diff.check("ZREMRANGEBYLEX", "nokey", "-", "+")
    diff.check("ZRANGE", "z", "0", "-1")
    diff.check("ZREMRANGEBYLEX", "z", "-", "+")
    diff.check("EXISTS", "z")


@pytest.mark.parametrize("n", [10, 200])
def test_remrange(diff, n):
    for start, stop in [("0", "0"), ("-2", "-1"), ("5", "2"), ("100000", "100001"), ("1", "3")]:
        fill(diff, "z", n)
        diff.check("ZREMRANGEBYRANK", "z", start, stop)
        diff.check("ZRANGE", "z", "0", "-1", "WITHSCORES")
    diff.check("ZREMRANGEBYRANK", "z", "a", "1")
    diff.check("ZREMRANGEBYRANK", "nokey", "0", "1")
    diff.check("ZREMRANGEBYSCORE", "z", "(2", "5")
    diff.check("ZREMRANGEBYSCORE", "z", "5", "2")
    diff.check("ZREMRANGEBYSCORE", "nokey", "0", "1")
    diff.check("ZRANGE", "z", "0", "-1", "WITHSCORES")
    diff.check("ZREMRANGEBYRANK", "z", "0", "-1")
    diff.check("EXISTS", "z")
    fill(diff, "z", n)
    diff.check("ZREMRANGEBYSCORE", "z", "-inf", "+inf")
    diff.check("EXISTS", "z")


@pytest.mark.parametrize("n", [5, 200])
def test_pop(diff, n):
    fill(diff, "z", n, score=lambda i: i // 2)
    diff.check("ZPOPMIN", "z")
    diff.check("ZPOPMAX", "z")
    diff.check("ZPOPMIN", "z", "2")
    diff.check("ZPOPMAX", "z", "1")
    diff.check("ZPOPMIN", "z", "0")
    diff.check("ZPOPMIN", "z", "-1")
    diff.check("ZPOPMIN", "z", "x")
    diff.check("ZPOPMIN", "z", "1", "2")
    diff.check("ZPOPMIN", "nokey")
    diff.check("ZPOPMAX", "nokey", "3")
    diff.check("ZPOPMAX", "z", "100000")
    diff.check("EXISTS", "z")


def test_zrandmember(diff):
    diff.check("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    diff.check("ZRANDMEMBER", "nokey")
    diff.check("ZRANDMEMBER", "nokey", "5")
    diff.check("ZRANDMEMBER", "nokey", "-5", "WITHSCORES")
    diff.check("ZRANDMEMBER", "z", "x")
    diff.check("ZRANDMEMBER", "nokey", "x")
    diff.check("ZRANDMEMBER", "z", "1", "WITHSCORE")
    diff.check("ZRANDMEMBER", "z", "1", "WITHSCORES", "x")
    diff.check("ZRANDMEMBER", "z", "-9223372036854775808")
    diff.check("ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES")
    diff.check("ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES")
    diff.check("ZRANDMEMBER", "z", "0")
    diff.check("ZRANDMEMBER", "z", "0", "WITHSCORES")
    diff.check("ZRANDMEMBER", "z", "5")
    diff.check("ZRANDMEMBER", "z", "50", "WITHSCORES")
    diff.check("ZADD", "one", "1.5", "x")
    diff.check("ZRANDMEMBER", "one")
    diff.check("ZRANDMEMBER", "one", "-3", "WITHSCORES")
    for args in (("3",), ("-8",), ("3", "WITHSCORES"), ("-8", "WITHSCORES")):
        lw, rd = diff.run("ZRANDMEMBER", "z", *args)
        assert lw.split(b"\r\n")[0] == rd.split(b"\r\n")[0], args


def test_zscan(diff):
    diff.check("ZADD", "small", "1", "a", "2.5", "b", "3", "c")
    diff.check("ZSCAN", "small", "0")
    diff.check("ZSCAN", "small", "0", "MATCH", "[ab]")
    diff.check("ZSCAN", "small", "abc")
    diff.check("ZSCAN", "small", "0", "COUNT", "0")
    diff.check("ZSCAN", "small", "0", "COUNT", "x")
    diff.check("ZSCAN", "small", "0", "COUNT")
    diff.check("ZSCAN", "small", "0", "FOO", "bar")
    diff.check("ZSCAN", "nokey", "0", "COUNT", "0")
    diff.check("ZSCAN", "nokey", "x")
    fill(diff, "big", 300, prefix="k", score=lambda i: i * 0.5)
    for pattern in ("*", "k1*", "*[0-2]", "nomatch"):
        seen = []
        for client in (diff.lw, diff.rd):
            got, cursor = set(), b"0"
            while True:
                parts = client.call("ZSCAN", "big", cursor, "MATCH", pattern, "COUNT", "20").split(b"\r\n")
                cursor = parts[2]
                got.update(zip(parts[5:-1:4], parts[7:-1:4]))
                if cursor == b"0":
                    break
            seen.append(got)
        assert seen[0] == seen[1], pattern


def test_resp3(diff):
    if not has_hello(diff):
        pytest.skip("HELLO not implemented yet")
    diff.check("ZADD", "z", "1", "a", "2.5", "b", "3", "c")
    diff.check("ZADD", "z", "INCR", "1", "a")
    diff.check("ZINCRBY", "z", "1", "a")
    diff.check("ZSCORE", "z", "a")
    diff.check("ZSCORE", "z", "zz")
    diff.check("ZMSCORE", "z", "a", "zz")
    diff.check("ZRANGE", "z", "0", "-1", "WITHSCORES")
    diff.check("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "LIMIT", "1", "5")
    diff.check("ZRANK", "z", "zz")
    diff.check("ZRANDMEMBER", "z", "10", "WITHSCORES")
    diff.check("ZRANDMEMBER", "nokey")
    diff.check("ZSCAN", "z", "0")
    diff.check("ZPOPMIN", "z")
    diff.check("ZPOPMIN", "z", "1")
    diff.check("ZPOPMAX", "z", "0")
    diff.check("ZPOPMIN", "nokey")
    diff.check("ZADD", "z", "XX", "INCR", "1", "zz")


def test_lex_ranges_over_mixed_scores_walk_as_redis(diff):
    """Found by the differential fuzzer: with unequal scores Redis walks its listpack from the
    first member in range and stops at the first one past the far bound (REV, LIMIT, COUNT,
    REMRANGE all follow that walk)."""
    diff.check("ZADD", "z", "1", b"b\xff", "1.5", b"\xf6", "inf", "a", "inf", "e")
    diff.check("ZRANGE", "z", "+", b"(b\xff", "BYLEX", "REV", "LIMIT", "1", "2")
    diff.check("ZREVRANGEBYLEX", "z", "+", "[ab", "LIMIT", "0", "3")
    diff.check("ZRANGEBYLEX", "z", "[a", "+", "LIMIT", "2", "5")
    diff.check("ZRANGEBYLEX", "z", "-", "[c")
    diff.check("ZLEXCOUNT", "z", "[b", "+")
    diff.check("ZLEXCOUNT", "z", "(a", "[f")
    diff.check("ZRANGESTORE", "dst", "z", "[b", "+", "BYLEX")
    diff.check("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    diff.check("ZREMRANGEBYLEX", "z", "[b", "[z")
    diff.check("ZRANGE", "z", "0", "-1", "WITHSCORES")
