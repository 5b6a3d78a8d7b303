#!/usr/bin/env python3
"""Snapshot benchmarks, Lacewing vs redis-server on the same data (issue 15).

  tools/bench_persist.py                   # 1M keys, both servers, ~2-3 minutes
  tools/bench_persist.py --keys 5000000    # the issue's size (~10 minutes, ~4 GB of RAM)
  tools/bench_persist.py --only lacewing --lacewing /tmp/lacewing-opt

Builds nothing: pass an -c opt binary (default: bazel-bin/server/lacewing, so build with
`bazel build -c opt --config=opt //server:lacewing` first). For each server in turn:

1. Fill N keys (the names redis-benchmark -r N uses, 16-byte values); time SAVE (file size too); restart and time the load (start until
   PING answers, not -LOADING).
2. Start a write-heavy redis-benchmark (SET, random keys over the same N, so
   it overwrites and the dataset keeps its size; -d 16 -c 50 -P 16) that
   runs throughout, wait --warmup seconds, then --rounds times: --plain seconds without a
   save, then one BGSAVE until it ends. A sampler reads total_commands_processed, used_memory
   and the server process's RSS every 50 ms over one connection. Throughput of a window is
   its command count over its length; the ratio is the median over the save windows divided
   by the median over the plain windows (alternating windows of one benchmark run, so a
   drifting machine load hits both alike).
3. Extra memory during a save: Lacewing (no fork) — the peak RSS during the save minus the
   RSS just before it (the snapshot's buffers and whatever the save makes the allocator
   keep). redis-server — rdb_last_cow_size after each save: the fork's copy-on-write bytes,
   the child's extra private memory (the parent's RSS does not show it). Both are reported
   as MB and as a share of the dataset (used_memory before the first save).
4. Server CPU per SET in the plain and the save windows (/proc/PID/stat; redis-server's save
   child counts once reaped, so its figure is rough): less sensitive to the machine's load
   than throughput, it shows what a save costs the server.

Machine load matters a lot on 2 cores: the script prints `uptime`'s load with each line.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time

import redis

VALUE_SIZE = 16  # bytes per value, in the fill and in redis-benchmark's SETs (-d)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port, timeout=1800):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if redis.Redis(port=port, socket_timeout=5).ping():
                return
        except (redis.exceptions.ConnectionError, redis.exceptions.BusyLoadingError):
            pass
        time.sleep(0.01)
    raise RuntimeError("server did not start")


def start(kind, binary, port, data_dir):
    if kind == "lacewing":
        args = [binary, "--port", str(port), "--proactor_threads", "2", "--dir", data_dir,
                "--save", ""]
    else:
        args = ["redis-server", "--port", str(port), "--dir", data_dir, "--save", "",
                "--appendonly", "no", "--loglevel", "warning", "--enable-debug-command", "yes"]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc):
    proc.terminate()
    proc.wait(timeout=1800)


def rss_bytes(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
        return int(m.group(1)) * 1024 if m else 0
    except OSError:
        return 0


def cpu_seconds(pid):
    """User + system CPU of the process and its waited-for children (a fork's child counts
    once reaped: redis-server's save children)."""
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in f[11:15]) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def load_avg():
    return open("/proc/loadavg").read().split()[0]


class Sampler(threading.Thread):
    """(time, commands processed, used_memory, RSS, CPU seconds) every 50 ms."""

    def __init__(self, port, pid):
        super().__init__(daemon=True)
        self.c = redis.Redis(port=port, socket_timeout=600)
        self.pid = pid
        self.samples = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            info = self.c.info()
            self.samples.append((time.time(), info["total_commands_processed"],
                                 info["used_memory"], rss_bytes(self.pid),
                                 cpu_seconds(self.pid)))
            time.sleep(0.05)

    def window(self, t0, t1):
        return [s for s in self.samples if t0 <= s[0] <= t1]

    def rate(self, t0, t1):
        w = self.window(t0, t1)
        if len(w) < 2 or w[-1][0] <= w[0][0]:
            return None
        return (w[-1][1] - w[0][1]) / (w[-1][0] - w[0][0])

    def cpu_per_command(self, t0, t1):
        w = self.window(t0, t1)
        if len(w) < 2 or w[-1][1] <= w[0][1]:
            return None
        return (w[-1][4] - w[0][4]) / (w[-1][1] - w[0][1])


def fill(c, keys):
    """The keys redis-benchmark -r `keys` writes (key:%012d), VALUE_SIZE-byte values: the
    write load then overwrites, and the dataset keeps its size while it runs."""
    value = b"v" * VALUE_SIZE
    batch = 1000
    pipe = c.pipeline(transaction=False)
    for start in range(0, keys, batch):
        args = []
        for i in range(start, min(keys, start + batch)):
            args += [b"key:%012d" % i, value]
        pipe.execute_command("MSET", *args)
        if len(pipe) >= 20:
            pipe.execute()
    pipe.execute()


