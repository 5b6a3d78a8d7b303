"""Streams inside Lua and MULTI, against redis-server 7.0 (issue 14).

Random XADD/XDEL/XTRIM/XREADGROUP/XACK/XCLAIM/... sequences (test_streams_diff's generator)
run as scripts on Lacewing (2 threads, --lua_auto_async=true, so the calls whose results a
script discards are queued as async calls and flushed per shard) and on redis-server, in each
script mode: keys declared (lock-ahead), keys in ARGV with allow-undeclared-keys (lock on first
touch, and the whole-store lock of --lua_lock_on_first_touch=false), explicit redis.apcall
(Lacewing's async call; redis.pcall on redis-server) and disable-atomicity (Lacewing's flag;
none on redis-server). Every kept reply and the final streams (entries, groups, PELs) must be
the same bytes, which holds only if every key saw its commands in script order. Then: the same
sequences inside MULTI/EXEC, BLOCK refused in scripts, and blocked consumers on both threads
woken by a script (sync, auto-async and acall XADDs) and by MULTI, served as redis-server
serves them.
"""
import random
import re
import threading
import time

import pytest

from differential import Differential
from resp_client import RawClient
from test_streams_diff import check_norm, norm_full, random_command

KEYS = ["s1", "s2"]
MODES = {
    # mode: (Lacewing flags, script flags on Lacewing, script flags on redis (a standalone
    #        redis-server lets any script use undeclared keys), keys declared,
    #        discarded-call function on Lacewing)
    "lock-ahead": ([], "", "", True, "pcall"),
    "allow-undeclared-keys": ([], "allow-undeclared-keys", "", False, "pcall"),
    "whole-store": (["--lua_lock_on_first_touch=false"], "allow-undeclared-keys", "", False,
                    "pcall"),
    "apcall": ([], "", "", True, "apcall"),
    "disable-atomicity": ([], "disable-atomicity", "", True, "pcall"),
}


def lua_call(fn, args, declared):
    def arg(a):
        if declared and a in KEYS:
            return f"KEYS[{KEYS.index(a) + 1}]"
        if not declared and a in KEYS:
            return f"ARGV[{KEYS.index(a) + 1}]"
        return "'" + a + "'"
    return f"redis.{fn}(" + ", ".join(arg(a) for a in args) + ")"


def script(batch, flags, fn, declared):
    """Lua running `batch`: each command either discarded (an async call) or kept in `r`."""
    lines = [f"#!lua flags={flags}" if flags else "#!lua", "local r = {}"]
    for keep, args in batch:
        call = lua_call("pcall" if keep else fn, args, declared)
        lines.append(f"r[#r + 1] = {call}" if keep else call)
    lines.append("return r")
    return "\n".join(lines)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("seed", [11, 12])
def test_random_sequences_in_scripts(lacewing_factory, redis_server, mode, seed):
    flags, lw_flags, rd_flags, declared, fn = MODES[mode]
    lw = lacewing_factory("--proactor_threads", "2", "--lua_auto_async=true", *flags)
    diff = Differential(lw.port, redis_server.port)
    rng = random.Random(seed)
    state = {}
    keyargs = ["2"] + KEYS if declared else ["0"] + KEYS
    for _ in range(25):
        batch = [(rng.random() < 0.3, random_command(rng, state)) for _ in range(16)]
        lw_reply = diff.lw.call("EVAL", script(batch, lw_flags, fn, declared), *keyargs)
        rd_reply = diff.rd.call("EVAL", script(batch, rd_flags, "pcall", declared), *keyargs)
        assert lw_reply == rd_reply, (mode, batch)
    for key in KEYS:
        diff.check("XRANGE", key, "-", "+")
        diff.check("XINFO", "GROUPS", key)
        check_norm(diff, norm_full, "XINFO", "STREAM", key, "FULL")
    stats = lw.client().info("stats")
    assert stats["lua_async_commands"] > 100  # the discarded calls did run as async calls
    diff.close()


@pytest.mark.parametrize("seed", [21, 22])
def test_random_sequences_in_multi(diff, seed):
    rng = random.Random(seed)
    state = {}
    for _ in range(20):
        diff.check("MULTI")
        for _ in range(rng.randrange(1, 12)):
            diff.check(*random_command(rng, state))
        if rng.random() < 0.3:  # a script inside the transaction
            batch = [(True, random_command(rng, state)) for _ in range(3)]
            diff.check("EVAL", script(batch, "", "pcall", True), "2", *KEYS)
        diff.check("EXEC")
    for key in KEYS:
        diff.check("XRANGE", key, "-", "+")
        check_norm(diff, norm_full, "XINFO", "STREAM", key, "FULL")


def test_block_refused_in_every_script_form(diff):
    diff.check("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    for body in (
            "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', KEYS[1], '>')",
            "return redis.pcall('XREADGROUP', 'GROUP', 'g', 'c', 'block', '5', 'STREAMS', KEYS[1], '>')",
            "return redis.pcall('XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', KEYS[1], '$')",
            "return redis.pcall('XREAD', 'BLOCK', '0', 'STREAMS', ARGV[1], '$')",
            "#!lua\nreturn redis.pcall('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', "
            "ARGV[1], '>')"):
        diff.check("EVAL", body, "1", "s", "s")
    diff.check("FUNCTION", "LOAD",
               "#!lua name=lib\nredis.register_function('rd', function(keys) return "
               "redis.pcall('XREAD', 'BLOCK', '0', 'STREAMS', keys[1], '$') end)")
    diff.check("FCALL", "rd", "1", "s")
    # Without BLOCK the same reads run (nothing new: null).
    diff.check("EVAL", "return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')",
               "1", "s")


