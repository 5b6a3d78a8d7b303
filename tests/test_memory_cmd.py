"""MEMORY (issue 17): USAGE from the allocator's usable sizes, errors and HELP as redis-server
7.0, STATS/DOCTOR/MALLOC-STATS/PURGE answer, and redis-cli --memkeys shows real sizes."""
import re
import subprocess

import pytest


def test_errors_and_help_like_redis(diff):
    diff.check("SET", "k", "v")
    diff.check("MEMORY", "HELP")
    diff.check("MEMORY", "USAGE", "nokey")
    diff.check("MEMORY", "USAGE", "nokey", "SAMPLES", "5")
    for bad in (["MEMORY", "USAGE", "k", "SAMPLES", "-1"], ["MEMORY", "USAGE", "k", "SAMPLES", "x"],
                ["MEMORY", "USAGE", "k", "FOO"], ["MEMORY", "USAGE", "k", "SAMPLES"],
                ["MEMORY", "USAGE"], ["MEMORY", "NOPE"], ["MEMORY", "PURGE", "x"]):
        diff.check(*bad)
    diff.check("MEMORY", "PURGE")


def test_usage_follows_the_value(server):
    c = server.client()
    c.set("small", "v")
    c.set("big", "x" * 100000)
    small, big = c.memory_usage("small"), c.memory_usage("big")
    assert 16 <= small < 100
    assert 100000 <= big < 100000 * 1.3
    c.rpush("list", *[f"element-{i}" for i in range(10000)])
    lst = c.memory_usage("list", samples=0)
    assert lst > 10000 * 8
    c.expire("big", 100)
    assert c.memory_usage("big") > big  # the expire table's cell


def test_stats_doctor_malloc_stats(server):
    c = server.client()
    c.mset({f"k{i}": "v" for i in range(100)})
    stats = c.memory_stats()
    assert stats["keys.count"] == 100
    assert stats["total.allocated"] > 0
    assert "Sam" in c.execute_command("MEMORY", "DOCTOR").decode()
    assert "heap stats" in c.execute_command("MEMORY", "MALLOC-STATS").decode()


def test_redis_cli_memkeys(server):
    c = server.client()
    c.set("bigstring", "x" * 50000)
    c.set("tiny", "1")
    out = subprocess.run(["redis-cli", "-p", str(server.port), "--memkeys"], capture_output=True,
                         text=True, timeout=60).stdout
    assert "bigstring" in out, out
    sizes = re.findall(r"Biggest string found '\"bigstring\"' has (\d+) bytes", out)
    assert sizes and int(sizes[0]) >= 50000, out
