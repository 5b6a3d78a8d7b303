"""End-to-end checks of the server spine: real binary, real clients (redis-py, redis-cli)."""
import socket
import subprocess
import threading
import time

import pytest
import redis


def raw_exchange(port, payload, read_timeout=5.0):
    """Sends raw bytes, returns everything the server sends until it closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(payload)
        s.settimeout(read_timeout)
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    return b"".join(chunks), True
                chunks.append(data)
                s.settimeout(0.3)
        except socket.timeout:
            return b"".join(chunks), False


def test_ping_set_get(server):
    r = server.client()
    assert r.ping() is True
    assert r.set("greeting", "hello") is True
    assert r.get("greeting") == b"hello"
    assert r.get("missing") is None
    assert r.echo("abc") == b"abc"
    assert r.exists("greeting", "missing") == 1
    assert r.delete("greeting", "missing") == 1
    assert r.get("greeting") is None


def test_binary_safe_values(server):
    r = server.client()
    value = bytes(range(256)) * 40 + b"\r\n$3\r\n*1\r\n"
    r.set(b"bin\r\nkey", value)
    assert r.get(b"bin\r\nkey") == value
    big = b"x" * (3 * 1024 * 1024)
    r.set("big", big)
    assert r.get("big") == big


def test_pipelining(server):
    r = server.client()
    pipe = r.pipeline(transaction=False)
    for i in range(5000):
        pipe.set(f"p:{i}", i)
    assert all(pipe.execute())
    pipe = r.pipeline(transaction=False)
    for i in range(5000):
        pipe.get(f"p:{i}")
    assert pipe.execute() == [str(i).encode() for i in range(5000)]


def test_raw_pipeline_in_one_packet_with_inline(server):
    payload = b"PING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nGET k\r\n*1\r\n$4\r\nPING\r\n"
    out, _ = raw_exchange(server.port, payload)
    assert out == b"+PONG\r\n+OK\r\n$1\r\nv\r\n+PONG\r\n"


def test_many_concurrent_clients_on_all_threads(server):
    errors = []

    def worker(n):
        try:
            r = server.client()
            for i in range(300):
                key = f"client{n}:key{i}"
                r.set(key, f"{n}-{i}")
                if r.get(key) != f"{n}-{i}".encode():
                    errors.append((n, i))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    r = server.client()
    # Every key written by every client is visible from one connection, whatever shard owns it.
    pipe = r.pipeline(transaction=False)
    for n in range(24):
        pipe.exists(*[f"client{n}:key{i}" for i in range(300)])
    assert pipe.execute() == [300] * 24


@pytest.mark.parametrize(
    "payload,error",
    [
        (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b"*99999999999\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
        (b"*1\r\n$600000000\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
        (b"*2\r\n:1\r\n", b"-ERR Protocol error: expected '$', got ':'\r\n"),
        (b'SET "unbalanced\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    ],
)
def test_protocol_errors_reply_and_close(server, payload, error):
    out, closed = raw_exchange(server.port, payload)
    assert out == error
    assert closed
    assert server.client().ping()  # the server is fine


def test_errors_match_redis(server):
    r = server.client()
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("NOSUCH", "a", "b")
    assert str(e.value) == "unknown command 'NOSUCH', with args beginning with: 'a' 'b' "
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("GET")
    assert str(e.value) == "wrong number of arguments for 'get' command"
    out, _ = raw_exchange(server.port, b"GET a b\r\n")
    assert out == b"-ERR wrong number of arguments for 'get' command\r\n"


def test_client_disconnecting_mid_command(server):
    # Half a SET, then hang up: nothing is written and the server keeps serving.
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100\r\nabc")
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$5\r\nhalf2\r\n")
    r = server.client()
    assert r.get("half") is None
    assert r.get("half2") is None
    assert r.ping()


def test_quit(server):
    out, closed = raw_exchange(server.port, b"QUIT\r\nPING\r\n")
    assert out == b"+OK\r\n"
    assert closed


def test_redis_cli(server):
    def cli(*args):
        return subprocess.run(["redis-cli", "-p", str(server.port), *args], capture_output=True,
                              text=True, timeout=20).stdout.strip()

    assert cli("PING") == "PONG"
    assert cli("SET", "cli-key", "cli value") == "OK"
    assert cli("GET", "cli-key") == "cli value"
    assert cli("COMMAND", "COUNT").isdigit()


def test_shutdown_with_connected_clients(lacewing_factory):
    p = lacewing_factory("--proactor_threads", "2")
    idle = [socket.create_connection(("127.0.0.1", p.port)) for _ in range(10)]
    r = p.client()
    r.set("x", "1")
    start = time.time()
    assert p.stop() == 0
    assert time.time() - start < 10
    for s in idle:
        s.settimeout(2)
        assert s.recv(10) == b""  # closed by the server
        s.close()


def test_io_uring_backend(lacewing_factory):
    p = lacewing_factory("--proactor_threads", "2", "--io_backend", "uring")
    r = p.client()
    pipe = r.pipeline(transaction=False)
    for i in range(1000):
        pipe.set(f"u{i}", i)
    pipe.execute()
    assert r.get("u999") == b"999"


def test_pipeline_mixing_shards_errors_and_barriers_keeps_order(server):
    # Consecutive single-shard commands run squashed; errors, multi-shard commands and keyless
    # commands in between must not reorder anything.
    r = server.client()
    pipe = r.pipeline(transaction=False)
    expected = []
    for i in range(200):
        k = f"pk:{i}"
        pipe.set(k, i)
        expected.append(True)
        pipe.incr(k)
        expected.append(i + 1)
        if i % 7 == 0:
            pipe.lpush(k, "x")  # WRONGTYPE inside the batch
            expected.append("error")
        if i % 11 == 0:
            pipe.mget(f"pk:{i}", f"pk:{i + 1}", "pk:0")  # keys on several shards: a barrier
            expected.append(None)
        if i % 13 == 0:
            pipe.ping()  # keyless: a barrier
            expected.append(True)
        pipe.get(k)
        expected.append(str(i + 1).encode())
    results = pipe.execute(raise_on_error=False)
    assert len(results) == len(expected)
    for got, want in zip(results, expected):
        if want == "error":
            assert isinstance(got, redis.ResponseError) and "WRONGTYPE" in str(got)
        elif want is None:
            assert isinstance(got, list) and len(got) == 3
        else:
            assert got == want
