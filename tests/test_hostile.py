"""Issue 19: what used to crash, freeze or exhaust the server is refused and the server lives.

Each test here crashed the process, froze a thread or grew memory without bound before.
Memory assertions are on growth under a bound (RSS from /proc, used_memory from INFO), not
on time.
"""
import os
import resource
import socket
import subprocess
import time

import pytest
import redis

from conftest import LacewingProcess, free_port, rss_kb
from resp_client import Pair, RawClient, encode


def used_memory(client):
    return client.info("memory")["used_memory"]


def test_tohex_int_min_diff(server, redis_server):
    pair = Pair(server.port, redis_server.port)
    for width in ("-2147483648", "2147483647", "-8", "0"):
        pair.call("EVAL", f"return bit.tohex(0xabcdef, {width})", "0")
    pair.call("PING")
    pair.close()


def _closed_after(sock, payload):
    """Sends payload; returns (the reply bytes, whether the server closed the connection)."""
    sock.sendall(payload)
    sock.settimeout(5)
    data = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk


@pytest.mark.parametrize("payload", [
    b"*11\r\n",                                   # more than 10 arguments before AUTH
    b"*1\r\n$16385\r\n",                          # a bulk over 16 KB before AUTH
    b"*2\r\n$3\r\nSET\r\n$536870000\r\n",
], ids=["args", "bulk", "huge-bulk"])
def test_unauthenticated_limits_diff(server, redis_server, payload):
    for port in (server.port, redis_server.port):
        c = RawClient(port)
        assert c.call("CONFIG", "SET", "requirepass", "pw") == b"+OK\r\n"
        c.close()
    replies = []
    for port in (server.port, redis_server.port):
        s = socket.create_connection(("127.0.0.1", port))
        replies.append(_closed_after(s, payload))
        s.close()
    assert replies[0] == replies[1]
    assert replies[0][1], "the connection must be closed"
    assert b"unauthenticated" in replies[0][0]
    # Within the limits, and after AUTH, the same sizes are fine.
    for port in (server.port, redis_server.port):
        c = RawClient(port)
        assert c.call("SET", "k", "v" * 16384) == b"-NOAUTH Authentication required.\r\n"
        assert c.call("AUTH", "pw") == b"+OK\r\n"
        assert c.call("SET", "k", "v" * 100000) == b"+OK\r\n"
        assert c.call("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
        c.close()


def test_huge_bulk_headers_do_not_allocate_up_front(lacewing_factory):
    lw = lacewing_factory("--proactor_threads", "2")
    before = rss_kb(lw.proc.pid)
    socks = []
    for _ in range(10):
        s = socket.create_connection(("127.0.0.1", lw.port))
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870000\r\n" + b"x" * 20000)
        socks.append(s)
    time.sleep(0.5)
    assert lw.client().ping()
    grown = rss_kb(lw.proc.pid) - before
    assert grown < 40 * 1024, f"RSS grew by {grown} kB for 10 half-sent 512 MB bulks"
    for s in socks:
        s.close()


def test_script_heap_cap(server):
    c = server.client()
    c.config_set("lacewing-lua-heap-limit", "64mb")
    assert c.config_get("lacewing-lua-heap-limit") == {"lacewing-lua-heap-limit": "67108864"}
    for body in ("return string.rep('x', 2^27)",
                 "local t = {} for i = 1, 1e12 do t[i] = i end",
                 "local t = {} while true do t[#t + 1] = {} end"):
        with pytest.raises(redis.ResponseError, match="^Error running script [0-9a-f]{40}, "
                                                      "not enough memory$"):
            c.eval(body, 0)
        assert c.ping()
    assert c.eval("return #string.rep('x', 2^20)", 0) == 1 << 20
    # A library that fills its heap while loading fails the same way.
    with pytest.raises(redis.ResponseError, match="not enough memory"):
        c.function_load("#!lua name=big\nlocal s = 'x' while true do s = s .. s end")


def test_lua_heap_counts_in_used_memory_and_maxmemory(server):
    c = server.client()
    base = used_memory(c)
    # INFO from inside the script sees the script's table (2M integers, at least 32 MB).
    seen = c.eval("local t = {} for i = 1, 2e6 do t[i] = i end "
                  "return redis.call('INFO', 'memory'):match('used_memory:(%d+)')", 0)
    assert int(seen) - base > 30 << 20
    # Released when the script ends (a big heap is collected when the interpreter goes back).
    assert used_memory(c) - base < 8 << 20
    # Under maxmemory, the script's own heap pushes the server over: its writes get OOM.
    c.config_set("maxmemory", str(used_memory(c) + (16 << 20)))
    with pytest.raises(redis.ResponseError, match="command not allowed when used memory"):
        c.eval("local t = {} for i = 1, 2e6 do t[i] = i end "
               "return redis.pcall('SET', KEYS[1], 'v')", 1, "k")
    assert c.set("k", "v")  # the garbage is gone: writes work again
    c.config_set("maxmemory", "0")


def test_script_flush_releases_interpreter_memory(server):
    c = server.client()
    for i in range(300):
        c.eval(f"local t = {{}} for i = 1, 50 do t[i] = 'v{i}' .. i end return {i}", 0)
    loaded = c.info("memory")["used_memory_lua"]
    base = used_memory(c)
    c.script_flush()
    assert c.info("memory")["used_memory_lua"] < loaded / 4
    assert used_memory(c) < base - (loaded * 3) // 4


def test_function_load_timeout_diff(server, redis_server):
    pair = Pair(server.port, redis_server.port)
    pair.call("FUNCTION", "LOAD", "#!lua name=spin\nwhile true do end")
    pair.call("FUNCTION", "LOAD",
              "#!lua name=spin2\nlocal x = 0\nwhile true do x = x + 1 end")
    pair.call("PING")
    pair.close()


_F = "function() end"
LOAD_MISUSE = [
    "redis.call('ping')", "redis.pcall('ping')", "redis.setresp(3)", "x = 1",
    "local s = string.rep('a', 2)", "local a = nosuch", "error('boom')",
    "redis.register_function('a-b', function() end)", "redis.register_function()",
    "redis.register_function('x', 5)", "redis.register_function(5)",
    f"redis.register_function({{}}, {_F})", f"redis.register_function('x', {_F}, 3)",
    "redis.register_function{function_name='x', callback=5}",
    f"redis.register_function{{function_name='x', callback={_F}, foo=1}}",
    f"redis.register_function{{function_name='x', callback={_F}, flags=5}}",
    f"redis.register_function{{function_name={{}}, callback={_F}}}",
    f"redis.register_function{{callback={_F}}}", "redis.register_function{function_name='x'}",
    f"redis.register_function{{function_name=5, callback={_F}, description=7}}",
    f"redis.register_function{{function_name='x', callback={_F}, flags={{'nope'}}}}",
    f"redis.register_function('x', {_F}) redis.register_function('x', {_F})",
    "redis.log(redis.LOG_WARNING)",
    f"redis.register_function('x', function() return redis.register_function('y', {_F}) end)",
]


def test_function_load_misuse_diff(server, redis_server):
    """FUNCTION LOAD's top-level code sees only the load-time `redis` table (register_function,
    log, constants), as Redis 7.0; functions and scripts have no register_function."""
    pair = Pair(server.port, redis_server.port)
    for body in LOAD_MISUSE:
        pair.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=lib\n" + body)
    pair.call("FUNCTION", "LOAD", "REPLACE",
              "#!lua name=lib\nredis.log(redis.LOG_DEBUG, redis.REDIS_VERSION_NUM > 0 and 'v' or '')\n"
              "redis.register_function('f', function(k, a) return string.rep(a[1], 2) end)")
    pair.call("FCALL", "f", "0", "ab")
    pair.call("FUNCTION", "FLUSH")
    pair.close()


def test_empty_rep_and_finalizers_do_not_freeze(server):
    c = server.client()
    assert c.eval("return string.rep('', 2^45)", 0) == b""
    assert c.eval("do setmetatable({}, {__gc = function() while true do end end}) end "
                  "collectgarbage() return 'alive'", 0) == b"alive"


CATASTROPHIC = "string.rep('a', 40), string.rep('a*', 40) .. 'b'"


@pytest.mark.parametrize("call", [
    f"string.find({CATASTROPHIC})", f"string.match({CATASTROPHIC})",
    f"string.gsub({CATASTROPHIC}, 'x')",
    f"(function() for m in string.gmatch({CATASTROPHIC}) do end end)()",
    "string.find(string.rep('(', 5000) .. 'x', string.rep('%b()', 1))",
])
def test_catastrophic_patterns_are_killable(lacewing_factory, call):
    """Lua's matcher runs in C, out of reach of the instruction hook; Lacewing's own matcher
    polls it, so SCRIPT KILL stops an exponential pattern, other clients keep being served and
    memory stays flat."""
    lw = lacewing_factory("--proactor_threads", "2", "--busy_reply_threshold", "100")
    c = lw.client()
    before = rss_kb(lw.proc.pid)
    s = socket.create_connection(("127.0.0.1", lw.port))
    s.sendall(encode("EVAL", f"return {call}", "0"))
    time.sleep(0.4)
    assert c.ping()  # the script's thread yields: the server answers
    if "%b" in call:  # linear: it simply finishes
        s.settimeout(10)
        assert s.recv(4096) == b"$-1\r\n"
    else:
        assert c.execute_command("SCRIPT", "KILL") == b"OK"
        s.settimeout(10)
        assert s.recv(4096).startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    s.close()
    assert rss_kb(lw.proc.pid) - before < 16 * 1024


def test_long_table_move_is_killable(lacewing_factory):
    lw = lacewing_factory("--proactor_threads", "2", "--busy_reply_threshold", "100")
    s = socket.create_connection(("127.0.0.1", lw.port))
    s.sendall(encode("EVAL", "table.move({}, 1, 2^50, 1) return 1", "0"))
    time.sleep(0.3)
    c = lw.client()
    assert c.execute_command("SCRIPT", "KILL") == b"OK"
    s.settimeout(10)
    assert s.recv(4096).startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    s.close()


def test_bad_alloc_of_a_script_reply_is_an_error(tmp_path):
    """A reply that cannot be copied (address-space limit) fails the script; the server lives."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (360 << 20, 360 << 20))
    from conftest import _binary
    port = free_port()
    log = open(tmp_path / "lw.log", "wb")
    proc = subprocess.Popen([_binary(), "--port", str(port), "--proactor_threads", "2",
                             "--lua_heap_limit", "0"], stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=limit)
    try:
        deadline = time.time() + 10
        while True:
            try:
                c = RawClient(port, timeout=30)
                break
            except OSError:
                assert time.time() < deadline and proc.poll() is None
                time.sleep(0.05)
        # Lua itself can hold the string...
        grow = "local s = 'x' for i = 1, 26 do s = s .. s end "
        assert c.call("EVAL", grow + "return #s", "0") == b":67108864\r\n"
        # ...but not a copy of it in the reply.
        reply = c.call("EVAL", grow + "return s", "0")
        assert reply.startswith(b"-ERR Error running script ") and \
            reply.endswith(b", not enough memory\r\n"), reply[:100]
        assert c.call("PING") == b"+PONG\r\n"
        c.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0


def test_sigterm_stops_a_looping_script(lacewing_factory):
    lw = lacewing_factory("--proactor_threads", "2")
    socks = []
    for body in ("while true do end", "redis.call('SET', 'w', 1) while true do end",
                 "while true do pcall(function() while true do end end) end"):
        s = socket.create_connection(("127.0.0.1", lw.port))
        s.sendall(encode("EVAL", body, "0"))
        socks.append(s)
    time.sleep(0.5)
    start = time.time()
    assert lw.stop(timeout=10) == 0
    assert time.time() - start < 10
    for s in socks:
        s.close()
