"""PFADD on a dense HLL changes it in place (hll_family.cc DenseInPlace): the bytes, the cache
bit, OBJECT ENCODING, replies and keyspace events must match redis-server 7.0, also with no
elements, after PFCOUNT cached the cardinality, after SETRANGE corrupted registers or the
header, and for a value shared through COPY / a snapshot taken meanwhile."""
import random
import time

import pytest
from resp_client import RawClient


def _dense(diff, key, rng):
    elems = [f"e{rng.getrandbits(40)}" for _ in range(4000)]
    for i in range(0, len(elems), 500):
        diff.check("PFADD", key, *elems[i:i + 500])
    diff.check("GETRANGE", key, 0, 4)  # 'HYLL' + encoding 0 (dense)


@pytest.mark.parametrize("seed", range(2))
def test_pfadd_dense_in_place(diff, seed):
    rng = random.Random(seed)
    _dense(diff, "h", rng)
    for _ in range(60):
        r = rng.random()
        if r < 0.5:
            n = rng.choice([0, 1, 1, 3])
            diff.check("PFADD", "h", *[f"x{rng.getrandbits(rng.choice([4, 30]))}" for _ in range(n)])
        elif r < 0.65:
            diff.check("PFCOUNT", "h")
        elif r < 0.75:
            diff.check("COPY", "h", "h2", "REPLACE")
            diff.check("PFADD", "h2", f"y{rng.getrandbits(30)}")
            diff.check("GET", "h2")
        elif r < 0.85:
            # A corrupt register byte keeps the value a valid dense HLL.
            diff.check("SETRANGE", "h", rng.randint(16, 12303), bytes([rng.getrandbits(8)]))
        elif r < 0.9:
            diff.check("SET", "h", "x")
            diff.check("PFADD", "h", "a")
            diff.run("DEL", "h")
            _dense(diff, "h", rng)
        else:
            diff.check("APPEND", "h2", "z")
            diff.check("PFADD", "h2", "q")
        diff.check("GET", "h")
        diff.check("OBJECT", "ENCODING", "h")
        diff.check("GETRANGE", "h", 15, 15)
    diff.check("SETRANGE", "h", 4, "\x07")
    diff.check("PFADD", "h", "zz")
    diff.check("SETRANGE", "h", 0, "HYLX")
    diff.check("PFADD", "h", "zz")


def test_pfadd_dense_notifies_and_touches_watch(server, redis_server):
    out = []
    for port in (server.port, redis_server.port):
        c = RawClient(port)
        c.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
        sub = RawClient(port)
        sub.call("PSUBSCRIBE", "__keyspace@0__:*")
        elems = [f"e{i}" for i in range(4000)]
        for i in range(0, 4000, 500):
            c.call("PFADD", "h", *elems[i:i + 500])
        w = RawClient(port)
        w.call("WATCH", "h")
        got = [c.call("PFADD", "h", "e1"), c.call("PFADD", "h"), c.call("PFADD", "h", "new-one")]
        w.call("MULTI")
        w.call("PING")
        got.append(w.call("EXEC"))
        c.call("PING")
        events = []
        sub.sock.settimeout(2)
        for _ in range(9):
            events.append(sub.read_reply())
        out.append((got, events))
    assert out[0] == out[1]


@pytest.mark.parametrize("n", [100, 3000])
def test_pfadd_in_place_during_bgsave(lacewing_factory, tmp_path, n):
    server = lacewing_factory("--proactor_threads", "2", "--dir", str(tmp_path))
    c = server.client()
    for k in range(40):
        c.execute_command("PFADD", f"h{k}", *[f"e{i}" for i in range(n)])
        c.set(f"pad{k}", "x" * 20000)
    before = [c.get(f"h{k}") for k in range(40)]
    c.execute_command("BGSAVE")
    for k in range(40):
        c.execute_command("PFADD", f"h{k}", *[f"late{i}" for i in range(50)])
    live = [c.get(f"h{k}") for k in range(40)]
    deadline = time.time() + 20
    while c.info("persistence")["rdb_bgsave_in_progress"] and time.time() < deadline:
        time.sleep(0.05)
    assert c.info("persistence")["rdb_last_bgsave_status"] == "ok"
    assert server.stop() == 0
    reloaded = lacewing_factory("--proactor_threads", "2", "--dir", str(tmp_path)).client()
    saved = [reloaded.get(f"h{k}") for k in range(40)]
    # The cut is a global transaction that may come after some of the PFADDs (BGSAVE replies
    # first): the file holds the PFADDs before the cut and none after, each key whole.
    cut = 0
    while cut < 40 and saved[cut] == live[cut] and live[cut] != before[cut]:
        cut += 1
    assert saved[cut:] == before[cut:], cut
