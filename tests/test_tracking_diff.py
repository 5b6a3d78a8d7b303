"""CLIENT TRACKING (client-side caching) against redis-server, byte for byte.

Each scenario runs the same steps on Lacewing (2 threads, so keys live on 2 shards) and on
redis-server. After every step a barrier (PING on the connection that receives
invalidations, read up to its PONG) collects the invalidations that step caused, and the
replies plus collected messages must be identical. Keys of one multi-key write may live on
two shards, whose invalidations Lacewing may send in either order: within one step the
messages are compared as a sorted list. BCAST steps use keys of one hash tag, since Lacewing
sends one BCAST message per shard and prefix (Redis one per prefix; README).
"""
import random

import pytest

from resp_client import RawClient, encode

SEED = 1207


class Side:
    """One server's connections: tracker (reads, tracks), writer, and optional redirect."""

    def __init__(self, port, resp3=True):
        self.port = port
        self.t = RawClient(port)
        self.w = RawClient(port)
        if resp3:
            assert self.t.call("HELLO", "3").startswith(b"%")
        self.r = None
        self.ids = {}

    def open_redirect(self):
        self.r = RawClient(self.port)
        rid = int(self.r.call("CLIENT", "ID")[1:-2])
        self.ids[rid] = b"RID"
        self.r.call("SUBSCRIBE", "__redis__:invalidate")
        return rid

    def norm(self, reply):
        """Client ids in CLIENT replies and tracking-redir-broken pushes, by name."""
        for i, name in self.ids.items():
            reply = reply.replace(b":%d\r\n" % i, b":" + name + b"\r\n")
        return reply

    def drain(self, conn):
        """Messages before the PONG of a PING sent now (a subscribed RESP2 conn gets *2 pong)."""
        conn.sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        out = []
        while True:
            m = conn.read_reply()
            if m in (b"+PONG\r\n", b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"):
                return sorted(self.norm(x) for x in out)
            out.append(m)

    def step(self, who, *cmd, drain=True):
        conn = self.t if who == "t" else self.w
        reply = conn.call(*cmd)
        if cmd[0] == "CLIENT":  # GETREDIR, TRACKINGINFO: the redirect's id differs
            reply = self.norm(reply)
        sink = self.r if self.r is not None else self.t
        return reply, self.drain(sink) if drain else []

    def close(self):
        for c in (self.t, self.w, self.r):
            if c is not None:
                c.close()


@pytest.fixture
def sides(server, redis_server):
    made = []

    def make(resp3=True):
        pair = (Side(server.port, resp3), Side(redis_server.port, resp3))
        made.append(pair)
        return pair

    yield make
    for a, b in made:
        a.close()
        b.close()


def both(pair, who, *cmd, drain=True):
    """Runs cmd on both servers; drain=False inside MULTI (a PING would only be queued)."""
    lw, rd = pair[0].step(who, *cmd, drain=drain), pair[1].step(who, *cmd, drain=drain)
    assert lw == rd, f"{cmd}: lacewing {lw} vs redis {rd}"
    return lw


KEYS = [f"k{i}" for i in range(8)]


def random_read(rng):
    k = rng.choice(KEYS)
    return rng.choice([("GET", k), ("MGET", k, rng.choice(KEYS)), ("EXISTS", k), ("STRLEN", k),
                       ("GETRANGE", k, "0", "2"), ("TTL", k), ("TYPE", k)])


def random_write(rng):
    k, k2 = rng.choice(KEYS), rng.choice(KEYS)
    v = rng.choice(["1", "x", "\x00\xff", "12345"])
    return rng.choice([("SET", k, v), ("DEL", k, k2), ("MSET", k, v, k2, v), ("INCR", k),
                       ("APPEND", k, v), ("EXPIRE", k, "1000"), ("PERSIST", k),
                       ("SETRANGE", k, "1", v), ("GETDEL", k), ("SET", k, v, "NX")])


@pytest.mark.parametrize("mode", ["default", "noloop", "optin", "optout"])
def test_random_default_mode(sides, mode):
    rng = random.Random(f"{SEED}-{mode}")
    pair = sides()
    opts = {"default": [], "noloop": ["NOLOOP"], "optin": ["OPTIN"], "optout": ["OPTOUT"]}[mode]
    both(pair, "t", "CLIENT", "TRACKING", "on", *opts)
    for _ in range(400):
        roll = rng.random()
        if roll < 0.1 and mode in ("optin", "optout"):
            both(pair, "t", "CLIENT", "CACHING", "yes" if mode == "optin" else "no")
        elif roll < 0.5:
            both(pair, "t", *random_read(rng))
        elif roll < 0.6:
            both(pair, "t", *random_write(rng))  # its own change: reply first, then the push
        elif roll < 0.995:
            both(pair, "w", *random_write(rng))
        else:
            both(pair, "w", "FLUSHDB")
    both(pair, "t", "CLIENT", "TRACKINGINFO")


def test_multi_exec_and_scripts(sides):
    pair = sides()
    both(pair, "t", "CLIENT", "TRACKING", "on")
    both(pair, "t", "GET", "m1")
    both(pair, "t", "MULTI", drain=False)
    both(pair, "t", "SET", "m1", "1", drain=False)
    both(pair, "t", "GET", "m2", drain=False)
    both(pair, "t", "EXEC")  # m1's invalidation follows EXEC's reply
    both(pair, "w", "SET", "m2", "x")  # read inside EXEC: tracked
    both(pair, "t", "GET", "s1")
    both(pair, "t", "EVAL", "return redis.call('SET', KEYS[1], '1')", "1", "s1")
    both(pair, "t", "EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "s2")
    both(pair, "w", "SET", "s2", "y")  # EVAL_RO's keys are tracked
    both(pair, "t", "EVAL", "return redis.call('GET', KEYS[1])", "1", "s3")
    both(pair, "w", "SET", "s3", "y")  # ...and EVAL's when the script runs a read
    both(pair, "t", "EVAL", "return redis.call('GET', KEYS[2])", "2", "s6", "s7")
    both(pair, "w", "SET", "s6", "y")  # every declared key, not only those its reads name
    both(pair, "t", "EVAL_RO", "return 1", "1", "s4")
    both(pair, "w", "SET", "s4", "y")  # no read: nothing remembered
    both(pair, "t", "GET", "f1")
    both(pair, "w", "FLUSHALL")  # a null invalidation
    both(pair, "t", "GET", "f2")
    both(pair, "t", "FLUSHALL")  # after the reply, for the flushing client too


def test_pipelined_reads_are_tracked(sides):
    # A pipeline of reads (squashed for other clients) registers every key.
    pair = sides()
    both(pair, "t", "CLIENT", "TRACKING", "on")
    keys = [f"p{i}" for i in range(12)]
    for s in pair:
        s.t.sock.sendall(b"".join(encode("GET", k) for k in keys))
        assert [s.t.read_reply() for _ in keys] == [b"_\r\n"] * len(keys)
    both(pair, "w", "MSET", *[x for k in keys for x in (k, "v")])
    both(pair, "w", "SET", "p0", "again")  # one-shot: told once


def test_optin_caching_through_multi(sides):
    pair = sides()
    both(pair, "t", "CLIENT", "TRACKING", "on", "OPTIN")
    both(pair, "t", "CLIENT", "CACHING", "yes")
    both(pair, "t", "MULTI", drain=False)
    both(pair, "t", "GET", "a", drain=False)
    both(pair, "t", "GET", "b", drain=False)
    both(pair, "t", "EXEC")
    both(pair, "t", "GET", "c")  # the flag is gone after EXEC
    both(pair, "w", "MSET", "a", "1", "b", "1", "c", "1")


def test_bcast(sides):
    rng = random.Random(SEED)
    pair = sides()
    both(pair, "t", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "{u}:a", "PREFIX", "{u}:b")
    both(pair, "t", "CLIENT", "TRACKINGINFO")
    keys = [f"{{u}}:{p}{i}" for p in "abc" for i in range(3)]
    for _ in range(150):
        k, k2 = rng.choice(keys), rng.choice(keys)
        cmd = rng.choice([("SET", k, "1"), ("MSET", k, "1", k2, "2"), ("DEL", k, k2),
                          ("INCR", k), ("GET", k)])
        both(pair, rng.choice("tw"), *cmd)
    both(pair, "t", "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP")  # adds the empty prefix
    both(pair, "t", "CLIENT", "TRACKINGINFO")
    both(pair, "t", "SET", "{u}:zz", "1")  # NOLOOP: not told of its own change
    both(pair, "w", "SET", "{u}:zz", "2")
    both(pair, "t", "CLIENT", "TRACKING", "off")
    both(pair, "w", "SET", "{u}:a1", "3")


def test_resp2_redirect(sides):
    rng = random.Random(SEED + 1)
    pair = sides(resp3=False)
    for s in pair:
        rid = s.open_redirect()
        s.t.call("CLIENT", "TRACKING", "on", "REDIRECT", str(rid))
    both(pair, "t", "CLIENT", "GETREDIR")
    both(pair, "t", "CLIENT", "TRACKINGINFO")
    for _ in range(200):
        if rng.random() < 0.5:
            both(pair, "t", *random_read(rng))
        else:
            both(pair, rng.choice("tw"), *random_write(rng))
    both(pair, "w", "FLUSHALL")


def test_broken_redirect(sides):
    for resp3 in (False, True):
        pair = sides(resp3=resp3)
        for s in pair:
            gone = RawClient(s.port)
            gid = int(gone.call("CLIENT", "ID")[1:-2])
            s.ids[gid] = b"GONE"
            assert s.t.call("CLIENT", "TRACKING", "on", "REDIRECT", str(gid)) == b"+OK\r\n"
            gone.close()
        for s in pair:  # until each server has seen the close
            for _ in range(100):
                if b"GONE" not in s.norm(s.w.call("CLIENT", "LIST")):
                    break
        both(pair, "t", "GET", "b1")
        both(pair, "w", "SET", "b1", "1")  # RESP3: tracking-redir-broken
        both(pair, "t", "CLIENT", "TRACKINGINFO")


def test_command_errors(sides):
    pair = sides()
    cmds = [
        ("CLIENT", "TRACKING"), ("CLIENT", "TRACKING", "maybe"), ("CLIENT", "TRACKING", "on", "x"),
        ("CLIENT", "TRACKING", "on", "PREFIX", "a"), ("CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"),
        ("CLIENT", "TRACKING", "on", "BCAST", "OPTIN"), ("CLIENT", "TRACKING", "on", "REDIRECT", "x"),
        ("CLIENT", "TRACKING", "on", "REDIRECT", "999999"), ("CLIENT", "TRACKING", "on", "REDIRECT"),
        ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "ab"),
        ("CLIENT", "CACHING", "yes"), ("CLIENT", "CACHING"), ("CLIENT", "CACHING", "yes", "x"),
        ("CLIENT", "GETREDIR"), ("CLIENT", "GETREDIR", "x"), ("CLIENT", "TRACKINGINFO", "x"),
        ("CLIENT", "TRACKING", "on", "OPTIN"), ("CLIENT", "CACHING", "maybe"),
        ("CLIENT", "CACHING", "no"), ("CLIENT", "TRACKING", "on", "OPTOUT"),
        ("CLIENT", "TRACKING", "on", "BCAST"), ("CLIENT", "TRACKING", "on"),
        ("CLIENT", "TRACKING", "off"), ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a"),
        ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a"),
        ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "b", "PREFIX", "b"),
        ("CLIENT", "TRACKING", "on"), ("CLIENT", "TRACKINGINFO"), ("CLIENT", "GETREDIR"),
        ("CLIENT", "TRACKING", "off", "optin", "optout"), ("CLIENT", "TRACKINGINFO"),
    ]
    for cmd in cmds:
        both(pair, "t", *cmd)


