"""Never half a script (issue 13, part 1): when Lacewing itself stops a script, none of its
writes remain, and nobody saw them.

Lacewing stops a script for an undeclared key in lock-ahead mode (the default) and for SCRIPT
KILL / FUNCTION KILL; the script's writes are then rolled back from its undo records before
its locks go. Errors Redis itself raises mid-script (WRONGTYPE, error_reply...) keep Redis's
semantics: the writes before them stay.
"""
import threading
import time

import pytest
import redis

# BullMQ-style: move the next job from wait to active, then mark the job's hash (its key is
# built from the job id, so it is not declared).
BULL_MOVE = """
local id = redis.call('RPOPLPUSH', KEYS[1], KEYS[2])
if not id then return false end
redis.call('HSET', ARGV[1] .. id, 'state', 'active', 'worker', ARGV[2])
return id
"""

# Sidekiq-style scheduler: jobs due in the schedule move to their queue, whose name is in the
# job (undeclared).
SIDEKIQ_SCHEDULE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 10)
for _, job in ipairs(due) do
  redis.call('ZREM', KEYS[1], job)
  local queue = string.match(job, '^([^|]+)|')
  redis.call('LPUSH', 'queue:' .. queue, job)
  redis.call('SADD', 'queues', queue)
end
return #due
"""


@pytest.fixture(params=["1", "2"], ids=["one-thread", "two-threads"])
def server(request, lacewing_factory):
    return lacewing_factory("--proactor_threads", request.param)


def dump(c, keys):
    """Every key's type, value (DUMP-free: by type) and TTL, to compare states."""
    out = {}
    for k in keys:
        t = c.type(k).decode()
        if t == "none":
            out[k] = None
            continue
        v = {
            "string": lambda: c.get(k),
            "list": lambda: c.lrange(k, 0, -1),
            "hash": lambda: c.hgetall(k),
            "set": lambda: c.smembers(k),
            "zset": lambda: c.zrange(k, 0, -1, withscores=True),
        }[t]()
        out[k] = (t, v, c.ttl(k) > 0, c.execute_command("STICKY", k))
    return out


def test_bullmq_style_move_fails_whole_in_default_mode(server):
    c = server.client()
    c.rpush("bull:wait", "1", "2", "3")
    c.hset("bull:job:3", mapping={"state": "waiting", "data": "x"})
    keys = ["bull:wait", "bull:active", "bull:job:3"]
    before = dump(c, keys)
    with pytest.raises(redis.ResponseError) as e:
        c.eval(BULL_MOVE, 2, "bull:wait", "bull:active", "bull:job:", "w1")
    msg = str(e.value)
    assert "undeclared key, key: bull:job:3" in msg, msg
    assert "allow-undeclared-keys" in msg, msg
    assert dump(c, keys) == before
    # Declared, the same script works.
    assert c.eval(BULL_MOVE.replace("ARGV[1] .. id", "KEYS[3]"), 3, "bull:wait", "bull:active",
                  "bull:job:3", "bull:job:", "w1") == b"3"
    assert c.lrange("bull:active", 0, -1) == [b"3"]


def test_sidekiq_style_schedule_fails_whole_in_default_mode(server):
    c = server.client()
    for i in range(5):
        c.zadd("schedule", {f"default|job{i}": i})
    c.lpush("queue:default", "old")
    keys = ["schedule", "queue:default", "queues"]
    before = dump(c, keys)
    with pytest.raises(redis.ResponseError, match="undeclared key, key: queue:default"):
        c.eval(SIDEKIQ_SCHEDULE, 1, "schedule", 10)
    assert dump(c, keys) == before
    assert c.zcard("schedule") == 5


def test_pcall_cannot_catch_the_stop(server):
    c = server.client()
    c.set("k1", "orig")
    body = ("redis.call('SET', KEYS[1], 'x') local r = redis.pcall('GET', 'elsewhere') "
            "redis.call('SET', KEYS[1], 'y') return 'finished'")
    with pytest.raises(redis.ResponseError, match="undeclared key, key: elsewhere"):
        c.eval(body, 1, "k1")
    assert c.get("k1") == b"orig"


