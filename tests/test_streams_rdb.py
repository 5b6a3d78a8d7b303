"""Streams in snapshots: a stream with deleted entries, differing field names, several nodes
and consumer groups (PELs, consumers) survives SAVE + restart in Lacewing, loads into
redis-server 7.0 with the same XINFO STREAM FULL, passes redis-check-rdb, and redis-server's
own dump.rdb of streams loads into Lacewing equal."""
import os
import subprocess

from conftest import LacewingProcess, free_port
from rdb_util import RedisWithDir
from resp_client import RawClient


def fill(call):
    for i in range(1, 260):
        if i % 7 == 0:
            call("XADD", "st", f"{i}-1", "other", str(i))
        else:
            call("XADD", "st", f"{i}-1", "f", str(i), "g", "x" * (i % 5))
    call("XDEL", "st", "5-1", "120-1")
    call("XGROUP", "CREATE", "st", "g", "0")
    call("XGROUP", "CREATE", "st", "g2", "$", "ENTRIESREAD", "3")
    call("XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "st", ">")
    call("XREADGROUP", "GROUP", "g", "bob", "COUNT", "2", "STREAMS", "st", ">")
    call("XGROUP", "CREATECONSUMER", "st", "g", "carol")
    call("XADD", "empty", "1-1", "a", "b")
    call("XDEL", "empty", "1-1")


def snapshot(port):
    c = RawClient(port)
    out = [c.call("XINFO", "STREAM", "st", "FULL", "COUNT", "0"), c.call("XINFO", "STREAM", "empty"),
           c.call("XPENDING", "st", "g"), c.call("XRANGE", "st", "-", "+")]
    c.close()
    return out


def _lacewing(tmp):
    return LacewingProcess(["--proactor_threads", "2", "--dir", str(tmp)])


def test_lacewing_stream_snapshot_round_trips(tmp_path):
    lw = _lacewing(tmp_path)
    try:
        c = RawClient(lw.port)
        fill(c.call)
        before = snapshot(lw.port)
        assert c.call("SAVE") == b"+OK\r\n"
        c.close()
    finally:
        assert lw.stop() == 0
    path = os.path.join(tmp_path, "dump.rdb")
    check = subprocess.run(["redis-check-rdb", path], capture_output=True, text=True)
    assert check.returncode == 0 and "RDB looks OK" in check.stdout, check.stdout + check.stderr
    lw = _lacewing(tmp_path)
    try:
        assert snapshot(lw.port) == before
    finally:
        assert lw.stop() == 0
    rd = RedisWithDir(free_port(), str(tmp_path), "--save", "")
    try:
        assert snapshot(rd.port) == before
    finally:
        rd.stop()


def test_redis_stream_snapshot_loads_into_lacewing(tmp_path):
    rd = RedisWithDir(free_port(), str(tmp_path), "--save", "")
    try:
        c = RawClient(rd.port)
        fill(c.call)
        before = snapshot(rd.port)
        assert c.call("SAVE") == b"+OK\r\n"
        c.close()
    finally:
        rd.stop()
    lw = _lacewing(tmp_path)
    try:
        assert snapshot(lw.port) == before
    finally:
        assert lw.stop() == 0
