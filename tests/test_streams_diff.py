"""Differential tests (Lacewing vs redis-server 7.0) for the stream family.

Replies are compared byte for byte, except the wall-clock parts Redis itself cannot repeat:
auto-generated IDs (explicit IDs are used instead), idle times, delivery and seen times. Those
replies are parsed and the time fields replaced before comparing (`check_norm`), so the shape
and every other byte still have to match. The randomized sequences are seeded.
"""
import random

import pytest


# --- a small RESP parser, to normalize time fields ---

def parse(buf, pos=0):
    t = buf[pos:pos + 1]
    end = buf.index(b"\r\n", pos)
    line = buf[pos + 1:end]
    pos = end + 2
    if t in (b"+", b"-", b":", b",", b"#", b"("):
        return (t, line), pos
    if t == b"_":
        return (t, None), pos
    if t in (b"$", b"="):
        n = int(line)
        if n < 0:
            return (t, None), pos
        return (t, buf[pos:pos + n]), pos + n + 2
    if t in (b"*", b"%", b"~", b">"):
        n = int(line)
        if n < 0:
            return (t, None), pos
        if t == b"%":
            n *= 2
        items = []
        for _ in range(n):
            item, pos = parse(buf, pos)
            items.append(item)
        return (t, items), pos
    raise AssertionError(f"bad reply {buf!r}")


TIME = (b"T", b"time")


def norm_pairs(node, names):
    """In a flat map/array of name/value pairs, replaces the values of `names`; recurses."""
    t, v = node
    if not isinstance(v, list):
        return node
    items = [norm_pairs(x, names) for x in v]
    for i in range(0, len(items) - 1):
        if items[i][0] == b"$" and items[i][1] in names and i % 2 == 0:
            items[i + 1] = TIME
    return (t, items)


def norm_xpending(node):
    t, v = node
    if not isinstance(v, list) or not v or not isinstance(v[0][1], list):
        return node
    return (t, [(x[0], [x[1][0], x[1][1], TIME, x[1][3]]) for x in v])


def norm_full(node):
    """XINFO STREAM FULL: the delivery times in both PEL listings."""
    t, v = norm_pairs(node, {b"seen-time"})
    out = []
    for i, item in enumerate(v):
        if i > 0 and v[i - 1] == (b"$", b"groups"):
            groups = []
            for g in item[1]:
                gt, gv = g
                gv = list(gv)
                for j in range(0, len(gv) - 1, 2):
                    if gv[j] == (b"$", b"pending"):
                        gv[j + 1] = (gv[j + 1][0], [(e[0], [e[1][0], e[1][1], TIME, e[1][3]])
                                                    for e in gv[j + 1][1]])
                    if gv[j] == (b"$", b"consumers"):
                        cs = []
                        for c in gv[j + 1][1]:
                            cv = list(c[1])
                            for k in range(0, len(cv) - 1, 2):
                                if cv[k] == (b"$", b"pending"):
                                    cv[k + 1] = (cv[k + 1][0],
                                                 [(e[0], [e[1][0], TIME, e[1][2]])
                                                  for e in cv[k + 1][1]])
                            cs.append((c[0], cv))
                        gv[j + 1] = (gv[j + 1][0], cs)
                groups.append((gt, gv))
            item = (item[0], groups)
        out.append(item)
    return (t, out)


def check_norm(diff, norm, *args):
    lw, rd = diff.run(*args)
    assert norm(parse(lw)[0]) == norm(parse(rd)[0]), f"{args}: lacewing {lw!r} != redis {rd!r}"
    return lw


def hello3(diff):
    diff.run("HELLO", "3")  # the client ids differ


# --- fixed cases ---

