"""Helpers for the persistence tests: a dataset with every encoding, a canonical view of a
keyspace to compare two servers, and a redis-server with persistence on."""
import os
import random
import subprocess
import time

import redis


def populate(send, seed=1, dbs=(0, 1, 5), big=True):
    """Creates keys of every type and encoding with `send(*args)` (one server or a Pair)."""
    rng = random.Random(seed)
    for db in dbs:
        send("SELECT", str(db))
        p = f"d{db}:"
        send("SET", p + "s:short", "hello")
        send("SET", p + "s:int", "12345")
        send("SET", p + "s:neg", "-70000")
        send("SET", p + "s:bigint", "9223372036854775807")
        send("SET", p + "s:long", "x" * 100)
        send("SET", p + "s:rand", "".join(rng.choice("abcdef") for _ in range(300)))
        send("SET", p + "s:bin", bytes(range(256)) * 2)
        send("RPUSH", p + "l:small", "a", "b", "1", "300", "-70000", "z" * 70)
        send("RPUSH", p + "l:big", *[f"e{rng.randrange(10**6)}" for _ in range(3000 if big else 300)])
        send("RPUSH", p + "l:longel", *["q" * rng.randrange(60, 300) for _ in range(50)])
        send("SADD", p + "set:ints", *[str(rng.randrange(-10**6, 10**6)) for _ in range(20)])
        send("SADD", p + "set:wide", "1", "70000", "5000000000")
        send("SADD", p + "set:bigints", *[str(i * 3) for i in range(600)])
        send("SADD", p + "set:str", *[f"m{i}" for i in range(10)])
        send("SADD", p + "set:big", *[f"member:{i}" for i in range(1000 if big else 200)])
        send("ZADD", p + "z:small", "1", "a", "2.5", "b", "0.1", "c", "-inf", "lo", "inf", "hi")
        send("ZADD", p + "z:big", *sum(([str(rng.uniform(-1e6, 1e6)), f"zm{i}"]
                                        for i in range(500 if big else 150)), []))
        send("ZADD", p + "z:longmember", "3", "y" * 100, "4", "short")
        send("HSET", p + "h:small", "f1", "v1", "f2", "2", "f3", "-5")
        send("HSET", p + "h:big", *sum(([f"f{i}", f"v{rng.randrange(10**9)}"]
                                        for i in range(300)), []))
        send("HSET", p + "h:longval", "k", "v" * 100)
        send("SET", p + "ttl:s", "expiring")
        send("PEXPIRE", p + "ttl:s", "86400000")
        send("RPUSH", p + "ttl:l", "x")
        send("EXPIRE", p + "ttl:l", "500000")
    send("SELECT", "0")


def wait_bgsave(c):
    """Returns once no BGSAVE runs (at most 30 s)."""
    for _ in range(600):
        if c.info("persistence")["rdb_bgsave_in_progress"] == 0:
            return
        time.sleep(0.05)
    raise AssertionError("BGSAVE did not finish")


def canonical(client):
    """{(db, key): (type, value, has_ttl)} for every db of a redis-py client's server."""
    out = {}
    for db in range(16):
        client.execute_command("SELECT", db)
        for key in client.scan_iter(count=1000):
            t = client.type(key).decode()
            if t == "string":
                v = client.get(key)
            elif t == "list":
                v = tuple(client.lrange(key, 0, -1))
            elif t == "set":
                v = tuple(sorted(client.smembers(key)))
            elif t == "zset":
                v = tuple(client.zrange(key, 0, -1, withscores=True))
            elif t == "hash":
                v = tuple(sorted(client.hgetall(key).items()))
            else:
                v = None
            ttl = client.pttl(key)
            out[(db, key)] = (t, v, ttl > 0)
    client.execute_command("SELECT", 0)
    return out


class RedisWithDir:
    """redis-server with a data directory (persistence on) on a free port."""

    def __init__(self, port, dir, *extra):
        self.port = port
        self.dir = dir
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", dir,
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                if redis.Redis(port=port, socket_timeout=1).ping():
                    break
            except (redis.exceptions.ConnectionError, redis.exceptions.BusyLoadingError):
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def client(self):
        return redis.Redis(port=self.port, socket_timeout=30)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
