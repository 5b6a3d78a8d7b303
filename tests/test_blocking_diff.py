"""Differential tests (Lacewing vs redis-server 7.0) for the multi-key and blocking list and
sorted-set commands: LMOVE RPOPLPUSH LMPOP, BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN
BZPOPMAX BZMPOP.

Non-blocking paths and errors must be byte-identical. Blocking paths are compared by
behaviour: on each server one client blocks, another pushes, and the blocked client's reply
(and the data left behind) must be the same bytes on both.
"""
import time

import pytest

from resp_client import RawClient, encode

# Keys {a}x and {b}x may sit on different Lacewing shards; plain names spread too.
KEYS = ["k1", "k2", "k3", "k4", "k5", "k6"]


class Pair:
    """One extra raw client per server, for the blocked side."""

    def __init__(self, diff):
        self.lw = RawClient(diff.lw.sock.getpeername()[1])
        self.rd = RawClient(diff.rd.sock.getpeername()[1])
        if getattr(diff, "resp3", False):
            self.lw.call("HELLO", "3")
            self.rd.call("HELLO", "3")

    def send(self, *args):
        self.lw.sock.sendall(encode(*args))
        self.rd.sock.sendall(encode(*args))

    def replies(self):
        return self.lw.read_reply(), self.rd.read_reply()

    def close(self):
        self.lw.close()
        self.rd.close()


def blocked_then(diff, block_cmd, *push_cmds, settle=0.15):
    """Sends block_cmd on a second connection of each server, then runs push_cmds (each
    checked byte for byte) on the main ones; returns the blocked client's reply, equal on both."""
    p = Pair(diff)
    try:
        p.send(*block_cmd)
        time.sleep(settle)  # let both servers block the client
        for cmd in push_cmds:
            diff.check(*cmd)
        lw, rd = p.replies()
        assert lw == rd, f"{block_cmd}: lacewing {lw!r} != redis {rd!r}"
        return lw
    finally:
        p.close()


def hello3(diff):
    """Both main connections (and every Pair made after) speak RESP3."""
    diff.run("HELLO", "3")  # the replies differ in the client id
    diff.resp3 = True


def test_lmove_rpoplpush(diff):
    diff.check("LMOVE", "a", "b", "LEFT", "RIGHT")
    diff.check("RPOPLPUSH", "a", "b")
    diff.check("RPUSH", "a", "1", "2", "3", "4")
    for frm in ("LEFT", "RIGHT", "left", "Right"):
        for to in ("LEFT", "RIGHT"):
            diff.check("LMOVE", "a", "b", frm, to)
            diff.check("RPUSH", "a", frm + to)
    diff.check("LRANGE", "a", "0", "-1")
    diff.check("LRANGE", "b", "0", "-1")
    diff.check("RPOPLPUSH", "a", "c")
    diff.check("LMOVE", "a", "a", "LEFT", "RIGHT")
    diff.check("RPOPLPUSH", "a", "a")
    diff.check("LRANGE", "a", "0", "-1")
    for k in KEYS:
        diff.check("RPOPLPUSH", "b", k)
    for k in KEYS:
        diff.check("LRANGE", k, "0", "-1")
    diff.check("DEL", "x")
    diff.check("RPUSH", "x", "only")
    diff.check("LMOVE", "x", "y", "LEFT", "LEFT")
    diff.check("EXISTS", "x")
    diff.check("LMOVE", "a", "b", "UP", "LEFT")
    diff.check("LMOVE", "a", "b", "LEFT", "DOWN")
    diff.check("LMOVE", "a", "b", "LEFT")
    diff.check("RPOPLPUSH", "a")
    diff.check("LMOVE", "nokey", "b", "x", "LEFT")


def test_lmove_wrong_type(diff):
    diff.check("SET", "s", "v")
    diff.check("RPUSH", "l", "1")
    diff.check_error("LMOVE", "s", "l", "LEFT", "LEFT")
    diff.check_error("LMOVE", "l", "s", "LEFT", "LEFT")
    diff.check_error("RPOPLPUSH", "l", "s")
    diff.check("LMOVE", "nokey", "s", "LEFT", "LEFT")
    diff.check("LRANGE", "l", "0", "-1")
    diff.check_error("BLMOVE", "l", "s", "LEFT", "LEFT", "0")
    diff.check_error("BRPOPLPUSH", "s", "l", "0")


