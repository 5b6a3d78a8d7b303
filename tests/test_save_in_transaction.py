"""Saves asked for from inside a transaction (FLUSHALL with save points inside MULTI/EXEC or a
script, DEBUG RELOAD inside MULTI/EXEC) must not wait for a cut that waits for that very
transaction: before, each of these hung the connection and the server (SIGTERM could not stop
it)."""
import os
import time

import redis

from conftest import LacewingProcess
from resp_client import RawClient, encode


def _lacewing(tmp):
    return LacewingProcess(["--proactor_threads", "2", "--dir", str(tmp), "--save", "3600 1"])


def _saves_reach(c, n):
    deadline = time.time() + 30
    while True:
        info = c.info("persistence")
        if info["rdb_saves"] >= n and info["rdb_bgsave_in_progress"] == 0:
            return
        assert time.time() < deadline, "no save after the FLUSHALL"
        time.sleep(0.05)


def _file_has(tmp, needle):
    with open(os.path.join(tmp, "dump.rdb"), "rb") as f:
        return needle in f.read()


def test_flushall_inside_exec_saves_after_the_exec(tmp_path):
    lw = _lacewing(tmp_path)
    try:
        c = redis.Redis(port=lw.port, socket_timeout=10)
        c.set("pre-flush-key", 1)
        assert c.save()
        saves = c.info("persistence")["rdb_saves"]
        pipe = c.pipeline(transaction=True)
        pipe.set("b", 1)
        pipe.flushall()
        pipe.set("after-flush-key", 2)
        assert pipe.execute() == [True, True, True]
        _saves_reach(c, saves + 1)
        assert not _file_has(tmp_path, b"pre-flush-key")
        assert c.dbsize() == 1
    finally:
        assert lw.stop() == 0


def test_flushall_inside_a_keyed_script_saves_after_it(tmp_path):
    lw = _lacewing(tmp_path)
    try:
        c = redis.Redis(port=lw.port, socket_timeout=10)
        c.set("pre-flush-key", 1)
        assert c.save()
        saves = c.info("persistence")["rdb_saves"]
        script = "redis.call('SET', KEYS[1], 1) return redis.call('FLUSHALL')"
        assert c.eval(script, 1, "k") == b"OK"
        _saves_reach(c, saves + 1)
        assert not _file_has(tmp_path, b"pre-flush-key")
        assert c.dbsize() == 0
    finally:
        assert lw.stop() == 0


def test_debug_reload_inside_exec_is_refused_not_hung(tmp_path):
    lw = _lacewing(tmp_path)
    try:
        c = redis.Redis(port=lw.port, socket_timeout=10)
        c.set("a", 1)
        pipe = c.pipeline(transaction=True)
        pipe.set("b", 1)
        pipe.execute_command("DEBUG", "RELOAD")
        pipe.get("b")
        res = pipe.execute(raise_on_error=False)
        assert res[0] is True and res[2] == b"1"
        assert str(res[1]) == "Command not allowed inside a transaction"
        assert c.execute_command("DEBUG", "RELOAD") == b"OK"
        assert c.mget("a", "b") == [b"1", b"1"]
    finally:
        assert lw.stop() == 0


def test_save_and_bgsave_during_a_busy_script_answer_busy(tmp_path, redis_server):
    """A save's cut waits for every script: past the busy threshold SAVE and BGSAVE answer
    -BUSY at once, byte for byte as redis-server (before, BGSAVE waited for the script's end,
    forever under `while true do end` until SCRIPT KILL)."""
    lw = LacewingProcess(["--proactor_threads", "2", "--dir", str(tmp_path), "--save", ""])
    script = ("local t = redis.call('TIME')[1] + 0 "
              "while redis.call('TIME')[1] + 0 < t + 3 do end return 1")
    try:
        replies = []
        for port in (lw.port, redis_server.port):
            raw = RawClient(port)
            assert raw.call("CONFIG", "SET", "busy-reply-threshold", "100") == b"+OK\r\n"
            runner = RawClient(port)
            runner.sock.sendall(encode("EVAL", script, "1", "x"))
            time.sleep(1)  # the script is past the threshold
            got = [raw.call("BGSAVE"), raw.call("SAVE"), raw.call("BGSAVE", "SCHEDULE")]
            assert runner.read_reply() == b":1\r\n"
            runner.close()
            raw.close()
            replies.append(got)
        assert replies[0] == replies[1]
        assert replies[0][0].startswith(b"-BUSY ")
    finally:
        assert lw.stop() == 0


def test_bgsave_inside_exec_is_scheduled_as_in_redis(tmp_path, redis_server):
    """Redis 7.0 answers every BGSAVE inside EXEC "Background saving scheduled" (before: the
    first answered "started", the next -ERR Background save already in progress)."""
    lw = LacewingProcess(["--proactor_threads", "2", "--dir", str(tmp_path), "--save", ""])
    try:
        replies = []
        for port in (lw.port, redis_server.port):
            raw = RawClient(port)
            for args in (["MULTI"], ["SET", "k", "1"], ["BGSAVE"], ["BGSAVE"],
                         ["BGSAVE", "SCHEDULE"]):
                raw.call(*args)
            replies.append(raw.call("EXEC"))
            for _ in range(200):  # the save runs after EXEC
                info = raw.call("INFO", "persistence")
                if b"rdb_bgsave_in_progress:0" in info and b"rdb_saves:0" not in info:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("no save after EXEC")
            raw.close()
        assert replies[0] == replies[1] == (b"*4\r\n+OK\r\n" +
                                            b"+Background saving scheduled\r\n" * 3)
    finally:
        assert lw.stop() == 0