def test_xadd_ids_and_errors(diff):
    diff.check("XADD", "s", "1-1", "a", "1")
    diff.check("XADD", "s", "1-*", "b", "2")
    diff.check("XADD", "s", "2", "c", "3")
    diff.check("XADD", "s", "2-*", "c", "3")
    for args in (["1-1", "a", "1"], ["0-0", "a", "1"], ["0", "a", "1"], ["x", "a", "1"],
                 ["1-x", "a", "1"], ["-", "a", "1"], ["+", "a", "1"], ["3-0", "a"],
                 ["MAXLEN", "1", "MINID", "1", "*", "a", "1"], ["MAXLEN", "-1", "*", "a", "1"],
                 ["MAXLEN", "x", "*", "a", "1"], ["LIMIT", "-1", "*", "a", "1"],
                 ["MAXLEN", "1", "LIMIT", "5", "*", "a", "1"], ["LIMIT", "5", "*", "a", "1"],
                 ["MINID", "=", "x", "*", "a", "1"], ["MAXLEN"], ["NOMKSTREAM"]):
        diff.check("XADD", "s", *args)
    diff.check("XADD", "nokey", "NOMKSTREAM", "5-0", "a", "1")
    diff.check("EXISTS", "nokey")
    diff.check("XADD", "s", "LIMIT", "0", "9-0", "a", "1")
    diff.check("SET", "str", "x")
    diff.check("XADD", "str", "1-1", "a", "1")
    diff.check("XADD", "str", "0-0", "a", "1")
    diff.check("XADD", "t", "18446744073709551615-18446744073709551615", "a", "1")
    diff.check("XADD", "t", "*", "a", "1")
    diff.check("XADD", "t2", "5-18446744073709551615", "a", "1")
    diff.check("XADD", "t2", "5-*", "a", "1")
    diff.check("XADD", "t3", "+5", "a", "1")
    diff.check("XADD", "t3", " 6-1", "a", "1")
    diff.check("XRANGE", "t3", "-", "+")
    diff.check("TYPE", "s")
    diff.check("OBJECT", "ENCODING", "s")
    diff.check("XLEN", "s")
    diff.check("XLEN", "nokey")
    diff.check("XLEN", "str")


def test_xrange_bounds_and_count(diff):
    for i in range(1, 30):
        diff.check("XADD", "s", f"{i // 3}-{i % 3}", "f", str(i), "g", "x" * (i % 4))
    bounds = ["-", "+", "0", "3", "3-1", "(3-1", "(3", "(0-0", "5-18446744073709551615",
              "(18446744073709551615-18446744073709551615", "(-", "(+", "x", "(x", "((1"]
    for a in bounds:
        for b in bounds:
            diff.check("XRANGE", "s", a, b)
            diff.check("XREVRANGE", "s", b, a)
    for c in ["0", "1", "5", "-1", "x", "100"]:
        diff.check("XRANGE", "s", "-", "+", "COUNT", c)
        diff.check("XREVRANGE", "s", "+", "-", "COUNT", c)
        diff.check("XRANGE", "nokey", "-", "+", "COUNT", c)
    diff.check("XRANGE", "s", "-", "+", "FOO")
    diff.check("XRANGE", "s", "-", "+", "COUNT")
    diff.check("SET", "str", "x")
    diff.check("XRANGE", "str", "-", "+")
    diff.check("XRANGE", "str", "x", "+")


def test_xdel_xtrim_xsetid(diff):
    for i in range(1, 400):
        diff.check("XADD", "s", f"{i}-1", "f", str(i))
    diff.check("XDEL", "s", "5-1", "6-1", "7-0", "5-1")
    diff.check("XDEL", "s", "8-1", "x")
    diff.check("XDEL", "nokey", "x")
    diff.check("XTRIM", "s", "MAXLEN", "~", "350")
    diff.check("XTRIM", "s", "MAXLEN", "~", "250", "LIMIT", "50")
    diff.check("XTRIM", "s", "MAXLEN", "~", "250", "LIMIT", "150")
    diff.check("XTRIM", "s", "MAXLEN", "=", "240")
    diff.check("XTRIM", "s", "MINID", "~", "250")
    diff.check("XTRIM", "s", "MINID", "255-1")
    diff.check("XTRIM", "s", "MINID", "(255-1")
    for args in (["MAXLEN"], ["MAXLEN", "x"], ["FOO", "1"], ["MAXLEN", "1", "LIMIT", "1"],
                 ["LIMIT", "1"], ["MAXLEN", "1", "MINID", "1"]):
        diff.check("XTRIM", "s", *args)
        diff.check("XTRIM", "nokey", *args)
    diff.check("XRANGE", "s", "-", "+", "COUNT", "3")
    diff.check("XINFO", "STREAM", "s")
    diff.check("XADD", "s", "MAXLEN", "10", "1000-0", "f", "v")
    diff.check("XADD", "s", "MINID", "~", "995", "1001-0", "f", "v")
    diff.check("XRANGE", "s", "-", "+")
    for args in (["1-0"], ["2000-0"], ["2000-0", "ENTRIESADDED", "1"],
                 ["2000-0", "ENTRIESADDED", "-1"], ["2000-0", "ENTRIESADDED", "x"],
                 ["2000-0", "MAXDELETEDID", "3000-0"], ["2000-0", "MAXDELETEDID", "100-0"],
                 ["1500-0"], ["x"], ["2000-0", "FOO"], ["2000-0", "ENTRIESADDED", "5000"]):
        diff.check("XSETID", "s", *args)
        diff.check("XSETID", "nokey", *args)
    diff.check("XINFO", "STREAM", "s")
    diff.check("XADD", "s", "1999-0", "f", "v")
    diff.check("XADD", "s", "2000-*", "f", "v")
    diff.check("XINFO", "STREAM", "s")


