"""WATCH against redis-server 7.0: which writes of another client make EXEC fail.

Redis 7.0 counts a watched key as modified only when a command really changed it: a write
that found nothing to do (SREM of an absent member, SET NX on an existing key, EXPIRE of a
missing key, LPOP of an empty list...) does not abort the transaction, while some writes
that leave the value as it was (HSET of the same value, LTRIM keeping everything, APPEND of
"") do, and SETBIT counts only a flipped bit or a longer string. Lacewing's commands report "modified" themselves; these tests
drive the same clients on both servers and require byte-identical replies, plus the outcome
each case was checked to have on Debian's redis-server.
"""
import random

import pytest

from resp_client import RawClient, encode

COMMITTED = b"*1\r\n+PONG\r\n"
ABORTED = b"*-1\r\n"


def exec_after(a, b, setup, watched, writes):
    """FLUSHALL, setup (by a), WATCH `watched`, `writes` by b, then MULTI PING EXEC."""
    a.call("FLUSHALL")
    for cmd in setup:
        a.call(*cmd)
    a.call("WATCH", *watched)
    for cmd in writes:
        b.call(*cmd)
    a.call("MULTI")
    a.call("PING")
    return a.call("EXEC")


# (setup, watched keys, the other client's commands): none changes a watched key.
NO_OPS = {
    "srem_absent_member": ([("SADD", "s", "a")], ["s"], [("SREM", "s", "zz")]),
    "sadd_existing_member": ([("SADD", "s", "a")], ["s"], [("SADD", "s", "a")]),
    "set_nx_existing": ([("SET", "k", "v")], ["k"], [("SET", "k", "w", "NX")]),
    "setnx_existing": ([("SET", "k", "v")], ["k"], [("SETNX", "k", "w")]),
    "set_xx_missing": ([], ["k"], [("SET", "k", "w", "XX")]),
    "msetnx_one_exists": ([("SET", "k", "v")], ["k", "n"], [("MSETNX", "n", "1", "k", "2")]),
    "expire_missing": ([], ["k"], [("EXPIRE", "k", "100")]),
    "expire_nx_has_ttl": ([("SET", "k", "v", "EX", "100")], ["k"], [("EXPIRE", "k", "5", "NX")]),
    "persist_without_ttl": ([("SET", "k", "v")], ["k"], [("PERSIST", "k")]),
    "lpop_missing": ([], ["l"], [("LPOP", "l"), ("RPOP", "l", "3")]),
    "lpop_count_0": ([("RPUSH", "l", "a")], ["l"], [("LPOP", "l", "0")]),
    "lpushx_missing": ([], ["l"], [("LPUSHX", "l", "a"), ("RPUSHX", "l", "b")]),
    "lrem_no_match": ([("RPUSH", "l", "a")], ["l"], [("LREM", "l", "0", "zz")]),
    "linsert_no_pivot": ([("RPUSH", "l", "a")], ["l"], [("LINSERT", "l", "BEFORE", "zz", "x")]),
    "del_missing": ([], ["k"], [("DEL", "k"), ("UNLINK", "k")]),
    "getdel_missing": ([], ["k"], [("GETDEL", "k")]),
    "getex_no_option": ([("SET", "k", "v", "EX", "100")], ["k"], [("GETEX", "k")]),
    "getex_persist_no_ttl": ([("SET", "k", "v")], ["k"], [("GETEX", "k", "PERSIST")]),
    "setrange_empty": ([("SET", "k", "v")], ["k"], [("SETRANGE", "k", "0", "")]),
    "setbit_same_bit": ([("SETBIT", "k", "3", "1")], ["k"], [("SETBIT", "k", "3", "1")]),
    "hsetnx_existing_field": ([("HSET", "h", "f", "1")], ["h"], [("HSETNX", "h", "f", "2")]),
    "hdel_absent_field": ([("HSET", "h", "f", "1")], ["h"], [("HDEL", "h", "zz")]),
    "zadd_same_score": ([("ZADD", "z", "1", "a")], ["z"], [("ZADD", "z", "1", "a")]),
    "zadd_incr_zero": ([("ZADD", "z", "1", "a")], ["z"], [("ZADD", "z", "INCR", "0", "a")]),
    "zadd_xx_missing": ([], ["z"], [("ZADD", "z", "XX", "1", "a")]),
    "zadd_gt_lower": ([("ZADD", "z", "5", "a")], ["z"], [("ZADD", "z", "GT", "1", "a")]),
    "zrem_absent": ([("ZADD", "z", "1", "a")], ["z"], [("ZREM", "z", "zz")]),
    "zremrangebyscore_none": ([("ZADD", "z", "1", "a")], ["z"], [("ZREMRANGEBYSCORE", "z", "5", "9")]),
    "zpopmin_count_0": ([("ZADD", "z", "1", "a")], ["z"], [("ZPOPMIN", "z", "0")]),
    "spop_count_0": ([("SADD", "s", "a")], ["s"], [("SPOP", "s", "0")]),
    "smove_absent_member": ([("SADD", "s", "a"), ("SADD", "d", "b")], ["s", "d"],
                            [("SMOVE", "s", "d", "zz")]),
    "smove_to_member_already_there": ([("SADD", "s", "a", "b"), ("SADD", "d", "a")], ["d"],
                                      [("SMOVE", "s", "d", "a")]),
    "renamenx_to_existing": ([("SET", "k", "1"), ("SET", "d", "2")], ["k", "d"],
                             [("RENAMENX", "k", "d")]),
    "sinterstore_empty_on_missing": ([("SADD", "s", "a")], ["dst"],
                                     [("SINTERSTORE", "dst", "s", "nothing")]),
    "wrong_type_write": ([("SET", "k", "v")], ["k"], [("LPUSH", "k", "x"), ("SADD", "k", "m")]),
    "flushdb_without_the_key": ([("SET", "other", "1")], ["k"], [("FLUSHDB",)]),
    "flushall_without_the_key": ([("SET", "other", "1")], ["k"], [("FLUSHALL",)]),
    "write_in_other_db": ([("SET", "k", "1")], ["k"], [("SELECT", "3"), ("SET", "k", "2"),
                                                       ("SELECT", "0")]),
}

