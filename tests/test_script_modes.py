"""Script atomicity modes end to end (issue 7): what other clients can see while a script runs.

lock-ahead (default): the declared keys are locked for the whole script: no interleaving.
global (allow-undeclared-keys): every key is locked: no interleaving, any key usable.
non-atomic (disable-atomicity): each call is its own command: interleaving is visible.
"""
import threading
import time

import pytest
import redis

# Writes 1 to KEYS[1], spins (the script yields its fiber meanwhile), then writes 2.
PHASED = """{flags}
redis.call('SET', {key}, '1')
local x = 0
for i = 1, 10000000 do x = x + i end
redis.call('SET', {key}, '2')
return 'done'
"""


def _observe_while(server, script_args, key, client_threads_key=None):
    """Runs EVAL in a thread and returns the set of values a second client saw for `key`."""
    seen = set()
    done = threading.Event()
    result = {}

    def run():
        c = server.client()
        try:
            result["reply"] = c.execute_command("EVAL", *script_args)
        except redis.ResponseError as e:
            result["error"] = str(e)
        done.set()

    reader = server.client()
    reader.delete(key)
    t = threading.Thread(target=run)
    t.start()
    deadline = time.time() + 30
    while not done.is_set() and time.time() < deadline:
        seen.add(reader.get(key))
    t.join(30)
    seen.add(reader.get(key))
    return seen, result


@pytest.fixture
def one_thread(lacewing_factory):
    # One thread: the script and the reader share it, so the reader can only run while the
    # script yields its fiber.
    return lacewing_factory("--proactor_threads", "1")


def test_non_atomic_mode_shows_interleaving(one_thread):
    body = PHASED.format(flags="#!lua flags=disable-atomicity", key="KEYS[1]")
    seen, result = _observe_while(one_thread, [body, 1, "nk"], "nk")
    assert result.get("reply") == b"done", result
    assert b"1" in seen  # the half-done state was visible
    assert one_thread.client().get("nk") == b"2"


def test_lock_ahead_mode_hides_interleaving(one_thread):
    body = PHASED.format(flags="", key="KEYS[1]")
    seen, result = _observe_while(one_thread, [body, 1, "lk"], "lk")
    assert result.get("reply") == b"done", result
    assert b"1" not in seen
    assert seen <= {None, b"2"}


def test_global_mode_hides_interleaving_of_undeclared_keys(one_thread):
    body = PHASED.format(flags="#!lua flags=allow-undeclared-keys", key="'gk'")
    seen, result = _observe_while(one_thread, [body, 0], "gk")
    assert result.get("reply") == b"done", result
    assert b"1" not in seen


def test_both_flags_any_key_no_atomicity(one_thread):
    body = PHASED.format(flags="#!lua flags=allow-undeclared-keys,disable-atomicity", key="'bk'")
    seen, result = _observe_while(one_thread, [body, 0], "bk")
    assert result.get("reply") == b"done", result
    assert b"1" in seen


def test_lock_ahead_leaves_other_keys_free(one_thread):
    # While a lock-ahead script holds its key, other keys answer on the same (only) thread.
    r = one_thread.client()
    r.set("free", "yes")
    body = PHASED.format(flags="", key="KEYS[1]").replace("10000000", "30000000")
    answered_while_running = []
    done = threading.Event()

    def run():
        one_thread.client().execute_command("EVAL", body, 1, "held")
        done.set()

    t = threading.Thread(target=run)
    t.start()
    while not done.is_set():
        value = r.get("free")
        if not done.is_set():
            answered_while_running.append(value)
    t.join(60)
    assert answered_while_running and all(a == b"yes" for a in answered_while_running)
    assert r.get("held") == b"2"


def test_flag_precedence(lacewing_factory):
    # --default_lua_flags applies to scripts without flags; a script's own flags replace it;
    # SCRIPT FLAGS replaces both (before or after loading).
    s = lacewing_factory("--proactor_threads", "2", "--default_lua_flags", "allow-undeclared-keys")
    r = s.client()
    r.set("other", "x")
    assert r.eval("return redis.call('GET', 'other')", 0) == b"x"  # default flags
    with pytest.raises(redis.ResponseError, match="undeclared key"):
        r.eval("#!lua\nreturn redis.call('GET', 'other')", 0)  # declares (no) flags itself
    body = "#!lua\nreturn redis.call('GET', 'other')"
    sha = r.script_load(body)
    r.execute_command("SCRIPT", "FLAGS", sha, "allow-undeclared-keys")
    assert r.evalsha(sha, 0) == b"x"  # SCRIPT FLAGS wins over the shebang
    r.execute_command("SCRIPT", "FLAGS", sha)
    with pytest.raises(redis.ResponseError, match="undeclared key"):
        r.evalsha(sha, 0)


def test_info_counts_scripts_per_mode(server):
    r = server.client()
    before = r.info("stats")
    r.eval("return 1", 0)
    r.eval("#!lua flags=allow-undeclared-keys\nreturn 1", 0)
    r.eval("#!lua flags=disable-atomicity\nredis.acall('SET', KEYS[1], 'v') return 1", 1, "k")
    after = r.info("stats")
    assert after["lua_scripts_lock_ahead"] - before.get("lua_scripts_lock_ahead", 0) == 1
    assert after["lua_scripts_global"] - before.get("lua_scripts_global", 0) == 1
    assert after["lua_scripts_non_atomic"] - before.get("lua_scripts_non_atomic", 0) == 1
    assert after["lua_async_flushes"] >= 1 and after["lua_async_commands"] >= 1


