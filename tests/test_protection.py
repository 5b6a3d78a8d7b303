"""Issue 19, step 2: protected mode, cross-protocol (HTTP) detection and
client-output-buffer-limit, each compared with redis-server 7.0 where it has the feature."""
import socket
import subprocess
import time

import pytest
import redis

from conftest import free_port
from differential import RedisServerProcess, fresh_dir
from resp_client import RawClient, encode


def non_loopback_ip():
    try:
        out = subprocess.check_output(["hostname", "-I"], text=True).split()
    except (OSError, subprocess.CalledProcessError):
        return None
    for ip in out:
        if "." in ip and not ip.startswith("127."):
            return ip
    return None


def talk(host, port, payload, wait=0.3, rcvbuf=None):
    """Sends payload, returns (bytes received, whether the server closed the connection)."""
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect((host, port))
    s.settimeout(2)
    if payload:
        s.sendall(payload)
    time.sleep(wait)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True
    finally:
        s.close()


class RedisOnAllInterfaces(RedisServerProcess):
    def __init__(self, port):
        self.port = port
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "0.0.0.0", "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=fresh_dir())
        deadline = time.time() + 10
        while True:
            try:
                if RawClient(port, timeout=1).call("PING") == b"+PONG\r\n":
                    break
            except OSError:
                pass
            assert self.proc.poll() is None and time.time() < deadline
            time.sleep(0.05)


