"""LATENCY GRAPH against redis-server 7.0 under the same controlled latency events: a slow
EVAL (a busy Lua loop) in each of three different seconds with latency-monitor-threshold 1.
The samples differ between the machines' runs, so the graphs are compared in structure —
header line, an 80-dash rule, four bar rows as wide as the number of samples, a blank row,
then the samples' ages written downwards — and each server's graph must be exactly what the
drawing rule gives for that server's own LATENCY HISTORY (the rule is checked on redis-server's
output as well, so it is Redis's). Errors, arity and LATENCY HELP are byte-identical.
More than 80 samples (a second block) is covered by server/families/latency_graph_test.cc,
against a graph captured from redis-server.
"""
import re
import time

from differential import _split_aggregate
from resp_client import Pair, RawClient

SLOW = "local i = 0 while i < 400000 do i = i + 1 end return i"


def _age(seconds):
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def expected_graph(event, samples, worst, now):
    """The drawing rule: samples [(unix_time, ms)] oldest first."""
    lat = [ms for _, ms in samples]
    lo, hi = min(lat), max(lat)
    span = (hi - lo) or 1
    out = f"{event} - high {hi} ms, low {lo} ms (all time high {worst} ms)\n" + "-" * 80 + "\n"
    for start in range(0, len(samples), 80):
        block = samples[start:start + 80]
        if start:
            out += "\n"
        levels = [min(max(int((ms - lo) * 12 / span), 0), 11) for _, ms in block]
        for row in range(4):
            base = (3 - row) * 3
            out += "".join(" " if lv < base else ("_o#"[lv - base] if lv - base < 3 else "|")
                           for lv in levels) + "\n"
        out += " " * len(block) + "\n"
        ages = [_age(now - t) for t, _ in block]
        for c in range(max(len(a) for a in ages)):
            out += "".join(a[c] if c < len(a) else " " for a in ages) + "\n"
    return out


def _num(elem):
    return int(elem[1:-2]) if elem[:1] == b":" else int(elem.split(b"\r\n")[1])


def _ints(reply):
    return [_num(e) for e in _split_aggregate(reply)[1]]


def _graph_and_history(c):
    """GRAPH, HISTORY and the worst sample read within one second of the server's clock."""
    for _ in range(20):
        t0 = _ints(c.call("TIME"))[0]
        graph = c.call("LATENCY", "GRAPH", "command")
        history = [tuple(_ints(s)) for s in _split_aggregate(c.call("LATENCY", "HISTORY",
                                                                    "command"))[1]]
        latest = _split_aggregate(c.call("LATENCY", "LATEST"))[1]
        worst = _num(_split_aggregate(latest[0])[1][3])
        if _ints(c.call("TIME"))[0] == t0:
            return graph, history, worst, t0
    raise AssertionError("the clock kept moving")


def _text(reply):
    if reply[:1] == b"=":  # RESP3 verbatim: "=<len>\r\ntxt:<text>\r\n"
        body = reply.split(b"\r\n", 1)[1][:-2]
        assert body[:4] == b"txt:"
        return body[4:].decode()
    assert reply[:1] == b"$"
    return reply.split(b"\r\n", 1)[1][:-2].decode()


def _structure(text, n):
    lines = text.split("\n")
    assert re.fullmatch(r"command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)", lines[0])
    assert lines[1] == "-" * 80 and lines[-1] == ""
    body = lines[2:-1]
    assert all(len(line) == n for line in body), body
    assert set("".join(body[:4])) <= set(" _o#|") and body[4] == " " * n
    assert all(re.fullmatch(r"[0-9smhd ]+", line) for line in body[5:])
    return len(body)


def test_latency_graph_like_redis(server, redis_server):
    clients = [RawClient(server.port), RawClient(redis_server.port)]
    for c in clients:
        assert c.call("CONFIG", "SET", "latency-monitor-threshold", "1") == b"+OK\r\n"
    for i in range(3):  # one spike per second on each server
        start = time.time()
        for c in clients:
            c.call("EVAL", SLOW, "0")
        time.sleep(max(0.0, 1.05 - (time.time() - start)))
    for proto in ("2", "3"):
        rows = []
        for c in clients:
            c.call("HELLO", proto)
            graph, history, worst, now = _graph_and_history(c)
            assert len(history) >= 2, history
            assert graph[:1] == (b"$" if proto == "2" else b"="), graph
            text = _text(graph)
            rows.append(_structure(text, len(history)))
            # The ages are drawn against the server's clock at GRAPH time; redis-server reads
            # time(NULL), the kernel's coarse clock, which can still show the previous second
            # for a few ms after TIME (gettimeofday) shows the next one.
            assert text in (expected_graph("command", history, worst, now),
                            expected_graph("command", history, worst, now - 1)), text
        assert rows[0] == rows[1]
    for c in clients:
        c.close()


def test_latency_graph_errors_and_help(server, redis_server):
    pair = Pair(server.port, redis_server.port)
    for cmd in (("LATENCY", "GRAPH", "command"), ("LATENCY", "GRAPH", "nosuch"),
                ("LATENCY", "GRAPH"), ("LATENCY", "GRAPH", "a", "b"), ("LATENCY", "graph", ""),
                ("LATENCY", "HELP"), ("LATENCY", "HELP", "x"),
                ("COMMAND", "INFO", "latency|graph"), ("COMMAND", "GETKEYS", "latency", "graph")):
        pair.call(*cmd)
    pair.lw.call("HELLO", "3")
    pair.rd.call("HELLO", "3")
    pair.call("LATENCY", "GRAPH", "nosuch")
    pair.close()
