"""Real-world Redis scripts run unchanged on Lacewing and redis-server with identical replies.

Each scenario replays the same sequence of EVALSHA calls (after SCRIPT LOAD) on both servers
and compares every reply byte for byte, then the resulting data.
"""
import json

import pytest

TOKEN_BUCKET = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local requested = tonumber(ARGV[4])
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = capacity; ts = now end
local delta = math.max(0, now - ts)
tokens = math.min(capacity, tokens + delta * rate)
local allowed = 0
if tokens >= requested then tokens = tokens - requested; allowed = 1 end
redis.call('HSET', key, 'tokens', tokens, 'ts', now)
redis.call('EXPIRE', key, math.ceil(capacity / rate) * 2)
return {allowed, tostring(tokens)}
"""

ENQUEUE = """
local id = redis.call('INCR', KEYS[1])
local job = cjson.encode({id = id, payload = ARGV[1], attempts = 0})
redis.call('HSET', KEYS[2], id, job)
if tonumber(ARGV[2]) > 0 then
  redis.call('ZADD', KEYS[3], ARGV[2], id)
else
  redis.call('LPUSH', KEYS[4], id)
end
return id
"""

PROMOTE_AND_DEQUEUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 10)
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('LPUSH', KEYS[2], id)
end
local id = redis.call('RPOPLPUSH', KEYS[2], KEYS[3])
if not id then return false end
local job = cjson.decode(redis.call('HGET', KEYS[4], id))
job.attempts = job.attempts + 1
redis.call('HSET', KEYS[4], id, cjson.encode(job))
return {id, job.payload, job.attempts}
"""

LEADERBOARD = """
redis.call('ZINCRBY', KEYS[1], ARGV[2], ARGV[1])
local top = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')
local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
return {top, rank, redis.call('ZSCORE', KEYS[1], ARGV[1])}
"""

FANOUT = ("local m = cjson.decode(ARGV[1]) for _, k in ipairs(KEYS) do for _, v in ipairs(m) do "
          "redis.pcall('LPUSH', k, v) redis.pcall('LTRIM', k, 0, 50) end end return 'OK'")

LOCK_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
else
  return 0
end
"""

CACHE_ASIDE = """
local cached = redis.call('GET', KEYS[1])
if cached then return {'hit', cached} end
local fields = redis.call('HGETALL', KEYS[2])
local obj = {}
for i = 1, #fields, 2 do obj[fields[i]] = fields[i + 1] end
local encoded = cjson.encode(obj)
redis.call('SET', KEYS[1], encoded, 'EX', 60)
return {'miss', tostring(#fields / 2)}
"""


def load(diff, body):
    lw = diff.lw.call("SCRIPT", "LOAD", body)
    rd = diff.rd.call("SCRIPT", "LOAD", body)
    assert lw == rd
    return lw.split(b"\r\n")[1].decode()


def test_token_bucket_rate_limiter(diff):
    sha = load(diff, TOKEN_BUCKET)
    now = 1_700_000_000
    for i in range(30):
        diff.check("EVALSHA", sha, 1, "rate:user42", 2, 10, now + i // 3, 1 + (i % 4))
    diff.check_pairs_unordered("HGETALL", "rate:user42")
    diff.check("TTL", "rate:user42")


def test_job_queue_enqueue_and_dequeue(diff):
    enqueue = load(diff, ENQUEUE)
    dequeue = load(diff, PROMOTE_AND_DEQUEUE)
    keys = ["jobs:seq", "jobs:data", "jobs:delayed", "jobs:ready"]
    for i in range(12):
        delay = 0 if i % 3 else 100 + i
        diff.check("EVALSHA", enqueue, 4, *keys, f"payload-{i}", delay)
    for now in (0, 50, 105, 200, 300):
        for _ in range(4):
            diff.check("EVALSHA", dequeue, 4, "jobs:delayed", "jobs:ready", "jobs:processing",
                       "jobs:data", now)
    diff.check("LRANGE", "jobs:processing", 0, -1)
    diff.check("LRANGE", "jobs:ready", 0, -1)
    diff.check("ZRANGE", "jobs:delayed", 0, -1, "WITHSCORES")


def test_leaderboard_top_n(diff):
    sha = load(diff, LEADERBOARD)
    players = [f"player{i}" for i in range(15)]
    for i in range(60):
        diff.check("EVALSHA", sha, 1, "board", players[(i * 7) % 15], (i % 5) + 1, 5)
    diff.check("ZREVRANGE", "board", 0, -1, "WITHSCORES")


@pytest.mark.parametrize("payload", ["[1,2,3,4,5]", json.dumps(list(range(40)))])
def test_json_fanout(diff, payload):
    sha = load(diff, FANOUT)
    for _ in range(5):
        diff.check("EVALSHA", sha, 5, "l1", "l2", "l3", "l4", "l5", payload)
    for k in ("l1", "l3", "l5"):
        diff.check("LRANGE", k, 0, -1)


def test_lock_release_and_cache_aside(diff):
    release = load(diff, LOCK_RELEASE)
    diff.check("SET", "lock:res", "token-1", "NX", "PX", 30000)
    diff.check("EVALSHA", release, 1, "lock:res", "wrong-token")
    diff.check("EVALSHA", release, 1, "lock:res", "token-1")
    diff.check("EXISTS", "lock:res")
    cache = load(diff, CACHE_ASIDE)
    diff.check("HSET", "user:1", "name", "ann", "age", "31")
    lw, rd = diff.run("EVALSHA", cache, 2, "cache:user:1", "user:1")
    assert lw == rd
    # The cached JSON's field order may differ between Lua hash iterations; compare decoded.
    lw_json = json.loads(diff.lw.call("GET", "cache:user:1").split(b"\r\n")[1])
    rd_json = json.loads(diff.rd.call("GET", "cache:user:1").split(b"\r\n")[1])
    assert lw_json == rd_json == {"name": "ann", "age": "31"}
    diff.check("TTL", "cache:user:1")
