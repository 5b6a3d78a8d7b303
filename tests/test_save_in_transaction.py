"""Saves asked for from inside a transaction (FLUSHALL with save points inside MULTI/EXEC or a
script, DEBUG RELOAD inside MULTI/EXEC) must not wait for a cut that waits for that very
transaction: before, each of these hung the connection and the server (SIGTERM could not stop
it)."""
import os
import time

import redis

from conftest import LacewingProcess


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
