"""LATENCY LATEST/HISTORY/RESET/DOCTOR/HISTOGRAM and latency-monitor-threshold against
redis-server 7.0 (issue 17). A slow EVAL (a busy Lua loop) is the spike on both servers; the
latencies themselves differ, so replies are compared in shape and in what does not depend on
the machine."""
import time

import redis

from resp_client import Pair

SLOW = "local i = 0 while i < 3000000 do i = i + 1 end return i"


def test_latency_off_and_empty_replies(server, redis_server):
    pair = Pair(server.port, redis_server.port)
    for cmd in (("LATENCY", "LATEST"), ("LATENCY", "HISTORY", "command"), ("LATENCY", "RESET"),
                ("LATENCY", "DOCTOR"), ("LATENCY", "FOO"), ("LATENCY",),
                ("LATENCY", "HISTORY"), ("LATENCY", "LATEST", "x"),
                ("CONFIG", "SET", "latency-monitor-threshold", "-1"),
                ("CONFIG", "SET", "latency-monitor-threshold", "100"),
                ("CONFIG", "GET", "latency-monitor-threshold"), ("LATENCY", "DOCTOR"),
                ("LATENCY", "HISTOGRAM", "nosuchcommand")):
        pair.call(*cmd)
    pair.close()


def test_latency_spike_recorded_like_redis(server, redis_server):
    got = {}
    for name, port in (("lacewing", server.port), ("redis", redis_server.port)):
        c = redis.Redis(port=port)
        c.config_set("latency-monitor-threshold", 5)
        c.config_set("slowlog-log-slower-than", 10000)
        c.set("fast", "1")  # a fast command under the threshold: no event
        before = int(time.time())
        c.eval(SLOW, 0)
        latest = c.execute_command("LATENCY", "LATEST")
        assert len(latest) == 1, (name, latest)
        event, at, last, worst = latest[0]
        assert event == b"command" and before <= at <= time.time() + 1, (name, latest)
        assert last >= 5 and worst == last, (name, latest)
        hist = c.execute_command("LATENCY", "HISTORY", "command")
        assert hist == [[at, last]], (name, hist)
        doctor = c.execute_command("LATENCY", "DOCTOR").decode()
        # The numbers are this machine's: compare the report with them taken out.
        got[name] = doctor.replace(str(last), "N")
        assert c.execute_command("LATENCY", "RESET", "command", "nosuch") == 1
        assert c.execute_command("LATENCY", "LATEST") == []
        c.eval(SLOW, 0)
        assert c.execute_command("LATENCY", "RESET") == 1
    assert got["lacewing"] == got["redis"], got


def test_latency_histogram_shape(server, redis_server):
    for port in (server.port, redis_server.port):
        c = redis.Redis(port=port, protocol=2) if False else redis.Redis(port=port)
        for i in range(50):
            c.set(f"k{i}", i)
        c.get("k1")
        reply = c.execute_command("LATENCY", "HISTOGRAM", "set", "get", "nosuch")
        # RESP2: a flat map name -> [calls, n, histogram_usec, [bound, cumulative, ...]]
        assert reply[0::2] == [b"set", b"get"], reply
        for body, calls in ((reply[1], 50), (reply[3], 1)):
            assert body[0] == b"calls" and body[1] == calls and body[2] == b"histogram_usec"
            buckets = body[3]
            bounds, counts = buckets[0::2], buckets[1::2]
            # Lacewing's bounds are powers of two; redis-server's hdr histogram may report a
            # bucket's highest equivalent value instead (132 for 128 when a call was slow).
            if port == server.port:
                assert all(b & (b - 1) == 0 for b in bounds), buckets
            assert bounds == sorted(bounds) and counts == sorted(counts), buckets
            assert counts[-1] == calls, buckets  # cumulative up to every call
