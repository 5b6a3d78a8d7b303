"""TLS settings at run time (issue 19), differential against redis-server 7.0.15: CONFIG SET
tls-cert-file / tls-key-file / tls-ca-cert-file / tls-auth-clients take effect for new
connections; files that do not make a context are refused with Redis's error, every value
goes back and the old context keeps serving; connections made before a change keep working.
Certificates are made here with the openssl CLI (test_tls.py's fixture, plus a server
certificate signed by the second CA). CONFIG SET tls-port moves or closes the TLS listener.
"""
import socket

import pytest
import redis

from conftest import free_port
from resp_client import Pair
from test_tls import RedisTls, _client, _refused, _signed, _tls_args, certs  # noqa: F401


@pytest.fixture
def servers(lacewing_factory, certs):  # noqa: F811
    _signed(certs, "server2", "other_ca", "localhost", "ext.cnf")
    tls_port = free_port()
    lw = lacewing_factory("--proactor_threads", "2", "--tls-port", str(tls_port),
                          *_tls_args(certs, "yes"))
    rd = RedisTls(certs, "yes")
    pair = Pair(lw.port, rd.port)
    yield pair, (tls_port, rd.tls_port)
    pair.close()
    rd.stop()


def _connects(certs, port, ca="ca", cert="client"):  # noqa: F811
    try:
        c = redis.Redis(port=port, ssl=True, ssl_ca_certs=str(certs / f"{ca}.crt"),
                        socket_timeout=20,
                        **({"ssl_certfile": str(certs / f"{cert}.crt"),
                            "ssl_keyfile": str(certs / f"{cert}.key")} if cert else {}))
        ok = c.ping()
        c.close()
        return ok
    except (redis.exceptions.ConnectionError, OSError):
        return False


def _tls_config(pair):
    """CONFIG GET tls-* of both servers without tls-port (their ports differ)."""
    out = []
    for sock in (pair.lw.sock, pair.rd.sock):
        got = redis.Redis(port=sock.getpeername()[1]).config_get("tls-*")
        got.pop("tls-port")
        out.append(got)
    return out[0], {k: v for k, v in out[1].items() if k in out[0]}  # Redis has more tls-*


def test_bad_files_are_refused_and_the_old_context_serves(servers, certs):  # noqa: F811
    pair, ports = servers
    before = [_client(certs, p) for p in ports]
    assert all(c.ping() for c in before)
    for args in (["tls-cert-file", str(certs / "nope.crt")],
                 ["tls-key-file", str(certs / "ca.key")],  # does not match the certificate
                 ["tls-ca-cert-file", str(certs / "nope.crt")],
                 ["tls-auth-clients", "maybe"],
                 ["maxclients", "77", "tls-cert-file", str(certs / "nope.crt")]):
        pair.call("CONFIG", "SET", *args)
        pair.call("CONFIG", "GET", args[0])
    pair.call("CONFIG", "GET", "maxclients")  # restored with the rest
    for port in ports:
        assert _connects(certs, port)  # the old context still serves new connections
    for c in before:
        assert c.ping()  # and the old connections


def test_new_files_serve_new_connections(servers, certs):  # noqa: F811
    pair, ports = servers
    before = [_client(certs, p) for p in ports]
    assert all(c.ping() for c in before)  # connected before the change
    # A server certificate from the other CA: clients trusting only "ca" now fail.
    pair.call("CONFIG", "SET", "tls-cert-file", str(certs / "server2.crt"),
              "tls-key-file", str(certs / "server2.key"))
    fates = [(_connects(certs, p), _connects(certs, p, ca="other_ca")) for p in ports]
    assert fates == [(False, True)] * 2
    for c in before:
        assert c.set("k", "v") and c.get("k") == b"v"
    # Client certificates: none needed, then only the other CA's.
    pair.call("CONFIG", "SET", "tls-auth-clients", "no")
    assert [_connects(certs, p, ca="other_ca", cert=None) for p in ports] == [True, True]
    pair.call("CONFIG", "SET", "tls-auth-clients", "yes", "tls-ca-cert-file",
              str(certs / "other_ca.crt"))
    fates = [(_connects(certs, p, "other_ca", "stranger"), _connects(certs, p, "other_ca"),
              _connects(certs, p, "other_ca", None)) for p in ports]
    assert fates == [(True, False, False)] * 2
    pair.call("CONFIG", "SET", "tls-auth-clients", "optional")
    assert [_connects(certs, p, "other_ca", None) for p in ports] == [True, True]
    lw, rd = _tls_config(pair)
    assert lw == rd and lw["tls-auth-clients"] == "optional"


