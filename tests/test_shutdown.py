"""Issue 19: SIGTERM and SHUTDOWN always stop the server, within seconds, whatever its clients
are doing (scripts looping forever, blocked commands, subscribers), and the final snapshot
never holds half of a script that was stopped.
"""
import socket
import time

import redis

from conftest import LacewingProcess
from resp_client import RawClient, encode

LOOPS = ("redis.call('SET', KEYS[1], 'half') while true do end",
         "while true do pcall(function() while true do end end) end",
         "return string.find(string.rep('a', 40), string.rep('a*', 40) .. 'b')")


def _busy_clients(port):
    """Connections that keep the server busy: looping scripts (one wrote a key), blocked
    commands of each kind and a subscriber."""
    socks = []
    requests = [encode("EVAL", LOOPS[0], "1", "w"), encode("EVAL", LOOPS[1], "0"),
                encode("EVAL", LOOPS[2], "0"),
                encode("BLPOP", "nolist", "0"), encode("BZPOPMIN", "nozset", "0"),
                encode("XREAD", "BLOCK", "0", "STREAMS", "nostream", "$"),
                encode("SUBSCRIBE", "ch")]
    for req in requests:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(req)
        socks.append(s)
    time.sleep(0.5)
    return socks


def _shutdown_closes(port, *args):
    """Sends SHUTDOWN ...: true if the server closed the connection without a reply."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(15)
    s.sendall(encode("SHUTDOWN", *args))
    try:
        return s.recv(1024) == b""
    except ConnectionResetError:
        return True
    finally:
        s.close()


def _restart_and_read(tmp_path, key):
    lw = LacewingProcess(["--proactor_threads", "2", "--dir", str(tmp_path)])
    try:
        c = lw.client()
        return c.get(key), c.get("other")
    finally:
        assert lw.stop() == 0


def test_sigterm_saves_without_the_stopped_script(lacewing_factory, tmp_path):
    lw = lacewing_factory("--proactor_threads", "2", "--dir", str(tmp_path), "--save", "900 1")
    lw.client().set("other", "kept")
    socks = _busy_clients(lw.port)
    start = time.time()
    assert lw.stop(timeout=15) == 0
    assert time.time() - start < 15
    for s in socks:
        s.close()
    # The looping script was stopped and rolled back before the final save.
    assert _restart_and_read(tmp_path, "w") == (None, b"kept")


def test_shutdown_command_saves_without_a_young_script(lacewing_factory, tmp_path):
    lw = lacewing_factory("--proactor_threads", "2", "--dir", str(tmp_path),
                          "--busy_reply_threshold", "600000")
    lw.client().set("other", "kept")
    socks = _busy_clients(lw.port)
    assert _shutdown_closes(lw.port, "SAVE")
    assert lw.proc.wait(timeout=15) == 0
    for s in socks:
        s.close()
    assert _restart_and_read(tmp_path, "w") == (None, b"kept")


def test_shutdown_during_a_busy_script_diff(lacewing_factory, redis_server):
    """Past the busy threshold Redis allows only SHUTDOWN NOSAVE; so does Lacewing."""
    lw = lacewing_factory("--proactor_threads", "2", "--busy_reply_threshold", "200")
    for port, proc in ((lw.port, lw.proc), (redis_server.port, redis_server.proc)):
        loop = socket.create_connection(("127.0.0.1", port))
        loop.sendall(encode("EVAL", "while true do end", "0"))
        time.sleep(0.6)
        admin = RawClient(port, timeout=15)
        for args in (("SHUTDOWN",), ("SHUTDOWN", "SAVE")):
            assert admin.call(*args) == (b"-BUSY Redis is busy running a script. You can only "
                                         b"call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"), port
        assert _shutdown_closes(port, "NOSAVE")
        assert proc.wait(timeout=15) == 0
        loop.close()


def test_sigterm_with_blocked_clients_only(lacewing_factory):
    lw = lacewing_factory("--proactor_threads", "2")
    socks = _busy_clients(lw.port)[3:]
    try:
        redis.Redis(port=lw.port).ping()
    finally:
        start = time.time()
        assert lw.stop(timeout=10) == 0
        assert time.time() - start < 10
        for s in socks:
            s.close()