def save_and_load(kind, binary, keys, data_dir, port):
    proc = start(kind, binary, port, data_dir)
    wait_up(port)
    c = redis.Redis(port=port, socket_timeout=1800)
    fill(c, keys)
    t = time.time()
    c.save()
    save_s = time.time() - t
    size = os.path.getsize(os.path.join(data_dir, "dump.rdb"))
    stop(proc)
    t = time.time()
    proc = start(kind, binary, port, data_dir)
    wait_up(port)
    load_s = time.time() - t
    c = redis.Redis(port=port, socket_timeout=1800)
    assert c.dbsize() == keys, c.dbsize()
    return proc, c, save_s, load_s, size


def bgsave_under_load(kind, proc, c, port, a):
    bench = subprocess.Popen(
        ["redis-benchmark", "-p", str(port), "-t", "set", "-n", "2000000000", "-r",
         str(a.keys), "-d", str(VALUE_SIZE), "-c", "50", "-P", "16", "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampler = Sampler(port, proc.pid)
    sampler.start()
    plain, during, extra, durations, cows, cpu = [], [], [], [], [], []
    try:
        time.sleep(a.warmup)
        dataset = c.info("memory")["used_memory"]
        for _ in range(a.rounds):
            t0 = time.time()
            time.sleep(a.plain)
            t1 = time.time()
            c.bgsave()
            while c.info("persistence")["rdb_bgsave_in_progress"]:
                time.sleep(0.01)
            t2 = time.time()
            time.sleep(0.1)  # one more sample after the end
            plain.append(sampler.rate(t0, t1))
            cpu.append((sampler.cpu_per_command(t0, t1), sampler.cpu_per_command(t1, t2 + 0.1)))
            during.append(sampler.rate(t1, t2))
            durations.append(t2 - t1)
            before = sampler.window(t1 - 0.2, t1)
            base_rss = before[-1][3] if before else 0
            peak_rss = max((s[3] for s in sampler.window(t1, t2 + 0.1)), default=base_rss)
            extra.append(max(0, peak_rss - base_rss))
            cows.append(c.info("persistence").get("rdb_last_cow_size", 0))
    finally:
        bench.terminate()
        bench.wait()
        sampler.halt.set()
        sampler.join()
    plain = [p for p in plain if p]
    during = [d for d in during if d]
    extra_b = statistics.median(cows if kind == "redis-server" else extra)
    peak_b = max(cows if kind == "redis-server" else extra)
    cpu_plain = statistics.median([p for p, _ in cpu if p] or [0])
    cpu_during = statistics.median([d for _, d in cpu if d] or [0])
    return dict(cpu_plain=cpu_plain, cpu_during=cpu_during, plain=statistics.median(plain), during=statistics.median(during),
                ratios=[d / p for d, p in zip(during, plain) if p], bgsave_s=durations,
                dataset=dataset, extra=extra_b, extra_max=peak_b)


def run(kind, binary, a):
    data_dir = tempfile.mkdtemp(prefix=f"bench-{kind}-")
    port = free_port()
    proc = None
    try:
        proc, c, save_s, load_s, size = save_and_load(kind, binary, a.keys, data_dir, port)
        r = bgsave_under_load(kind, proc, c, port, a)
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(data_dir, ignore_errors=True)
    r.update(save_s=save_s, load_s=load_s, size=size)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=5, help="plain/BGSAVE window pairs")
    ap.add_argument("--plain", type=float, default=3.0, help="seconds of each plain window")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--only", choices=["lacewing", "redis-server"])
    ap.add_argument("--lacewing", default=None)
    a = ap.parse_args()
    if a.lacewing is None:
        a.lacewing = os.path.join(
            subprocess.check_output(["bazel", "info", "bazel-bin"], text=True).strip(),
            "server", "lacewing")
    print(f"keys {a.keys}; write load: redis-benchmark -t set -r {a.keys} -c 50 -P 16; "
          f"-d {VALUE_SIZE}; {a.rounds} x ({a.plain}s plain, one BGSAVE)")
    print("server | SAVE s | load s | file MB | SET/s plain | SET/s during BGSAVE | ratio "
          "(per round) | BGSAVE s | dataset MB | extra MB (max) | extra/dataset | server CPU us "
          "per SET plain/during | load avg")
    kinds = [a.only] if a.only else ["lacewing", "redis-server"]
    for kind in kinds:
        r = run(kind, a.lacewing, a)
        ratios = " ".join(f"{x:.2f}" for x in r["ratios"])
        print(f"{kind} | {r['save_s']:.2f} | {r['load_s']:.2f} | {r['size'] / 1e6:.1f} | "
              f"{r['plain']:.0f} | {r['during']:.0f} | {r['during'] / r['plain']:.2f} "
              f"({ratios}) | {statistics.median(r['bgsave_s']):.2f} | "
              f"{r['dataset'] / 1e6:.1f} | {r['extra'] / 1e6:.1f} ({r['extra_max'] / 1e6:.1f}) "
              f"| {r['extra'] / r['dataset']:.3f} | {r['cpu_plain'] * 1e6:.2f}/{r['cpu_during'] * 1e6:.2f} "
              f"| {load_avg()}", flush=True)


if __name__ == "__main__":
    main()
