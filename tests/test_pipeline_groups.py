"""Many connections pipelining at once on 2 threads (issue 18: a thread's pipelines that
need the other thread's shard run as one transaction per group). Every connection must get
exactly the replies redis-server gives for its own pipelines, in order and in its RESP
version, and must leave the same values. Each connection has keys of its own, spread over
both shards, so what it should read does not depend on how the connections interleave.
"""
import random
import time

from concurrency import run_once
from resp_client import RawClient, encode

CONNECTIONS = 12  # 6 per thread
PIPELINES = 60


def pipelines_of(conn, seed):
    """Random pipelines of 2-24 requests on the connection's own keys, then a read of all."""
    rng = random.Random(seed)
    strings = [f"c{conn}:s{i}" for i in range(10)]
    counters = [f"c{conn}:n{i}" for i in range(4)]
    lists = [f"c{conn}:l{i}" for i in range(3)]
    hashes = [f"c{conn}:h{i}" for i in range(3)]

    def request():
        s, n, l, h = (rng.choice(strings), rng.choice(counters), rng.choice(lists),
                      rng.choice(hashes))
        v = f"v{rng.randrange(1000)}"
        return rng.choice([
            ["SET", s, v], ["GET", s], ["GET", s], ["APPEND", s, v], ["STRLEN", s],
            ["DEL", s], ["EXISTS", s], ["SETNX", s, v], ["GETDEL", s], ["INCR", n],
            ["INCRBY", n, str(rng.randrange(-5, 6))], ["INCR", s], ["GET", n],
            ["LPUSH", l, v], ["RPUSH", l, v], ["LRANGE", l, "0", "-1"], ["RPOP", l],
            ["LLEN", l], ["HSET", h, f"f{rng.randrange(4)}", v], ["HGET", h, "f1"],
            ["HGETALL", h], ["TYPE", s], ["MGET", s, n],  # MGET: not squashed, splits the batch
        ])

    out = [[request() for _ in range(rng.randrange(2, 25))] for _ in range(PIPELINES)]
    out.append([["GET", k] for k in strings + counters] + [["LRANGE", k, "0", "-1"] for k in lists]
               + [["HGETALL", k] for k in hashes])
    return out


def run_connection(port, pipelines, resp3):
    c = RawClient(port)
    try:
        if resp3:
            c.call("HELLO", "3")  # its reply names the server: not compared
        replies = []
        for p in pipelines:
            c.sock.sendall(b"".join(encode(*r) for r in p))
            replies.append([c.read_reply() for _ in p])
        return replies
    finally:
        c.close()


def test_concurrent_pipelines_get_their_own_replies_in_order(server, redis_server):
    scripts = [pipelines_of(conn, 1800 + conn) for conn in range(CONNECTIONS)]
    resp3 = [conn % 3 == 2 for conn in range(CONNECTIONS)]  # some RESP3 among RESP2
    got = [None] * CONNECTIONS

    def worker(conn):
        def run():
            got[conn] = run_connection(server.port, scripts[conn], resp3[conn])
        return run

    run_once(*[worker(conn) for conn in range(CONNECTIONS)])
    for conn in range(CONNECTIONS):
        want = run_connection(redis_server.port, scripts[conn], resp3[conn])
        for i, (lw, rd) in enumerate(zip(got[conn], want)):
            assert lw == rd, (f"connection {conn} (RESP{3 if resp3[conn] else 2}) pipeline {i}: "
                              f"{scripts[conn][i]}\nlacewing {lw}\nredis    {rd}")


def test_no_pipeline_of_a_group_writes_after_client_pause_write(server):
    """A pipeline waiting for its group (its leader yields) was classified before any pause:
    a CLIENT PAUSE WRITE that another connection of its thread runs meanwhile must see none of
    it run afterwards. Writers pipeline SETs while an admin pauses and reads every key, then
    reads them again, still paused: no value may change in between (one round in ~15 changed
    before: the group ran after the pause's +OK)."""
    writers = [RawClient(server.port) for _ in range(7)]  # both threads, with the admin's
    admin, ctl = RawClient(server.port), RawClient(server.port)
    keys = [[f"w{w}:k{j}" for j in range(4)] for w in range(len(writers))]  # both shards
    every = [k for ks in keys for k in ks]
    try:
        for rnd in range(100):
            assert ctl.call("CLIENT", "UNPAUSE") == b"+OK\r\n"
            assert ctl.call("MSET", *[x for k in every for x in (k, "old")]) == b"+OK\r\n"
            for w, c in enumerate(writers):
                c.sock.sendall(b"".join(encode("SET", k, f"new{rnd}") for k in keys[w]))
            admin.sock.sendall(encode("CLIENT", "PAUSE", "5000", "WRITE")
                               + b"".join(encode("GET", k) for k in every))
            assert admin.read_reply() == b"+OK\r\n"
            first = [admin.read_reply() for _ in every]
            time.sleep(0.01)  # a group that ignored the pause has run by now
            again = [admin.call("GET", k) for k in every]
            assert first == again, f"round {rnd}: a write ran after CLIENT PAUSE WRITE's +OK"
            assert ctl.call("CLIENT", "UNPAUSE") == b"+OK\r\n"
            for w, c in enumerate(writers):
                assert [c.read_reply() for _ in keys[w]] == [b"+OK\r\n"] * len(keys[w])
    finally:
        for c in writers + [admin, ctl]:
            c.close()