def test_lmpop(diff):
    for args in (["0", "a", "LEFT"], ["abc", "a", "LEFT"], ["-1", "a", "LEFT"],
                 ["2", "a", "LEFT"], ["9223372036854775807", "a", "LEFT"], ["1", "a", "UP"],
                 ["1", "a", "LEFT", "COUNT", "0"], ["1", "a", "LEFT", "COUNT", "-1"],
                 ["1", "a", "LEFT", "COUNT", "x"], ["1", "a", "LEFT", "COUNT"],
                 ["1", "a", "LEFT", "COUNT", "1", "COUNT", "1"], ["1", "a", "LEFT", "foo"]):
        diff.check("LMPOP", *args)
    diff.check("LMPOP", "1", "a")
    diff.check("LMPOP", "1", "a", "LEFT")
    diff.check("RPUSH", "k3", "1", "2", "3", "4", "5")
    diff.check("RPUSH", "k5", "x")
    diff.check("LMPOP", "3", "k1", "k2", "k3", "LEFT")
    diff.check("LMPOP", "3", "k1", "k2", "k3", "right", "count", "2")
    diff.check("LMPOP", "6", *KEYS, "LEFT", "COUNT", "100")
    diff.check("LMPOP", "6", *KEYS, "LEFT", "COUNT", "100")
    diff.check("LMPOP", "6", *KEYS, "LEFT")
    diff.check("SET", "s", "v")
    diff.check("RPUSH", "k1", "v")
    diff.check_error("LMPOP", "2", "s", "k1", "LEFT")
    diff.check("LMPOP", "2", "k1", "s", "LEFT")
    diff.check_error("LMPOP", "2", "s", "k1", "LEFT")


def test_timeout_errors(diff):
    for t in ("abc", "", " 1", "1x", "nan", "1e5000", "1e-5000", "-1", "inf", "-inf", "1e20",
              "9223372036854775807", "-0.5", "1 "):
        diff.check("BLPOP", "k", t)
        diff.check("BRPOP", "k", "k2", t)
        diff.check("BZPOPMIN", "k", t)
        diff.check("BZPOPMAX", "k", t)
        diff.check("BLMOVE", "k", "d", "LEFT", "RIGHT", t)
        diff.check("BRPOPLPUSH", "k", "d", t)
        diff.check("BLMPOP", t, "1", "k", "LEFT")
        diff.check("BZMPOP", t, "1", "k", "MIN")
    diff.check("BLPOP", "k")
    diff.check("BZPOPMIN", "k")
    diff.check("BLMOVE", "a", "b", "UP", "LEFT", "x")
    diff.check("BLMPOP", "x", "1", "a", "MIDDLE")
    diff.check("BLMPOP", "0", "0", "a", "LEFT")
    diff.check("BLMPOP", "0", "1", "a", "LEFT", "COUNT", "0")
    diff.check("BZMPOP", "0", "1", "a", "MID")
    diff.check("BZMPOP", "x", "1", "a", "MIN", "COUNT", "0")
    diff.check("BZMPOP", "0", "2", "a", "MIN")
    diff.check("BLMPOP", "0", "1", "a")


@pytest.mark.parametrize("resp3", [False, True])
def test_served_at_once(diff, resp3):
    if resp3:
        hello3(diff)
    diff.check("RPUSH", "k4", "a", "b", "c")
    diff.check("RPUSH", "k2", "x")
    diff.check("BLPOP", "k1", "k4", "k2", "0")
    diff.check("BRPOP", "k1", "k2", "k4", "0")
    diff.check("BRPOP", "k1", "k2", "k4", "0")
    diff.check("RPUSH", "k4", "d", "e")
    diff.check("BRPOPLPUSH", "k4", "k5", "0")
    diff.check("BLMOVE", "k4", "k6", "LEFT", "RIGHT", "0")
    diff.check("BLMOVE", "k5", "k5", "LEFT", "RIGHT", "0")
    diff.check("RPUSH", "k3", "1", "2", "3")
    diff.check("BLMPOP", "0", "3", "k1", "k2", "k3", "RIGHT", "COUNT", "2")
    diff.check("BLMPOP", "0.5", "3", "k1", "k2", "k3", "LEFT")
    diff.check("ZADD", "z1", "1", "a", "2.5", "b", "3", "c", "4", "d")
    diff.check("BZPOPMIN", "z0", "z1", "0")
    diff.check("BZPOPMAX", "z0", "z1", "0")
    diff.check("BZMPOP", "0", "2", "z0", "z1", "MAX", "COUNT", "5")
    diff.check("SET", "s", "v")
    diff.check_error("BLPOP", "k1", "s", "0")
    diff.check_error("BZPOPMIN", "z0", "s", "0")
    diff.check_error("BLMPOP", "0", "2", "s", "k4", "LEFT")
    diff.check_error("BZMPOP", "0", "1", "s", "MIN")
    for k in KEYS + ["z1"]:
        diff.check("EXISTS", k)
    diff.check("LRANGE", "k5", "0", "-1")
    diff.check("LRANGE", "k6", "0", "-1")


