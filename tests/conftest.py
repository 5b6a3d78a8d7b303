"""Fixtures for end-to-end tests: start the real lacewing binary on a free port.

The binary comes from $LACEWING_BIN (tools/test sets it); otherwise `bazel info bazel-bin` is
asked. Every server is stopped with SIGTERM at the end of its test and must exit cleanly.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import redis


def _binary():
    path = os.environ.get("LACEWING_BIN")
    if not path:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        bin_dir = subprocess.check_output(["bazel", "info", "bazel-bin"], cwd=root, text=True).strip()
        path = os.path.join(bin_dir, "server", "lacewing")
    assert os.path.exists(path), f"lacewing binary not found at {path}; build //server:lacewing"
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    """A process's resident set in KB (tests bound memory growth by it, never time)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class LacewingProcess:
    def __init__(self, args):
        self.port = free_port()
        self.args = [_binary(), "--port", str(self.port)] + list(args)
        self.log_path = f"/tmp/lacewing-e2e-{self.port}.log"
        self.log = open(self.log_path, "wb")
        # A fresh working directory each: a dump.rdb one test saves in its cwd must never be
        # loaded at start by another test's server.
        self.workdir = tempfile.mkdtemp(prefix="lacewing-e2e-")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.workdir)
        deadline = time.time() + 20
        while True:
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    break
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                pass  # not listening yet, or slow to answer on a loaded machine: retry
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"lacewing did not start; log: {open(self.log_path).read()}")
            time.sleep(0.05)

    def client(self, **kwargs):
        return redis.Redis(port=self.port, socket_timeout=10, **kwargs)

    def stop(self, timeout=20):
        """SIGTERM, then wait; returns the exit code (the test asserts it)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.log.close()
            shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture
def lacewing_factory():
    started = []

    def start(*args):
        p = LacewingProcess(args)
        started.append(p)
        return p

    yield start
    for p in started:
        code = p.stop()
        assert code == 0, f"lacewing exited with {code}; log: {open(p.log_path).read()}"


@pytest.fixture
def server(lacewing_factory):
    """A lacewing with 2 proactor threads (so keys spread over 2 shards)."""
    return lacewing_factory("--proactor_threads", "2")


@pytest.fixture
def redis_server():
    """Debian's redis-server (the reference) on a free port."""
    from differential import RedisServerProcess
    p = RedisServerProcess(free_port())
    yield p
    p.stop()


@pytest.fixture
def diff(server, redis_server):
    """Sends each command to both lacewing (2 threads) and redis-server; see differential.py."""
    from differential import Differential
    d = Differential(server.port, redis_server.port)
    yield d
    d.close()


@pytest.fixture
def clients(server, redis_server):
    """Two clients (`a`, `b`), each the same connection on both servers (resp_client.Pair)."""
    from resp_client import Pair
    a = Pair(server.port, redis_server.port)
    b = Pair(server.port, redis_server.port)
    a.call("FLUSHALL")
    yield a, b
    a.close()
    b.close()


class AclFilePair:
    """A lacewing (2 threads) and a redis-server, each started with an aclfile of its own
    holding the same text, and a Differential on them (lw_port/rd_port set). Each server gets
    its own file because ACL SAVE and error messages name it; `write` changes both alike."""

    def __init__(self, lacewing_factory, directory, text):
        from differential import Differential, RedisServerProcess
        self.lw_file, self.rd_file = directory / "lw.acl", directory / "rd.acl"
        self.write(text)
        lw_srv = lacewing_factory("--proactor_threads", "2", "--aclfile", str(self.lw_file))
        self.rd_srv = RedisServerProcess(free_port(), extra=["--aclfile", str(self.rd_file)])
        self.d = Differential(lw_srv.port, self.rd_srv.port)
        self.d.lw_port, self.d.rd_port = lw_srv.port, self.rd_srv.port

    def write(self, text):
        self.lw_file.write_text(text)
        self.rd_file.write_text(text)

    def close(self):
        self.d.close()
        self.rd_srv.stop()


@pytest.fixture
def aclfile_pair(lacewing_factory, tmp_path):
    """start(text) -> AclFilePair; stopped at the end of the test (lacewing by its factory)."""
    pairs = []

    def start(text):
        pairs.append(AclFilePair(lacewing_factory, tmp_path, text))
        return pairs[-1]

    yield start
    for p in pairs:
        p.close()
