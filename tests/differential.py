"""Differential testing: the same commands go to Debian's redis-server and to Lacewing, and
the replies must be identical byte for byte (Redis 7 is the reference).

Use the `diff` fixture (conftest.py):
    def test_strings(diff):
        diff.check("SET", "k", "v")            # replies must be equal bytes
        diff.check_unordered("SMEMBERS", "s")  # same multiset of elements, any order
        diff.check_error("INCR", "k")          # both must be errors with the same text
        lw, rd = diff.run("TIME")              # raw replies, to compare by hand
"""
import atexit
import shutil
import subprocess
import tempfile
import time

from resp_client import RawClient


def _split_aggregate(reply):
    """For an array/set/map reply, returns (header, [element bytes]) using RawClient's parser."""
    parser = RawClient.__new__(RawClient)
    parser.buf = reply
    parser.sock = None

    def fill():
        raise AssertionError(f"truncated reply: {reply!r}")

    parser._fill = fill
    end = parser._line_end(0)
    header = reply[:end + 2]
    n = int(reply[1:end])
    if reply[:1] == b"%":
        n *= 2
    elems, pos = [], end + 2
    for _ in range(max(n, 0)):
        nxt = parser._reply_end(pos)
        elems.append(reply[pos:nxt])
        pos = nxt
    return header, elems


class Differential:
    def __init__(self, lacewing_port, redis_port):
        self.lw = RawClient(lacewing_port)
        self.rd = RawClient(redis_port)

    def close(self):
        self.lw.close()
        self.rd.close()

    def run(self, *args):
        return self.lw.call(*args), self.rd.call(*args)

    def check(self, *args):
        lw, rd = self.run(*args)
        assert lw == rd, f"{args}: lacewing {lw!r} != redis {rd!r}"
        return lw

    def check_unordered(self, *args):
        lw, rd = self.run(*args)
        if lw[:1] in (b"*", b"~") and rd[:1] == lw[:1]:
            lh, le = _split_aggregate(lw)
            rh, re_ = _split_aggregate(rd)
            assert lh == rh and sorted(le) == sorted(re_), f"{args}: lacewing {lw!r} != redis {rd!r}"
        elif lw[:1] == b"%" and rd[:1] == b"%":
            lh, le = _split_aggregate(lw)
            rh, re_ = _split_aggregate(rd)
            pairs = lambda e: sorted(zip(e[0::2], e[1::2]))
            assert lh == rh and pairs(le) == pairs(re_), f"{args}: lacewing {lw!r} != redis {rd!r}"
        else:
            assert lw == rd, f"{args}: lacewing {lw!r} != redis {rd!r}"
        return lw

    def check_pairs_unordered(self, *args):
        """A flat RESP2 array of field/value pairs (HGETALL) in any pair order."""
        lw, rd = self.run(*args)
        lh, le = _split_aggregate(lw)
        rh, re_ = _split_aggregate(rd)
        pairs = lambda e: sorted(zip(e[0::2], e[1::2]))
        assert lh == rh and pairs(le) == pairs(re_), f"{args}: lacewing {lw!r} != redis {rd!r}"
        return lw

    def check_error(self, *args):
        lw, rd = self.run(*args)
        assert rd.startswith(b"-"), f"{args}: redis did not fail: {rd!r}"
        assert lw == rd, f"{args}: lacewing {lw!r} != redis {rd!r}"
        return lw


def has_hello(diff):
    """Switches both servers of `diff` to RESP3 if Lacewing knows HELLO; returns whether it did."""
    lw, _ = diff.run("HELLO", "3")
    ok = not lw.startswith(b"-")
    if ok:
        diff.rd.call("HELLO", "3")
    return ok


_fresh_dirs = []


def fresh_dir():
    """An empty working directory for a redis-server: one started in the repository would load
    a dump.rdb left there (by tools/run, say) and start with its keys. Removed at exit."""
    d = tempfile.mkdtemp(prefix="redis-e2e-")
    _fresh_dirs.append(d)
    return d


@atexit.register
def _remove_fresh_dirs():
    for d in _fresh_dirs:
        shutil.rmtree(d, ignore_errors=True)


class RedisServerProcess:
    """Debian's redis-server on a free port, no persistence."""

    def __init__(self, port, extra=()):
        self.port = port
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=fresh_dir())
        deadline = time.time() + 10
        while True:
            try:
                c = RawClient(port, timeout=1)
                ok = c.call("PING") == b"+PONG\r\n"
                c.close()
                if ok:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
