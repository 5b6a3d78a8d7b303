"""Differential tests of MULTI/EXEC/DISCARD/WATCH/UNWATCH against redis-server (Redis 7.0).

Each test drives two connections per server (`a` is the transaction's client, `b` another
client that modifies watched keys); every reply of both servers must be byte-identical.
"""
import time

import pytest

from resp_client import Pair


def test_basic_queue_and_exec(clients):
    a, _ = clients
    assert a.call("MULTI") == b"+OK\r\n"
    assert a.call("SET", "a", "1") == b"+QUEUED\r\n"
    a.call("INCR", "a")
    a.call("LPUSH", "l", "x", "y")
    a.call("LRANGE", "l", "0", "-1")
    a.call("MGET", "a", "l", "missing")
    a.call("EXEC")
    a.call("GET", "a")
    # an empty transaction
    a.call("MULTI")
    assert a.call("EXEC") == b"*0\r\n"


def test_state_errors(clients):
    a, _ = clients
    a.call("EXEC")
    a.call("DISCARD")
    a.call("MULTI")
    a.call("MULTI")  # nested: an error that does not abort
    a.call("WATCH", "x")  # inside MULTI: an error that does not abort
    a.call("SET", "k", "v")
    a.call("EXEC")
    a.call("GET", "k")
    a.call("MULTI")
    a.call("SET", "k", "w")
    a.call("DISCARD")
    a.call("GET", "k")
    a.call("EXEC")


def test_exec_abort(clients):
    a, _ = clients
    a.call("MULTI")
    a.call("SET", "k", "1")
    a.call("NOSUCHCOMMAND", "arg")
    a.call("EXEC")
    a.call("EXISTS", "k")
    a.call("MULTI")
    a.call("GET")  # wrong arity
    a.call("SET", "k", "1")
    a.call("EXEC")
    a.call("EXISTS", "k")
    a.call("MULTI")
    a.call("SET", "k", "1", "2")  # syntax error: found only when run
    a.call("INCR", "k2")
    a.call("EXEC")
    a.call("GET", "k2")
    a.call("MULTI")
    a.call("SHUTDOWN")  # not allowed inside a transaction
    a.call("EXEC")


def test_errors_inside_exec(clients):
    a, _ = clients
    a.call("SET", "s", "str")
    a.call("MULTI")
    a.call("INCR", "s")
    a.call("LPUSH", "s", "x")
    a.call("SET", "t", "1")
    a.call("HGET", "s", "f")
    a.call("INCRBY", "t", "notanumber")
    a.call("EXEC")
    a.call("GET", "t")  # no rollback


def test_watch_modified_by_other_client(clients):
    a, b = clients
    a.call("SET", "k", "1")
    a.call("WATCH", "k")
    b.call("SET", "k", "2")
    a.call("MULTI")
    a.call("SET", "k", "3")
    assert a.call("EXEC") == b"*-1\r\n"
    a.call("GET", "k")
    # EXEC unwatched everything
    b.call("SET", "k", "4")
    a.call("MULTI")
    a.call("GET", "k")
    a.call("EXEC")


def test_watch_one_of_many_keys(clients):
    a, b = clients
    a.call("MSET", "x1", "1", "x2", "2", "x3", "3")
    a.call("WATCH", "x1", "x2", "x3", "x4", "x5")
    b.call("INCR", "x3")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")
    a.call("WATCH", "x1", "x2", "x3", "x4", "x5")
    b.call("SET", "x5", "new")  # created since WATCH
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")


def test_watch_not_modified_and_noops(clients):
    a, b = clients
    a.call("SET", "k", "1")
    a.call("WATCH", "k", "gone", "emptylist", "s")
    b.call("GET", "k")
    b.call("DEL", "gone")
    b.call("LPOP", "emptylist")
    b.call("SREM", "s", "m")
    b.call("SET", "other", "1")
    a.call("MULTI")
    a.call("GET", "k")
    a.call("EXEC")
    # a failed write is no modification
    a.call("WATCH", "k")
    b.call("LPUSH", "k", "x")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")


def test_watch_own_write_counts(clients):
    a, _ = clients
    a.call("WATCH", "k")
    a.call("SET", "k", "mine")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")


def test_unwatch_and_discard_clear_watches(clients):
    a, b = clients
    a.call("UNWATCH")  # nothing watched
    a.call("WATCH", "k")
    b.call("SET", "k", "1")
    a.call("UNWATCH")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")
    a.call("WATCH", "k")
    b.call("SET", "k", "2")
    a.call("MULTI")
    a.call("DISCARD")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")
    # a failed EXEC unwatches too
    a.call("WATCH", "k")
    b.call("SET", "k", "3")
    a.call("MULTI")
    a.call("EXEC")
    b.call("SET", "k", "4")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")


