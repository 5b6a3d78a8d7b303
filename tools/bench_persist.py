#!/usr/bin/env python3
"""Snapshot benchmarks, Lacewing vs redis-server on the same data (issue 15).

  tools/bench_persist.py [--keys N] [--lacewing PATH]

Builds nothing: pass an -c opt binary (default: bazel-bin/server/lacewing). For each server:
DEBUG POPULATE N keys, time SAVE, restart and time the load, then run a write-heavy
redis-benchmark (SET, random keys, -c 50 -P 16) twice, without and with back-to-back BGSAVEs,
and print throughput, the BGSAVE time and the extra memory during the saves (Lacewing: peak
used_memory during the saves over the peak under the same load without saves, sampled every
20 ms; redis-server: rdb_last_cow_size, the fork's copy-on-write bytes). "dataset MB" is
used_memory under that load without saves.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import redis


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port, timeout=600):
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
        args = [binary, "--port", str(port), "--proactor_threads", "2", "--dir", data_dir]
    else:
        args = ["redis-server", "--port", str(port), "--dir", data_dir, "--save", "",
                "--appendonly", "no", "--loglevel", "warning", "--enable-debug-command", "yes"]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc):
    proc.terminate()
    proc.wait(timeout=600)


def bench_set(port, n):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-n", str(n), "-r",
                          "1000000", "-c", "50", "-P", "16", "-q"],
                         capture_output=True, text=True).stdout
    m = re.findall(r"([\d.]+) requests per second", out)
    return float(m[-1]) if m else 0.0


def bgsave_loop(c, stop_flag, times):
    while not stop_flag.is_set():
        t = time.time()
        try:
            c.bgsave()
        except redis.ResponseError:
            time.sleep(0.01)
            continue
        while c.info("persistence")["rdb_bgsave_in_progress"]:
            time.sleep(0.01)
        times.append(time.time() - t)


def run(kind, binary, keys, bench_n):
    data_dir = tempfile.mkdtemp(prefix=f"bench-{kind}-")
    port = free_port()
    proc = start(kind, binary, port, data_dir)
    wait_up(port)
    c = redis.Redis(port=port, socket_timeout=600)
    c.execute_command("DEBUG", "POPULATE", keys)
    base_mem = c.info("memory")["used_memory"]
    t = time.time()
    c.save()
    save_s = time.time() - t
    size = os.path.getsize(os.path.join(data_dir, "dump.rdb"))
    stop(proc)
    t = time.time()
    proc = start(kind, binary, port, data_dir)
    wait_up(port)
    load_s = time.time() - t
    c = redis.Redis(port=port, socket_timeout=600)
    assert c.dbsize() == keys
    def sample(flag, peak):
        s = redis.Redis(port=port, socket_timeout=600)
        while not flag.is_set():
            peak[0] = max(peak[0], s.info("memory")["used_memory"])
            time.sleep(0.02)

    # The baseline is the peak under the same load without saves (connection buffers count).
    plain_flag, plain_peak = threading.Event(), [0]
    sampler = threading.Thread(target=sample, args=(plain_flag, plain_peak))
    sampler.start()
    plain = bench_set(port, bench_n)
    plain_flag.set()
    sampler.join()
    base_mem = plain_peak[0]
    stop_flag, times, peak = threading.Event(), [], [0]
    threads = [threading.Thread(target=bgsave_loop, args=(c, stop_flag, times)),
               threading.Thread(target=sample, args=(stop_flag, peak))]
    for th in threads:
        th.start()
    during = bench_set(port, bench_n)
    stop_flag.set()
    for th in threads:
        th.join()
    info = c.info("persistence")
    cow = info.get("rdb_last_cow_size", 0)
    stop(proc)
    shutil.rmtree(data_dir, ignore_errors=True)
    extra = (peak[0] - base_mem) if kind == "lacewing" else cow
    return dict(save_s=save_s, load_s=load_s, size=size, plain=plain, during=during,
                bgsaves=len(times), bgsave_s=(sum(times) / len(times)) if times else 0,
                base_mem=base_mem, extra=extra)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--bench-n", type=int, default=3000000)
    ap.add_argument("--lacewing", default=os.path.join(
        subprocess.check_output(["bazel", "info", "bazel-bin"], text=True).strip(),
        "server", "lacewing"))
    a = ap.parse_args()
    print(f"keys {a.keys}, redis-benchmark SET -n {a.bench_n} -r 1000000 -c 50 -P 16")
    print("server | SAVE s | load s | file MB | SET/s | SET/s during BGSAVEs | ratio | "
          "BGSAVEs (mean s) | dataset MB | extra MB during saves")
    for kind in ("lacewing", "redis-server"):
        r = run(kind, a.lacewing, a.keys, a.bench_n)
        print(f"{kind} | {r['save_s']:.2f} | {r['load_s']:.2f} | {r['size'] / 1e6:.1f} | "
              f"{r['plain']:.0f} | {r['during']:.0f} | {r['during'] / max(r['plain'], 1):.2f} | "
              f"{r['bgsaves']} ({r['bgsave_s']:.2f}) | {r['base_mem'] / 1e6:.1f} | "
              f"{r['extra'] / 1e6:.1f}", flush=True)


if __name__ == "__main__":
    main()