# Commands that change a watched key, even when the value ends up as it was.
WRITES = {
    "srem_member": ([("SADD", "s", "a", "b")], ["s"], [("SREM", "s", "a")]),
    "set_nx_missing": ([], ["k"], [("SET", "k", "w", "NX")]),
    "expire_existing": ([("SET", "k", "v")], ["k"], [("EXPIRE", "k", "100")]),
    "lpop_existing": ([("RPUSH", "l", "a", "b")], ["l"], [("LPOP", "l")]),
    "hset_same_value": ([("HSET", "h", "f", "1")], ["h"], [("HSET", "h", "f", "1")]),
    "ltrim_keeping_all": ([("RPUSH", "l", "a", "b")], ["l"], [("LTRIM", "l", "0", "-1")]),
    "setbit_flipped": ([("SETBIT", "k", "3", "1")], ["k"], [("SETBIT", "k", "3", "0")]),
    "setbit_growing": ([("SETBIT", "k", "3", "0")], ["k"], [("SETBIT", "k", "30", "0")]),
    "append_empty": ([("SET", "k", "v")], ["k"], [("APPEND", "k", "")]),
    "set_same_value": ([("SET", "k", "v")], ["k"], [("SET", "k", "v")]),
    "incrby_zero": ([("SET", "k", "5")], ["k"], [("INCRBY", "k", "0")]),
    "zadd_ch_new_score": ([("ZADD", "z", "1", "a")], ["z"], [("ZADD", "z", "CH", "2", "a")]),
    "smove_into_watched": ([("SADD", "s", "a")], ["d"], [("SMOVE", "s", "d", "a")]),
    "rename_onto_watched": ([("SET", "k", "1")], ["d"], [("RENAME", "k", "d")]),
    "sinterstore_empty_on_existing": ([("SADD", "s", "a"), ("SET", "dst", "x")], ["dst"],
                                      [("SINTERSTORE", "dst", "s", "nothing")]),
    "persist_with_ttl": ([("SET", "k", "v", "EX", "100")], ["k"], [("PERSIST", "k")]),
    "getex_px": ([("SET", "k", "v")], ["k"], [("GETEX", "k", "PX", "100000")]),
    "flushdb_with_the_key": ([("SET", "k", "1")], ["k"], [("FLUSHDB",)]),
    "flushall_watched_in_db_2": ([("SELECT", "2"), ("SET", "k", "1")], ["k"], [("FLUSHALL",)]),
    "created_since_watch": ([], ["k"], [("LPUSH", "k", "a")]),
    "eval_write": ([("SET", "k", "1")], ["k"], [("EVAL", "return redis.call('INCR', KEYS[1])",
                                                  "1", "k")]),
}