def test_redis_errors_keep_earlier_writes(server):
    c = server.client()
    c.set("str", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        c.eval("redis.call('SET', KEYS[1], 'x') redis.call('LPUSH', KEYS[2], 1)", 2, "w1", "str")
    assert c.get("w1") == b"x"
    with pytest.raises(redis.ResponseError, match="my error"):
        c.eval("redis.call('SET', KEYS[1], 'y') return redis.error_reply('my error')", 1, "w2")
    assert c.get("w2") == b"y"
    with pytest.raises(redis.ResponseError):
        c.eval("redis.call('SET', KEYS[1], 'z') local t = nil; return t.x", 1, "w3")
    assert c.get("w3") == b"z"


def test_restores_type_ttl_stickiness_and_absence(server):
    c = server.client()
    c.set("s", "old", ex=1000)
    c.execute_command("STICK", "s")
    c.rpush("l", "a", "b")
    c.zadd("z", {"m": 1.5})
    c.sadd("st", "x")
    keys = ["s", "l", "z", "st", "new1", "new2"]
    before = dump(c, keys)
    body = """
    redis.call('DEL', KEYS[1]) redis.call('SET', KEYS[1], 'replaced')
    redis.call('RPUSH', KEYS[2], 'c') redis.call('LPOP', KEYS[2])
    redis.call('ZADD', KEYS[3], 9, 'n') redis.call('DEL', KEYS[4])
    redis.call('SET', KEYS[5], 1) redis.call('HSET', KEYS[6], 'f', 'v') redis.call('DEL', KEYS[6])
    redis.call('RENAME', KEYS[2], KEYS[4])
    redis.call('SET', 'not-declared', 1)
    """
    with pytest.raises(redis.ResponseError, match="undeclared"):
        c.eval(body, 6, *keys)
    assert dump(c, keys) == before
    assert c.ttl("s") > 900


def test_copy_to_another_db_is_rolled_back(server):
    c = server.client()
    c.set("src", "v")
    with pytest.raises(redis.ResponseError, match="undeclared"):
        c.eval("redis.call('COPY', KEYS[1], KEYS[2], 'DB', 3) redis.call('GET', 'x')", 2, "src",
               "dst")
    assert server.client(db=3).exists("dst") == 0


def test_blocked_client_never_sees_an_undone_push(server):
    c = server.client()
    got = {}

    def blocked():
        got["r"] = server.client().blpop("bq", timeout=2)

    t = threading.Thread(target=blocked)
    t.start()
    time.sleep(0.3)  # BLPOP is parked
    for _ in range(20):
        with pytest.raises(redis.ResponseError, match="undeclared"):
            c.eval("redis.call('LPUSH', KEYS[1], 'ghost') redis.call('GET', 'x')", 1, "bq")
    t.join(5)
    assert got["r"] is None
    assert c.llen("bq") == 0
    # A script that finishes does wake it.
    t = threading.Thread(target=blocked)
    t.start()
    time.sleep(0.3)
    c.eval("redis.call('LPUSH', KEYS[1], 'real')", 1, "bq")
    t.join(5)
    assert got["r"] == (b"bq", b"real")


def test_watch_is_not_dirtied_by_an_undone_write(server):
    c = server.client()
    c.set("wk", "1")
    w = server.client()
    p = w.pipeline()
    p.watch("wk")
    with pytest.raises(redis.ResponseError, match="undeclared"):
        c.eval("redis.call('SET', KEYS[1], 'x') redis.call('GET', 'x')", 1, "wk")
    p.multi()
    p.set("wk", "mine")
    assert p.execute() == [True]
    assert c.get("wk") == b"mine"
    # A script that finishes does dirty it.
    p = w.pipeline()
    p.watch("wk")
    c.eval("redis.call('SET', KEYS[1], 'script')", 1, "wk")
    p.multi()
    p.set("wk", "late")
    with pytest.raises(redis.WatchError):
        p.execute()
    assert c.get("wk") == b"script"


def run_until_killed(server, body, keys, kill, fcall=False):
    """Runs a looping script in a thread, waits until it is busy, kills it; returns
    (kill reply or error, the script's error)."""
    result = {}

    def run():
        try:
            if fcall:
                server.client().fcall(body, len(keys), *keys)
            else:
                server.client().eval(body, len(keys), *keys)
        except redis.ResponseError as e:
            result["error"] = str(e)

    sub = server.client().pubsub()
    sub.subscribe("wrote")
    assert sub.get_message(timeout=5)["type"] == "subscribe"
    t = threading.Thread(target=run)
    t.start()
    msg = sub.get_message(timeout=10)  # the writes are done: the script loops now
    assert msg and msg["data"] == b"yes", msg
    sub.close()
    admin = server.client()
    deadline = time.time() + 10
    reply = None
    while time.time() < deadline:
        try:
            reply = admin.execute_command(*kill)
            break
        except redis.ResponseError as e:
            if "NOTBUSY" not in str(e):
                reply = e
                break
            time.sleep(0.02)
    t.join(10)
    assert not t.is_alive()
    return reply, result.get("error")


LOOP_AFTER_WRITES = """
redis.call('SET', KEYS[1], 'written')
redis.call('RPUSH', KEYS[2], 'a', 'b')
redis.call('DEL', KEYS[3])
redis.call('PUBLISH', 'wrote', 'yes')
while true do redis.pcall('GET', KEYS[1]) end
"""


def test_script_kill_after_writes_leaves_no_trace(server):
    c = server.client()
    c.set("k3", "keep")
    keys = ["k1", "k2", "k3"]
    before = dump(c, keys)
    reply, error = run_until_killed(server, LOOP_AFTER_WRITES, keys, ["SCRIPT", "KILL"])
    assert reply is True or reply == b"OK", reply
    assert "Script killed by user" in error, error
    assert dump(c, keys) == before


def test_function_kill_after_writes_leaves_no_trace(server):
    c = server.client()
    lib = "#!lua name=killlib\nredis.register_function('loop', function(KEYS, ARGV)\n" + \
        LOOP_AFTER_WRITES.replace("\n", " ") + " end)"
    c.function_load(lib)
    c.set("k3", "keep")
    keys = ["k1", "k2", "k3"]
    before = dump(c, keys)
    reply, error = run_until_killed(server, "loop", keys, ["FUNCTION", "KILL"], fcall=True)
    assert reply is True or reply == b"OK", reply
    assert "Script killed by user" in error, error
    assert dump(c, keys) == before


def test_kill_after_flushdb_is_unkillable(server):
    c = server.client()
    c.set("gone", "1")
    body = ("redis.call('FLUSHDB') local t = redis.call('TIME')[1] "
            "while redis.call('TIME')[1] - t < 2 do end return 'survived'")
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("r", server.client().eval(body, 0)))
    t.start()
    time.sleep(0.5)
    with pytest.raises(redis.ResponseError, match="UNKILLABLE"):
        c.execute_command("SCRIPT", "KILL")
    t.join(10)
    assert result["r"] == b"survived"
    assert c.exists("gone") == 0


