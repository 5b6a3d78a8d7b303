"""GET /metrics on the client port (issue 17): Prometheus's text exposition format, parsed by a
strict parser written here (the format's grammar: HELP/TYPE lines, metric and label names,
escaped label values, float values, histogram buckets), and the figures checked against what
the test did. Other HTTP requests are still closed without a reply (cross-protocol guard)."""
import math
import re
import socket
import threading
import time

import pytest

from resp_client import RawClient

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"({NAME})(?:\{{((?:{LABEL})(?:,{LABEL})*)?\}})? (\S+)")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_exposition(text):
    """Returns {family: {"type", "help", "samples": [(name, labels dict, value)]}}; raises on
    anything the 0.0.4 text format does not allow."""
    assert text.endswith("\n"), "the exposition ends with a newline"
    families, current = {}, None
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, rest = line[2:6], *line[7:].split(" ", 1)
            assert re.fullmatch(NAME, name), line
            fam = families.setdefault(name, {"samples": []})
            if kind == "TYPE":
                assert rest in TYPES and "type" not in fam and not fam["samples"], line
                fam["type"] = rest
            else:
                assert "help" not in fam, line
                fam["help"] = rest
            current = name
            continue
        assert not line.startswith("#") and line, f"bad line {line!r}"
        m = SAMPLE.fullmatch(line)
        assert m, f"bad sample {line!r}"
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        fam_name = current
        suffixes = ("_bucket", "_sum", "_count") if families[current].get("type") == "histogram" else ("",)
        assert any(name == fam_name + s for s in suffixes), f"{name} outside its family {fam_name}"
        pairs = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', labels))
        v = float(value)  # "+Inf", "NaN" and exponents are floats too
        families[current]["samples"].append((name, pairs, v))
    for name, fam in families.items():
        assert "type" in fam, f"{name} has no TYPE"
        if fam["type"] == "counter":
            assert name.endswith("_total"), name
        if fam["type"] == "histogram":
            check_histogram(name, fam["samples"])
    return families


def check_histogram(name, samples):
    series = {}
    for n, labels, v in samples:
        key = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        series.setdefault(key, {"buckets": [], "sum": None, "count": None})
        if n.endswith("_bucket"):
            series[key]["buckets"].append((float(labels["le"]), v))
        elif n.endswith("_sum"):
            series[key]["sum"] = v
        else:
            series[key]["count"] = v
    for key, s in series.items():
        bounds = [b for b, _ in s["buckets"]]
        counts = [c for _, c in s["buckets"]]
        assert bounds == sorted(bounds) and bounds[-1] == math.inf, (name, key)
        assert counts == sorted(counts), (name, key, "cumulative buckets must not decrease")
        assert counts[-1] == s["count"] and s["sum"] is not None, (name, key)


