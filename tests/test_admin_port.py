"""--admin_port (issue 17): a second listener serving what the main port serves — RESP
commands and HTTP GET /metrics (parsed with test_metrics' strict exposition parser) — to
connections that maxclients never refuses, so an operator gets in when the main port is
full. It binds --admin_bind (loopback by default) and the start-up log names it."""
import socket

from conftest import free_port
from resp_client import RawClient
from test_metrics import http_get, parse_exposition, value


def _scrape(port):
    raw = http_get(port, "/metrics")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK"), head
    return parse_exposition(body.decode())


def test_admin_port_serves_commands_and_metrics_past_maxclients(lacewing_factory):
    admin_port = free_port()
    lw = lacewing_factory("--proactor_threads", "2", "--maxclients", "2",
                          "--admin_port", str(admin_port))
    users = [RawClient(lw.port), RawClient(lw.port)]
    for u in users:
        assert u.call("PING") == b"+PONG\r\n"
    # The main port is full...
    refused = socket.create_connection(("127.0.0.1", lw.port), timeout=10)
    assert refused.recv(100) == b"-ERR max number of clients reached\r\n"
    refused.close()
    # ...the admin port is not: commands, as on the main port.
    admins = [RawClient(admin_port) for _ in range(3)]
    for a in admins:
        assert a.call("PING") == b"+PONG\r\n"
    a = admins[0]
    assert a.call("SET", "k", "v") == b"+OK\r\n"
    assert users[0].call("GET", "k") == b"$1\r\nv\r\n"  # one keyspace
    clients = a.call("CLIENT", "LIST").decode()
    assert clients.count("id=") == 5
    assert f"laddr=127.0.0.1:{admin_port}" in clients
    assert "rejected_connections:1" in a.call("INFO", "stats").decode()
    # GET /metrics, on the admin port too.
    fams = _scrape(admin_port)
    assert value(fams, "lacewing_connected_clients") == 6  # with the scraping connection
    assert value(fams, "lacewing_rejected_connections_total") == 1
    log = open(lw.log_path).read()
    assert f"admin 127.0.0.1 port {admin_port}" in log
    for c in users + admins:
        c.close()


def test_admin_port_off_by_default(lacewing_factory):
    lw = lacewing_factory("--proactor_threads", "1")
    assert " admin " not in open(lw.log_path).read()
