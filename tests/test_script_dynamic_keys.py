"""Scripts that compute their key names, with allow-undeclared-keys (issue 13, part 2).

Such a script locks its declared keys at start and every other key when it first touches it;
when a lock cannot be granted safely it is rolled back and run again with the keys it learned
locked up front, and after a few reruns (or at once for SCAN, KEYS, DBSIZE, FLUSH*, SELECT...)
under the whole-store lock. These tests run job-queue scripts from many clients on two threads
and check that no job is lost or duplicated, and that a conservation invariant holds across
keys whose names depend on values other clients keep changing.

LACEWING_BIG_QUEUE_TEST=1 runs the queue tests with 100k operations (default: 3k).
"""
import os
import random
import threading
import time

import pytest
import redis

FLAG = "#!lua flags=allow-undeclared-keys\n"
OPS = 100_000 if os.environ.get("LACEWING_BIG_QUEUE_TEST") else 3_000

# BullMQ-style: add (id from a counter, job hash named by it), move wait -> active and mark
# the job, complete (active -> completed, job hash done). Job keys are built inside Lua.
BULL_ADD = FLAG + """
local id = redis.call('INCR', KEYS[1])
redis.call('HSET', ARGV[1] .. id, 'state', 'waiting', 'data', ARGV[2])
redis.call('LPUSH', KEYS[2], id)
return id
"""
BULL_MOVE = FLAG + """
local id = redis.call('RPOPLPUSH', KEYS[1], KEYS[2])
if not id then return false end
if redis.call('HGET', ARGV[1] .. id, 'state') ~= 'waiting' then return redis.error_reply('bad state') end
redis.call('HSET', ARGV[1] .. id, 'state', 'active', 'worker', ARGV[2])
return id
"""
BULL_COMPLETE = FLAG + """
if redis.call('LREM', KEYS[1], 1, ARGV[2]) ~= 1 then return redis.error_reply('not active') end
redis.call('HSET', ARGV[1] .. ARGV[2], 'state', 'done')
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
"""

# Sidekiq-style: due jobs leave the schedule for the queue their payload names; a worker pops
# from a queue named by its argument and records the job.
SIDEKIQ_SCHEDULE = FLAG + """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 5)
for _, job in ipairs(due) do
  if redis.call('ZREM', KEYS[1], job) == 1 then
    local queue = string.match(job, '^([^|]+)|')
    redis.call('LPUSH', 'queue:' .. queue, job)
  end
end
return #due
"""
SIDEKIQ_WORK = FLAG + """
local job = redis.call('RPOP', 'queue:' .. ARGV[1])
if not job then return false end
if redis.call('SADD', 'done', job) == 0 then redis.call('INCR', 'duplicates') end
return job
"""


@pytest.fixture
def server(lacewing_factory):
    return lacewing_factory("--proactor_threads", "2")


def stat(c, name):
    return int(c.info("stats")[name])


def run_threads(n, fn):
    errors = []

    def wrap(i):
        try:
            fn(i)
        except Exception as e:  # noqa: BLE001 - surfaced below
            errors.append(repr(e))

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


def test_bullmq_style_queue_under_load(server):
    admin = server.client()
    add, move, complete = (admin.script_load(s) for s in (BULL_ADD, BULL_MOVE, BULL_COMPLETE))
    jobs = OPS // 3
    producers, workers = 4, 8
    per_producer = jobs // producers
    total = per_producer * producers

    def producer(i):
        c = server.client()
        for j in range(per_producer):
            c.evalsha(add, 2, "bull:id", "bull:wait", "bull:job:", f"p{i}-{j}")

    def worker(i):
        c = server.client()
        idle_since = None
        while True:
            jid = c.evalsha(move, 2, "bull:wait", "bull:active", "bull:job:", f"w{i}")
            if jid is None:
                if int(c.llen("bull:completed")) >= total:
                    return
                idle_since = idle_since or time.time()
                assert time.time() - idle_since < 60, "workers starved"
                time.sleep(0.001)
                continue
            idle_since = None
            c.evalsha(complete, 2, "bull:active", "bull:completed", "bull:job:", jid)

    threads = [threading.Thread(target=producer, args=(i,)) for i in range(producers)]
    for t in threads:
        t.start()
    run_threads(workers, worker)
    for t in threads:
        t.join()
    done = admin.lrange("bull:completed", 0, -1)
    assert len(done) == total
    assert len(set(done)) == total  # none duplicated
    assert sorted(int(x) for x in done) == list(range(1, total + 1))  # none lost
    assert admin.llen("bull:wait") == 0 and admin.llen("bull:active") == 0
    for jid in random.Random(13).sample(range(1, total + 1), 50):
        assert admin.hget(f"bull:job:{jid}", "state") == b"done"
    assert stat(admin, "lua_script_global_fallbacks") <= stat(admin, "lua_script_reruns")