@pytest.mark.parametrize("resp3", [False, True])
def test_timeouts(diff, resp3):
    if resp3:
        hello3(diff)
    for cmd in (("BLPOP", "a", "b", "0.05"), ("BRPOP", "a", "0.05"),
                ("BLMOVE", "a", "b", "LEFT", "LEFT", "0.05"), ("BRPOPLPUSH", "a", "b", "0.05"),
                ("BLMPOP", "0.05", "2", "a", "b", "LEFT"), ("BZPOPMIN", "a", "0.05"),
                ("BZPOPMAX", "a", "b", "0.05"), ("BZMPOP", "0.05", "1", "a", "MAX")):
        diff.check(*cmd)


def test_blocked_list_pops(diff):
    assert blocked_then(diff, ("BLPOP", "k1", "k2", "k3", "0"),
                        ("RPUSH", "k3", "a", "b")) == b"*2\r\n$2\r\nk3\r\n$1\r\na\r\n"
    diff.check("LRANGE", "k3", "0", "-1")
    blocked_then(diff, ("BRPOP", "k1", "k2", "5"), ("LPUSH", "k2", "x", "y", "z"))
    diff.check("LRANGE", "k2", "0", "-1")
    blocked_then(diff, ("BLMPOP", "0", "2", "k5", "k6", "RIGHT", "COUNT", "2"),
                 ("RPUSH", "k6", "1", "2", "3"))
    diff.check("LRANGE", "k6", "0", "-1")
    diff.check("DEL", "k6")
    # Several keys pushed in one MULTI-less sequence: the first push wakes the client.
    blocked_then(diff, ("BLPOP", "k5", "k6", "0"), ("RPUSH", "k6", "first"),
                 ("RPUSH", "k5", "second"))
    diff.check("LRANGE", "k5", "0", "-1")
    diff.check("LRANGE", "k6", "0", "-1")


def test_blocked_pushes_of_every_kind(diff):
    diff.check("RPUSH", "src", "s1", "s2")
    blocked_then(diff, ("BLPOP", "w", "0"), ("LMOVE", "src", "w", "LEFT", "LEFT"))
    blocked_then(diff, ("BLPOP", "w", "0"), ("RPOPLPUSH", "src", "w"))
    blocked_then(diff, ("BRPOP", "w", "0"), ("LPUSHX", "w", "no"), ("RPUSH", "w", "yes"))
    diff.check("EXISTS", "w")


def test_blocked_moves(diff):
    blocked_then(diff, ("BLMOVE", "k1", "k2", "RIGHT", "LEFT", "0"), ("RPUSH", "k1", "a", "b"))
    diff.check("LRANGE", "k1", "0", "-1")
    diff.check("LRANGE", "k2", "0", "-1")
    blocked_then(diff, ("BRPOPLPUSH", "k3", "k4", "0"), ("RPUSH", "k3", "c"))
    diff.check("LRANGE", "k4", "0", "-1")
    diff.check("EXISTS", "k3")
    # Destination of the wrong type at wake-up: WRONGTYPE, the source keeps its elements.
    diff.check("SET", "str", "v")
    blocked_then(diff, ("BRPOPLPUSH", "k5", "str", "0"), ("RPUSH", "k5", "a", "b", "c"))
    diff.check("LRANGE", "k5", "0", "-1")
    # Linked moves: k6 -> k7 -> k8.
    p2 = Pair(diff)
    try:
        p2.send("BLMOVE", "k7", "k8", "LEFT", "RIGHT", "0")
        time.sleep(0.1)
        blocked_then(diff, ("BLMOVE", "k6", "k7", "RIGHT", "LEFT", "0"), ("RPUSH", "k6", "foo"))
        lw, rd = p2.replies()
        assert lw == rd == b"$3\r\nfoo\r\n"
    finally:
        p2.close()
    for k in ("k6", "k7", "k8"):
        diff.check("LRANGE", k, "0", "-1")


@pytest.mark.parametrize("resp3", [False, True])
def test_blocked_zset_pops(diff, resp3):
    if resp3:
        hello3(diff)
    blocked_then(diff, ("BZPOPMIN", "z1", "z2", "0"), ("ZADD", "z2", "1.5", "a", "3", "b"))
    diff.check("ZRANGE", "z2", "0", "-1", "WITHSCORES")
    blocked_then(diff, ("BZPOPMAX", "z3", "0"), ("ZINCRBY", "z3", "7", "m"))
    diff.check("EXISTS", "z3")
    blocked_then(diff, ("BZMPOP", "0", "2", "z4", "z5", "MIN", "COUNT", "2"),
                 ("ZADD", "z5", "1", "a", "2", "b", "3", "c"))
    diff.check("ZRANGE", "z5", "0", "-1", "WITHSCORES")


