"""TLS (issue 19): --tls-port with certificate, key and CA, tls-auth-clients yes/optional/no,
against redis-server 7.0.15 started with the same throwaway certificates (made here with the
openssl CLI). Round trips with redis-cli --tls and redis-py ssl=True.
"""
import os
import ssl
import subprocess
import time

import pytest
import redis

from conftest import free_port
from differential import fresh_dir
from resp_client import RawClient


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _signed(cwd, name, ca, cn, ext=None):
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
             f"{name}.csr", "-subj", f"/CN={cn}", cwd=cwd)
    args = ["x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.crt", "-days", "2"]
    if ext:
        args += ["-extfile", ext]
    _openssl(*args, cwd=cwd)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    for ca in ("ca", "other_ca"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key", "-out",
                 f"{ca}.crt", "-days", "2", "-subj", f"/CN=lacewing-test-{ca}", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _signed(d, "server", "ca", "localhost", "ext.cnf")
    _signed(d, "client", "ca", "client")
    _signed(d, "stranger", "other_ca", "stranger")  # a client certificate the CA did not sign
    return d


def _tls_args(certs, auth="yes"):
    return ["--tls-cert-file", str(certs / "server.crt"), "--tls-key-file",
            str(certs / "server.key"), "--tls-ca-cert-file", str(certs / "ca.crt"),
            "--tls-auth-clients", auth]


class RedisTls:
    """redis-server with the same TLS settings (the reference)."""

    def __init__(self, certs, auth):
        self.port, self.tls_port = free_port(), free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--tls-port", str(self.tls_port),
             "--save", "", "--appendonly", "no", *_tls_args(certs, auth)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=fresh_dir())
        deadline = time.time() + 10
        while True:
            try:
                if RawClient(self.port, timeout=1).call("PING") == b"+PONG\r\n":
                    break
            except OSError:
                pass
            assert self.proc.poll() is None and time.time() < deadline
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def pair(lacewing_factory, certs, request):
    auth = getattr(request, "param", "yes")
    tls_port = free_port()
    lw = lacewing_factory("--proactor_threads", "2", "--tls-port", str(tls_port),
                          *_tls_args(certs, auth))
    rd = RedisTls(certs, auth)
    yield tls_port, rd.tls_port
    rd.stop()


def _cli(certs, port, *args, cert="client"):
    cmd = ["redis-cli", "-p", str(port), "--tls", "--cacert", str(certs / "ca.crt")]
    if cert:
        cmd += ["--cert", str(certs / f"{cert}.crt"), "--key", str(certs / f"{cert}.key")]
    out = subprocess.run(cmd + list(args), capture_output=True, timeout=20)
    return out.stdout


def _client(certs, port, cert="client"):
    kwargs = {"ssl_certfile": str(certs / f"{cert}.crt"),
              "ssl_keyfile": str(certs / f"{cert}.key")} if cert else {}
    return redis.Redis(port=port, ssl=True, ssl_ca_certs=str(certs / "ca.crt"),
                       socket_timeout=20, **kwargs)


def test_redis_cli_round_trip_diff(pair, certs):
    outs = []
    for port in pair:
        outs.append([_cli(certs, port, *args) for args in (
            ("SET", "k", "v"), ("GET", "k"), ("INCR", "n"), ("RPUSH", "l", "a", "b"),
            ("LRANGE", "l", "0", "-1"), ("EVAL", "return {KEYS[1], ARGV[1]}", "1", "x", "y"),
            ("PING",), ("NOSUCH",))])
    assert outs[0] == outs[1]
    assert outs[0][1] == b"v\n"


def test_redis_py_ssl_round_trip(pair, certs):
    results = []
    for port in pair:
        c = _client(certs, port)
        big = os.urandom(3 << 20)  # many TLS records each way
        assert c.set("big", big)
        assert c.get("big") == big
        p = c.pipeline(transaction=False)
        for i in range(3000):
            p.set(f"k{i}", i)
        p.mget([f"k{i}" for i in range(3000)])
        got = p.execute()
        sub = _client(certs, port).pubsub()
        sub.subscribe("ch")
        assert sub.get_message(timeout=5)["type"] == "subscribe"
        assert c.publish("ch", "m") == 1
        msg = sub.get_message(timeout=5)
        results.append((got[-1], msg["data"], c.eval("return redis.call('GET', KEYS[1])", 1, "k7")))
        sub.close()
        c.close()
    assert results[0] == results[1]
    assert results[0][0] == [str(i).encode() for i in range(3000)]


def _refused(certs, port, cert):
    try:
        return not _client(certs, port, cert).ping()
    except (redis.exceptions.ConnectionError, ssl.SSLError, OSError):
        return True


@pytest.mark.parametrize("pair", ["yes", "optional", "no"], indirect=True)
def test_client_certificates_diff(pair, certs, request):
    auth = request.node.callspec.params["pair"]
    got = []
    for port in pair:
        got.append({cert: _refused(certs, port, cert) for cert in ("client", None, "stranger")})
    assert got[0] == got[1]
    expected = {"yes": {"client": False, None: True, "stranger": True},
                "optional": {"client": False, None: False, "stranger": True},
                "no": {"client": False, None: False, "stranger": False}}[auth]
    assert got[0] == expected


def test_tls_settings_as_directives_and_config_get(certs, tmp_path):
    from test_startup_config import Started
    port, tls_port = free_port(), free_port()
    conf = tmp_path / "tls.conf"
    conf.write_text(f"port {port}\ntls-port {tls_port}\ntls-cert-file {certs / 'server.crt'}\n"
                    f"tls-key-file {certs / 'server.key'}\n"
                    f"tls-ca-cert-file {certs / 'ca.crt'}\ntls-auth-clients optional\n")
    lw = Started(port, [str(conf), "--proactor_threads", "2"], str(tmp_path / "log"))
    c = redis.Redis(port=port, socket_timeout=20)
    assert c.config_get("tls-*") == {
        "tls-port": str(tls_port), "tls-cert-file": str(certs / "server.crt"),
        "tls-key-file": str(certs / "server.key"), "tls-ca-cert-file": str(certs / "ca.crt"),
        "tls-auth-clients": "optional"}
    assert _client(certs, tls_port, None).ping()
    assert c.ping()  # the plain port serves as before
    lw.stop()


def test_unusable_tls_settings_stop_start_up(certs, tmp_path):
    from conftest import _binary
    for args, text in ((["--tls-cert-file", str(certs / "server.crt"), "--tls-key-file",
                         str(certs / "server.key")], "tls-ca-cert-file"),
                       (["--tls-cert-file", str(tmp_path / "nope.crt"), "--tls-key-file",
                         str(certs / "server.key"), "--tls-auth-clients", "no"],
                        "Failed to load certificate")):
        out = subprocess.run([_binary(), "--port", str(free_port()), "--tls-port",
                              str(free_port()), *args], capture_output=True, timeout=20,
                             text=True)
        assert out.returncode != 0
        assert text in out.stderr, out.stderr
