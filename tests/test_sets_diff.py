"""Differential tests (Lacewing vs redis-server 7.0) for the set family.

Set replies come in hash order on both servers, so multi-element replies are compared as
multisets (check_unordered); random commands are checked only where the result is determined
(count >= size, empty sets, errors) or by shape.
"""
import pytest

from differential import has_hello

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def check_scan(diff, *args):
    """A SCAN-style reply whose element array may come in any order."""
    lw, rd = diff.run(*args)
    lp, rp = lw.split(b"\r\n"), rd.split(b"\r\n")
    assert lp[:4] == rp[:4] and sorted(lp[4:]) == sorted(rp[4:]), f"{args}: {lw!r} != {rd!r}"


def test_sadd_srem_scard_smembers(diff):
    diff.check("SADD", "s", "a", "b", "c", "a")
    diff.check("SADD", "s", "c", "d")
    diff.check("SCARD", "s")
    diff.check_unordered("SMEMBERS", "s")
    diff.check("SREM", "s", "a", "zz", "a")
    diff.check("SREM", "nokey", "a")
    diff.check("SCARD", "nokey")
    diff.check("SMEMBERS", "nokey")
    diff.check("SREM", "s", "b", "c", "d")
    diff.check("EXISTS", "s")
    diff.check("SADD", "s")
    diff.check("SREM", "s")
    diff.check("SCARD")
    diff.check("SMEMBERS", "s", "x")


def test_encodings_contents(diff):
    # intset, intset widened to 64-bit, listpack and hashtable contents all compare equal.
    diff.check("SADD", "i", *[str(x) for x in range(-5, 20)])
    diff.check("SADD", "i", "70000", "-9223372036854775808", "9223372036854775807")
    diff.check_unordered("SMEMBERS", "i")
    diff.check("SISMEMBER", "i", "70000")
    diff.check("SISMEMBER", "i", "070000")
    diff.check("SISMEMBER", "i", "+5")
    diff.check("SREM", "i", "070000", "5", "9223372036854775807")
    diff.check_unordered("SMEMBERS", "i")
    diff.check("SADD", "i", "x")
    diff.check_unordered("SMEMBERS", "i")
    diff.check("SADD", "big", *[str(x) for x in range(600)])
    diff.check("SCARD", "big")
    diff.check("SADD", "h", *["m%d" % x for x in range(200)])
    diff.check("SREM", "h", *["m%d" % x for x in range(0, 200, 3)])
    diff.check_unordered("SMEMBERS", "h")
    diff.check("SADD", "l", "a" * 100, "b")
    diff.check_unordered("SMEMBERS", "l")
    diff.check("SADD", "e", "")
    diff.check("SISMEMBER", "e", "")
    diff.check("SMEMBERS", "e")


def test_sismember_smismember(diff):
    diff.check("SADD", "s", "a", "b", "1")
    diff.check("SISMEMBER", "s", "a")
    diff.check("SISMEMBER", "s", "zz")
    diff.check("SISMEMBER", "nokey", "a")
    diff.check("SMISMEMBER", "s", "a", "zz", "1", "b")
    diff.check("SMISMEMBER", "nokey", "a", "b")
    diff.check("SMISMEMBER", "s")
    diff.check("SISMEMBER", "s")
    diff.check("SISMEMBER", "s", "a", "b")


def test_wrong_type(diff):
    diff.check("SET", "str", "v")
    for cmd in (["SADD", "str", "a"], ["SREM", "str", "a"], ["SCARD", "str"],
                ["SMEMBERS", "str"], ["SISMEMBER", "str", "a"], ["SMISMEMBER", "str", "a"],
                ["SPOP", "str"], ["SPOP", "str", "0"], ["SPOP", "str", "3"],
                ["SRANDMEMBER", "str"], ["SRANDMEMBER", "str", "0"], ["SRANDMEMBER", "str", "-3"],
                ["SSCAN", "str", "0"], ["SSCAN", "str", "0", "COUNT", "0"]):
        assert diff.check(*cmd) == WRONGTYPE, cmd
    diff.check("SSCAN", "str", "x")


