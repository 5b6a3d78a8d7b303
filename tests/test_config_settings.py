"""CONFIG SET settings take effect, or are refused: compared with redis-server 7.0 where both
servers share the behaviour (listpack thresholds, proto-max-bulk-len, maxclients, the memory
grammar), and checked on Lacewing alone for the settings it refuses (features it lacks)."""
import re
import socket
import subprocess
import time

import pytest

from resp_client import RawClient

MB = 1024 * 1024


def both(diff, *args):
    """Runs a command on both servers; it must succeed identically."""
    return diff.check(*args)


def test_hash_listpack_thresholds_match_redis(diff):
    both(diff, "CONFIG", "SET", "hash-max-listpack-entries", "4")
    both(diff, "HSET", "h4", "a", "1", "b", "2", "c", "3", "d", "4")
    both(diff, "OBJECT", "ENCODING", "h4")  # listpack: 4 fields are allowed
    both(diff, "HSET", "h5", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
    assert both(diff, "OBJECT", "ENCODING", "h5") == b"$9\r\nhashtable\r\n"
    # An existing small hash converts at its next write past the new limit, not before.
    both(diff, "CONFIG", "SET", "hash-max-ziplist-entries", "2")  # the old alias
    both(diff, "OBJECT", "ENCODING", "h4")
    both(diff, "HSET", "h4", "e", "5")
    both(diff, "OBJECT", "ENCODING", "h4")
    both(diff, "CONFIG", "SET", "hash-max-listpack-entries", "128", "hash-max-listpack-value", "8")
    both(diff, "HSET", "v8", "f", "12345678")
    assert both(diff, "OBJECT", "ENCODING", "v8") == b"$8\r\nlistpack\r\n"
    both(diff, "HSET", "v9", "f", "123456789")
    assert both(diff, "OBJECT", "ENCODING", "v9") == b"$9\r\nhashtable\r\n"
    both(diff, "HINCRBY", "v8", "n", "1")
    both(diff, "HSETNX", "v8", "long", "x" * 9)
    both(diff, "OBJECT", "ENCODING", "v8")
    both(diff, "CONFIG", "GET", "hash-max-listpack-value")


def test_zset_listpack_thresholds_match_redis(diff):
    both(diff, "CONFIG", "SET", "zset-max-listpack-entries", "3", "zset-max-listpack-value", "5")
    both(diff, "ZADD", "z3", "1", "a", "2", "b", "3", "c")
    assert both(diff, "OBJECT", "ENCODING", "z3") == b"$8\r\nlistpack\r\n"
    both(diff, "ZADD", "z3", "4", "d")
    assert both(diff, "OBJECT", "ENCODING", "z3") == b"$8\r\nskiplist\r\n"
    both(diff, "ZADD", "long", "1", "abcdef")
    both(diff, "OBJECT", "ENCODING", "long")
    both(diff, "ZADD", "src", "1", "a", "2", "b")
    both(diff, "ZADD", "src2", "3", "c", "4", "d")
    both(diff, "ZUNIONSTORE", "u", "2", "src", "src2")
    both(diff, "OBJECT", "ENCODING", "u")  # 4 members: past 3
    both(diff, "ZRANGESTORE", "r", "src", "0", "-1")
    both(diff, "OBJECT", "ENCODING", "r")
    both(diff, "CONFIG", "SET", "zset-max-ziplist-entries", "0")
    both(diff, "ZADD", "zero", "1", "a")
    assert both(diff, "OBJECT", "ENCODING", "zero") == b"$8\r\nskiplist\r\n"


def test_list_max_listpack_size_like_redis(diff):
    """Lists report "quicklist" whatever their nodes (Redis 7.0); the node size is internal,
    so check the setting round-trips, lists still behave, and bad values fail alike."""
    for fill in ("-1", "-5", "1", "0", "3"):
        both(diff, "CONFIG", "SET", "list-max-listpack-size", fill)
        both(diff, "CONFIG", "GET", "list-max-ziplist-size")
        key = f"l{fill}"
        both(diff, "RPUSH", key, *[f"e{i}" * (i % 7 + 1) for i in range(300)])
        both(diff, "LPUSH", key, "head")
        both(diff, "LINSERT", key, "BEFORE", "e5e5e5e5e5e5", "mid")
        both(diff, "LSET", key, "150", "x" * 100)
        both(diff, "LTRIM", key, "2", "-3")
        both(diff, "LRANGE", key, "0", "-1")
        both(diff, "OBJECT", "ENCODING", key)
    diff.check_error("CONFIG", "SET", "list-max-listpack-size", "abc")
    diff.check_error("CONFIG", "SET", "list-max-listpack-size", "2147483648")


def test_set_intset_threshold_matches_redis(diff):
    both(diff, "CONFIG", "SET", "set-max-intset-entries", "3")
    both(diff, "SADD", "s3", "1", "2", "3")
    assert both(diff, "OBJECT", "ENCODING", "s3") == b"$6\r\nintset\r\n"
    both(diff, "SADD", "s3", "4")
    assert both(diff, "OBJECT", "ENCODING", "s3") == b"$9\r\nhashtable\r\n"
    both(diff, "SADD", "a", "5", "6")
    both(diff, "SADD", "b", "7", "8")
    both(diff, "SUNIONSTORE", "u", "a", "b")
    both(diff, "OBJECT", "ENCODING", "u")
    both(diff, "SMOVE", "a", "fresh", "5")
    both(diff, "OBJECT", "ENCODING", "fresh")
    both(diff, "CONFIG", "SET", "set-max-intset-entries", "512")
    both(diff, "SADD", "big", *[str(i) for i in range(100)])
    both(diff, "OBJECT", "ENCODING", "big")


def test_set_listpack_threshold_takes_effect(server):
    """set-max-listpack-entries (Redis 7.2's; 7.0 lacks it): the packed form is internal
    (OBJECT ENCODING says hashtable, as Redis 7.0), so SSCAN shows it: a packed set answers
    whole with cursor 0, a hash table in COUNT-sized steps."""
    r = server.client()
    members = [f"member-{i}" for i in range(100)]
    r.sadd("packed", *members)
    r.config_set("set-max-listpack-entries", "0")
    assert r.config_get("set-max-listpack-entries") == {"set-max-listpack-entries": "0"}
    r.sadd("table", *members)
    cursor, got = r.sscan("packed", 0, count=10)
    assert cursor == 0 and len(got) == 100
    cursor, got = r.sscan("table", 0, count=10)
    assert cursor != 0 and len(got) < 100
    assert sorted(m.decode() for m in r.smembers("table")) == sorted(members)


def _send_raw(port, payload, timeout=10):
    """Sends bytes on a fresh connection; returns everything read until the server closes."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(timeout)
    s.sendall(payload)
    out = b""
    try:
        while True:
            data = s.recv(1 << 16)
            if not data:
                break
            out += data
            if out.endswith(b"\r\n") and not payload.endswith(b"PING\r\n"):
                break
    finally:
        s.close()
    return out


def test_proto_max_bulk_len_takes_effect_like_redis(diff, server, redis_server):
    header = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n"
    over = header % (MB + 1)
    # The default limit (512mb) lets the header through: both wait for the payload.
    both(diff, "CONFIG", "SET", "proto-max-bulk-len", "1mb")
    both(diff, "CONFIG", "GET", "proto-max-bulk-len")
    lw = _send_raw(server.port, over)
    rd = _send_raw(redis_server.port, over)
    assert lw == rd == b"-ERR Protocol error: invalid bulk length\r\n"
    exact = (header % MB) + b"x" * MB + b"\r\n"
    assert _send_raw(server.port, exact) == _send_raw(redis_server.port, exact) == b"+OK\r\n"
    # A connection opened before the change sees it at its next request.
    for port in (server.port, redis_server.port):
        c = RawClient(port)
        assert c.call("PING") == b"+PONG\r\n"
        c2 = RawClient(port)
        c2.call("CONFIG", "SET", "proto-max-bulk-len", "2mb")
        c2.close()
        assert c.call("SET", "k", "y" * (MB + 1)) == b"+OK\r\n"
        c.close()
    both(diff, "CONFIG", "SET", "proto-max-bulk-len", "1mb")
    diff.check_error("CONFIG", "SET", "proto-max-bulk-len", "1000")
    diff.check_error("CONFIG", "SET", "proto-max-bulk-len", "9223372036854775808")
    both(diff, "CONFIG", "SET", "proto-max-bulk-len", "512mb")


def _connected_via(client):
    info = client.call("INFO", "clients").decode()
    return int(re.search(r"connected_clients:(\d+)", info).group(1))


def _settled_count(admin):
    """connected_clients once clients of earlier tests have finished closing: the server
    unregisters a closed client on its own thread, later, so read until it stops moving."""
    deadline = time.time() + 10
    last, stable = _connected_via(admin), 0
    while stable < 5 and time.time() < deadline:
        time.sleep(0.02)
        now = _connected_via(admin)
        stable = stable + 1 if now == last else 0
        last = now
    return last


def test_maxclients_refuses_like_redis(diff, server, redis_server):
    replies = []
    for port in (server.port, redis_server.port):
        admin = RawClient(port)
        # Room for the clients there now (admin and the fixtures') and `extra`, none for
        # `refused`. Counted through admin, without a client of its own whose close could still
        # be in flight when `refused` connects.
        limit = _settled_count(admin) + 1
        assert admin.call("CONFIG", "SET", "maxclients", str(limit)) == b"+OK\r\n"
        extra = RawClient(port)
        assert extra.call("PING") == b"+PONG\r\n"
        refused = socket.create_connection(("127.0.0.1", port))
        refused.settimeout(10)
        got = b""
        while not got.endswith(b"\r\n"):
            data = refused.recv(1024)
            if not data:
                break
            got += data
        assert refused.recv(1024) == b""  # closed after the error
        refused.close()
        replies.append(got)
        stats = admin.call("INFO", "stats").decode()
        assert int(re.search(r"rejected_connections:(\d+)", stats).group(1)) >= 1
        extra_id = int(extra.call("CLIENT", "ID")[1:-2])
        extra.close()
        assert admin.call("CONFIG", "SET", "maxclients", "10000") == b"+OK\r\n"
        # The refused connection never became a client: it took no client id.
        after = RawClient(port)
        assert int(after.call("CLIENT", "ID")[1:-2]) == extra_id + 1
        after.close()
        admin.close()
    assert replies[0] == replies[1] == b"-ERR max number of clients reached\r\n"


def _keepalive_timers(port):
    """Server-side sockets of `port`: {client port: keepalive timer text or None}."""
    time.sleep(0.2)  # let any retransmit/ack timer give way to the keepalive one
    out = subprocess.run(["ss", "-tnoH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    timers = {}
    for line in out.splitlines():
        fields = line.split()
        peer_port = int(fields[3].rsplit(":", 1)[1])
        m = re.search(r"timer:\(keepalive,([^,]+),", line)
        timers[peer_port] = m.group(1) if m else None
    return timers


def _seconds(timer):
    m = re.fullmatch(r"(?:(\d+)min)?(?:(\d+)(?:\.\d+)?sec)?(?:\d+ms)?", timer)
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


def test_tcp_keepalive_applies_to_new_connections(server):
    admin = RawClient(server.port)
    assert admin.call("CONFIG", "SET", "tcp-keepalive", "0") == b"+OK\r\n"
    plain = RawClient(server.port)
    assert plain.call("PING") == b"+PONG\r\n"
    assert admin.call("CONFIG", "SET", "tcp-keepalive", "77") == b"+OK\r\n"
    probed = RawClient(server.port)
    assert probed.call("PING") == b"+PONG\r\n"
    timers = _keepalive_timers(server.port)
    assert timers[plain.sock.getsockname()[1]] is None, timers
    probed_timer = timers[probed.sock.getsockname()[1]]
    assert probed_timer is not None and 60 <= _seconds(probed_timer) <= 77, timers
    for c in (admin, plain, probed):
        c.close()


# Settings whose feature Lacewing lacks: CONFIG GET answers, CONFIG SET accepts only the value
# in force and refuses any other, changing nothing.
REFUSED = [
    ("appendonly", "no", "yes"),
    ("maxmemory-samples", "5", "10"),
    ("lazyfree-lazy-user-del", "no", "yes"),
    ("lazyfree-lazy-user-flush", "no", "yes"),
]


@pytest.mark.parametrize("name,current,other", REFUSED)
def test_refused_settings(server, name, current, other):
    c = RawClient(server.port)
    value = current.encode()
    assert c.call("CONFIG", "GET", name) == b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
        len(name), name.encode(), len(value), value)
    assert c.call("CONFIG", "SET", name, current) == b"+OK\r\n"
    reply = c.call("CONFIG", "SET", "maxmemory", "1gb", name, other)
    assert reply == (b"-ERR CONFIG SET failed (possibly related to argument '%s') - not supported "
                     b"by Lacewing (the only value accepted is '%s')\r\n"
                     % (name.encode(), value))
    assert c.call("CONFIG", "GET", "maxmemory") == b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
    c.close()


def test_refused_settings_get_like_redis(diff):
    """Where Redis's default is Lacewing's only value, CONFIG GET agrees with redis-server."""
    for name in ("save", "appendonly", "maxmemory-samples",
                 "latency-monitor-threshold", "lazyfree-lazy-user-del",
                 "lazyfree-lazy-user-flush"):
        both(diff, "CONFIG", "GET", name)
        # Setting the value in force is accepted by both.
        value = diff.rd.call("CONFIG", "GET", name).split(b"\r\n")[4]
        both(diff, "CONFIG", "SET", name, value)


def test_requirepass_like_redis(diff, server, redis_server):
    both(diff, "CONFIG", "SET", "requirepass", "pw")
    both(diff, "PING")  # connections already in stay in
    both(diff, "CONFIG", "GET", "requirepass")
    late = {}
    for name, port in (("lw", server.port), ("rd", redis_server.port)):
        late[name] = RawClient(port)
    replies = lambda *args: [late[n].call(*args) for n in ("lw", "rd")]
    lw, rd = replies("PING")
    assert lw == rd == b"-NOAUTH Authentication required.\r\n"
    lw, rd = replies("AUTH", "wrong")
    assert lw == rd
    both(diff, "CONFIG", "SET", "requirepass", "")
    lw, rd = replies("PING")  # "nopass": clients that never authenticated are in too
    assert lw == rd == b"+PONG\r\n"
    lw, rd = replies("AUTH", "x")
    assert lw == rd and lw.startswith(b"-ERR AUTH <password> called without any password")
    both(diff, "CONFIG", "SET", "requirepass", "pw2")
    lw, rd = replies("PING")  # never authenticated: out again once there is a password
    assert lw == rd == b"-NOAUTH Authentication required.\r\n"
    lw, rd = replies("HELLO", "2")
    assert lw == rd and lw.startswith(b"-NOAUTH HELLO must be called")
    for c in late.values():
        c.close()
    fresh = [RawClient(p) for p in (server.port, redis_server.port)]
    assert [c.call("AUTH", "pw2") for c in fresh] == [b"+OK\r\n"] * 2
    assert [c.call("PING") for c in fresh] == [b"+PONG\r\n"] * 2
    for c in fresh:
        c.close()
    both(diff, "CONFIG", "SET", "requirepass", "")


def test_immutable_settings_like_redis(diff):
    for name, value in (("daemonize", "yes"), ("databases", "3"), ("io-threads", "2"),
                        ("cluster-enabled", "yes"), ("dir", "/tmp"), ("dbfilename", "x.rdb"),
                        ("dbfilename", "dump.rdb")):
        diff.check_error("CONFIG", "SET", name, value)


@pytest.mark.parametrize("text", [
    "1mb", "1MB", "1m", "1Gb", "1kB", "100K", "7b", "7B", "01mb", "mb", "", "0",
    "18446744073709551615", "99999999999999999999", "17179869183gb",
])
def test_maxmemory_grammar_like_redis(diff, text):
    both(diff, "CONFIG", "SET", "maxmemory", text)
    both(diff, "CONFIG", "GET", "maxmemory")
    both(diff, "CONFIG", "SET", "maxmemory", "0")


@pytest.mark.parametrize("text", ["1.5gb", "-1", "+1", " 1mb", "1 ", "0x10", "1tb", "12xb"])
def test_maxmemory_grammar_refusals_like_redis(diff, text):
    diff.check_error("CONFIG", "SET", "maxmemory", text)


def test_loglevel_round_trips(server):
    c = RawClient(server.port)
    assert c.call("CONFIG", "SET", "loglevel", "warning") == b"+OK\r\n"
    assert c.call("CONFIG", "GET", "loglevel") == b"*2\r\n$8\r\nloglevel\r\n$7\r\nwarning\r\n"
    assert c.call("CONFIG", "SET", "loglevel", "notice") == b"+OK\r\n"
    c.close()


def test_hz_is_reported_and_expiry_still_runs(server):
    r = server.client()
    r.config_set("hz", "500")
    assert r.config_get("hz") == {"hz": "500"}
    assert r.info("server")["hz"] == 500
    for i in range(50):
        r.set(f"k{i}", "v", px=20)
    time.sleep(0.5)
    # Active expiry (now every 2 ms) reclaimed them without any read.
    assert r.info("keyspace").get("db0", {}).get("keys", 0) == 0
    r.config_set("hz", "10")
