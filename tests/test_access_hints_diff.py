"""RESTORE's IDLETIME and FREQ, and the idle/freq records of RDB files, against redis-server
7.0: under an LRU (or no-eviction) policy IDLETIME sets the key's idle time, under an LFU
policy FREQ sets its counter; the other option is accepted and ignored, as in Redis. SAVE
writes each key's idle time under an LRU policy and its counter under an LFU one, and both
servers load what the other wrote."""
import random

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


def test_rdb_carries_idle_times_both_ways(tmp_path):
    idles = [random.Random(3).randint(0, 10 ** 6) for _ in range(30)]
    lw = _lacewing(tmp_path, "allkeys-lru")
    try:
        _restore_hinted(lw.client(), 30, "IDLETIME", idles)
        assert lw.client().save()
    finally:
        assert lw.stop() == 0
    rd = RedisWithDir(free_port(), str(tmp_path), "--save", "", "--maxmemory-policy",
                      "allkeys-lru")
    try:
        _check(rd.client(), "idletime", idles)
        rd.client().flushall()
        _restore_hinted(rd.client(), 30, "IDLETIME", idles)
        assert rd.client().save()
    finally:
        rd.stop()
    lw = _lacewing(tmp_path, "allkeys-lru")
    try:
        _check(lw.client(), "idletime", idles)
    finally:
        assert lw.stop() == 0


def test_rdb_carries_lfu_counters_both_ways(tmp_path):
    freqs = [random.Random(4).randint(0, 255) for _ in range(30)]
    rd = RedisWithDir(free_port(), str(tmp_path), "--save", "", "--maxmemory-policy",
                      "allkeys-lfu")
    try:
        _restore_hinted(rd.client(), 30, "FREQ", freqs)
        assert rd.client().save()
    finally:
        rd.stop()
    lw = _lacewing(tmp_path, "allkeys-lfu")
    try:
        _check(lw.client(), "freq", freqs)
        lw.client().flushall()
        _restore_hinted(lw.client(), 30, "FREQ", freqs)
        assert lw.client().save()
    finally:
        assert lw.stop() == 0
    rd = RedisWithDir(free_port(), str(tmp_path), "--save", "", "--maxmemory-policy",
                      "allkeys-lfu")
    try:
        _check(rd.client(), "freq", freqs)
    finally:
        rd.stop()
