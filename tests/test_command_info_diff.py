"""COMMAND against redis-server 7.0: COMMAND INFO of every command both servers have is byte
identical (arity, flags, key positions, ACL categories, tips, key specs), in RESP2 and RESP3;
a container's subcommands are Redis's entries byte for byte, in any order (Redis's own order
follows its dict's random seed), and only those Lacewing implements: each one left out must
be an unknown subcommand here. COUNT, LIST [FILTERBY], GETKEYS and GETKEYSANDFLAGS agree.

Documented exceptions: commands Lacewing does not have (ACL, CLUSTER, MONITOR, replication...)
and Lacewing's own commands (STICK, STICKY), described from their registration.
"""
from differential import _split_aggregate

LACEWING_ONLY = {"stick", "sticky"}


def _bulk_text(elem):
    return elem.split(b"\r\n")[1].decode()


def _names(reply):
    return [_bulk_text(e) for e in _split_aggregate(reply)[1]]


def _compare_info(diff, name):
    lw, rd = diff.run("COMMAND", "INFO", name)
    (_, [lw1]), (_, [rd1]) = _split_aggregate(lw), _split_aggregate(rd)
    lh, lparts = _split_aggregate(lw1)
    rh, rparts = _split_aggregate(rd1)
    assert lh == rh and lparts[:9] == rparts[:9], f"{name}: {lw1!r} != {rd1!r}"
    if rparts[9] in (b"*0\r\n", b"~0\r\n"):
        assert lparts[9] == rparts[9], name
        return []
    lsubs = _split_aggregate(lparts[9])[1]
    rsubs = {_bulk_text(_split_aggregate(s)[1][0]): s for s in _split_aggregate(rparts[9])[1]}
    seen = []
    for sub in lsubs:
        sub_name = _bulk_text(_split_aggregate(sub)[1][0])
        assert rsubs.get(sub_name) == sub, f"{sub_name}: {sub!r} != {rsubs.get(sub_name)!r}"
        seen.append(sub_name)
    return [n for n in rsubs if n not in seen]


def test_command_info_matches_redis(diff):
    lw_names = set(_names(diff.lw.call("COMMAND", "LIST")))
    rd_names = set(_names(diff.rd.call("COMMAND", "LIST")))
    lw_top = {n for n in lw_names if "|" not in n}
    common = sorted(lw_top & {n for n in rd_names if "|" not in n})
    assert set(lw_top) - set(common) == LACEWING_ONLY
    for proto in ("2", "3"):
        diff.run("HELLO", proto)
        for name in common:
            missing = _compare_info(diff, name)
            for full in missing:
                parent, sub = full.split("|")
                reply = diff.lw.call(parent, sub, *(["x"] * 3))
                assert b"unknown subcommand" in reply.lower(), f"{full} runs but is not listed"
                assert full not in lw_names
    # A subcommand by its full name, and names nobody has.
    diff.run("HELLO", "2")
    diff.check("COMMAND", "INFO", "config|get", "CONFIG|SET", "get", "nosuch", "config|nosuch")
    diff.check("COMMAND", "INFO", "GET", "zadd", "Sort", "georadius", "bitfield")