def test_xread_several_streams(diff):
    keys = [f"k{i}" for i in range(6)]  # spread over both shards
    for i, k in enumerate(keys):
        for j in range(1, 4 + i):
            diff.check("XADD", k, f"{j}-{i}", "n", str(j))
    diff.check("XREAD", "STREAMS", *keys, *(["0"] * len(keys)))
    diff.check("XREAD", "COUNT", "2", "STREAMS", *keys, "0", "1", "2", "3", "$", "-")
    diff.check("XREAD", "COUNT", "2", "STREAMS", "nokey", "k1", "0", "0")
    diff.check("XREAD", "STREAMS", "nokey", "k1", "$", "$")
    diff.check("XREAD", "COUNT", "-3", "STREAMS", "k1", "0")
    diff.check("SET", "str", "x")
    for args in (["STREAMS", "k1", "str", "0", "0"], ["STREAMS", "k1"], ["STREAMS", "k1", "+"],
                 ["STREAMS", "k1", "k2", "0"], ["COUNT", "x", "STREAMS", "k1", "0"],
                 ["BLOCK", "-1", "STREAMS", "k1", "0"], ["BLOCK", "x", "STREAMS", "k1", "0"],
                 ["NOACK", "STREAMS", "k1", "0"], ["GROUP", "g", "c", "STREAMS", "k1", "0"],
                 ["STREAMS", "k1", ">"], ["FOO", "STREAMS", "k1", "0"], ["COUNT", "1", "k1"],
                 ["STREAMS", "k1", "(1"], ["BLOCK", "10", "STREAMS", "k1", "0"]):
        diff.check("XREAD", *args)
    hello3(diff)
    diff.check("XREAD", "COUNT", "1", "STREAMS", *keys, *(["0"] * len(keys)))
    diff.check("XREAD", "STREAMS", "k1", "$")
    diff.check("XRANGE", "k2", "-", "+")