def test_watch_remembers_db(clients):
    a, b = clients
    a.call("SELECT", "5")
    a.call("SET", "x", "10")
    a.call("WATCH", "x")
    b.call("SET", "x", "10")  # db 0
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")
    a.call("WATCH", "x")
    b.call("SELECT", "5")
    b.call("DEL", "x")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")
    a.call("SELECT", "0")


def test_watch_expire_and_expired_keys(clients):
    a, b = clients
    a.call("SET", "e", "1")
    a.call("WATCH", "e")
    b.call("EXPIRE", "e", "100")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")
    # a watched key that expires before EXEC counts as modified
    a.call("SET", "e", "1", "PX", "50")
    a.call("WATCH", "e")
    time.sleep(0.1)
    a.call("MULTI")
    a.call("INCR", "e")
    a.call("EXEC")
    # already stale at WATCH, then deleted: no logical change
    a.call("SET", "st", "1", "PX", "1")
    time.sleep(0.02)
    a.call("WATCH", "st")
    a.call("DEL", "st")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")


def test_flush_touches_existing_watched_keys(clients):
    a, b = clients
    a.call("WATCH", "nokey")
    b.call("FLUSHALL")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")
    a.call("SET", "z", "1")
    a.call("WATCH", "z")
    b.call("FLUSHDB")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")
    a.call("SET", "z", "1")
    a.call("WATCH", "z")
    b.call("FLUSHALL")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")


def test_select_and_keyless_commands_inside_exec(clients):
    a, _ = clients
    a.call("MULTI")
    a.call("SELECT", "2")
    a.call("SET", "q", "1")
    a.call("DBSIZE")
    a.call("SELECT", "0")
    a.call("EXISTS", "q")
    a.call("ECHO", "hi")
    a.call("EXEC")
    a.call("MULTI")
    a.call("FLUSHALL")
    a.call("SET", "after", "1")
    a.call("KEYS", "*")
    a.call("EXEC")


def test_eval_inside_exec(clients):
    a, _ = clients
    a.call("MULTI")
    a.call("SET", "c", "5")
    a.call("EVAL", "return redis.call('INCRBY', KEYS[1], ARGV[1])", "1", "c", "10")
    a.call("EVAL", "return 1", "0")
    a.call("EXEC")


def test_blocking_pop_inside_exec(clients):
    a, _ = clients
    a.call("RPUSH", "bl", "v")
    a.call("MULTI")
    a.call("LPOP", "bl")
    a.call("LPOP", "bl")
    a.call("EXEC")


def test_reset_discards_multi_and_watch(clients):
    a, b = clients
    a.call("SET", "k", "1")
    a.call("WATCH", "k")
    a.call("MULTI")
    a.call("SET", "k", "2")
    a.call("RESET")
    a.call("EXEC")
    a.call("GET", "k")
    b.call("SET", "k", "3")
    a.call("MULTI")
    a.call("PING")
    a.call("EXEC")  # the watch went with RESET


def test_resp3(clients):
    a, b = clients
    lw, rd = a.lw.call("HELLO", "3"), a.rd.call("HELLO", "3")
    if not lw.startswith(b"%"):
        pytest.skip("HELLO 3 not available")
    a.call("SET", "k", "1")
    a.call("WATCH", "k")
    b.call("SET", "k", "2")
    a.call("MULTI")
    a.call("PING")
    assert a.call("EXEC") == b"_\r\n"
    a.call("MULTI")
    a.call("HSET", "h", "f", "v")
    a.call("HGETALL", "h")
    a.call("INCR", "h")
    a.call("EXEC")


def test_quit_inside_multi(server, redis_server):
    a = Pair(server.port, redis_server.port)
    a.call("MULTI")
    a.call("SET", "q", "1")
    assert a.call("QUIT") == b"+OK\r\n"
    a.close()
    c = Pair(server.port, redis_server.port)
    c.call("EXISTS", "q")
    c.close()


def test_long_exec_body_over_both_shards_in_order(diff):
    # Runs of single-shard commands are squashed inside EXEC; replies must stay in order, with
    # errors in place, across keys of both shards and barrier commands between runs.
    diff.check("SET", "str", "text")
    diff.check("MULTI")
    for i in range(30):
        diff.check("INCR", f"ctr:{i}")
        diff.check("RPUSH", f"lst:{i % 7}", i)
        if i % 9 == 0:
            diff.check("INCR", "str")           # an error inside the body
            diff.check("MGET", "ctr:0", f"ctr:{i}")  # several shards: runs alone
            diff.check("PING")                  # keyless
    diff.check("EXEC")
    for i in range(7):
        diff.check("LRANGE", f"lst:{i}", 0, -1)