def test_command_count_and_list(diff, server):
    lw_names = _names(diff.lw.call("COMMAND", "LIST"))
    count = int(diff.lw.call("COMMAND", "COUNT")[1:-2])
    assert count == len([n for n in lw_names if "|" not in n])
    _, infos = _split_aggregate(diff.lw.call("COMMAND"))
    assert len(infos) == count
    _, infos = _split_aggregate(diff.lw.call("COMMAND", "INFO"))
    assert len(infos) == count
    assert len(lw_names) == len(set(lw_names))
    for sub in (n for n in lw_names if "|" in n):
        assert sub.split("|")[0] in lw_names
    # FILTERBY: Lacewing lists Redis's members that it implements (and nothing else).
    lw_set = set(lw_names)
    for cat in ("hyperloglog", "geo", "bitmap", "keyspace", "scripting", "dangerous", "fast",
                "connection", "nosuchcat"):
        lw, rd = diff.run("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat)
        assert set(_names(lw)) - LACEWING_ONLY == set(_names(rd)) & lw_set, cat
    for pattern in ("config*", "CONFIG|G*", "*pf*", "x?add", "*"):
        lw, rd = diff.run("COMMAND", "LIST", "FILTERBY", "PATTERN", pattern)
        assert set(_names(lw)) - LACEWING_ONLY == set(_names(rd)) & lw_set, pattern
    diff.check("COMMAND", "LIST", "FILTERBY", "MODULE", "x")
    for bad in (("FILTERBY",), ("FILTERBY", "x", "y"), ("x",), ("FILTERBY", "ACLCAT")):
        diff.check_error("COMMAND", "LIST", *bad)
    diff.check_error("COMMAND", "COUNT", "x")
    diff.check_error("COMMAND", "NOSUCH")
    stick = _split_aggregate(diff.lw.call("COMMAND", "INFO", "sticky"))[1][0]
    assert _bulk_text(_split_aggregate(stick)[1][0]) == "sticky"


GETKEYS_CASES = [
    ("get", "k"), ("set", "k", "v"), ("set", "k", "v", "GET"), ("set", "k", "v", "EX", "10"),
    ("mset", "a", "1", "b", "2"), ("del", "a", "b", "c"), ("lmove", "s", "d", "LEFT", "RIGHT"),
    ("bitfield", "k", "get", "u8", "0"), ("bitfield", "k", "get", "u8"),
    ("bitfield", "k", "overflow", "sat", "incrby", "u8", "0", "1"), ("bitfield_ro", "k"),
    ("bitop", "and", "d", "a", "b"), ("pfcount", "a", "b"), ("pfmerge", "d", "a", "b"),
    ("sort", "k"), ("sort", "k", "by", "w_*", "get", "#", "store", "d"),
    ("sort", "k", "limit", "0", "1", "store"), ("sort", "k", "store", "a", "store", "b"),
    ("sort_ro", "k", "by", "x"), ("georadius", "k", "0", "0", "1", "m", "store", "d"),
    ("georadius", "k", "0", "0", "1", "m", "storedist", "d"),
    ("georadiusbymember", "k", "m", "1", "km"), ("geosearchstore", "d", "s", "frommember", "m"),
    ("zunionstore", "d", "2", "a", "b", "weights", "1", "2"), ("zunionstore", "d", "0", "a"),
    ("zunionstore", "d", "abc", "a"), ("zinter", "2", "a", "b"), ("zintercard", "1", "a"),
    ("sintercard", "2", "a", "b", "limit", "1"), ("lmpop", "2", "a", "b", "left"),
    ("blmpop", "0", "2", "a", "b", "left"), ("bzmpop", "0", "1", "a", "min"),
    ("eval", "s", "2", "a", "b", "c"), ("eval", "s", "0"), ("eval", "s", "5", "a"),
    ("evalsha_ro", "s", "1", "a"), ("fcall", "f", "1", "a"),
    ("xread", "streams", "a", "b", "0", "0"), ("xread", "count", "1", "streams", "a", "0"),
    ("xreadgroup", "group", "g", "c", "streams", "a", "0"), ("xgroup", "create", "s", "g", "$"),
    ("xinfo", "stream", "s"), ("memory", "usage", "k"), ("object", "encoding", "k"),
    ("copy", "a", "b", "db", "1"), ("move", "k", "1"), ("rename", "a", "b"),
    ("blpop", "a", "b", "0"), ("watch", "a", "b"), ("lcs", "a", "b"), ("touch", "a"),
    ("get", "a", "b"), ("config", "get", "x"), ("config", "nosuch"), ("nosuch", "a"),
    ("ping",), ("swapdb", "0", "1"), ("zunionstore", "d"),
    ("zunionstore", "d", "99999999999999", "a"), ("eval", "s", "-1", "a"),
    ("zunionstore", "d", "9223372036854775807", "a"), ("lmpop", "2147483647", "a", "left"),
]


def test_command_getkeys(diff):
    for case in GETKEYS_CASES:
        diff.check("COMMAND", "GETKEYS", *case)
        diff.check("COMMAND", "GETKEYSANDFLAGS", *case)
    diff.check_error("COMMAND", "GETKEYS")
    diff.check_error("COMMAND", "GETKEYS", "get")
    diff.check_error("COMMAND", "GETKEYSANDFLAGS", "get")
    diff.run("HELLO", "3")
    diff.check("COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "get")
    diff.check("COMMAND", "INFO", "nosuch", "get")