@pytest.mark.parametrize("call,src_is_set", [
    ("redis.call('ZUNIONSTORE', KEYS[2], 2, KEYS[3], 'undeclared')", True),
    ("redis.call('LMPOP', 2, KEYS[3], 'undeclared', 'LEFT')", False),
    ("redis.call('SINTERCARD', 2, KEYS[3], 'undeclared')", True),
    ("redis.call('SORT', KEYS[3], 'STORE', 'undeclared')", False),
])
def test_movable_keys_are_checked_like_any_key(server, call, src_is_set):
    """Keys after numkeys or STORE are found by the key specs: an undeclared one stops the
    script before the command runs, with the error naming it, and the earlier write is undone."""
    c = server.client()
    (c.sadd if src_is_set else c.rpush)("src", "1", "2")
    c.set("first", "old")
    before = dump(c, ["first", "dst", "src", "undeclared"])
    body = "redis.call('SET', KEYS[1], 'new') " + call
    with pytest.raises(redis.ResponseError, match="undeclared key, key: undeclared "):
        c.eval(body, 3, "first", "dst", "src")
    assert dump(c, ["first", "dst", "src", "undeclared"]) == before
    # Declared, the same call runs (on 2 threads its keys may live on both shards).
    c.eval(body.replace("'undeclared'", "KEYS[4]"), 4, "first", "dst", "src", "other")


def test_movable_keys_lock_on_first_touch_without_a_rerun(server):
    c = server.client()
    for i in range(8):
        c.zadd(f"z{i}", {f"m{i}": i})
    body = ("#!lua flags=allow-undeclared-keys\n"
            "return redis.call('ZUNIONSTORE', 'out', 8, 'z0', 'z1', 'z2', 'z3', 'z4', 'z5', 'z6', 'z7')")
    assert c.eval(body, 0) == 8
    stats = c.info("stats")
    assert stats["lua_script_reruns"] == 0 and stats["lua_script_global_fallbacks"] == 0
    assert c.zcard("out") == 8