def test_block_refused_in_lacewing_script_modes(lacewing_factory, redis_server):
    """Lacewing's own modes (allow-undeclared-keys, disable-atomicity) and async calls refuse
    BLOCK with redis-server's error; an acall's error aborts the script, an apcall's is
    dropped."""
    s = lacewing_factory("--proactor_threads", "2", "--lua_auto_async=true")
    c, rd = RawClient(s.port), RawClient(redis_server.port)
    for r in (c, rd):
        r.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    cmds = {"xread": "'XREAD', 'BLOCK', '0', 'STREAMS', ARGV[1], '$'",
            "xreadgroup": "'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', ARGV[1], '>'"}
    for name, cmd in cmds.items():
        expected = rd.call("EVAL", f"return redis.pcall({cmd})", "0", "s")
        assert expected.startswith(b"-ERR " + name.upper().encode()), expected
        for flags in ("allow-undeclared-keys", "disable-atomicity"):
            assert c.call("EVAL", f"#!lua flags={flags}\nreturn redis.pcall({cmd})", "0",
                          "s") == expected
        declared = cmd.replace("ARGV[1]", "KEYS[1]")
        reply = c.call("EVAL", f"redis.acall({declared}) return redis.call('XLEN', KEYS[1])",
                       "1", "s")
        assert reply.startswith(b"-") and expected[1:-2] in reply, reply
        assert c.call("EVAL", f"redis.apcall({declared}) return redis.call('XLEN', KEYS[1])",
                      "1", "s") == b":0\r\n"
    c.close()
    rd.close()


def wait_blocked(admin, n, timeout=10):
    """Until INFO clients shows n blocked clients (both servers count them)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = admin.call("INFO", "clients")
        if int(re.search(rb"blocked_clients:(\d+)", info).group(1)) >= n:
            return
        time.sleep(0.01)
    raise AssertionError(f"{n} clients did not block")


def blocked(port, args):
    c = RawClient(port, timeout=10)
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("reply", c.call(*args)), daemon=True)
    t.start()
    return c, t, out


# How the entries come: (what Lacewing runs, what redis-server runs).
WAKERS = {
    "script": ("redis.call", "redis.call"),
    "script-auto-async": ("redis.pcall", "redis.pcall"),  # discarded: async on Lacewing
    "script-acall": ("redis.acall", "redis.pcall"),
    "multi": (None, None),
}


@pytest.mark.parametrize("waker", sorted(WAKERS))
def test_wakeups_of_consumers_on_both_threads(lacewing_factory, redis_server, waker):
    """Four XREADGROUP consumers of q, two XREAD of q and r (other keys, maybe other shard),
    blocked in turn on connections on both threads; one script or MULTI adds 3 entries to q and
    one to r: the oldest three consumers get one entry each, the fourth stays blocked until
    one more XADD; the replies match redis-server's byte for byte."""
    lw = lacewing_factory("--proactor_threads", "2", "--lua_auto_async=true")
    results = {}
    for name, port in (("lw", lw.port), ("rd", redis_server.port)):
        admin = RawClient(port)
        admin.call("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
        admin.call("XADD", "r", "1-1", "old", "1")
        waiters = []
        for i in range(4):
            waiters.append(blocked(port, ("XREADGROUP", "GROUP", "g", f"c{i}", "COUNT", "1",
                                          "BLOCK", "0", "STREAMS", "q", ">")))
            wait_blocked(admin, i + 1)
        waiters.append(blocked(port, ("XREAD", "BLOCK", "0", "STREAMS", "q", "r", "$", "$")))
        wait_blocked(admin, 5)
        waiters.append(blocked(port, ("XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "r", "$")))
        wait_blocked(admin, 6)
        fn = WAKERS[waker][0 if name == "lw" else 1]
        adds = [("q", "5-1"), ("q", "5-2"), ("r", "6-1"), ("q", "5-3")]
        if fn is None:
            admin.call("MULTI")
            for key, id_ in adds:
                admin.call("XADD", key, id_, "f", id_)
            exec_reply = admin.call("EXEC")
        else:
            body = "\n".join(f"{fn}('XADD', KEYS[{1 if k == 'q' else 2}], '{i}', 'f', '{i}')"
                             for k, i in adds) + "\nreturn 1"
            exec_reply = admin.call("EVAL", body, "2", "q", "r")
        # All but c3 are woken; join them (a wrongly woken c3 leaves another one blocked).
        for i, (_, t, _) in enumerate(waiters):
            if i != 3:
                t.join(5)
        time.sleep(0.05)
        still = [t.is_alive() for _, t, _ in waiters]
        admin.call("XADD", "q", "7-7", "last", "1")
        replies = []
        for c, t, out in waiters:
            t.join(5)
            replies.append(out.get("reply", b"(still blocked)"))
            c.close()
        results[name] = (exec_reply, still, replies, admin.call("XPENDING", "q", "g"))
        admin.close()
    # The XREAD of q and r: redis-server serves it from q, the first key the transaction made
    # ready. On Lacewing q and r may live on different shards, and the first shard to conclude
    # serves it: from q as redis-server, or from r (its one new entry). Everything else must
    # be the same bytes.
    lw_two, rd_two = results["lw"][2].pop(4), results["rd"][2].pop(4)
    assert lw_two in (rd_two, results["rd"][2][4]), (lw_two, rd_two)
    assert results["lw"] == results["rd"], results
    assert results["rd"][1] == [False, False, False, True, False, False]