def http_get(port, path, request=None):
    """The raw response bytes (b"" if the server closed without one)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(request or f"GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n".encode())
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        out += chunk
    s.close()
    return out


def scrape(port):
    raw = http_get(port, "/metrics")
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK", lines[0]
    headers = dict(l.split(": ", 1) for l in lines[1:])
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert int(headers["Content-Length"]) == len(body)
    return parse_exposition(body.decode())


def value(fams, family, sample=None, **labels):
    for name, l, v in fams[family]["samples"]:
        if name == (sample or family) and all(l.get(k) == x for k, x in labels.items()):
            return v
    raise KeyError((family, labels))


def test_metrics_parse_and_count(server):
    c = RawClient(server.port)
    for i in range(30):
        c.call("SET", f"k{i}", "v")
    c.call("GET", "k1")
    c.call("LPUSH", "k2", "x")  # WRONGTYPE
    c.call("GET")  # arity: rejected
    c.call("EVAL", "return redis.call('GET', KEYS[1])", "1", "k3")
    c.call("SET", "gone", "1", "PX", "1")
    time.sleep(0.05)
    c.call("GET", "gone")
    blocker = RawClient(server.port)
    blocker.sock.sendall(b"*3\r\n$5\r\nBLPOP\r\n$5\r\nempty\r\n$1\r\n0\r\n")
    time.sleep(0.2)
    fams = scrape(server.port)
    assert value(fams, "lacewing_commands_total", cmd="set") == 31
    assert value(fams, "lacewing_command_rejections_total", cmd="get") == 1
    assert value(fams, "lacewing_command_failures_total", cmd="lpush") == 1
    assert value(fams, "lacewing_error_replies_total", code="WRONGTYPE") == 1
    assert value(fams, "lacewing_error_replies_total", code="ERR") == 1
    assert value(fams, "lacewing_blocked_clients") == 1
    assert value(fams, "lacewing_connected_clients") >= 2
    assert value(fams, "lacewing_script_runs_total", mode="lock_ahead") == 1
    hist = "lacewing_command_latency_seconds"
    assert value(fams, hist, hist + "_count", cmd="set") == 31
    assert value(fams, hist, hist + "_bucket", cmd="set", le="+Inf") == 31
    keys = sum(v for n, _, v in fams["lacewing_shard_keys"]["samples"])
    assert keys == int(c.call("DBSIZE")[1:-2]) == 30
    assert len(fams["lacewing_shard_keys"]["samples"]) == 2  # one per shard
    assert sum(v for _, _, v in fams["lacewing_expired_keys_total"]["samples"]) == 1
    assert len(fams["lacewing_shard_used_memory_bytes"]["samples"]) == 2
    assert value(fams, "lacewing_net_input_bytes_total") > 0
    # The RESP port still works, and the blocked client is served.
    c.call("RPUSH", "empty", "x")
    assert blocker.read_reply() == b"*2\r\n$5\r\nempty\r\n$1\r\nx\r\n"
    blocker.close()
    c.close()


@pytest.mark.parametrize("request_bytes", [
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /metricsx HTTP/1.0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
    b"POST /metrics HTTP/1.1\r\n\r\n",
])
def test_other_http_requests_are_closed(server, request_bytes):
    assert http_get(server.port, None, request_bytes) == b""
    c = RawClient(server.port)
    assert c.call("PING") == b"+PONG\r\n"
    c.close()


def test_metrics_need_no_password_only_when_there_is_none(server):
    scrape(server.port)
    c = RawClient(server.port)
    assert c.call("CONFIG", "SET", "requirepass", "pw") == b"+OK\r\n"
    assert http_get(server.port, "/metrics") == b""  # Prometheus cannot AUTH: closed
    c.call("CONFIG", "SET", "requirepass", "")
    c.close()
    scrape(server.port)


def test_headers_in_pieces(server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost")
    time.sleep(0.1)
    s.sendall(b": x\r\n")
    time.sleep(0.1)
    s.sendall(b"\r\n")
    out = b""
    while chunk := s.recv(65536):
        out += chunk
    s.close()
    assert out.startswith(b"HTTP/1.1 200 OK\r\n")
    parse_exposition(out.partition(b"\r\n\r\n")[2].decode())


def script_stats(client, *sha):
    """SCRIPT STATS as a dict (RESP2 flat arrays of name/value pairs)."""
    import redis
    r = redis.Redis(port=client, decode_responses=True)
    reply = r.execute_command("SCRIPT", "STATS", *sha)
    r.close()
    if reply is None:
        return None
    if sha:
        return dict(zip(reply[0::2], reply[1::2]))
    return {name: dict(zip(m[0::2], m[1::2])) for name, m in zip(reply[0::2], reply[1::2])}


def test_script_stats_and_metrics(server):
    import hashlib
    c = RawClient(server.port)
    two = "redis.call('SET', KEYS[1], 'x') return redis.call('GET', KEYS[2])"
    for i in range(5):
        c.call("EVAL", two, "2", f"a{i}", f"b{i}")
    bad = "return redis.call('LPUSH', KEYS[1], 'x')"
    c.call("EVAL", bad, "1", "a0")  # WRONGTYPE: an error run
    # Lacewing stops (and rolls back) a lock-ahead script that touches an undeclared key.
    sneaky = "redis.call('SET', KEYS[1], 'y') return redis.call('SET', 'undeclared', 'z')"
    assert c.call("EVAL", sneaky, "1", "a1").startswith(b"-ERR script tried accessing")
    assert c.call("GET", "a1") == b"$1\r\nx\r\n"  # rolled back
    # A killed run.
    loop = "local i = 0 while true do i = i + 1 end"
    killer = threading.Timer(0.3, lambda: RawClient(server.port).call("SCRIPT", "KILL"))
    killer.start()
    assert c.call("EVAL", loop, "0").startswith(b"-")
    killer.join()
    sha = lambda body: hashlib.sha1(body.encode()).hexdigest()
    stats = script_stats(server.port)
    s = stats[sha(two)]
    assert (s["calls"], s["errors"], s["commands"], s["kills"]) == (5, 0, 10, 0)
    assert 5 <= s["shards_touched"] <= 10 and s["usec_p50"] <= s["usec_p99"] <= s["usec_max"]
    assert stats[sha(bad)]["errors"] == 1
    assert stats[sha(sneaky)]["rollbacks"] == 1 and stats[sha(sneaky)]["errors"] == 1
    assert stats[sha(loop)]["kills"] == 1 and stats[sha(loop)]["usec_max"] >= 200_000
    assert script_stats(server.port, sha(two)) == s
    assert script_stats(server.port, "0" * 40) is None
    fams = scrape(server.port)
    assert value(fams, "lacewing_script_calls_total", script=sha(two)) == 5
    assert value(fams, "lacewing_script_kills_total", script=sha(loop)) == 1
    assert value(fams, "lacewing_script_rolled_back_total", script=sha(sneaky)) == 1
    hist = "lacewing_script_latency_seconds"
    assert value(fams, hist, hist + "_count", script=sha(two)) == 5
    c.close()