def test_groups_fixed(diff):
    for i in range(1, 11):
        diff.check("XADD", "s", f"{i}-0", "f", str(i))
    for args in (["CREATE", "s", "g", "0"], ["CREATE", "s", "g", "0"], ["CREATE", "s", "g2", "$"],
                 ["CREATE", "s", "g3", "5", "ENTRIESREAD", "3"], ["CREATE", "s", "g4", "x"],
                 ["CREATE", "s", "g4", "-"], ["CREATE", "nokey", "g", "0"],
                 ["CREATE", "mk", "g", "$", "MKSTREAM"], ["CREATE", "s", "g5", "0", "FOO"],
                 ["CREATE", "s", "g5", "0", "ENTRIESREAD", "-5"], ["CREATE", "s", "g"],
                 ["SETID", "s", "g2", "3"], ["SETID", "s", "gx", "3"],
                 ["SETID", "s", "g2", "3", "ENTRIESREAD", "2"], ["SETID", "s", "g2", "3", "X", "2"],
                 ["SETID", "s", "g2", "-"], ["CREATECONSUMER", "s", "g", "c1"],
                 ["CREATECONSUMER", "s", "g", "c1"], ["CREATECONSUMER", "s", "gx", "c1"],
                 ["DELCONSUMER", "s", "g", "nobody"], ["DESTROY", "s", "g9"],
                 ["DESTROY", "nokey", "g"], ["FOO"], ["HELP"], ["HELP", "x"]):
        diff.check("XGROUP", *args)
    diff.check("XGROUP")
    diff.check("XINFO", "GROUPS", "s")
    diff.check("XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "s", ">")
    diff.check("XREADGROUP", "GROUP", "g", "c2", "COUNT", "2", "STREAMS", "s", ">")
    diff.check("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0")
    diff.check("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", "1")
    diff.check("XREADGROUP", "GROUP", "g", "c3", "NOACK", "COUNT", "1", "STREAMS", "s", ">")
    for args in (["GROUP", "g", "c", "STREAMS", "s", "$"], ["STREAMS", "s", ">", "x"],
                 ["GROUP", "nog", "c", "STREAMS", "s", ">"],
                 ["GROUP", "g", "c", "STREAMS", "nokey", ">"], ["COUNT", "1", "STREAMS", "s", ">"],
                 ["GROUP", "g", "c", "STREAMS", "s", "x"], ["GROUP", "g", "c", "STREAMS", "s"]):
        diff.check("XREADGROUP", *args)
    diff.check("XDEL", "s", "2-0")
    diff.check("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0")
    diff.check("XPENDING", "s", "g")
    diff.check("XPENDING", "s", "g3")
    check_norm(diff, norm_xpending, "XPENDING", "s", "g", "-", "+", "10")
    check_norm(diff, norm_xpending, "XPENDING", "s", "g", "IDLE", "0", "-", "+", "10", "c1")
    diff.check("XPENDING", "s", "g", "IDLE", "1000000", "-", "+", "10")
    diff.check("XPENDING", "s", "g", "-", "+", "10", "nobody")
    for args in (["s", "g", "-", "+"], ["s", "g", "-", "+", "x"], ["s", "g", "x", "+", "1"],
                 ["s", "g", "IDLE", "x", "-", "+", "1"], ["s", "g", "IDLE", "5", "-", "+"],
                 ["nokey", "g"], ["s", "nog"], ["s", "g", "(-", "+", "1"]):
        diff.check("XPENDING", *args)
    diff.check("XACK", "s", "g", "1-0", "3-0", "1-0")
    diff.check("XACK", "s", "g", "x")
    diff.check("XACK", "s", "nog", "1-0")
    diff.check("XCLAIM", "s", "g", "c9", "0", "4-0", "5-0", "2-0", "9-0")
    diff.check("XCLAIM", "s", "g", "c9", "0", "7-0", "FORCE", "JUSTID")
    diff.check("XCLAIM", "s", "g", "c8", "0", "7-0", "RETRYCOUNT", "7", "LASTID", "50-0")
    for args in (["x", "1-0"], ["0", "1-0", "IDLE", "x"], ["0", "1-0", "TIME", "x"],
                 ["0", "1-0", "RETRYCOUNT", "x"], ["0", "1-0", "FOO"], ["0", "1-0", "LASTID", "x"]):
        diff.check("XCLAIM", "s", "g", "c", *args)
        diff.check("XCLAIM", "s", "nog", "c", *args)
    diff.check("XAUTOCLAIM", "s", "g", "c7", "0", "0", "COUNT", "2")
    diff.check("XAUTOCLAIM", "s", "g", "c7", "0", "0", "JUSTID")
    for args in (["x", "0"], ["0", "x"], ["0", "0", "COUNT", "0"], ["0", "0", "FOO"],
                 ["0", "(18446744073709551615-18446744073709551615"]):
        diff.check("XAUTOCLAIM", "s", "g", "c", *args)
        diff.check("XAUTOCLAIM", "nokey", "g", "c", *args)
    diff.check("XGROUP", "DELCONSUMER", "s", "g", "c7")
    diff.check("XINFO", "GROUPS", "s")
    check_norm(diff, lambda n: norm_pairs(n, {b"idle"}), "XINFO", "CONSUMERS", "s", "g")
    check_norm(diff, norm_full, "XINFO", "STREAM", "s", "FULL")
    check_norm(diff, norm_full, "XINFO", "STREAM", "s", "FULL", "COUNT", "1")
    check_norm(diff, norm_full, "XINFO", "STREAM", "s", "FULL", "COUNT", "0")
    for args in (["STREAM", "s", "FOO"], ["STREAM", "s", "FULL", "COUNT"],
                 ["STREAM", "s", "FULL", "COUNT", "x"], ["STREAM", "nokey"], ["GROUPS", "nokey"],
                 ["CONSUMERS", "s", "nog"], ["FOO"], ["HELP"], ["GROUPS"], ["GROUPS", "s", "x"]):
        diff.check("XINFO", *args)
    diff.check("XGROUP", "DESTROY", "s", "g")
    diff.check("XINFO", "STREAM", "s")
    hello3(diff)
    diff.check("XINFO", "STREAM", "s")
    diff.check("XINFO", "GROUPS", "s")
    check_norm(diff, norm_full, "XINFO", "STREAM", "s", "FULL")
    diff.check("XREADGROUP", "GROUP", "g2", "c", "COUNT", "2", "STREAMS", "s", ">")
    diff.check("XPENDING", "s", "g2")
    diff.check("XAUTOCLAIM", "s", "g2", "c7", "0", "0")


# --- randomized sequences ---

FIELDS = ["a", "b", "name", "v"]


def random_command(rng, state):
    key = rng.choice(["s1", "s2"])
    op = rng.randrange(100)
    group = rng.choice(["g1", "g2"])
    consumer = rng.choice(["c1", "c2", "c3"])
    ids = state.setdefault(key, [])
    known = lambda: rng.choice(ids) if ids and rng.random() < 0.9 else f"{rng.randrange(300)}-0"
    if op < 35:
        ms = state.get(key + ":ms", 0) + rng.randrange(3)
        state[key + ":ms"] = ms
        idform = rng.choice([f"{ms}-*", f"{ms}-{rng.randrange(5)}", f"{ms}"])
        nf = rng.randrange(1, 4)
        names = FIELDS[:nf] if rng.random() < 0.7 else rng.sample(FIELDS, nf)
        fv = [x for n in names for x in (n, str(rng.randrange(1000)))]
        trim = rng.choice([[], [], ["MAXLEN", "~", str(rng.randrange(50, 150))],
                           ["MAXLEN", str(rng.randrange(60, 200))],
                           ["MINID", "~", f"{max(0, ms - 60)}"]])
        return ["XADD", key] + trim + [idform] + fv
    if op < 42:
        return ["XDEL", key] + [known() for _ in range(rng.randrange(1, 4))]
    if op < 46:
        return ["XTRIM", key] + rng.choice([["MAXLEN", "~", "80"], ["MAXLEN", "100"],
                                            ["MINID", known()], ["MAXLEN", "~", "50", "LIMIT",
                                                                 str(rng.randrange(0, 200))]])
    if op < 52:
        cmd = rng.choice(["XRANGE", "XREVRANGE"])
        a, b = known(), known()
        if rng.random() < 0.3:
            a = "(" + a
        return [cmd, key, a, b, "COUNT", str(rng.randrange(0, 8))]
    if op < 56:
        return ["XGROUP", "CREATE", key, group, rng.choice(["0", "$", known()]), "MKSTREAM"]
    if op < 70:
        extra = ["NOACK"] if rng.random() < 0.1 else []
        return ["XREADGROUP", "GROUP", group, consumer, "COUNT", str(rng.randrange(1, 5))] + \
            extra + ["STREAMS", key, rng.choice([">", ">", ">", "0", known()])]
    if op < 78:
        return ["XACK", key, group] + [known() for _ in range(rng.randrange(1, 4))]
    if op < 84:
        opts = rng.choice([[], ["JUSTID"], ["FORCE"], ["RETRYCOUNT", "3"], ["LASTID", known()]])
        return ["XCLAIM", key, group, consumer, "0"] + \
            [known() for _ in range(rng.randrange(1, 3))] + opts
    if op < 89:
        return ["XAUTOCLAIM", key, group, consumer, "0", rng.choice(["0", known()]), "COUNT",
                str(rng.randrange(1, 5))] + (["JUSTID"] if rng.random() < 0.3 else [])
    if op < 92:
        return ["XPENDING", key, group]
    if op < 94:
        return ["XINFO", "GROUPS", key]
    if op < 96:
        return ["XGROUP", rng.choice(["DELCONSUMER", "CREATECONSUMER"]), key, group, consumer]
    if op < 97:
        return ["XGROUP", "SETID", key, group, rng.choice(["0", "$", known()])]
    if op < 98:
        return ["XINFO", "STREAM", key]
    return ["XLEN", key]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_sequences(diff, seed):
    rng = random.Random(seed)
    state = {}
    for _ in range(400):
        args = random_command(rng, state)
        lw = diff.check(*args)
        if args[0] == "XADD" and lw.startswith(b"$"):
            state[args[1]].append(lw.split(b"\r\n")[1].decode())
        if args[0] == "XPENDING" and rng.random() < 0.5:
            check_norm(diff, norm_xpending, "XPENDING", args[1], args[2], "-", "+", "20")
    for key in ("s1", "s2"):
        diff.check("XRANGE", key, "-", "+")
        check_norm(diff, norm_full, "XINFO", "STREAM", key, "FULL", "COUNT", "0")


def test_streams_in_scripts_and_multi(diff):
    """XADD/XTRIM/XRANGE/XREADGROUP (no BLOCK) inside Lua and MULTI: replies converted as Redis's."""
    for script in (
            "return redis.call('XADD', KEYS[1], '1-1', 'a', '1', 'b', '2')",
            "redis.call('XADD', KEYS[1], '2-1', 'a', '3'); return redis.call('XRANGE', KEYS[1], '-', '+')",
            "return redis.call('XTRIM', KEYS[1], 'MAXLEN', '1')",
            "redis.call('XGROUP', 'CREATE', KEYS[1], 'g', '0')\n"
            "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')",
            "return redis.call('XPENDING', KEYS[1], 'g')",
            "return redis.call('XINFO', 'STREAM', KEYS[1])",
            "return redis.call('XREAD', 'STREAMS', KEYS[1], '0')",
            "return redis.call('XREAD', 'STREAMS', KEYS[1], '9')",
            "return redis.pcall('XADD', KEYS[1], '0-1', 'a', '1')",
            "return redis.call('XADD', KEYS[1], '0-1', 'a', '1')",
            "redis.setresp(3); return redis.call('XREAD', 'STREAMS', KEYS[1], '0')",
            "redis.setresp(3); return redis.call('XRANGE', KEYS[1], '-', '+')"):
        diff.check("EVAL", script, "1", "ls")
    diff.check("EVAL_RO", "return redis.call('XRANGE', KEYS[1], '-', '+')", "1", "ls")
    diff.check("EVAL_RO", "return redis.call('XREAD', 'STREAMS', KEYS[1], '0')", "1", "ls")
    diff.check("EVAL_RO", "return redis.call('XADD', KEYS[1], '*', 'a', '1')", "1", "ls")
    diff.check("EVAL", "#!lua flags=no-writes\nreturn redis.call('XLEN', KEYS[1])", "1", "ls")
    for cmd in (("MULTI",), ("XADD", "m", "1-1", "a", "1"), ("XRANGE", "m", "-", "+"),
                ("XTRIM", "m", "MAXLEN", "0"), ("XGROUP", "CREATE", "m", "g", "0", "MKSTREAM"),
                ("XADD", "m", "2-2", "b", "2"),
                ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "m", ">"), ("XACK", "m", "g", "2-2"),
                ("EXEC",)):
        diff.check(*cmd)


