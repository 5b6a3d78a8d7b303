"""Keyspace notifications of the stream commands against redis-server 7.0 (issue 17): xadd,
xtrim (also XADD's MAXLEN), xdel, xsetid, xgroup-create/-setid/-destroy/-createconsumer/
-delconsumer (also the consumers XREADGROUP, XCLAIM and XAUTOCLAIM create). One stream key, so
the per-key order must match exactly."""
import time

import redis

CMDS = [
    ("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "MAXLEN", "1", "2-1", "f", "v"),
    ("XTRIM", "s", "MAXLEN", "0"), ("XTRIM", "s", "MAXLEN", "0"), ("XADD", "s", "3-1", "f", "v"),
    ("XDEL", "s", "3-1"), ("XDEL", "s", "3-1"), ("XGROUP", "CREATE", "s", "g", "$"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "c"), ("XGROUP", "CREATECONSUMER", "s", "g", "c"),
    ("XGROUP", "DELCONSUMER", "s", "g", "c"), ("XGROUP", "DELCONSUMER", "s", "g", "nobody"),
    ("XGROUP", "SETID", "s", "g", "0"), ("XSETID", "s", "5-0"), ("XADD", "s", "6-1", "f", "v"),
    ("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"),
    ("XCLAIM", "s", "g", "c3", "0", "6-1"), ("XAUTOCLAIM", "s", "g", "c4", "0", "0"),
    ("XACK", "s", "g", "6-1"), ("XGROUP", "DESTROY", "s", "g"), ("XGROUP", "DESTROY", "s", "g"),
    ("XGROUP", "CREATE", "s2", "g", "$", "MKSTREAM"), ("XADD", "s", "NOMKSTREAM", "*", "f", "v"),
    ("XADD", "s3", "NOMKSTREAM", "*", "f", "v"), ("DEL", "s", "s2"),
]


def test_stream_events_match_redis(server, redis_server):
    # The marker channel is subscribed by a second connection, so ordering holds per key.
    lw, rd = [], []
    for port, out in ((server.port, lw), (redis_server.port, rd)):
        c = redis.Redis(port=port)
        c.config_set("notify-keyspace-events", "KEA")
        sub = redis.Redis(port=port).pubsub()
        sub.psubscribe("__key*@*__:*")
        sub.subscribe("marker")
        for _ in range(2):
            sub.get_message(timeout=5)
        for cmd in CMDS:
            try:
                c.execute_command(*cmd)
            except redis.exceptions.ResponseError:
                pass
            c.publish("marker", "x")
            batch = []
            deadline = time.time() + 5
            while time.time() < deadline:
                m = sub.get_message(timeout=1)
                if m is None:
                    continue
                if m["type"] == "message" and m["channel"] == b"marker":
                    break
                if m["type"] == "pmessage":
                    batch.append((m["channel"].decode(), m["data"].decode()))
            out.append((cmd, batch))
    for (cmd, a), (_, b) in zip(lw, rd):
        assert a == b, (cmd, a, b)
    assert lw[0][1] == [("__keyspace@0__:s", "xadd"), ("__keyevent@0__:xadd", "s")], lw[0]
    assert len(lw) == len(CMDS)
