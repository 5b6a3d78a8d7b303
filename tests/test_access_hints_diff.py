"""RESTORE's IDLETIME and FREQ, and the idle/freq records of RDB files, against redis-server
7.0: under an LRU (or no-eviction) policy IDLETIME sets the key's idle time, under an LFU
policy FREQ sets its counter; the other option is accepted and ignored, as in Redis. SAVE
writes each key's idle time under an LRU policy and its counter under an LFU one, and both
servers load what the other wrote."""
import random

import pytest
import redis

from conftest import LacewingProcess, free_port
from rdb_util import RedisWithDir


def _payload(c, value=b"v"):
    c.set("src", value)
    p = c.dump("src")
    c.delete("src")
    return p


def _near(got, want):
    # a second may tick between RESTORE and OBJECT on a loaded machine
    return want <= got <= want + 2


def test_restore_idletime_and_freq_as_redis(server, redis_server):
    rng = random.Random(17)
    lw = redis.Redis(port=server.port)
    rd = redis.Redis(port=redis_server.port)
    for policy in ("noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu"):
        for c in (lw, rd):
            c.config_set("maxmemory-policy", policy)
            c.flushall()
        lfu = policy.endswith("lfu")
        for i in range(20):
            idle, freq = rng.randint(0, 10 ** 6), rng.randint(0, 255)
            opts = rng.choice([("IDLETIME", idle), ("FREQ", freq), ()])
            replies = []
            for c in (lw, rd):
                c.execute_command("RESTORE", f"k{i}", 0, _payload(c), *opts)
                if lfu:
                    replies.append(c.object("freq", f"k{i}"))
                else:
                    replies.append(c.object("idletime", f"k{i}"))
            if lfu and opts[:1] == ("FREQ",):
                assert replies == [freq, freq], (policy, opts, replies)
            elif not lfu and opts[:1] == ("IDLETIME",):
                assert all(_near(r, idle) for r in replies), (policy, opts, replies)
            elif lfu:  # a new key starts at LFU_INIT_VAL (5), decayed by nothing yet
                assert replies[0] == replies[1], (policy, opts, replies)
            else:
                assert all(_near(r, 0) for r in replies), (policy, opts, replies)


def _lacewing(tmp, policy):
    return LacewingProcess(["--proactor_threads", "2", "--dir", str(tmp), "--save", "",
                            "--maxmemory-policy", policy])


def _restore_hinted(c, n, option, values):
    for i in range(n):
        c.execute_command("RESTORE", f"h{i}", 0, _payload(c, b"x" * i), option, values[i])


def _check(c, kind, values):
    for i, v in enumerate(values):
        got = c.object(kind, f"h{i}")
        assert (_near(got, v) if kind == "idletime" else got == v), (i, got, v)


class _Server:
    """Lacewing or redis-server on tmp_path's dump.rdb, under `policy`."""

    def __init__(self, kind, tmp_path, policy):
        self.kind = kind
        if kind == "lacewing":
            self.proc = _lacewing(tmp_path, policy)
        else:
            self.proc = RedisWithDir(free_port(), str(tmp_path), "--save", "",
                                     "--maxmemory-policy", policy)

    def client(self):
        return self.proc.client()

    def stop(self):
        if self.kind == "lacewing":
            assert self.proc.stop() == 0
        else:
            self.proc.stop()


# Each file crosses twice: first -> second -> first, every key's hint checked on arrival.
@pytest.mark.parametrize("policy,option,kind,first,second", [
    ("allkeys-lru", "IDLETIME", "idletime", "lacewing", "redis"),
    ("allkeys-lfu", "FREQ", "freq", "redis", "lacewing"),
])
def test_rdb_carries_access_hints_both_ways(tmp_path, policy, option, kind, first, second):
    rng = random.Random(3)
    top = 10 ** 6 if kind == "idletime" else 255
    values = [rng.randint(0, top) for _ in range(30)]
    for step, who in enumerate((first, second, first)):
        srv = _Server(who, tmp_path, policy)
        try:
            c = srv.client()
            if step > 0:
                _check(c, kind, values)
            if step < 2:
                c.flushall()
                _restore_hinted(c, 30, option, values)
                assert c.save()
        finally:
            srv.stop()
