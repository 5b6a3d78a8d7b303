"""CLIENT PAUSE/UNPAUSE, REPLY, NO-EVICT and UNBLOCK against redis-server 7.0 (issue 17): which
commands a WRITE or ALL pause holds (EVAL/EVAL_RO rules included), the replies CLIENT REPLY
leaves out, the -UNBLOCKED text, and Redis's errors."""
import socket
import threading
import time

import pytest
import redis

from resp_client import Pair, RawClient

PAUSE_MS = 250


def held(port, cmd, mode):
    """Whether `cmd` waited for a `mode` pause of PAUSE_MS (and its reply after it)."""
    admin = redis.Redis(port=port)
    c = redis.Redis(port=port)
    admin.execute_command("CLIENT", "PAUSE", PAUSE_MS, mode)
    start = time.time()
    try:
        reply = c.execute_command(*cmd)
    except redis.exceptions.ResponseError as e:
        reply = "error: " + str(e)
    took = time.time() - start
    admin.execute_command("CLIENT", "UNPAUSE")
    return took > PAUSE_MS / 1000 * 0.6, reply


WRITE_CASES = [
    ("GET", "a"), ("SET", "a", "1"), ("DEL", "nokey"), ("EXPIRE", "a", "100"), ("PING",),
    ("EVAL", "return 1", "0"), ("EVAL", "#!lua flags=no-writes\nreturn 1", "0"),
    ("EVAL", "#!lua\nreturn 1", "0"), ("EVAL_RO", "return 1", "0"), ("PUBLISH", "ch", "m"),
    ("PFCOUNT", "h"), ("SCRIPT", "LOAD", "return 1"), ("SELECT", "1"), ("LPUSH", "l", "x"),
    ("MGET", "a", "b"), ("INCR", "n"),
]


def test_pause_write_holds_what_redis_holds(server, redis_server):
    for cmd in WRITE_CASES:
        lw = held(server.port, cmd, "WRITE")
        rd = held(redis_server.port, cmd, "WRITE")
        assert lw == rd, (cmd, lw, rd)


def test_pause_all_holds_reads_and_unpause(server, redis_server):
    for port in (server.port, redis_server.port):
        assert held(port, ("GET", "a"), "ALL")[0], port
        assert held(port, ("PING",), "ALL")[0], port


def test_pause_write_holds_queued_writes_and_exec(server, redis_server):
    for port in (server.port, redis_server.port):
        admin = redis.Redis(port=port)
        c = RawClient(port)
        assert c.call("MULTI") == b"+OK\r\n"
        admin.execute_command("CLIENT", "PAUSE", PAUSE_MS, "WRITE")
        start = time.time()
        assert c.call("SET", "x", "1") == b"+QUEUED\r\n"  # queuing a write waits too
        assert time.time() - start > PAUSE_MS / 1000 * 0.6, port
        assert c.call("GET", "x") == b"+QUEUED\r\n"
        admin.execute_command("CLIENT", "PAUSE", PAUSE_MS, "WRITE")
        start = time.time()
        assert c.call("EXEC") == b"*2\r\n+OK\r\n$1\r\n1\r\n"  # EXEC of a write waits
        assert time.time() - start > PAUSE_MS / 1000 * 0.6, port
        admin.execute_command("CLIENT", "UNPAUSE")
        c.close()


def test_paused_clients_count_as_blocked_and_resume_in_order(server):
    admin = server.client()
    admin.execute_command("CLIENT", "PAUSE", 5000, "WRITE")
    results = []

    def writer(i):
        redis.Redis(port=server.port).rpush("order", i)
        results.append(i)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    deadline = time.time() + 5
    while admin.info("clients")["blocked_clients"] < 4 and time.time() < deadline:
        time.sleep(0.02)
    assert admin.info("clients")["blocked_clients"] == 4
    assert admin.llen("order") == 0
    admin.execute_command("CLIENT", "UNPAUSE")
    for t in threads:
        t.join(5)
    assert sorted(results) == [0, 1, 2, 3] and admin.llen("order") == 4
    assert admin.info("clients")["blocked_clients"] == 0


def test_client_admin_errors(diff):
    for cmd in (["CLIENT", "PAUSE", "-1"], ["CLIENT", "PAUSE", "10", "FOO"], ["CLIENT", "PAUSE"],
                ["CLIENT", "PAUSE", "abc"], ["CLIENT", "PAUSE", "99999999999999999999"],
                ["CLIENT", "UNPAUSE", "x"], ["CLIENT", "UNBLOCK", "abc"],
                ["CLIENT", "UNBLOCK", "1", "FOO"], ["CLIENT", "NO-EVICT", "maybe"],
                ["CLIENT", "REPLY", "foo"], ["CLIENT", "NO-EVICT"], ["CLIENT", "REPLY"]):
        diff.check_error(*cmd)
    diff.check("CLIENT", "UNBLOCK", "99999")
    diff.check("CLIENT", "NO-EVICT", "on")
    diff.check("CLIENT", "NO-EVICT", "OFF")
    diff.check("CLIENT", "PAUSE", "1", "ALL")
    diff.check("CLIENT", "UNPAUSE")


def test_client_reply_off_skip_on(server, redis_server):
    got = {}
    for name, port in (("lacewing", server.port), ("redis", redis_server.port)):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"CLIENT REPLY SKIP\r\nSET a 1\r\nGET a\r\nCLIENT REPLY OFF\r\nSET b 2\r\n"
                  b"GET b\r\nCLIENT REPLY SKIP\r\nGET b\r\nCLIENT REPLY ON\r\nGET b\r\n"
                  b"CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING\r\n")
        time.sleep(0.3)
        s.settimeout(1)
        data = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
        got[name] = data
        s.close()
    assert got["lacewing"] == got["redis"], got


@pytest.mark.parametrize("cmd", [
    ["BLPOP", "q1", "0"], ["BRPOPLPUSH", "q1", "d", "0"], ["BLMOVE", "q1", "d", "LEFT", "LEFT", "0"],
    ["BZPOPMIN", "z1", "0"], ["BLMPOP", "0", "1", "q1", "LEFT"],
    ["XREAD", "BLOCK", "0", "STREAMS", "s1", "$"]])
@pytest.mark.parametrize("reason", [None, "TIMEOUT", "ERROR"])
def test_client_unblock(server, redis_server, cmd, reason):
    replies = {}
    for name, port in (("lacewing", server.port), ("redis", redis_server.port)):
        admin = redis.Redis(port=port)
        c = RawClient(port)
        cid = int(c.call("CLIENT", "ID")[1:])
        c.sock.sendall(_encode(*cmd))
        deadline = time.time() + 5
        while admin.info("clients")["blocked_clients"] < 1 and time.time() < deadline:
            time.sleep(0.02)
        args = ["CLIENT", "UNBLOCK", cid] + ([reason] if reason else [])
        assert admin.execute_command(*args) == 1
        replies[name] = c.read_reply()
        assert admin.execute_command("CLIENT", "UNBLOCK", cid) == 0  # not blocked any more
        c.close()
    assert replies["lacewing"] == replies["redis"], replies


def _encode(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out