def test_info_counts_tracking_clients(server, redis_server):
    for port in (server.port, redis_server.port):
        a, b, c = RawClient(port), RawClient(port), RawClient(port)
        a.call("CLIENT", "TRACKING", "on")
        b.call("CLIENT", "TRACKING", "on", "BCAST")
        info = c.call("INFO", "clients")
        assert b"tracking_clients:2\r\n" in info, info
        b.call("CLIENT", "TRACKING", "off")
        assert b"tracking_clients:1\r\n" in c.call("INFO", "clients")
        for x in (a, b, c):
            x.close()


def test_table_limit_forgets_keys_with_an_invalidation(server):
    # tracking-table-max-keys bounds the table: keys forgotten to make room are invalidated
    # (as in Redis), so a client never keeps a value the server no longer tracks for it.
    s = Side(server.port)
    assert s.w.call("CONFIG", "SET", "tracking-table-max-keys", "10") == b"+OK\r\n"
    assert s.w.call("CONFIG", "GET", "tracking-table-max-keys").endswith(b"$2\r\n10\r\n")
    s.t.call("CLIENT", "TRACKING", "on")
    keys = [f"lim{i}" for i in range(100)]
    forgotten = []
    for k in keys:
        reply = s.t.call("GET", k)
        while reply.startswith(b">"):  # an invalidation pushed before the reply
            forgotten.append(reply)
            reply = s.t.read_reply()
        assert reply == b"_\r\n"
    forgotten += s.drain(s.t)
    s.w.call("MSET", *[x for k in keys for x in (k, "v")])
    told_on_write = s.drain(s.t)
    named = lambda msgs: {m.split(b"\r\n")[-2].decode() for m in msgs}
    assert len(told_on_write) <= 10, told_on_write
    assert named(forgotten) | named(told_on_write) == set(keys)
    s.close()
