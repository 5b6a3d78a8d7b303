"""BGSAVE's point in time comes before its reply, as Redis's fork does: a write any client
makes after the reply (the same connection's next pipelined command included) is not in the
file, and every write acknowledged before it is."""
import os
import shutil
import threading

from conftest import LacewingProcess
from rdb_util import wait_bgsave


def _lacewing(tmp, *extra):
    return LacewingProcess(["--proactor_threads", "2", "--dir", str(tmp), "--save", "", *extra])


def _reload(tmp_path):
    """A server started on the saved file (moved aside so the first server cannot rewrite it)."""
    shutil.move(os.path.join(tmp_path, "dump.rdb"), os.path.join(tmp_path, "cut.rdb"))
    return _lacewing(tmp_path, "--dbfilename", "cut.rdb")


def test_writes_after_the_reply_are_not_in_the_file(tmp_path):
    """Under load (two loader clients keep both threads busy), BGSAVE pipelined ahead of 300
    SETs, from 4 connections in turn: none of those SETs is in the file (before the cut came
    first, 3456 of 3600 were), and every key written before the reply is."""
    lw = _lacewing(tmp_path)
    stop = threading.Event()

    def loader():
        c = lw.client()
        while not stop.is_set():
            pipe = c.pipeline(transaction=False)
            for i in range(200):
                pipe.set(f"load:{i}", i)
            pipe.execute()

    loaders = [threading.Thread(target=loader) for _ in range(2)]
    try:
        conns = [lw.client() for _ in range(4)]
        conns[0].mset({f"before:{i}": i for i in range(5000)})
        for t in loaders:
            t.start()
        for round_ in range(8):
            c = conns[round_ % 4]
            pipe = c.pipeline(transaction=False)
            for i in range(50):  # answered before the BGSAVE: in its file
                pipe.set(f"pre:{round_}:{i}", i)
            pipe.bgsave()
            for i in range(300):
                pipe.set(f"after:{round_}:{i}", i)
            pipe.execute()
            wait_bgsave(c)
            assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"
            with open(os.path.join(tmp_path, "dump.rdb"), "rb") as f:
                data = f.read()  # short keys are stored as plain bytes
            assert f"after:{round_}:".encode() not in data, round_
            assert all(f"pre:{round_}:{i}".encode() in data for i in range(50)), round_
            c.delete(*[f"after:{round_}:{i}" for i in range(300)])
    finally:
        stop.set()
        for t in loaders:
            if t.is_alive():
                t.join()
        assert lw.stop() == 0
    lw = _reload(tmp_path)
    try:
        c = lw.client()
        values = c.mget([f"before:{i}" for i in range(5000)])
        assert values == [str(i).encode() for i in range(5000)]
        assert not c.keys("after:*")
        assert len(c.keys("pre:*")) == 8 * 50
    finally:
        assert lw.stop() == 0


def test_bgsave_inside_multi_neither_hangs_nor_loses_the_transaction(tmp_path):
    lw = _lacewing(tmp_path)
    try:
        c = lw.client()
        pipe = c.pipeline(transaction=True)
        pipe.set("in-multi", 1)
        pipe.bgsave()
        pipe.set("in-multi-2", 2)
        res = pipe.execute()
        assert res[0] is True and res[2] is True
        wait_bgsave(c)
        assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"
        c.set("later", 1)
    finally:
        assert lw.stop() == 0
    lw = _reload(tmp_path)
    try:
        c = lw.client()
        # The cut orders the whole EXEC before or after it; never half of it.
        assert c.exists("in-multi") == c.exists("in-multi-2")
        assert c.exists("later") == 0
    finally:
        assert lw.stop() == 0


def test_a_failing_bgsave_still_replies(tmp_path):
    """A save that cannot open its file releases its BGSAVE too (nothing is cut)."""
    lw = _lacewing(tmp_path)
    try:
        c = lw.client()
        c.set("k", "v")
        os.mkdir(os.path.join(tmp_path, f"dump.rdb.tmp-{lw.proc.pid}"))  # squats the file
        assert c.bgsave()
        wait_bgsave(c)
        assert c.info("persistence")["rdb_last_bgsave_status"] == "err"
        assert c.get("k") == b"v"
    finally:
        lw.stop()
