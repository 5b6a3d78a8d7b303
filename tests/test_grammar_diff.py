"""Differential tests (Lacewing vs redis-server 7) for Redis's number and cursor grammar:
float arguments (string2ld for INCRBYFLOAT/HINCRBYFLOAT, string2d for ZADD/ZINCRBY,
zslParseRange for score bounds) and SCAN-family cursors and MATCH/COUNT/TYPE options.

Arguments are generated at random from a seeded grammar that favours the edge cases (leading
and trailing spaces, embedded NULs, hex, inf/nan spellings, overflow and underflow, very long
digit runs), so a failure names its seed and the exact argument.
"""
import random

import pytest

from differential import _split_aggregate

SEED = 20261206
FLOAT_SAMPLES = 250
CURSOR_SAMPLES = 120
OPTION_SAMPLES = 150


def _digits(rng, lo=1, hi=6):
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(lo, hi)))


def random_float_text(rng):
    """One float-like argument; about half are valid numbers."""
    kind = rng.random()
    if kind < 0.08:
        return rng.choice(["inf", "-inf", "+inf", "INF", "Infinity", "-infinity", "nan",
                           "-nan", "NaN", "infx", "in", ""])
    if kind < 0.14:
        return rng.choice(["0x", "-0x"]) + "".join(rng.choice("0123456789abcdefABCDEF")
                                                   for _ in range(rng.randint(1, 6))) + \
            rng.choice(["", "", "p3", "p-2", "g"])
    if kind < 0.18:
        return rng.choice(["1", "9", "0.", "123456789"]) * rng.choice([10, 300, 1000, 2600, 6000])
    text = rng.choice(["", "", "", "-", "+"]) + rng.choice([_digits(rng), "", "0"])
    if rng.random() < 0.5:
        text += "." + rng.choice([_digits(rng), ""])
    if rng.random() < 0.35:
        text += rng.choice(["e", "E"]) + rng.choice(["", "-", "+"]) + rng.choice(
            [_digits(rng, 1, 2), "308", "309", "324", "330", "400", "4931", "4940", "4950",
             "5000", ""])
    if rng.random() < 0.2:
        text = rng.choice([" ", "\t", "\n", "\x00"]) + text
    if rng.random() < 0.2:
        text += rng.choice([" ", "\x00", "\x001", "x", "\r\n", "("])
    return text


def random_cursor_text(rng):
    kind = rng.random()
    if kind < 0.25:
        return rng.choice(["0", "", "+0", "-0", "00", "-1", "18446744073709551615",
                           "18446744073709551616", "-18446744073709551615",
                           "-18446744073709551616", "99999999999999999999", "0x10", "1e3",
                           "+", "-", " ", "abc"])
    text = rng.choice(["", "", "-", "+"]) + _digits(rng, 1, 22)
    if rng.random() < 0.2:
        text = rng.choice([" ", "\t", "\x00"]) + text
    if rng.random() < 0.2:
        text += rng.choice([" ", "\x00", "\x00junk", "x", ".0"])
    return text


def random_scan_options(rng, allow_type):
    names = ["COUNT", "count", "MATCH", "match", "BOGUS", "NOVALUES"] + (
        ["TYPE", "type"] if allow_type else ["TYPE"])
    counts = ["1", "2", "5", "10", "1000", "0", "-1", " 1", "01", "x", "9223372036854775807",
              "9223372036854775808", "1.5", ""]
    patterns = ["*", "a*", "*1*", "k?", "[a-c]*", "nomatch", "", "\\*", "f*", "1*"]
    types = ["string", "hash", "set", "zset", "list", "STRING", "bogus", ""]
    out = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
        name = rng.choice(names)
        out.append(name)
        if rng.random() < 0.08:
            break  # an option without its value
        upper = name.upper()
        if upper == "COUNT":
            out.append(rng.choice(counts))
        elif upper == "MATCH":
            out.append(rng.choice(patterns))
        elif upper == "TYPE":
            out.append(rng.choice(types))
        else:
            out.append(rng.choice(counts + patterns))
    return out