def _serves(certs, port):  # noqa: F811
    return _connects(certs, port, ca="other_ca") or _connects(certs, port)


def test_tls_port_moves_and_closes(servers, certs):  # noqa: F811
    """CONFIG SET tls-port binds the new port before letting the old one go; a port that
    cannot be bound is refused as Redis refuses it; 0 closes TLS; the context follows the
    files (a TLS port opened again serves the current ones)."""
    pair, ports = servers
    lw_admin, rd_admin = (redis.Redis(port=s.getpeername()[1]) for s in (pair.lw.sock,
                                                                         pair.rd.sock))
    before = [_client(certs, p) for p in ports]
    assert all(c.ping() for c in before)
    busy = free_port()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", busy))
        blocker.listen()
        pair.call("CONFIG", "SET", "tls-port", str(busy))  # in use: refused, nothing changes
    assert lw_admin.config_get("tls-port") == {"tls-port": str(ports[0])}
    pair.call("CONFIG", "SET", "tls-port", "70000")
    new = [free_port(), free_port()]
    for admin, port in zip((lw_admin, rd_admin), new):
        assert admin.config_set("tls-port", str(port))
    assert [_serves(certs, p) for p in ports] == [False, False]  # the old ports are closed
    assert [_serves(certs, p) for p in new] == [True, True]
    for c in before:
        assert c.ping()  # connections of the old port live on
    pair.call("CONFIG", "SET", "tls-port", "0")
    assert [_serves(certs, p) for p in new] == [False, False]
    # With no TLS port the files are only recorded, as in Redis; opening the port again
    # serves the last context; a change while it is open rebuilds it.
    pair.call("CONFIG", "SET", "tls-cert-file", str(certs / "nope.crt"))
    for admin, port in zip((lw_admin, rd_admin), new):
        assert admin.config_set("tls-port", str(port))
    assert [_connects(certs, p) for p in new] == [True, True]  # the old context
    pair.call("CONFIG", "SET", "tls-cert-file", str(certs / "server2.crt"), "tls-key-file",
              str(certs / "server2.key"))
    assert [_connects(certs, p, ca="other_ca") for p in new] == [True, True]


def test_tls_opened_at_run_time(lacewing_factory, certs):  # noqa: F811
    """A server started without TLS: CONFIG SET of the files (only recorded), then of
    tls-port, which builds the first context and serves; bad files make it refuse."""
    lw = lacewing_factory("--proactor_threads", "2")
    c = lw.client()
    port = free_port()
    assert c.config_set("tls-cert-file", str(certs / "nope.crt"))
    with pytest.raises(redis.ResponseError, match="Unable to update TLS configuration"):
        c.config_set("tls-port", str(port))
    assert c.config_get("tls-port") == {"tls-port": "0"}
    assert c.execute_command("CONFIG", "SET", "tls-cert-file", str(certs / "server.crt"),
                             "tls-key-file", str(certs / "server.key"),
                             "tls-ca-cert-file", str(certs / "ca.crt"))
    assert c.config_set("tls-port", str(port))
    assert _connects(certs, port) and not _connects(certs, port, cert=None)
    assert c.ping()
