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