def test_stream_as_a_value(diff):
    """COPY, RENAME, DEL, EXPIRE, SCAN TYPE, DUMP/RESTORE treat a stream like any value."""
    diff.check("XADD", "a", "1-1", "f", "v")
    diff.check("XGROUP", "CREATE", "a", "g", "0")
    diff.check("XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", ">")
    diff.check("COPY", "a", "b")
    diff.check("XADD", "a", "2-2", "f", "w")
    diff.check("XRANGE", "b", "-", "+")
    diff.check("XINFO", "GROUPS", "b")
    diff.check("RENAME", "b", "c")
    diff.check("TYPE", "c")
    diff.check("EXPIRE", "c", "100")
    diff.check("TTL", "c")
    lw, rd = diff.run("SCAN", "0", "TYPE", "stream", "COUNT", "100")
    keys = lambda reply: sorted(x[1] for x in parse(reply)[0][1][1][1])
    assert keys(lw) == keys(rd) == [b"a", b"c"], (lw, rd)
    lw, rd = diff.run("DUMP", "a")
    for payload in (lw, rd):
        body = payload.split(b"\r\n", 1)[1][:-2]
        diff.check("RESTORE", "r", "0", body, "REPLACE")
        diff.check("XRANGE", "r", "-", "+")
        diff.check("XINFO", "GROUPS", "r")
        check_norm(diff, lambda n: norm_pairs(n, {b"idle"}), "XINFO", "CONSUMERS", "r", "g")
        diff.check("XINFO", "STREAM", "r")
    diff.check("DEL", "a", "c", "r")


