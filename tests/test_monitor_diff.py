"""MONITOR against redis-server 7.0 (issue 17): the same commands, sent to both servers by
clients on every thread, must reach a monitor as the same lines (timestamps and client ports
aside): Redis's quoting, [db addr] and [db lua], what is left out (admin commands, rejected
commands), AUTH redaction, MULTI/EXEC and EVAL order. redis-cli MONITOR works."""
import random
import re
import socket
import subprocess
import time

import pytest

from resp_client import RawClient

LINE = re.compile(rb"^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$")


class MonitorSock:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(b"*1\r\n$7\r\nMONITOR\r\n")
        self.buf = b""
        assert self.read_line() == b"+OK"

    def read_line(self, timeout=5):
        self.sock.settimeout(timeout)
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            assert chunk, "monitor connection closed"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def lines_until(self, marker):
        """Lines up to (excluding) the one whose command is ECHO <marker>."""
        out = []
        while True:
            line = self.read_line()
            if line.endswith(b'"ECHO" "' + marker + b'"') or line.endswith(
                    b'"echo" "' + marker + b'"'):
                return out
            out.append(line)


def normalize(line, client_ports):
    m = LINE.match(line)
    assert m, line
    sec, usec, db, addr, rest = m.groups()
    assert abs(int(sec) - time.time()) < 60, line
    if addr != b"lua":
        host, _, port = addr.rpartition(b":")
        addr = host + b":" + client_ports.get(port, b"?")
    return b"[" + db + b" " + addr + b"] " + rest


def local_port(raw):
    return str(raw.sock.getsockname()[1]).encode()


def script(rng):
    v = bytes(rng.choice(b"ab\"\\\n\r\t\x00\x07\x08\x7f\xff ") for _ in range(rng.randint(0, 6)))
    k = rng.choice([b"k1", b"k2", b"k3", b"l1"])
    return rng.choice([
        [[b"SET", k, v]], [[b"get", k]], [[b"INCR", b"n"]], [[b"rpush", b"l1", v, b"x"]],
        [[b"MULTI"], [b"SET", b"k1", v], [b"GET", b"k2"], [b"LPOP", b"l1"], [b"EXEC"]],
        [[b"EVAL", b"redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])",
          b"1", k, v]],
        [[b"SELECT", b"2"], [b"SET", b"k1", v], [b"SELECT", b"0"]],
        [[b"AUTH", b"nobody", b"secret"]], [[b"HELLO", b"2", b"AUTH", b"default", b"pw"]],
        [[b"CONFIG", b"GET", b"maxmemory"]], [[b"NOSUCHCMD", b"x"]], [[b"GET"]],
        [[b"CLIENT", b"ID"]], [[b"PING"]], [[b"BLPOP", b"nolist", b"0.01"]],
        [[b"MSET", b"k1", v, b"k2", v, b"k3", v]], [[b"DEL", b"k1", b"k2", b"k3"]],
    ])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_monitor_lines_match_redis(server, redis_server, seed):
    rng = random.Random(seed)
    steps = [script(rng) for _ in range(40)]
    got = {}
    for name, port in (("lacewing", server.port), ("redis", redis_server.port)):
        mon = MonitorSock(port)
        clients = [RawClient(port) for _ in range(4)]  # spread over both threads
        ports = {local_port(c): b"c%d" % i for i, c in enumerate(clients)}
        for i, step in enumerate(steps):
            c = clients[i % len(clients)]
            if i % 3 == 0:  # pipelined
                c.sock.sendall(b"".join(_encode(*cmd) for cmd in step))
                for _ in step:
                    c.read_reply()
            else:
                for cmd in step:
                    c.call(*cmd)
        clients[0].call(b"ECHO", b"end-of-test")
        got[name] = [normalize(l, ports) for l in mon.lines_until(b"end-of-test")]
        for c in clients:
            c.close()
        mon.sock.close()
    assert got["lacewing"] == got["redis"]


def _encode(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def test_monitor_sees_other_threads_and_stops_on_reset(server):
    mon = MonitorSock(server.port)
    mons = [MonitorSock(server.port) for _ in range(2)]  # monitors on both threads
    writers = [RawClient(server.port) for _ in range(4)]
    for i, w in enumerate(writers):
        w.call(b"SET", b"key%d" % i, b"v")
    for m in [mon] + mons:
        lines = [m.read_line() for _ in writers]
        assert sorted(l.split(b"] ", 1)[1] for l in lines) == sorted(
            b'"SET" "key%d" "v"' % i for i in range(4))
    # MONITOR again: ignored without a reply; RESET leaves monitor mode.
    mon.sock.sendall(b"*1\r\n$7\r\nMONITOR\r\n*1\r\n$5\r\nRESET\r\n")
    assert mon.read_line() == b"+RESET"
    writers[0].call(b"SET", b"after", b"reset")
    assert mons[0].read_line().endswith(b'"RESET"')  # the others see the RESET
    assert mons[0].read_line().endswith(b'"SET" "after" "reset"')
    mon.sock.settimeout(0.3)
    with pytest.raises(socket.timeout):
        mon.sock.recv(100)
    for w in writers:
        w.close()


def test_monitor_in_multi_is_refused_like_redis(diff):
    diff.check("MULTI")
    diff.check("MONITOR")
    diff.check("EXEC")


def test_redis_cli_monitor(server):
    proc = subprocess.Popen(["redis-cli", "-p", str(server.port), "MONITOR"],
                            stdout=subprocess.PIPE, text=True)
    try:
        c = server.client()
        deadline = time.time() + 5
        while c.info("clients")["connected_clients"] < 2 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        c.set("a", "1")
        line = proc.stdout.readline()
        while '"SET"' not in line:  # "OK", then the INFO calls above
            line = proc.stdout.readline()
        assert re.match(r'^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "a" "1"$', line.strip()), line
    finally:
        proc.terminate()
        proc.wait(timeout=5)
