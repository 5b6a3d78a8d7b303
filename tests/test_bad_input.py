"""Bad input never crashes the server or hangs other clients: random bytes, broken RESP,
hostile scripts. The fixture also checks the server exits cleanly at the end."""
import random
import socket
import sys

import pytest
import redis

from resp_client import RawClient

HOSTILE_SCRIPTS = [
    "local function f() return 1 + f() end return f()",          # C stack / Lua stack overflow
    "local t = {} t[1] = t return t",                              # self-referencing reply
    "local t = {} for i = 1, 1e5 do t = {t} end return t",         # deep nesting
    "return cjson.decode(string.rep('[', 100000))",                # decoder depth
    "return cmsgpack.unpack('\\xdd\\xff\\xff\\xff\\xff')",          # truncated msgpack array
    "return struct.unpack('>I40', 'abc')",                         # bad struct format
    "return redis.call(string.rep('x', 100000))",                  # huge unknown command name
    "return redis.call('SET', 'k', {})",                           # table argument
    "return load(string.dump(function() end))",                    # binary chunk refused
    "return redis.sha1hex(string.rep('a', 1000000))",
    "error(setmetatable({}, {__tostring = function() error('x') end}))",
    "return tostring(nil) .. nil",
    "while true do end",                                           # killed by SCRIPT KILL below
]


def test_random_bytes_do_not_hurt_other_clients(server):
    rng = random.Random(1234)
    good = server.client()
    good.set("canary", "alive")
    for _ in range(150):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        if rng.random() < 0.5:
            data = rng.choice([b"*", b"$", b"*3\r\n$", b"*1\r\n$4\r\n"]) + data
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.settimeout(0.05)
            try:
                s.sendall(data)
                s.recv(4096)
            except (socket.timeout, ConnectionError):
                pass
    assert good.get("canary") == b"alive"
    assert good.ping()


@pytest.mark.parametrize("body", HOSTILE_SCRIPTS[:-1])
def test_hostile_scripts_error_cleanly(server, body):
    # A raw client: some replies are nested ~1000 deep (as Redis's), past redis-py's recursion.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    raw = RawClient(server.port)
    reply = raw.call("EVAL", body, 0)
    assert reply  # a complete reply, error or value
    raw.close()
    r = server.client()
    assert r.ping()
    assert r.set("after", "ok") and r.get("after") == b"ok"


def test_infinite_loop_killed_while_others_run(server):
    import threading
    r = server.client()
    result = {}

    def run():
        try:
            server.client().eval(HOSTILE_SCRIPTS[-1], 0)
        except redis.ResponseError as e:
            result["error"] = str(e)

    t = threading.Thread(target=run)
    t.start()
    killed = False
    for _ in range(500):
        assert r.set("other", "fine")  # unrelated keys keep working
        try:
            r.script_kill()
            killed = True
            break
        except redis.ResponseError:  # NOTBUSY: not started yet
            pass
    t.join(30)
    assert killed
    assert "Script killed" in result.get("error", "")
