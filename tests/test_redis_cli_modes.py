"""redis-cli's operator modes against Lacewing (issue 17): --bigkeys, --memkeys, --hotkeys,
--stat, --latency and --scan, on the same data as redis-server where the output is
deterministic (key counts, biggest keys by element count, SCAN matches)."""
import os
import pty
import re
import select
import subprocess
import time


def load(r):
    r.flushall()
    r.rpush("biglist", *[str(i) for i in range(50)])
    r.rpush("small", "a")
    r.hset("bighash", mapping={f"f{i}": i for i in range(20)})
    r.sadd("set", *range(7))
    r.zadd("zset", {f"m{i}": i for i in range(9)})
    r.xadd("stream", {"a": "1"})
    for i in range(300):
        r.set(f"key:{i}", "v" * (i % 40))


def cli(port, *args, timeout=30):
    out = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                         timeout=timeout, check=True)
    return out.stdout.decode()


def summary(text):
    """The deterministic lines: biggest keys by elements, and the per-type totals."""
    lines = [l for l in text.splitlines()
             if (l.startswith("Biggest") or " with " in l) and "so far" not in l]
    # --bigkeys may meet equal-sized keys in any order: the biggest's name is not compared.
    return [re.sub(r"found '\"[^\"]*\"'", "found KEY", l) for l in lines]


def test_bigkeys_and_scan_match_redis(server, redis_server):
    for port in (server.port, redis_server.port):
        load(__import__("redis").Redis(port=port))
    lw = cli(server.port, "--bigkeys")
    rd = cli(redis_server.port, "--bigkeys")
    assert summary(lw) == summary(rd), (lw, rd)
    assert "Biggest   list found '\"biglist\"' has 50 items" in lw
    for pattern in ("key:1*", "*", "big*", "nomatch*"):
        got = sorted(cli(server.port, "--scan", "--pattern", pattern).split())
        want = sorted(cli(redis_server.port, "--scan", "--pattern", pattern).split())
        assert got == want, pattern


def test_memkeys_reports_real_sizes(server):
    r = server.client()
    load(r)
    out = cli(server.port, "--memkeys")
    m = re.search(r"Biggest\s+list found '\"(\w+)\"' has (\d+) bytes", out)
    assert m, out
    assert m.group(1) == "biglist"
    assert int(m.group(2)) == r.memory_usage("biglist", samples=0)
    for kind in ("lists", "hashs", "strings", "streams", "sets", "zsets"):
        line = next(l for l in out.splitlines() if f" {kind} with " in l)
        assert int(line.split(" with ")[1].split()[0]) > 0, line


def test_hotkeys_under_lfu(lacewing_factory):
    s = lacewing_factory("--proactor_threads", "2", "--maxmemory-policy", "allkeys-lfu")
    r = s.client()
    r.set("hot", "1")
    r.set("cold", "1")
    for _ in range(200):
        r.get("hot")
    out = cli(s.port, "--hotkeys")
    m = re.search(r"hot key found with counter: (\d+)\s+keyname: \"?hot\"?", out)
    assert m and int(m.group(1)) > 1, out


def test_stat_and_latency(server):
    r = server.client()
    load(r)
    # --stat prints only to a terminal.
    master, slave = pty.openpty()
    p = subprocess.Popen(["redis-cli", "-p", str(server.port), "--stat", "-i", "0.2"],
                         stdout=slave, stderr=slave)
    time.sleep(1.5)
    p.terminate()
    p.wait(10)
    os.close(slave)
    out = b""
    while select.select([master], [], [], 0.5)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    rows = [l.split() for l in out.decode(errors="replace").splitlines()
            if re.match(r"^\d+\s", l)]
    assert len(rows) >= 3, out
    assert all(int(row[0]) == r.dbsize() for row in rows)
    requests = [int(row[4]) for row in rows]
    assert requests == sorted(requests) and requests[-1] > requests[0]
    out = subprocess.run(["timeout", "-s", "INT", "2", "redis-cli", "-p", str(server.port),
                          "--latency", "--raw"], capture_output=True).stdout.decode()
    nums = out.split()
    assert len(nums) >= 4 and int(nums[3]) > 0, out  # min max avg samples