def test_wrongtype_and_arity_of_every_command(diff):
    """Every stream command on a key of another type, and with too few arguments."""
    diff.check("SET", "str", "x")
    for args in (["XADD", "str", "*", "a", "1"], ["XLEN", "str"], ["XRANGE", "str", "-", "+"],
                 ["XREVRANGE", "str", "+", "-"], ["XDEL", "str", "1-1"],
                 ["XTRIM", "str", "MAXLEN", "0"], ["XSETID", "str", "1-1"],
                 ["XREAD", "STREAMS", "str", "0"], ["XGROUP", "CREATE", "str", "g", "0"],
                 ["XGROUP", "CREATE", "str", "g", "0", "MKSTREAM"],
                 ["XGROUP", "SETID", "str", "g", "0"], ["XGROUP", "DESTROY", "str", "g"],
                 ["XGROUP", "CREATECONSUMER", "str", "g", "c"],
                 ["XGROUP", "DELCONSUMER", "str", "g", "c"],
                 ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"],
                 ["XACK", "str", "g", "1-1"], ["XPENDING", "str", "g"],
                 ["XPENDING", "str", "g", "-", "+", "10"], ["XCLAIM", "str", "g", "c", "0", "1-1"],
                 ["XAUTOCLAIM", "str", "g", "c", "0", "0"], ["XINFO", "STREAM", "str"],
                 ["XINFO", "STREAM", "str", "FULL"], ["XINFO", "GROUPS", "str"],
                 ["XINFO", "CONSUMERS", "str", "g"]):
        diff.check(*args)
    diff.check("XADD", "s", "1-1", "f", "v")
    for args in (["XADD"], ["XADD", "s"], ["XADD", "s", "*"], ["XLEN"], ["XRANGE", "s", "-"],
                 ["XREVRANGE", "s"], ["XDEL", "s"], ["XTRIM", "s"], ["XSETID", "s"], ["XREAD"],
                 ["XREAD", "STREAMS"], ["XREADGROUP", "GROUP", "g", "c", "STREAMS"], ["XACK", "s"],
                 ["XACK", "s", "g"], ["XPENDING", "s"], ["XCLAIM", "s", "g", "c", "0"],
                 ["XAUTOCLAIM", "s", "g", "c", "0"], ["XGROUP", "CREATE", "s"],
                 ["XGROUP", "SETID", "s"], ["XGROUP", "DESTROY", "s"],
                 ["XGROUP", "CREATECONSUMER", "s", "g"], ["XGROUP", "DELCONSUMER", "s", "g"],
                 ["XINFO"], ["XINFO", "STREAM"], ["XINFO", "CONSUMERS", "s"], ["XINFO", "GROUPS"]):
        diff.check(*args)


