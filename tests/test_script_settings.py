"""Script settings given as flags are the values CONFIG reports and the server uses (issue 12).

--busy_reply_threshold seeds busy-reply-threshold (alias lua-time-limit): CONFIG GET shows it,
and a script running longer than it makes another client's command on its keys fail with
-BUSY, while commands on other keys keep running.
"""
import threading
import time

import pytest
import redis

from resp_client import RawClient, encode

BUSY_SCRIPT = (
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
)

# Announces itself, then loops until SCRIPT KILL (it writes nothing, so it is killable).
LOOPING = "redis.call('PUBLISH', 'started', 'yes') redis.call('GET', KEYS[1]) while true do end"


def start_looping_script(server):
    """Runs LOOPING on key 'held' in a thread; returns (thread, result) once it runs."""
    sub = server.client().pubsub()
    sub.subscribe("started")
    assert sub.get_message(timeout=5)["type"] == "subscribe"
    result = {}

    def run():
        try:
            server.client().eval(LOOPING, 1, "held")
        except redis.ResponseError as e:
            result["error"] = str(e)

    t = threading.Thread(target=run)
    t.start()
    msg = sub.get_message(timeout=10)
    assert msg and msg["data"] == b"yes", msg
    sub.close()
    return t, result


def test_busy_reply_threshold_flag(lacewing_factory):
    s = lacewing_factory("--proactor_threads", "2", "--busy_reply_threshold", "100")
    r = s.client()
    assert r.config_get("busy-reply-threshold") == {"busy-reply-threshold": "100"}
    assert r.config_get("lua-time-limit") == {"lua-time-limit": "100"}
    r.set("held", "v")
    t, result = start_looping_script(s)
    time.sleep(0.3)  # well past 100 ms
    with pytest.raises(redis.ResponseError) as busy:
        r.set("held", "w")
    assert str(busy.value) == BUSY_SCRIPT
    assert r.set("unrelated", "1")  # other keys are not held
    assert r.script_kill()
    t.join(30)
    assert "Script killed" in result.get("error", "")
    assert r.get("held") == b"v"


def test_pipelined_commands_get_busy_like_single_ones(lacewing_factory):
    # A pipeline of keyed commands runs squashed on the shards; the one on a held key must get
    # -BUSY as it would alone, not wait for the script (and the others still run).
    s = lacewing_factory("--proactor_threads", "2", "--busy_reply_threshold", "100")
    r = s.client()
    r.set("held", "v")
    t, result = start_looping_script(s)
    time.sleep(0.3)  # well past 100 ms
    c = RawClient(s.port, timeout=5)
    c.sock.sendall(encode("SET", "held", "w") + encode("SET", "free", "1") + encode("GET", "free"))
    replies = [c.read_reply() for _ in range(3)]
    c.close()
    assert replies == [f"-{BUSY_SCRIPT}\r\n".encode(), b"+OK\r\n", b"$1\r\n1\r\n"]
    assert r.script_kill()
    t.join(30)
    assert r.get("held") == b"v"


def test_scripts_on_held_keys_get_busy(lacewing_factory):
    # EVAL/EVALSHA/FCALL name their keys after numkeys, not at fixed positions: a script on a
    # key the busy script holds gets -BUSY at once (alone and pipelined) instead of waiting
    # for it, while a script on other keys runs.
    s = lacewing_factory("--proactor_threads", "2", "--busy_reply_threshold", "100")
    r = s.client()
    r.set("held", "v")
    sha = r.script_load("return redis.call('GET', KEYS[1])")
    t, result = start_looping_script(s)
    time.sleep(0.3)  # well past 100 ms
    busy = f"-{BUSY_SCRIPT}\r\n".encode()
    c = RawClient(s.port, timeout=5)
    assert c.call("EVALSHA", sha, "1", "held") == busy
    assert c.call("EVAL", "return redis.call('GET', KEYS[1])", "1", "held") == busy
    assert c.call("EVALSHA", sha, "1", "free") == b"$-1\r\n"
    c.sock.sendall(encode("EVALSHA", sha, "1", "held") + encode("EVALSHA", sha, "1", "free"))
    assert [c.read_reply() for _ in range(2)] == [busy, b"$-1\r\n"]
    c.close()
    assert r.script_kill()
    t.join(30)
    assert "Script killed" in result.get("error", "")


def test_config_set_busy_reply_threshold_is_used(lacewing_factory):
    # The default (5 s) is lowered at run time through the alias; the busy check follows.
    s = lacewing_factory("--proactor_threads", "2")
    r = s.client()
    assert r.config_get("busy-reply-threshold") == {"busy-reply-threshold": "5000"}
    assert r.config_set("lua-time-limit", 100)
    assert r.config_get("busy-reply-threshold") == {"busy-reply-threshold": "100"}
    t, result = start_looping_script(s)
    time.sleep(0.3)
    with pytest.raises(redis.ResponseError) as busy:
        r.get("held")
    assert str(busy.value) == BUSY_SCRIPT
    assert r.script_kill()
    t.join(30)
    assert "Script killed" in result.get("error", "")


def test_bad_default_lua_flags_refuse_to_start(tmp_path):
    import subprocess
    from conftest import _binary, free_port

    proc = subprocess.run(
        [_binary(), "--port", str(free_port()), "--default_lua_flags", "no-such-flag"],
        capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "no-such-flag" in proc.stderr
