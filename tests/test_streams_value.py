"""A stream as a value like any other (issue 14): UNLINK, DEBUG POPULATE (leaves existing keys
alone), MEMORY USAGE and used_memory, cache-mode eviction and STICK, and the OOM refusal
without cache mode. (COPY, RENAME, DEL, EXPIRE, SCAN TYPE, DUMP/RESTORE:
test_streams_diff.py::test_stream_as_a_value.)"""
import subprocess
import time

import pytest
import redis

from test_keys_diff import kdiff  # noqa: F401 - the fixture: Lacewing and a DEBUG-enabled redis-server

MB = 1024 * 1024
OOM = "OOM command not allowed when used memory > 'maxmemory'."


def test_unlink_and_debug_populate_like_redis(kdiff):
    diff = kdiff
    diff.check("XADD", "key:0", "1-1", "f", "v")
    diff.check("XADD", "key:5", "1-1", "f", "v", "g", "w")
    diff.check("XGROUP", "CREATE", "key:5", "g", "0")
    diff.check("DEBUG", "POPULATE", "8")
    for k in ("key:0", "key:5", "key:3"):
        diff.check("TYPE", k)
    diff.check("XRANGE", "key:0", "-", "+")
    diff.check("XINFO", "GROUPS", "key:5")
    diff.check("GET", "key:3")
    diff.check("DBSIZE")
    diff.check("UNLINK", "key:0", "key:1", "nokey")
    diff.check("EXISTS", "key:0", "key:1", "key:5")
    diff.check("SCAN", "0", "TYPE", "stream", "COUNT", "100")  # key:5 only


def fill_stream(port, key, n):
    """n entries of 5 small fields (redis-benchmark, pipelined)."""
    subprocess.run(["redis-benchmark", "-p", str(port), "-n", str(n), "-P", "16", "-c", "4",
                    "XADD", key, "*", "field1", "value1", "field2", "22", "field3", "x",
                    "field4", "4444", "field5", "zz"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_memory_usage_and_used_memory_count_a_stream(server, redis_server):
    lw, rd = server.client(), redis.Redis(port=redis_server.port)
    used0 = lw.info("memory")["used_memory"]
    for port in (server.port, redis_server.port):
        fill_stream(port, "big", 20000)
    assert lw.xlen("big") == rd.xlen("big") == 20000
    usage, rd_usage = lw.memory_usage("big", samples=0), rd.memory_usage("big", samples=0)
    used1 = lw.info("memory")["used_memory"]
    # MEMORY USAGE estimates what the stream holds; used_memory counts every allocation, and
    # gives it all back at DEL.
    assert 20000 * 10 < usage < 20000 * 100, usage
    assert 0.4 * rd_usage < usage < 1.5 * rd_usage, (usage, rd_usage)
    assert 0.7 * usage < used1 - used0 < 1.5 * usage, (usage, used1 - used0)
    lw.delete("big")
    time.sleep(0.2)
    used2 = lw.info("memory")["used_memory"]
    assert abs(used2 - used0) < 128 * 1024, (used0, used1, used2)
    # A group's PEL and consumers are counted too (small reads: a big reply would leave its
    # output buffer's room in used_memory).
    for c in (lw, rd):
        c.xadd("g", {"f": "v"}, id="1-1")
        for i in range(2, 2001):
            c.xadd("g", {"f": "v"}, id=f"{i}-1")
        c.xgroup_create("g", "grp", id="0")
    before = lw.memory_usage("g", samples=0)
    for _ in range(20):
        lw.xreadgroup("grp", "c", {"g": ">"}, count=100)
    grown = lw.memory_usage("g", samples=0)
    assert grown > before + 2000 * 16, (before, grown)


def test_cache_mode_evicts_streams_and_keeps_sticky_ones(lacewing_factory):
    s = lacewing_factory("--proactor_threads", "2", "--maxmemory", "8mb", "--cache_mode")
    r = s.client()
    for i in range(50):
        r.xadd(f"keep:{i}", {"f": "v" * 100}, id="1-1")
    assert r.execute_command("STICK", *[f"keep:{i}" for i in range(50)]) == 50
    # About 4x the budget in streams of ~2 KB each, new keys and growing ones.
    pipe = r.pipeline(transaction=False)
    for i in range(16000):
        pipe.xadd(f"s:{i}", {"a": "x" * 600, "b": "y" * 600}, id="1-1")
        pipe.xadd(f"s:{i // 2}", {"c": "z" * 300}, maxlen=10)
        if i % 500 == 499:
            pipe.execute()
    pipe.execute()
    stats, mem = r.info("stats"), r.info("memory")
    assert stats["evicted_keys"] > 5000, stats["evicted_keys"]
    assert mem["used_memory"] < 8 * MB + 2 * MB, mem["used_memory"]
    for i in range(50):
        assert r.type(f"keep:{i}") == b"stream" and r.xlen(f"keep:{i}") == 1
    assert 0 < sum(1 for _ in r.scan_iter(match="s:*", count=1000, _type="stream")) < 16000


def test_xadd_refused_with_oom_without_cache_mode(lacewing_factory):
    s = lacewing_factory("--proactor_threads", "2", "--maxmemory", "4mb")
    r = s.client()
    err = None
    for i in range(20000):
        try:
            r.xadd(f"s:{i % 100}", {"v": "x" * 1000})
        except redis.ResponseError as e:
            err = str(e)
            break
    assert err == OOM, err
    n = sum(r.xlen(f"s:{i}") for i in range(100))
    assert n > 500
    r.xlen("s:0")  # reads still work
    r.delete(*[f"s:{i}" for i in range(100)])
    r.xadd("s:0", {"v": "x"})  # room again
