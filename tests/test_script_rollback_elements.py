"""Rollback of scripts that write large collections (issue 13): the undo log records only the
elements a write names (undo_elements.h) instead of cloning a large value, and must still put
everything back exactly.

Seeded random scripts of member, field and list-end writes (and a few that need a whole clone:
LTRIM, SPOP, ZPOPMIN, EXPIRE...) run on collections just above and well above the clone
threshold, with TTLs and sticky keys. Each script first runs to completion on Lacewing and on
redis-server, whose resulting states must match (so the commands really did what they say);
then the same script with an undeclared key at its end runs on Lacewing, where it is stopped
and rolled back, and the state must be exactly the one before it.
"""
import random

import pytest
import redis

KEYS = ["bs", "bs2", "bh", "bz", "bl", "bl2", "ms", "ml"]
SEED = 1313


def _fill(c, rng):
    c.flushall()
    c.sadd("bs", *[f"m{i}" for i in range(300)])
    c.sadd("bs2", *[f"m{i}" for i in range(66)])
    c.sadd("ms", *[str(i) for i in range(70)])  # an intset
    c.hset("bh", mapping={f"f{i}": (str(i) if i % 3 else f"v{i}") for i in range(200)})
    c.zadd("bz", {f"m{i}": rng.choice([i, i / 4, -i]) for i in range(200)})
    c.rpush("bl", *[f"e{i}" for i in range(150)])
    c.rpush("bl2", *[f"x{i}" for i in range(80)])
    c.rpush("ml", *[f"y{i}" for i in range(66)])
    c.expire("bh", 10000)
    c.expire("bl", 10000)


def _q(s):
    return "'" + s + "'"


def _call(rng):
    """One random write, as a Lua redis.pcall line."""
    m = lambda: _q(f"m{rng.randrange(320)}")  # noqa: E731 - present or not
    f = lambda: _q(f"f{rng.randrange(220)}")  # noqa: E731
    end = lambda: _q(rng.choice(["LEFT", "RIGHT"]))  # noqa: E731
    lst = lambda: rng.choice(["KEYS[5]", "KEYS[6]", "KEYS[8]"])  # noqa: E731
    st = lambda: rng.choice(["KEYS[1]", "KEYS[2]"])  # noqa: E731
    choices = [
        lambda: f"'SADD', {st()}, {m()}, {m()}",
        lambda: f"'SREM', {st()}, {m()}, {m()}, {m()}",
        lambda: f"'SMOVE', KEYS[1], KEYS[2], {m()}",
        lambda: f"'SMOVE', KEYS[2], KEYS[1], {m()}",
        lambda: "'SREM', KEYS[2], " + ", ".join(_q(f"m{i}") for i in range(70)),
        lambda: f"'SADD', KEYS[7], '{rng.randrange(100)}', '{rng.randrange(100)}'",
        lambda: f"'SREM', KEYS[7], '{rng.randrange(100)}'",
        lambda: f"'HSET', KEYS[3], {f()}, 'v{rng.randrange(9)}', {f()}, '{rng.randrange(9)}'",
        lambda: f"'HSETNX', KEYS[3], {f()}, 'n'",
        lambda: f"'HDEL', KEYS[3], {f()}, {f()}",
        lambda: f"'HINCRBY', KEYS[3], {f()}, {rng.randrange(-5, 5)}",
        lambda: f"'HINCRBYFLOAT', KEYS[3], {f()}, '1.5'",
        lambda: f"'ZADD', KEYS[4], {rng.randrange(-9, 9)}, {m()}, {rng.randrange(9)}, {m()}",
        lambda: f"'ZADD', KEYS[4], {_q(rng.choice(['NX', 'XX', 'GT', 'LT', 'CH']))}, 3, {m()}",
        lambda: f"'ZADD', KEYS[4], 'INCR', 2, {m()}",
        lambda: f"'ZADD', KEYS[4], 'XX', 'CH', 'INCR', 2, {m()}",
        lambda: f"'ZREM', KEYS[4], {m()}, {m()}",
        lambda: f"'ZINCRBY', KEYS[4], -1.25, {m()}",
        lambda: f"'{rng.choice(['LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX'])}', {lst()}, 'p1', 'p2'",
        lambda: f"'{rng.choice(['LPOP', 'RPOP'])}', {lst()}",
        lambda: f"'{rng.choice(['LPOP', 'RPOP'])}', {lst()}, {_q(rng.choice(['0', '3', '70', 'x', '-1']))}",
        lambda: f"'RPOPLPUSH', {lst()}, {lst()}",
        lambda: f"'LMOVE', {lst()}, {lst()}, {end()}, {end()}",
        lambda: f"'{rng.choice(['BLPOP', 'BRPOP'])}', KEYS[5], KEYS[6], 0",
        lambda: f"'BLMOVE', {lst()}, {lst()}, {end()}, {end()}, 0",
        # Writes that need a whole clone, and type errors.
        lambda: f"'LTRIM', {lst()}, 1, -2",
        lambda: f"'LSET', {lst()}, 3, 'set'",
        lambda: f"'ZPOPMIN', KEYS[4]",
        lambda: f"'EXPIRE', {st()}, 5000",
        lambda: f"'PERSIST', KEYS[3]",
        lambda: f"'SADD', KEYS[3], 'wrongtype'",
        lambda: f"'LPUSH', KEYS[1], 'wrongtype'",
    ]
    return "redis.pcall(" + rng.choice(choices)() + ")"


def _script(rng, n):
    return "\n".join(_call(rng) for _ in range(n)) + "\n"


@pytest.fixture(params=["1", "2"], ids=["one-thread", "two-threads"])
def server(request, lacewing_factory):
    return lacewing_factory("--proactor_threads", request.param)


def _state(c, sticky=True):
    """Every key's type, value, TTL (rounded to 100 s) and, on Lacewing, stickiness."""
    out = {}
    for k in KEYS:
        t = c.type(k).decode()
        if t == "none":
            out[k] = None
            continue
        v = {
            "list": lambda: c.lrange(k, 0, -1),
            "hash": lambda: c.hgetall(k),
            "set": lambda: c.smembers(k),
            "zset": lambda: c.zrange(k, 0, -1, withscores=True),
        }[t]()
        out[k] = (t, v, round(c.ttl(k), -2), c.execute_command("STICKY", k) if sticky else None)
    return out


def test_random_writes_on_large_collections_roll_back_exactly(server, redis_server):
    lw = server.client()
    rd = redis.Redis(port=redis_server.port)
    rng = random.Random(SEED)
    _fill(lw, random.Random(SEED))
    _fill(rd, random.Random(SEED))
    lw.execute_command("STICK", "bz")
    for round_ in range(40):
        body = _script(rng, rng.randrange(1, 12))
        before = _state(lw)
        with pytest.raises(redis.ResponseError, match="undeclared"):
            lw.eval(body + "redis.call('SET', 'undeclared', 1)", len(KEYS), *KEYS)
        assert _state(lw) == before, f"round {round_}: rolled back state differs\n{body}"
        lw.eval(body, len(KEYS), *KEYS)
        rd.eval(body, len(KEYS), *KEYS)
        got, want = _state(lw, sticky=False), _state(rd, sticky=False)
        assert got == want, f"round {round_}: differs from redis-server\n{body}"
        if round_ % 10 == 9:  # grow back what the pops and removals took
            for c, r in ((lw, random.Random(round_)), (rd, random.Random(round_))):
                _fill(c, r)
            lw.execute_command("STICK", "bz")