def test_float_arguments(diff):
    rng = random.Random(SEED)
    diff.check("ZADD", "bounds", "1", "a", "2.5", "b", "-3", "c", "1e300", "d", "-inf", "e")
    for i in range(FLOAT_SAMPLES):
        t = random_float_text(rng)
        ctx = f"seed {SEED} sample {i}: {t[:40]!r}"
        for cmd in [
            ("DEL", "s", "s2", "h", "h2", "z"),
            ("INCRBYFLOAT", "s", t),
            ("INCRBYFLOAT", "s", t),
            ("SET", "s2", t),
            ("INCRBYFLOAT", "s2", "1.25"),
            ("HINCRBYFLOAT", "h", "f", t),
            ("HSET", "h2", "f", t),
            ("HINCRBYFLOAT", "h2", "f", "-0.5"),
            ("ZADD", "z", t, "m"),
            ("ZINCRBY", "z", t, "m"),
            ("ZINCRBY", "z", "1", "m"),
            ("ZADD", "z", "INCR", t, "m"),
            ("ZRANGEBYSCORE", "bounds", t, "+inf", "WITHSCORES"),
            ("ZRANGEBYSCORE", "bounds", "(" + t, "+inf"),
            ("ZREVRANGEBYSCORE", "bounds", t, "-inf"),
            ("ZCOUNT", "bounds", "-inf", t),
            ("ZCOUNT", "bounds", "(" + t, "(" + t),
            ("ZRANGE", "bounds", "-inf", t, "BYSCORE"),
        ]:
            lw, rd = diff.run(*cmd)
            assert lw == rd, f"{ctx}: {cmd[0]}: lacewing {lw[:120]!r} != redis {rd[:120]!r}"
        diff.check("GET", "s2")
        diff.check("HGET", "h", "f")
        diff.check("ZSCORE", "z", "m")


def _fill_keyspace(diff):
    """Small containers keep Redis's compact encodings, whose SCAN returns everything at once
    whatever the cursor: their pages can be compared byte for byte."""
    diff.check("HSET", "h", "f1", "v1", "f2", "v2", "a", "x", "k1", "y")
    diff.check("SADD", "s", "1", "2", "10", "11", "-5")  # an intset
    diff.check("ZADD", "z", "1", "a1", "2", "k1", "3", "f1", "4", "b")
    diff.check("SET", "str", "v")
    diff.check("RPUSH", "lst", "a")
    for i in range(20):
        diff.check("SET", f"k{i}", str(i))


def _scan_all(client, cursor, opts):
    """Every key a full SCAN returns (cursor must be valid and options accepted)."""
    keys, calls = [], 0
    while True:
        reply = client.call("SCAN", cursor, *opts)
        header, (cur, arr) = _split_aggregate(reply)
        _, elems = _split_aggregate(arr)
        keys.extend(elems)
        cursor = cur.split(b"\r\n")[1].decode()
        calls += 1
        if cursor == "0" or calls > 1000:
            return sorted(keys)


def test_scan_cursors(diff):
    _fill_keyspace(diff)
    rng = random.Random(SEED + 1)
    for i in range(CURSOR_SAMPLES):
        c = random_cursor_text(rng)
        ctx = f"seed {SEED + 1} sample {i}: {c!r}"
        # Containers in compact encodings: the whole reply is the same for every valid cursor.
        for cmd in [("HSCAN", "h", c), ("ZSCAN", "z", c), ("SSCAN", "s", c),
                    ("HSCAN", "nokey", c), ("SSCAN", "str", c), ("ZSCAN", "h", c),
                    ("HSCAN", "h", c, "COUNT", "0"), ("SSCAN", "nokey", c, "BOGUS")]:
            lw, rd = diff.run(*cmd)
            assert lw == rd, f"{ctx}: {cmd}: lacewing {lw!r} != redis {rd!r}"
        # The keyspace's pages depend on the table layout: only the errors must match.
        lw, rd = diff.run("SCAN", c)
        assert (lw[:1] == b"-") == (rd[:1] == b"-"), f"{ctx}: SCAN: {lw!r} vs {rd!r}"
        if rd[:1] == b"-":
            assert lw == rd, f"{ctx}: SCAN: lacewing {lw!r} != redis {rd!r}"


def test_scan_options(diff):
    _fill_keyspace(diff)
    rng = random.Random(SEED + 2)
    for i in range(OPTION_SAMPLES):
        opts = random_scan_options(rng, allow_type=False)
        ctx = f"seed {SEED + 2} sample {i}: {opts!r}"
        for cmd in [("HSCAN", "h", "0"), ("ZSCAN", "z", "0"), ("SSCAN", "s", "0"),
                    ("SSCAN", "nokey", "0"), ("ZSCAN", "str", "0"), ("HSCAN", "h", "x")]:
            lw, rd = diff.run(*cmd, *opts)
            assert lw == rd, f"{ctx}: {cmd}: lacewing {lw!r} != redis {rd!r}"
        scan_opts = random_scan_options(rng, allow_type=True)
        ctx = f"seed {SEED + 2} sample {i}: SCAN {scan_opts!r}"
        lw, rd = diff.run("SCAN", "0", *scan_opts)
        assert (lw[:1] == b"-") == (rd[:1] == b"-"), f"{ctx}: {lw!r} vs {rd!r}"
        if rd[:1] == b"-":
            assert lw == rd, f"{ctx}: lacewing {lw!r} != redis {rd!r}"
        else:
            assert _scan_all(diff.lw, "0", scan_opts) == _scan_all(diff.rd, "0", scan_opts), ctx