@pytest.mark.parametrize("name", sorted(NO_OPS))
def test_noop_write_keeps_exec(clients, name):
    a, b = clients
    setup, watched, writes = NO_OPS[name]
    assert exec_after(a, b, setup, watched, writes) == COMMITTED


@pytest.mark.parametrize("name", sorted(WRITES))
def test_real_write_aborts_exec(clients, name):
    a, b = clients
    setup, watched, writes = WRITES[name]
    assert exec_after(a, b, setup, watched, writes) == ABORTED


def test_flush_of_a_watched_key_in_selected_db(clients):
    a, b = clients
    a.call("SELECT", "4")
    assert exec_after(a, b, [("SET", "k", "1")], ["k"], [("SELECT", "4"), ("FLUSHDB",),
                                                          ("SELECT", "0")]) == ABORTED
    # FLUSHDB of another database leaves the watch alone.
    assert exec_after(a, b, [("SET", "k", "1")], ["k"], [("FLUSHDB",)]) == COMMITTED
    a.call("SELECT", "0")


# ----- randomized: a seeded stream of rounds, every reply compared with redis-server -----

KEYS = ["k1", "k2", "k3", "k4"]
MEMBERS = ["a", "b", "c"]


def random_command(rng):
    """One deterministic-reply command on a random key (no random replies: no SPOP/SRANDMEMBER)."""
    k, k2 = rng.choice(KEYS), rng.choice(KEYS)
    m, m2 = rng.choice(MEMBERS), rng.choice(MEMBERS)
    n = str(rng.randint(-2, 3))
    choices = [
        ("SET", k, m), ("SET", k, m, "NX"), ("SET", k, m, "XX"), ("SETNX", k, m),
        ("SET", k, m, "EX", "100"), ("GETDEL", k), ("GETEX", k), ("GETEX", k, "PERSIST"),
        ("APPEND", k, rng.choice(["", m])), ("SETRANGE", k, "1", rng.choice(["", m])),
        ("INCR", k), ("INCRBY", k, n), ("SETBIT", k, "2", str(rng.randint(0, 1))),
        ("MSETNX", k, m, k2, m2), ("DEL", k), ("UNLINK", k, k2), ("EXPIRE", k, "100"),
        ("EXPIRE", k, "100", rng.choice(["NX", "XX"])), ("PERSIST", k),
        # GT/LT against absolute far-away deadlines: a relative one could tie by a millisecond.
        ("EXPIREAT", k, rng.choice(["4000000000", "4100000000"]), rng.choice(["GT", "LT"])),
        ("RENAME", k, k2), ("RENAMENX", k, k2), ("COPY", k, k2),
        ("LPUSH", k, m), ("RPUSHX", k, m), ("LPOP", k), ("RPOP", k, str(rng.randint(0, 2))),
        ("LREM", k, n, m), ("LINSERT", k, "BEFORE", m, m2), ("LTRIM", k, n, "-1"),
        ("LSET", k, "0", m), ("LMOVE", k, k2, "LEFT", "RIGHT"),
        ("SADD", k, m), ("SREM", k, m), ("SMOVE", k, k2, m), ("SINTERSTORE", k, k2, k),
        ("SUNIONSTORE", k, k2),
        ("HSET", k, m, m2), ("HSETNX", k, m, m2), ("HDEL", k, m), ("HINCRBY", k, m, n),
        ("ZADD", k, n, m), ("ZADD", k, rng.choice(["NX", "XX", "GT", "LT", "CH"]), n, m),
        ("ZADD", k, "INCR", rng.choice(["0", "1"]), m), ("ZINCRBY", k, n, m), ("ZREM", k, m),
        ("ZREMRANGEBYSCORE", k, n, "2"), ("ZREMRANGEBYRANK", k, "0", n),
        ("ZPOPMIN", k, str(rng.randint(0, 2))), ("ZUNIONSTORE", k, "1", k2),
        ("GETSET", k, m), ("PSETEX", k, "100000", m), ("INCRBYFLOAT", k, "0"),
        ("EXPIREAT", k, "1"), ("HINCRBYFLOAT", k, m, "0"),
        ("HSET", k, m, m2, m2, m), ("LPUSHX", k, m), ("LMPOP", "2", k, k2, "LEFT"),
        ("ZMPOP", "1", k, "MIN", "COUNT", "2"), ("ZREMRANGEBYLEX", k, "[a", "[b"),
        ("SDIFFSTORE", k, k2), ("ZRANGESTORE", k, k2, "0", "-1"), ("SETEX", k, "100", m),
        ("EVAL", "return redis.call('SREM', KEYS[1], ARGV[1])", "1", k, m),
        ("EXISTS", k), ("TYPE", k), ("LRANGE", k, "0", "-1"), ("ZRANGE", k, "0", "-1",
                                                               "WITHSCORES"),
    ]
    return rng.choice(choices)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_rounds_match_redis(clients, seed):
    a, b = clients
    rng = random.Random(seed)
    outcomes = set()
    for _ in range(120):
        if rng.random() < 0.1:
            a.call("FLUSHALL")
        for _ in range(rng.randint(0, 3)):
            a.call(*random_command(rng))
        a.call("WATCH", *rng.sample(KEYS, rng.randint(1, 3)))
        for _ in range(rng.randint(0, 3)):
            b.call(*random_command(rng))
        if rng.random() < 0.05:
            b.call("FLUSHDB")
        a.call("MULTI")
        for _ in range(rng.randint(1, 3)):
            a.call(*random_command(rng))
        outcomes.add(a.call("EXEC") == ABORTED)
    assert outcomes == {True, False}, "the stream should both commit and abort transactions"


def test_movable_key_commands_in_exec_and_pipeline(server, redis_server):
    """ZUNIONSTORE dst 1 src names src outside its legacy key positions: it must not run
    squashed on dst's shard (inside EXEC or in a pipeline) whatever shard src lives on."""
    replies = []
    for port in (server.port, redis_server.port):
        c = RawClient(port)
        c.call("FLUSHALL")
        cmds = []
        for i in range(16):
            cmds.append(("ZADD", f"src{i}", str(i), "m"))
        for i in range(16):
            cmds.append(("ZUNIONSTORE", f"dst{i}", "1", f"src{i}"))
        c.sock.sendall(b"".join(encode(*cmd) for cmd in cmds))
        out = [c.read_reply() for _ in cmds]
        c.call("MULTI")
        for i in range(16):
            c.call("ZUNIONSTORE", f"again{i}", "2", f"src{i}", f"dst{(i + 5) % 16}")
        out.append(c.call("EXEC"))
        out.append(c.call("ZRANGE", "again3", "0", "-1", "WITHSCORES"))
        replies.append(out)
        c.close()
    assert replies[0] == replies[1]