def test_sidekiq_style_scheduler_under_load(server):
    admin = server.client()
    sched, work = admin.script_load(SIDEKIQ_SCHEDULE), admin.script_load(SIDEKIQ_WORK)
    queues = ["default", "mail", "low", "critical"]
    total = OPS // 3
    rng = random.Random(1313)
    pipe = admin.pipeline(transaction=False)
    for i in range(total):
        pipe.zadd("schedule", {f"{rng.choice(queues)}|job{i}": rng.random()})
    pipe.execute()

    def scheduler(i):
        c = server.client()
        while c.zcard("schedule") > 0:
            c.evalsha(sched, 1, "schedule", 1)

    def worker(i):
        c = server.client()
        q = queues[i % len(queues)]
        idle = 0
        while True:
            if c.evalsha(work, 0, q) is None:
                if c.zcard("schedule") == 0 and c.llen("queue:" + q) == 0:
                    idle += 1
                    if idle > 3:
                        return
                time.sleep(0.001)

    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    run_threads(8, worker)
    for t in threads:
        t.join()
    assert admin.get("duplicates") is None
    assert admin.scard("done") == total
    assert admin.zcard("schedule") == 0
    assert all(admin.llen("queue:" + q) == 0 for q in queues)


def test_default_mode_refuses_and_changes_nothing(server):
    c = server.client()
    c.zadd("schedule", {"default|a": 0})
    with pytest.raises(redis.ResponseError, match="undeclared key, key: queue:default"):
        c.eval(SIDEKIQ_SCHEDULE[len(FLAG):], 1, "schedule", 1)
    assert c.zcard("schedule") == 1 and c.exists("queue:default") == 0


# Moves an amount between two accounts named by pointer keys (their names are read at run
# time); a spin in between widens the window in which other clients move the pointers and the
# balances, which forces refused locks, rollbacks and reruns.
TRANSFER = FLAG + """
local from = 'acct:' .. redis.call('GET', 'ptr:' .. ARGV[1])
local x = 0
for i = 1, tonumber(ARGV[4]) do x = x + i end
local to = 'acct:' .. redis.call('GET', 'ptr:' .. ARGV[2])
redis.call('DECRBY', from, ARGV[3])
redis.call('INCRBY', to, ARGV[3])
return {from, to}
"""


def test_randomized_transfers_conserve_the_total(server):
    seed = int(os.environ.get("LACEWING_TEST_SEED", "1313"))
    admin = server.client()
    accounts, pointers = 40, 8
    admin.mset({f"acct:{i}": 1000 for i in range(accounts)})
    admin.mset({f"ptr:{i}": random.Random(seed).randrange(accounts) for i in range(pointers)})
    sha = admin.script_load(TRANSFER)
    rounds = 400

    def mover(i):
        rng, c = random.Random(seed * 100 + i), server.client()
        for _ in range(rounds):
            a, b = rng.sample(range(pointers), 2)
            c.evalsha(sha, 0, a, b, rng.randrange(1, 50), rng.choice([0, 0, 2000]))

    def pointer_shuffler(i):
        rng, c = random.Random(seed * 1000 + i), server.client()
        for _ in range(rounds):
            # A multi-shard MSET takes an id and runs on both shards: the movers' later locks
            # on keys it touched must be refused if they were ordered before it.
            c.mset({f"ptr:{rng.randrange(pointers)}": rng.randrange(accounts),
                    f"ptr:{rng.randrange(pointers)}": rng.randrange(accounts)})
            with c.pipeline(transaction=True) as p:  # MULTI/EXEC transfer, also conserving
                x, y = rng.sample(range(accounts), 2)
                p.decrby(f"acct:{x}", 7)
                p.incrby(f"acct:{y}", 7)
                p.execute()

    shufflers = [threading.Thread(target=pointer_shuffler, args=(i,)) for i in range(2)]
    for t in shufflers:
        t.start()
    run_threads(6, mover)
    for t in shufflers:
        t.join()
    total = sum(int(v) for v in admin.mget([f"acct:{i}" for i in range(accounts)]))
    assert total == 1000 * accounts
    print("reruns", stat(admin, "lua_script_reruns"), "rollbacks",
          stat(admin, "lua_script_rollbacks"), "fallbacks",
          stat(admin, "lua_script_global_fallbacks"))