# A script whose last calls are apcalls returns before they run (a detached concluding hop),
# yet whatever comes after its reply — on its own connection or another — sees all of them,
# and a reader running meanwhile never sees some of a script's writes without the others.
FANOUT_INCR = "for _, k in ipairs(KEYS) do redis.apcall('INCR', k) end return 'OK'"


def test_fire_and_forget_end_is_visible_and_atomic(lacewing_factory):
    s = lacewing_factory("--proactor_threads", "2", "--lua_auto_async=true")
    keys = [f"ff:{i}" for i in range(8)]  # spread over both shards
    writer, other = s.client(), s.client()
    sha = writer.script_load(FANOUT_INCR)
    stop = threading.Event()
    torn = []

    def read_all():
        r = s.client()
        while not stop.is_set():
            values = r.mget(keys)
            if len(set(values)) != 1:
                torn.append(values)

    t = threading.Thread(target=read_all)
    t.start()
    try:
        for i in range(1, 301):
            assert writer.evalsha(sha, len(keys), *keys) == b"OK"
            if i % 2:
                assert writer.mget(keys) == [str(i).encode()] * len(keys)
            else:
                assert other.mget(keys) == [str(i).encode()] * len(keys)
    finally:
        stop.set()
        t.join(30)
    assert torn == []
    info = writer.info("stats")
    assert info["lua_async_detached_flushes"] >= 300


# Pipelined scripts over keys on several shards run concurrently (one per thread); the
# replies and the effects must still be those of running them one after another.
ORDERED = ("local v = redis.call('INCR', KEYS[1]) redis.call('RPUSH', KEYS[2], v) "
           "redis.apcall('SET', KEYS[3], v) return v")


def test_pipelined_scripts_behave_as_if_serial(lacewing_factory):
    s = lacewing_factory("--proactor_threads", "2", "--lua_auto_async=true")
    r = s.client()
    keys = ["ps:counter", "ps:list", "ps:last"]
    sha = r.script_load(ORDERED)
    for round_ in range(20):
        p = r.pipeline(transaction=False)
        for i in range(10):
            p.evalsha(sha, 3, *keys)
            if i == 4:
                p.get("ps:last")             # a plain command in the middle of the group
                p.evalsha("0" * 40, 1, "x")  # an error reply in the middle
        replies = p.execute(raise_on_error=False)
        base = round_ * 10
        assert replies[:5] == [base + 1, base + 2, base + 3, base + 4, base + 5]
        assert replies[5] == str(base + 5).encode()
        assert isinstance(replies[6], redis.exceptions.NoScriptError)
        assert replies[7:] == [base + 6, base + 7, base + 8, base + 9, base + 10]
    assert r.lrange("ps:list", 0, -1) == [str(i).encode() for i in range(1, 201)]
    assert r.get("ps:last") == b"200"
    stats = r.info("commandstats")["cmdstat_evalsha"]
    assert stats["calls"] >= 200


def test_pipelined_single_and_multi_shard_scripts_keep_request_order(lacewing_factory):
    # Scripts whose keys share one shard (a hash tag) join the pipelined group too; their
    # transactions take their ids on that shard, after the group's others took theirs, so a
    # later multi-shard script that shares a key with one must still come after it.
    s = lacewing_factory("--proactor_threads", "2", "--lua_auto_async=true")
    r = s.client()
    sha = r.script_load(ORDERED)
    tagged = ["{pt}c", "{pt}l", "{pt}s"]
    others = [f"pt:other:{i}" for i in range(16)]  # some on the other shard than {pt}
    n = 0
    for round_ in range(30):
        p = r.pipeline(transaction=False)
        for i in range(8):
            third = tagged[2] if (round_ + i) % 2 == 0 else others[(round_ * 8 + i) % 16]
            p.evalsha(sha, 3, tagged[0], tagged[1], third)
        replies = p.execute()
        assert replies == list(range(n + 1, n + 9)), (round_, replies)
        n += 8
    assert r.lrange("{pt}l", 0, -1) == [str(i).encode() for i in range(1, n + 1)]


PUBLISHER = ("redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[1]) "
             "redis.call('PUBLISH', 'ps:events', ARGV[1]) return 1")


def test_pipelined_scripts_publish_in_request_order(lacewing_factory):
    # Scripts on disjoint keys run concurrently; their messages still go out in request order.
    s = lacewing_factory("--proactor_threads", "2")
    r = s.client()
    sub = s.client().pubsub()
    sub.subscribe("ps:events")
    assert sub.get_message(timeout=5)["type"] == "subscribe"
    sha = r.script_load(PUBLISHER)
    p = r.pipeline(transaction=False)
    for i in range(40):
        p.evalsha(sha, 2, f"pa:{i}", f"pb:{i}", str(i))
    assert p.execute() == [1] * 40
    got = []
    while len(got) < 40:
        m = sub.get_message(timeout=5)
        assert m is not None, f"only {got}"
        got.append(int(m["data"]))
    assert got == list(range(40))


def test_pipelined_scripts_are_logged_and_listed(lacewing_factory):
    s = lacewing_factory("--proactor_threads", "2")
    r = s.client()
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    my_id = str(r.client_id())
    sha = r.script_load("return redis.call('INCR', KEYS[1]) + redis.call('INCR', KEYS[2])")
    p = r.pipeline(transaction=False)
    for _ in range(4):
        p.evalsha(sha, 2, "lg:a", "lg:b")
    assert p.execute() == [2, 4, 6, 8]
    other = s.client()
    me = [c for c in other.client_list() if c["id"] == my_id]
    assert me and me[0]["cmd"] == "evalsha"
    logged = [e for e in other.slowlog_get(128) if e["command"].lower().startswith(b"evalsha")]
    assert len(logged) == 4
    other.config_set("slowlog-log-slower-than", 10000)