def test_spop(diff):
    diff.check("SADD", "s", *[str(x) for x in range(10)])
    diff.check("SPOP", "s", "-1")
    diff.check("SPOP", "s", "x")
    diff.check("SPOP", "s", "1", "2")
    diff.check("SPOP", "nokey", "-1")
    diff.check("SPOP", "s", "0")
    diff.check("SPOP", "nokey")
    diff.check("SPOP", "nokey", "3")
    diff.check("SPOP", "nokey", "0")
    lw, rd = diff.run("SPOP", "s")
    assert lw.startswith(b"$1\r\n") and rd.startswith(b"$1\r\n")
    lw, rd = diff.run("SPOP", "s", "3")
    assert lw.startswith(b"*3\r\n") and rd.startswith(b"*3\r\n")
    diff.check("SCARD", "s")
    diff.check("SADD", "t", "a", "b", "c")
    diff.check_unordered("SPOP", "t", "3")
    diff.check("EXISTS", "t")
    diff.check("SADD", "t", "a", "b", "c")
    diff.check_unordered("SPOP", "t", "30")
    diff.check("EXISTS", "t")
    diff.check("SADD", "t", "1")
    diff.check("SPOP", "t")
    diff.check("EXISTS", "t")


def test_srandmember(diff):
    diff.check("SADD", "s", "a", "b", "c")
    diff.check("SRANDMEMBER", "s", "x")
    diff.check("SRANDMEMBER", "s", "1", "2")
    diff.check("SRANDMEMBER", "s", "-9223372036854775808")
    diff.check("SRANDMEMBER", "nokey", "-9223372036854775808")
    diff.check("SRANDMEMBER", "s", "0")
    diff.check("SRANDMEMBER", "nokey")
    diff.check("SRANDMEMBER", "nokey", "5")
    diff.check("SRANDMEMBER", "nokey", "-5")
    diff.check_unordered("SRANDMEMBER", "s", "3")
    diff.check_unordered("SRANDMEMBER", "s", "100")
    lw, rd = diff.run("SRANDMEMBER", "s", "-7")
    assert lw.startswith(b"*7\r\n") and rd.startswith(b"*7\r\n")
    lw, rd = diff.run("SRANDMEMBER", "s", "2")
    assert lw.startswith(b"*2\r\n") and rd.startswith(b"*2\r\n")
    diff.check("SADD", "one", "x")
    diff.check("SRANDMEMBER", "one")
    diff.check("SRANDMEMBER", "one", "-3")
    diff.check("SCARD", "s")


def test_sscan(diff):
    diff.check("SADD", "small", "a", "b", "c")
    check_scan(diff, "SSCAN", "small", "0")
    diff.check("SSCAN", "small", "abc")
    diff.check("SSCAN", "small", "-1x")
    diff.check("SSCAN", "small", "0", "COUNT", "0")
    diff.check("SSCAN", "small", "0", "COUNT", "x")
    diff.check("SSCAN", "small", "0", "COUNT")
    diff.check("SSCAN", "small", "0", "FOO", "bar")
    diff.check("SSCAN", "nokey", "0", "COUNT", "0")
    diff.check("SSCAN", "nokey", "-1")
    diff.check("SSCAN", "nokey", "x")
    diff.check("SSCAN", "small")
    diff.check("SADD", "ints", "1", "2", "30", "12")
    check_scan(diff, "SSCAN", "ints", "0", "MATCH", "1*")
    diff.check("SADD", "big", *["k%d" % x for x in range(300)])
    # Cursors differ (hash order); collect everything from each server and compare.
    for pattern in ("*", "k1*", "*[0-2]", "nomatch"):
        seen = []
        for client in (diff.lw, diff.rd):
            got, cursor = set(), b"0"
            while True:
                reply = client.call("SSCAN", "big", cursor, "MATCH", pattern, "COUNT", "20")
                parts = reply.split(b"\r\n")
                cursor = parts[2]
                got.update(parts[5:-1:2])
                if cursor == b"0":
                    break
            seen.append(got)
        assert seen[0] == seen[1], pattern


def test_resp3(diff):
    if not has_hello(diff):
        pytest.skip("HELLO not implemented yet")
    diff.check("SADD", "s", "a", "b")
    diff.check_unordered("SMEMBERS", "s")
    diff.check("SMEMBERS", "nokey")
    diff.check("SPOP", "nokey")
    diff.check("SPOP", "nokey", "2")
    diff.check("SRANDMEMBER", "nokey")
    diff.check("SRANDMEMBER", "nokey", "2")
    diff.check_unordered("SRANDMEMBER", "s", "5")
    diff.check_unordered("SPOP", "s", "5")
    diff.check("SMISMEMBER", "s", "a")