def test_protected_mode_diff(lacewing_factory):
    ip = non_loopback_ip()
    if ip is None:
        pytest.skip("no non-loopback address on this host")
    lw = lacewing_factory("--proactor_threads", "2", "--bind", "0.0.0.0")
    rd = RedisOnAllInterfaces(free_port())
    try:
        remote = [talk(ip, port, encode("SET", "k", "remote")) for port in (lw.port, rd.port)]
        assert remote[0] == remote[1]
        assert remote[0][0].startswith(b"-DENIED Redis is running in protected mode") and remote[0][1]
        for port in (lw.port, rd.port):  # loopback clients are served; nothing was set
            c = RawClient(port)
            assert c.call("GET", "k") == b"$-1\r\n"
            assert c.call("CONFIG", "GET", "protected-mode") == \
                b"*2\r\n$14\r\nprotected-mode\r\n$3\r\nyes\r\n"
            assert c.call("CONFIG", "SET", "requirepass", "pw") == b"+OK\r\n"
            c.close()
        # With a password the remote client is asked to AUTH instead.
        remote = [talk(ip, port, encode("PING")) for port in (lw.port, rd.port)]
        assert remote[0] == remote[1] == (b"-NOAUTH Authentication required.\r\n", False)
        for port in (lw.port, rd.port):
            c = RawClient(port)
            assert c.call("AUTH", "pw") == b"+OK\r\n"
            assert c.call("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
            assert c.call("CONFIG", "SET", "protected-mode", "no") == b"+OK\r\n"
            c.close()
        remote = [talk(ip, port, encode("PING")) for port in (lw.port, rd.port)]
        assert remote[0] == remote[1] == (b"+PONG\r\n", False)
    finally:
        rd.stop()


@pytest.mark.parametrize("payload", [
    b"POST / HTTP/1.1\r\nHost: x\r\n\r\nSET xproto pwned\r\n",
    encode("PING") + encode("Host:", "x") + encode("SET", "xproto", "pwned"),
    encode("post", "x"),
    b"MULTI\r\nPOST x\r\n",
    b"SUBSCRIBE c\r\nhost: x\r\n",
], ids=["http", "multibulk", "lower", "multi", "subscribed"])
def test_cross_protocol_diff(server, redis_server, payload):
    got = [talk("127.0.0.1", port, payload) for port in (server.port, redis_server.port)]
    assert got[0] == got[1] == (b"", True)
    for port in (server.port, redis_server.port):
        assert RawClient(port).call("GET", "xproto") == b"$-1\r\n"
    with open(server.log_path, "rb") as f:
        assert b"Possible SECURITY ATTACK detected" in f.read()


def test_normal_output_limit_diff(server, redis_server):
    for port in (server.port, redis_server.port):
        c = RawClient(port)
        assert c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0") == b"+OK\r\n"
        assert c.call("SET", "big", "x" * (2 << 20)) == b"+OK\r\n"
        assert c.call("SET", "small", "x" * (512 << 10)) == b"+OK\r\n"
    got = [talk("127.0.0.1", port, encode("GET", "big")) for port in (server.port, redis_server.port)]
    assert got[0] == got[1] == (b"", True)
    got = [talk("127.0.0.1", port, encode("GET", "small"))[0][:20]
           for port in (server.port, redis_server.port)]
    assert got[0] == got[1] == b"$524288\r\n" + b"x" * 11


def test_output_limit_config_diff(server, redis_server):
    pair = [RawClient(server.port), RawClient(redis_server.port)]

    def both(*args):
        r = [c.call(*args) for c in pair]
        assert r[0] == r[1], (args, r)
        return r[0]
    both("CONFIG", "GET", "client-output-buffer-limit")
    for value in ("normal 0 0", "foo 0 0 0", "normal x 0 0", "normal -1 0 0", "master 1 1 1",
                  "pubsub 1mb 512kb 10", "replica 1 2 3", "slave 64mb 16mb 60 normal 1gb 2 0",
                  "normal 0 0 -1"):
        both("CONFIG", "SET", "client-output-buffer-limit", value)
        both("CONFIG", "GET", "client-output-buffer-limit")


def _subscriber(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(encode("SUBSCRIBE", "ch"))
    time.sleep(0.2)
    return s


def _pubsub_clients(client):
    return len([l for l in client.client_list() if l["flags"] == "P"])


def test_pubsub_output_limits_diff(server, redis_server):
    message = "m" * (64 << 10)
    for port in (server.port, redis_server.port):
        c = redis.Redis(port=port, socket_timeout=10)
        # Default limits (32 MB hard): a subscriber that does not read shows its backlog.
        sub = _subscriber(port)
        for _ in range(160):  # 10 MB, past what the socket buffers absorb
            c.publish("ch", message)
        omem = [l["omem"] for l in c.client_list() if l["flags"] == "P"]
        assert len(omem) == 1 and int(omem[0]) > 1 << 20, (port, omem)
        sub.close()
        # Hard limit.
        c.config_set("client-output-buffer-limit", "pubsub 1mb 0 0")
        sub = _subscriber(port)
        for _ in range(160):
            c.publish("ch", message)
        time.sleep(0.2)
        assert _pubsub_clients(c) == 0, port
        sub.close()
        # Soft limit: over it for longer than its seconds.
        c.config_set("client-output-buffer-limit", "pubsub 0 256kb 1")
        sub = _subscriber(port)
        for _ in range(160):
            c.publish("ch", message)
        assert _pubsub_clients(c) == 1, port
        time.sleep(2.2)  # whole seconds past the soft limit's 1
        c.publish("ch", message)
        time.sleep(0.2)
        assert _pubsub_clients(c) == 0, port
        sub.close()


def test_idle_timeout_diff(server, redis_server):
    """CONFIG SET timeout: idle and half-sent clients are closed; subscribed, blocked and
    active ones stay, on both servers."""
    for port in (server.port, redis_server.port):
        assert RawClient(port).call("CONFIG", "SET", "timeout", "1") == b"+OK\r\n"
    kinds = {}
    for port in (server.port, redis_server.port):
        socks = {}
        for name, payload in (("idle", b""), ("half", b"*2\r\n$3\r\nGET\r\n"),
                              ("subscribed", encode("SUBSCRIBE", "c")),
                              ("blocked", encode("BLPOP", "nolist", "0")), ("active", b"")):
            s = socket.create_connection(("127.0.0.1", port))
            if payload:
                s.sendall(payload)
            socks[name] = s
        for _ in range(8):  # 3.2 s: past the timeout by two whole seconds
            socks["active"].sendall(encode("PING"))
            time.sleep(0.4)
        alive = {}
        for name, s in socks.items():
            s.settimeout(0.3)
            try:
                data = s.recv(65536)
                while data and name == "active" and len(data) < 7 * 8:
                    data += s.recv(65536)
                alive[name] = bool(data)
            except socket.timeout:
                alive[name] = True
            except ConnectionResetError:
                alive[name] = False
            s.close()
        kinds[port] = alive
        assert RawClient(port).call("CONFIG", "SET", "timeout", "0") == b"+OK\r\n"
    assert kinds[server.port] == kinds[redis_server.port]
    assert kinds[server.port] == {"idle": False, "half": False, "subscribed": True,
                                  "blocked": True, "active": True}