def test_xclaim_idle_and_time(diff):
    """XCLAIM's IDLE and TIME set the delivery time that XPENDING's IDLE filter then sees."""
    for i in range(1, 6):
        diff.check("XADD", "s", f"{i}-0", "f", str(i))
    diff.check("XGROUP", "CREATE", "s", "g", "0")
    diff.check("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    diff.check("XCLAIM", "s", "g", "c2", "0", "1-0", "IDLE", "500000")
    diff.check("XCLAIM", "s", "g", "c3", "0", "2-0", "TIME", "1000", "JUSTID")
    diff.check("XCLAIM", "s", "g", "c3", "0", "3-0", "IDLE", "-5", "RETRYCOUNT", "9")
    check_norm(diff, norm_xpending, "XPENDING", "s", "g", "IDLE", "400000", "-", "+", "10")
    check_norm(diff, norm_xpending, "XPENDING", "s", "g", "-", "+", "10")
    # Only the entries idle for at least 400 s may be claimed now.
    diff.check("XCLAIM", "s", "g", "c4", "400000", "1-0", "2-0", "3-0", "4-0", "JUSTID")
    diff.check("XAUTOCLAIM", "s", "g", "c5", "400000", "0", "JUSTID")
    check_norm(diff, lambda n: norm_pairs(n, {b"idle", b"inactive"}), "XINFO", "CONSUMERS", "s",
               "g")