def test_fifo_waiters(diff):
    clients = [Pair(diff) for _ in range(3)]
    try:
        for i, c in enumerate(clients):
            c.send("BLPOP", "q", "0")
            time.sleep(0.1)
        diff.check("RPUSH", "q", "1", "2", "3")
        for c in clients:
            lw, rd = c.replies()
            assert lw == rd
    finally:
        for c in clients:
            c.close()
    diff.check("EXISTS", "q")


def test_scripts(diff):
    # Redis 7.0 refuses BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/BZPOPMIN/BZPOPMAX in scripts (noscript);
    # BLMPOP and BZMPOP run there as their non-blocking forms.
    for body in ("return redis.call('blpop', KEYS[1], 0)",
                 "return redis.call('brpop', KEYS[1], 0)",
                 "return redis.call('bzpopmin', KEYS[1], 0)",
                 "return redis.call('bzpopmax', KEYS[1], 0)",
                 "return redis.call('brpoplpush', KEYS[1], KEYS[1], 0)",
                 "return redis.call('blmove', KEYS[1], KEYS[1], 'LEFT', 'LEFT', 0)"):
        lw, rd = diff.run("EVAL", body, "1", "empty")
        assert lw.startswith(b"-ERR This Redis command is not allowed from script"), lw
        assert rd.startswith(b"-ERR This Redis command is not allowed from script"), rd
    diff.check("EVAL", "return redis.call('blmpop', 0, 1, KEYS[1], 'LEFT')", "1", "empty")
    diff.check("EVAL", "return redis.call('bzmpop', 0, 1, KEYS[1], 'MIN')", "1", "empty")
    diff.check("RPUSH", "full", "1", "2")
    diff.check("ZADD", "zfull", "1", "a")
    diff.check("EVAL", "return redis.call('blmpop', 0, 1, KEYS[1], 'LEFT')", "1", "full")
    diff.check("EVAL", "return redis.call('bzmpop', 0, 1, KEYS[1], 'MIN')", "1", "zfull")
    diff.check("EVAL", "return redis.call('lmpop', 1, KEYS[1], 'LEFT', 'COUNT', 5)", "1", "full")
    diff.check("EVAL", "return redis.call('lmove', KEYS[1], KEYS[2], 'LEFT', 'LEFT')", "2",
               "{t}a", "{t}b")


def test_multi_does_not_block(diff):
    diff.check("MULTI")
    for cmd in (("BLPOP", "empty", "0"), ("BRPOP", "empty", "e2", "0"),
                ("BLMOVE", "empty", "d", "LEFT", "LEFT", "0"), ("BRPOPLPUSH", "empty", "d", "0"),
                ("BLMPOP", "0", "1", "empty", "LEFT"), ("BZPOPMIN", "empty", "0"),
                ("BZPOPMAX", "empty", "0"), ("BZMPOP", "0", "1", "empty", "MIN"),
                ("RPUSH", "full", "x"), ("BLPOP", "empty", "full", "0")):
        diff.check(*cmd)
    diff.check("EXEC")


def test_key_moved_into_place_and_repeated_keys(diff):
    blocked_then(diff, ("BLPOP", "foo", "5"), ("RPUSH", "bob", "abc", "def", "hij"),
                 ("RENAME", "bob", "foo"))
    diff.check("LRANGE", "foo", "0", "-1")
    blocked_then(diff, ("BLPOP", "same", "same", "same", "5"), ("RPUSH", "same", "x", "y"))
    diff.check("LRANGE", "same", "0", "-1")
    blocked_then(diff, ("BZPOPMIN", "zs", "zs", "5"), ("ZADD", "zs", "1", "a", "2", "b"))
    diff.check("ZRANGE", "zs", "0", "-1", "WITHSCORES")
    # A push to another database's key of the same name does not wake the client.
    p = Pair(diff)
    try:
        p.send("BLPOP", "dbkey", "5")
        time.sleep(0.15)
        diff.check("SELECT", "1")
        diff.check("RPUSH", "dbkey", "other")
        diff.check("SELECT", "0")
        diff.check("RPUSH", "dbkey", "mine")
        lw, rd = p.replies()
        assert lw == rd == b"*2\r\n$5\r\ndbkey\r\n$4\r\nmine\r\n"
    finally:
        p.close()