def test_a_refused_lock_reruns_the_script_once_and_slowlog_shows_it_once(server):
    """Deterministic rerun: the script writes KEYS-less key 'first', spins, then needs 'second';
    meanwhile a multi-shard MSET (a younger transaction) writes 'second' and other keys. The
    script's lock on 'second' is then refused: it is rolled back and run again, and replies
    once, with the MSET's value."""
    c = server.client()
    c.config_set("slowlog-log-slower-than", 0)
    c.slowlog_reset()
    body = FLAG + """
    redis.call('INCR', 'first')
    local t = redis.call('TIME')
    while true do
      local n = redis.call('TIME')
      if (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > 600000 then break end
    end
    return {redis.call('INCR', 'first'), redis.call('GET', 'second')}
    """
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("r", server.client().eval(body, 0)))
    before = stat(c, "lua_script_reruns")
    started = stat(c, "lua_scripts_global")
    t.start()
    deadline = time.time() + 10
    while stat(c, "lua_scripts_global") == started and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.15)  # the script runs its first INCR and spins
    c.mset({"second": "msetval", **{f"other{i}": i for i in range(10)}})
    t.join(10)
    assert result["r"] == [2, b"msetval"]  # one run's effect: 'first' counted twice, not more
    assert c.get("first") == b"2"
    assert stat(c, "lua_script_reruns") >= before + 1
    evals = [e for e in c.slowlog_get(128) if e["command"].upper().startswith(b"EVAL")]
    assert len(evals) == 1


def test_whole_keyspace_commands_take_the_whole_store_lock(server):
    c = server.client()
    c.mset({"a": 1, "b": 2})
    before = stat(c, "lua_script_global_fallbacks")
    assert c.eval(FLAG + "redis.call('SET', 'c', 3) return redis.call('DBSIZE')", 0) == 3
    assert c.eval(FLAG + "redis.call('SET', 'd', 4) redis.call('SELECT', 1) "
                  "redis.call('SET', 'd', 5) return 1", 0) == 1
    assert c.get("d") == b"4" and server.client(db=1).get("d") == b"5"
    assert stat(c, "lua_script_global_fallbacks") == before + 2
    assert c.dbsize() == 4


def test_hashtag_keys_need_no_new_lock(lacewing_factory):
    s = lacewing_factory("--proactor_threads", "2", "--lock_on_hashtags")
    c = s.client()
    body = FLAG + "redis.call('SET', '{user1}:name', 'n') redis.call('SET', '{user1}:age', 3) return 1"
    assert c.eval(body, 1, "{user1}") == 1
    assert c.get("{user1}:age") == b"3"


def test_script_inside_exec_takes_the_whole_store(server):
    """Inside MULTI/EXEC a script that computes key names runs under EXEC's transaction, which
    cannot lock more keys: it must take the whole store (this crashed the server once)."""
    c = server.client()
    body = "#!lua flags=allow-undeclared-keys\n" \
           "redis.call('SET', 'dyn:' .. ARGV[1], ARGV[2]); return redis.call('GET', 'dyn:' .. ARGV[1])"
    for i in range(20):
        p = c.pipeline(transaction=True)
        p.eval(body, 0, f"k{i}", f"v{i}")
        p.set(f"plain:{i}", i)
        assert p.execute() == [f"v{i}".encode(), True]
    assert c.mget([f"dyn:k{i}" for i in range(20)]) == [f"v{i}".encode() for i in range(20)]


@pytest.mark.parametrize("first_touch", ["true", "false"])
def test_acall_only_script_without_locks(lacewing_factory, first_touch):
    """An allow-undeclared-keys script whose calls are all acalls ends with one batch that takes
    its own locks; its writes keep no undo records there (this crashed the server: 'a script
    wrote without holding its locks'), whether it locks on first touch or takes the
    whole store."""
    server = lacewing_factory("--proactor_threads", "2", f"--lua_lock_on_first_touch={first_touch}")
    c = server.client()
    body = ("#!lua flags=allow-undeclared-keys\n"
            "redis.acall('SET', ARGV[1], 'x') redis.acall('INCR', 'n:' .. ARGV[2]) return 1")
    for i in range(6):
        assert c.eval(body, 0, f"a:{i}", f"b:{i % 2}") == 1
    assert c.mget([f"a:{i}" for i in range(6)]) == [b"x"] * 6
    assert c.mget(["n:b:0", "n:b:1"]) == [b"3", b"3"]
