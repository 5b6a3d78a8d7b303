"""Blocking commands as an operator sees them (issue 17): a fractional timeout shorter than a
millisecond times out as in Redis (it used to block forever), and INFO's blocked_clients counts
the clients waiting."""
import socket
import time

import pytest


@pytest.mark.parametrize("timeout", ["0.001", "0.0001", "0.01"])
def test_fractional_timeouts_time_out_like_redis(diff, timeout):
    for cmd in (["BLPOP", "nokey", timeout], ["BRPOP", "nokey", timeout],
                ["BZPOPMIN", "nokey", timeout], ["BLMOVE", "nokey", "dst", "LEFT", "LEFT", timeout],
                ["BLMPOP", timeout, "1", "nokey", "LEFT"], ["BZMPOP", timeout, "1", "nokey", "MIN"]):
        start = time.time()
        diff.check(*cmd)
        assert time.time() - start < 2


def test_blocked_clients_in_info(server):
    c = server.client()
    assert c.info("clients")["blocked_clients"] == 0
    socks = []
    for i in range(3):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"*3\r\n$5\r\nBLPOP\r\n$2\r\nbl\r\n$1\r\n0\r\n")
        socks.append(s)
    deadline = time.time() + 5
    while c.info("clients")["blocked_clients"] != 3 and time.time() < deadline:
        time.sleep(0.05)
    assert c.info("clients")["blocked_clients"] == 3
    c.rpush("bl", "a", "b", "c")
    deadline = time.time() + 5
    while c.info("clients")["blocked_clients"] != 0 and time.time() < deadline:
        time.sleep(0.05)
    assert c.info("clients")["blocked_clients"] == 0
    for s in socks:
        s.close()


def test_more_fractional_timeouts_time_out_like_redis(diff):
    """The commands the test above leaves out, and XREAD/XREADGROUP BLOCK (milliseconds)."""
    diff.check("XADD", "st", "1-1", "f", "v")
    diff.check("XGROUP", "CREATE", "st", "g", "$")
    for cmd in (["BRPOPLPUSH", "nokey", "dst", "0.001"], ["BZPOPMAX", "nokey", "0.001"],
                ["BRPOPLPUSH", "nokey", "dst", "0.0001"], ["BZPOPMAX", "nokey", "0.0001"],
                ["XREAD", "BLOCK", "1", "STREAMS", "st", "$"],
                ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "1", "STREAMS", "st", ">"]):
        start = time.time()
        diff.check(*cmd)
        assert time.time() - start < 2


def _encode(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


BLOCKERS = [
    ("BLPOP", "k1", "0"), ("BRPOP", "k2", "0"), ("BLMOVE", "k3", "d", "LEFT", "RIGHT", "0"),
    ("BRPOPLPUSH", "k4", "d", "0"), ("BLMPOP", "0", "1", "k5", "LEFT"),
    ("BZPOPMIN", "z1", "0"), ("BZPOPMAX", "z2", "0"), ("BZMPOP", "0", "1", "z3", "MAX"),
    ("XREAD", "BLOCK", "0", "STREAMS", "s1", "$"),
    ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s2", ">"),
]


def test_blocked_clients_counts_every_blocking_command(server, redis_server):
    import redis
    for port in (server.port, redis_server.port):
        c = redis.Redis(port=port)
        c.xgroup_create("s2", "g", "$", mkstream=True)
        socks = []
        for i, cmd in enumerate(BLOCKERS):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(_encode(*cmd))
            socks.append(s)
            deadline = time.time() + 5
            while c.info("clients")["blocked_clients"] != i + 1 and time.time() < deadline:
                time.sleep(0.02)
            assert c.info("clients")["blocked_clients"] == i + 1, (port, cmd)
        for s in socks:
            s.close()
        deadline = time.time() + 5
        while c.info("clients")["blocked_clients"] != 0 and time.time() < deadline:
            time.sleep(0.05)
        assert c.info("clients")["blocked_clients"] == 0, port
