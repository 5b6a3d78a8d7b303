"""CLIENT LIST's buffer fields are real (issue 17): `qbuf` holds the bytes of a request not yet
complete, `tot-mem` counts them, `rbs`/`rbp` are the reply buffer's size and the largest batch
it held lately; /metrics has the lock-wait counter families."""
import socket
import time

from resp_client import RawClient
from test_metrics import scrape, value


def _entry(admin, name):
    for line in admin.call("CLIENT", "LIST").decode().split("\n"):
        if f" name={name} " in line:
            return dict(kv.split("=", 1) for kv in line.strip().split(" "))
    raise AssertionError(name)


def test_qbuf_totmem_and_reply_buffer_fields(server):
    admin = RawClient(server.port)
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$4\r\nslow\r\n")
    assert s.recv(100) == b"+OK\r\n"
    idle = _entry(admin, "slow")
    # Half of a 100 kB SET: the bytes wait in the query buffer.
    s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + b"x" * 50000)
    deadline = time.time() + 10
    while time.time() < deadline and int(_entry(admin, "slow")["qbuf"]) < 50000:
        time.sleep(0.02)
    busy = _entry(admin, "slow")
    assert int(busy["qbuf"]) >= 50000, busy
    assert int(busy["tot-mem"]) >= int(busy["qbuf"]) > int(idle["qbuf"])
    assert int(busy["tot-mem"]) > int(idle["tot-mem"])
    s.sendall(b"x" * 50000 + b"\r\n")
    assert s.recv(100) == b"+OK\r\n"
    # A big reply: the reply buffer grows to it and its peak shows it.
    s.sendall(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
    got = b""
    while len(got) < 100000:
        got += s.recv(65536)
    after = _entry(admin, "slow")
    assert int(after["rbs"]) >= 100000 and int(after["rbp"]) >= 100000, after
    s.close()
    admin.close()


def test_metrics_expose_lock_wait_families(server):
    # Lock queueing (transactions and scripts that waited for key locks) is exported per
    # shard; a reliable contention scenario is left to the engine's unit tests.
    fams = scrape(server.port)
    for family in ("lacewing_tx_queued_total", "lacewing_tx_lock_conflicts_total",
                   "lacewing_tx_late_arrivals_accepted_total",
                   "lacewing_script_lock_wait_seconds_total"):
        assert fams[family]["type"] == "counter", family
