"""Connection migration (issue 18): a plain client whose pipelined commands keep going to one
shard of another thread moves to that thread between two requests (server/net/README.md).

Lacewing runs on 2 threads (2 shards). Python cannot compute a key's shard, so the tests use
fixed keys (the hash is deterministic: 20 keys cover both shards) and read INFO's
`migrated_connections`. Every reply is compared byte for byte with redis-server's for the
same connection's commands (each connection has keys of its own, so the order between
connections cannot change a reply). A move needs 32 commands over 4 reads on one foreign
shard, at most 128 argument bytes per command (over 32: only to a thread idle for a quarter
of the streak's time, measured for at least 10 ms), and 100 ms since the connection's last
move."""
import random
import re
import select
import threading
import time

from resp_client import RawClient, encode

MOVE_INTERVAL = 0.12  # a little over the 100 ms a connection waits between two moves


def migrated(c):
    text = c.call("INFO", "stats").decode()
    for line in text.split("\r\n"):
        if line.startswith("migrated_connections:"):
            return int(line.split(":")[1])
    raise AssertionError("no migrated_connections in INFO stats")


def read_n(client, n):
    return [client.read_reply() for _ in range(n)]


def pipeline(lw, rd, cmds, rng=None):
    """Sends `cmds` as one pipeline to both servers (on Lacewing split at a random byte, so a
    request may wait half read in the input buffer while the connection moves) and asserts
    the replies are equal, in order."""
    data = b"".join(encode(*c) for c in cmds)
    if rng is not None and len(data) > 1:
        cut = rng.randrange(1, len(data))
        lw.sock.sendall(data[:cut])
        time.sleep(0.0005)
        lw.sock.sendall(data[cut:])
    else:
        lw.sock.sendall(data)
    rd.sock.sendall(data)
    got, want = read_n(lw, len(cmds)), read_n(rd, len(cmds))
    for c, g, w in zip(cmds, got, want):
        assert g == w, f"{c}: lacewing {g!r} != redis {w!r}"
    return got


def batch_on(tag, i, n=16):
    """n commands on keys of one hash tag (one shard)."""
    out = []
    for j in range(n):
        k = f"{{{tag}}}:{j % 3}"
        out.append([("SET", k, f"v{i}.{j}"), ("GET", k), ("APPEND", k, "x"), ("STRLEN", k),
                    ("INCR", f"{{{tag}}}:n"), ("RPUSH", f"{{{tag}}}:l", j),
                    ("LRANGE", f"{{{tag}}}:l", -2, -1)][j % 7])
    return out


def test_client_follows_its_keys_and_keeps_its_identity(server, redis_server):
    admin = RawClient(server.port)
    lw, rd = RawClient(server.port), RawClient(redis_server.port)
    rng = random.Random(18)
    lw.call("HELLO", "3")  # the reply names the server: not compared
    rd.call("HELLO", "3")
    for c in (["SELECT", "3"], ["CLIENT", "SETNAME", "mover"]):
        assert lw.call(*c) == rd.call(*c)
    my_id = lw.call("CLIENT", "ID")
    before = migrated(admin)
    deltas = []
    for i in range(20):
        tag = f"key{i}"
        for phase in range(2):
            m0 = migrated(admin)
            for b in range(5):
                pipeline(lw, rd, batch_on(tag, b), rng)
            deltas.append(migrated(admin) - m0)
            # The second phase on the same keys finds the client at home: it must not move.
            if phase == 1:
                assert deltas[-1] == 0, (i, deltas)
            time.sleep(MOVE_INTERVAL)
    assert all(d in (0, 1) for d in deltas), deltas
    assert migrated(admin) - before >= 2, deltas  # 20 tags cover both shards
    assert admin.call("CONFIG", "RESETSTAT") == b"+OK\r\n"
    assert migrated(admin) == 0
    # Identity, database, protocol and name survived every move.
    assert lw.call("CLIENT", "ID") == my_id
    assert lw.call("CLIENT", "GETNAME") == rd.call("CLIENT", "GETNAME")
    assert lw.call("GET", "{key3}:0") == rd.call("GET", "{key3}:0")
    info = lw.call("CLIENT", "INFO").decode()
    assert " db=3 " in info and " name=mover " in info and " resp=3\n" in info, info
    # The age counts from the connection's accept (the phases above took over 4.8 s).
    assert int(info.split(" age=")[1].split(" ")[0]) >= 4, info
    listing = admin.call("CLIENT", "LIST").decode()
    lines = [x for x in listing.split("\n") if f"id={int(my_id[1:-2])} " in x]
    assert len(lines) == 1 and "name=mover" in lines[0], listing
    # CLIENT KILL from another connection reaches it on its new thread.
    assert admin.call("CLIENT", "KILL", "ID", int(my_id[1:-2])) == b":1\r\n"
    lw.sock.settimeout(5)
    try:
        assert lw.sock.recv(100) == b""
    except ConnectionResetError:
        pass
    assert int(admin.call("INFO", "clients").decode().split("connected_clients:")[1]
               .split("\r\n")[0]) == 1
    for c in (admin, lw, rd):
        c.close()


def test_random_keys_do_not_move(lacewing_factory, redis_server):
    """Pipelines over keys of both shards, and a client sending one command at a time on random
    keys: nothing moves."""
    server = lacewing_factory("--proactor_threads", "2")
    admin = RawClient(server.port)
    lw, rd = RawClient(server.port), RawClient(redis_server.port)
    one_lw, one_rd = RawClient(server.port), RawClient(redis_server.port)
    rng = random.Random(7)
    before = migrated(admin)
    for b in range(40):
        cmds = [("SET", f"r:{rng.randrange(1000)}", b) for _ in range(10)]
        pipeline(lw, rd, cmds)
        for _ in range(5):
            k = f"s:{rng.randrange(1000)}"
            assert one_lw.call("INCR", k) == one_rd.call("INCR", k)
    assert migrated(admin) == before
    for c in (admin, lw, rd, one_lw, one_rd):
        c.close()


def test_only_cheap_commands_move(lacewing_factory, redis_server):
    """A move concentrates a client's work on one thread: only clients of cheap commands (at
    most 128 argument bytes per command on average) move. Connections (accepted round-robin, so
    about half start on the other thread) each send 10-key MSETs on one tag: none moves; the
    same connections sending short SET/GETs on that tag then do."""
    server = lacewing_factory("--proactor_threads", "2")
    admin = RawClient(server.port)
    pairs = [(RawClient(server.port), RawClient(redis_server.port)) for _ in range(6)]
    rng = random.Random(11)
    before = migrated(admin)
    for b in range(6):
        for i, (lw, rd) in enumerate(pairs):
            cmds = []
            for j in range(16):
                kv = []
                for k in range(10):
                    kv += [f"{{big}}:{i}:{k}", f"value-{b}-{j}-{k}"]
                cmds.append(("MSET", *kv))
            cmds.append(("MGET", *[f"{{big}}:{i}:{k}" for k in range(10)]))
            pipeline(lw, rd, cmds, rng)
    assert migrated(admin) == before
    time.sleep(MOVE_INTERVAL)
    for b in range(6):
        for i, (lw, rd) in enumerate(pairs):
            pipeline(lw, rd, [("SET", f"{{big}}:{i}:{j % 3}", b) for j in range(16)] +
                     [("GET", f"{{big}}:{i}:{j}") for j in range(3)], rng)
    assert migrated(admin) - before >= 1  # the clients on the other thread move
    for lw, rd in pairs:
        lw.close()
        rd.close()
    admin.close()


def test_stream_consumers_move(lacewing_factory, redis_server):
    """Commands that are not squashed (XREADGROUP: blocking-capable, movable keys) count too
    when all their keys are on one shard: consumers of one stream move to its thread."""
    server = lacewing_factory("--proactor_threads", "2")
    admin = RawClient(server.port)
    pairs = [(RawClient(server.port), RawClient(redis_server.port)) for _ in range(4)]
    lw0, rd0 = pairs[0]
    rd0.call("DEL", "{q}s")
    fill = [("XADD", "{q}s", f"1-{i}", "f", i) for i in range(1, 401)]
    pipeline(lw0, rd0, fill + [("XGROUP", "CREATE", "{q}s", "g", "0")])
    before = migrated(admin)
    for r in range(6):
        for i, (lw, rd) in enumerate(pairs):
            reads = [("XREADGROUP", "GROUP", "g", f"c{i}", "COUNT", 2, "STREAMS", "{q}s", ">")
                     for _ in range(7)]
            pipeline(lw, rd, reads + [("XPENDING", "{q}s", "g")])
    assert migrated(admin) - before >= 1
    for lw, rd in pairs:
        lw.close()
        rd.close()
    admin.close()


def test_consumer_loop_with_ping_moves(lacewing_factory, redis_server):
    """tools/bench's consumer loop: each read carries XACK of the previous batch, XREADGROUP
    and a PING. PING (fast, keyless, no keyspace) neither counts nor ends the run on the
    stream's shard, so consumers on the other thread move; every reply equals Redis's."""
    server = lacewing_factory("--proactor_threads", "2")
    admin = RawClient(server.port)
    pairs = [(RawClient(server.port), RawClient(redis_server.port)) for _ in range(4)]
    lw0, rd0 = pairs[0]
    rd0.call("DEL", "{c}s")
    fill = [("XADD", "{c}s", f"1-{i}", "f", i) for i in range(1, 1601)]
    pipeline(lw0, rd0, fill + [("XGROUP", "CREATE", "{c}s", "g", "0")])
    before = migrated(admin)
    acks = [[] for _ in pairs]
    for r in range(30):  # 2 commands a read: a move needs 32 over 4 reads
        for i, (lw, rd) in enumerate(pairs):
            cmds = [("XACK", "{c}s", "g", *acks[i])] if acks[i] else []
            cmds += [("XREADGROUP", "GROUP", "g", f"c{i}", "COUNT", 10, "STREAMS", "{c}s", ">"),
                     ("PING",), ("ECHO", "e")]
            got = pipeline(lw, rd, cmds)
            acks[i] = re.findall(rb"\$\d+\r\n(1-\d+)\r\n", got[-3])
    assert migrated(admin) - before >= 1
    pipeline(lw0, rd0, [("XPENDING", "{c}s", "g")])  # the summary: no idle times
    for lw, rd in pairs:
        lw.close()
        rd.close()
    admin.close()


def test_whole_store_sort_does_not_move(lacewing_factory, redis_server):
    """SORT ... GET pattern reads keys on every shard (the whole-store lock): its key is no
    home, so its clients stay where they are; replies equal Redis's."""
    server = lacewing_factory("--proactor_threads", "2")
    admin = RawClient(server.port)
    pairs = [(RawClient(server.port), RawClient(redis_server.port)) for _ in range(4)]
    lw0, rd0 = pairs[0]
    pipeline(lw0, rd0, [("DEL", "srtmig"), ("RPUSH", "srtmig", *range(20))] +
             [("SET", f"srtmig_{i}", f"v{i}") for i in range(0, 20, 2)])
    before = migrated(admin)
    for r in range(6):
        for lw, rd in pairs:
            pipeline(lw, rd, [("SORT", "srtmig", "BY", "nosort", "GET", "srtmig_*")] * 10)
    assert migrated(admin) == before
    for lw, rd in pairs:
        lw.close()
        rd.close()
    admin.close()


def test_flag_off_never_moves(lacewing_factory, redis_server):
    server = lacewing_factory("--proactor_threads", "2", "--migrate_connections=false")
    admin = RawClient(server.port)
    lw, rd = RawClient(server.port), RawClient(redis_server.port)
    for i in range(6):
        for b in range(5):
            pipeline(lw, rd, batch_on(f"off{i}", b))
    assert migrated(admin) == 0
    for c in (admin, lw, rd):
        c.close()


def test_special_states_never_move(server):
    """MULTI/WATCH users, subscribers (RESP3, so they may still run GET), tracking clients and
    a CLIENT TRACKING redirect target stay on their thread whatever keys they use."""
    admin = RawClient(server.port)
    multi, watcher, sub, tracker, target = (RawClient(server.port) for _ in range(5))
    assert multi.call("MULTI") == b"+OK\r\n"
    assert multi.call("EXEC") == b"*0\r\n"
    assert watcher.call("WATCH", "w") == b"+OK\r\n"
    sub.call("HELLO", "3")
    assert sub.call("SUBSCRIBE", "ch").startswith(b">3")
    tracker.call("HELLO", "3")
    assert tracker.call("CLIENT", "TRACKING", "ON") == b"+OK\r\n"
    target.call("HELLO", "3")
    target_id = int(target.call("CLIENT", "ID")[1:-2])
    redirector = RawClient(server.port)
    assert redirector.call("CLIENT", "TRACKING", "ON", "REDIRECT", target_id) == b"+OK\r\n"
    before = migrated(admin)
    for i in range(20):
        for c in (multi, watcher, sub, tracker, target):
            for b in range(5):
                cmds = [("GET", f"{{st{i}}}:{j}") for j in range(16)]
                c.sock.sendall(b"".join(encode(*x) for x in cmds))
                replies = read_n(c, len(cmds))
                assert all(r in (b"$-1\r\n", b"_\r\n") for r in replies), replies
        time.sleep(0.01)
    assert migrated(admin) == before
    # The subscriber still gets its messages, the redirect target its invalidations.
    assert admin.call("PUBLISH", "ch", "hi") == b":1\r\n"
    assert sub.read_reply() == b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
    redirector.call("GET", "{st1}:0")
    admin.call("SET", "{st1}:0", "x")
    assert b"invalidate" in target.read_reply()
    for c in (admin, multi, watcher, sub, tracker, target, redirector):
        c.close()


def test_randomized_moves_back_and_forth(server, redis_server):
    """Seeded: 8 connections pipeline on key sets of their own, each switching sets every few
    rounds, so they move back and forth while others pipeline; every reply is checked against
    redis-server. Meanwhile another thread keeps listing the clients: each mover must be listed
    exactly once every time (a moving client is never missed nor listed twice)."""
    rng = random.Random(1818)
    n = 8
    pairs = [(RawClient(server.port), RawClient(redis_server.port)) for _ in range(n)]
    ids = [int(lw.call("CLIENT", "ID")[1:-2]) for lw, _ in pairs]
    admin = RawClient(server.port)
    before = migrated(admin)
    stop, problems, listings = threading.Event(), [], [0]

    def lister():
        c = RawClient(server.port)
        while not stop.is_set():
            text = c.call("CLIENT", "LIST").decode()
            listed = [int(x.split("id=")[1].split(" ")[0]) for x in text.split("\n") if "id=" in x]
            for i in ids:
                if listed.count(i) != 1:
                    problems.append((i, listed))
            listings[0] += 1
            time.sleep(0.005)  # a sweep refuses moves while it runs: leave them room
        c.close()

    t = threading.Thread(target=lister)
    t.start()
    try:
        current = [rng.randrange(4) for _ in range(n)]
        left = [rng.randrange(5, 8) for _ in range(n)]
        # 3 s, and at least 60 rounds on a loaded machine (at most 20 s).
        start = time.time()
        rounds = 0
        while (time.time() < start + 3.0 or rounds < 60) and time.time() < start + 20:
            batches = []
            for c in range(n):
                left[c] -= 1
                if left[c] == 0:
                    current[c] = (current[c] + rng.randrange(1, 4)) % 4
                    left[c] = rng.randrange(5, 8)
                cmds = batch_on(f"c{c}s{current[c]}", rounds, n=rng.randrange(10, 24))
                if rng.random() < 0.1:  # now and then a batch over every shard
                    cmds += [("GET", f"{{c{c}s{s}}}:0") for s in range(4)]
                batches.append(cmds)
            for (lw, rd), cmds in zip(pairs, batches):
                data = b"".join(encode(*x) for x in cmds)
                lw.sock.sendall(data)
                rd.sock.sendall(data)
            for (lw, rd), cmds in zip(pairs, batches):
                got, want = read_n(lw, len(cmds)), read_n(rd, len(cmds))
                for x, g, w in zip(cmds, got, want):
                    assert g == w, f"{x}: lacewing {g!r} != redis {w!r}"
            rounds += 1
    finally:
        stop.set()
        t.join()
    moves = migrated(admin) - before
    assert not problems, problems[:3]
    assert listings[0] > 0
    assert moves >= n, (moves, rounds)
    for i, (lw, rd) in enumerate(pairs):
        assert int(lw.call("CLIENT", "ID")[1:-2]) == ids[i]
        lw.close()
        rd.close()
    admin.close()


def test_shutdown_while_clients_move(lacewing_factory):
    """SIGTERM while 8 connections keep moving between the threads: the server closes every
    connection, wherever it is (on a thread's list or in flight), and exits cleanly."""
    server = lacewing_factory("--proactor_threads", "2")
    admin = RawClient(server.port)
    stop, errors = threading.Event(), []

    def mover(c):
        rng = random.Random(c)
        cl = RawClient(server.port, timeout=30)
        i = 0
        try:
            while not stop.is_set():
                cmds = batch_on(f"sd{c}s{(i // 5) % 4}", i, n=16)
                cl.sock.sendall(b"".join(encode(*x) for x in cmds))
                read_n(cl, len(cmds))
                i += 1
                if rng.random() < 0.2:
                    time.sleep(0.01)
        except (ConnectionError, OSError):
            pass  # the server went away: expected once it stops
        except Exception as e:  # a wrong reply shape
            errors.append(e)
        cl.close()

    threads = [threading.Thread(target=mover, args=(c,)) for c in range(8)]
    for t in threads:
        t.start()
    deadline = time.time() + 20
    while migrated(admin) < 8 and time.time() < deadline:
        time.sleep(0.05)
    assert migrated(admin) >= 8
    admin.close()
    assert server.stop() == 0, open(server.log_path).read()
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:3]


def per_thread_heap(c):
    """MEMORY STATS' lacewing.shard.<i>.allocated: each proactor thread's heap count."""
    parts = c.call("MEMORY", "STATS").decode().split("\r\n")
    return [int(parts[i + 1][1:]) for i, p in enumerate(parts)
            if p.startswith("lacewing.shard.") and p.endswith(".allocated")]


def test_moves_leave_each_threads_memory_count_exact(server):
    """Per-shard eviction reads each thread's heap count (cache mode), so a connection that
    moves must take its whole count with it: connections that each move once and then close
    on their new thread leave both threads' counts where they were (measured: 6.4 KB stayed
    behind per move when only the object's nominal sizes were handed over)."""
    admin = RawClient(server.port)
    cmds = b"".join(encode("SET", f"{{hot}}:{j}", "x" * 10) for j in range(16))

    def churn(n):
        for _ in range(n):
            c = RawClient(server.port)
            for _ in range(5):
                c.sock.sendall(cmds)
                read_n(c, 16)
            c.close()

    churn(40)  # warm-up: keys, tables and buffers of their final size
    time.sleep(1.2)  # the memory tick folds handed-over bytes in (at least once a second)
    heap0, moves0 = per_thread_heap(admin), migrated(admin)
    churn(200)  # accepted round-robin: about half move to {hot}'s thread
    deadline = time.time() + 10
    while True:
        time.sleep(1.2)
        heap1, moves = per_thread_heap(admin), migrated(admin) - moves0
        drift = max(abs(a - b) for a, b in zip(heap1, heap0))
        if drift < 1024 * max(moves, 1) or time.time() > deadline:
            break
    assert moves >= 50, moves
    assert drift < 1024 * moves, (drift, moves, heap0, heap1)
    admin.close()


def _xadds(i, r, n=16):
    """n XADDs of 5 fields to client i's stream on the {hot} tag: about 60 argument bytes a
    command, between the cheap bound (32) and the size bound (128). Explicit ids keep the
    replies equal to redis-server's."""
    return [("XADD", f"{{hot}}:s{i}", f"{r * n + j + 1}-1", "field1", r, "field2", "x",
             "field3", "yy", "field4", j, "field5", "zzz") for j in range(n)]


def _replied(client):
    """True if a reply is waiting on client's socket (without reading it)."""
    return bool(client.buf) or bool(select.select([client.sock], [], [], 0)[0])


def test_mid_size_commands_stay_spread_while_the_keys_thread_is_saturated(lacewing_factory,
                                                                           redis_server):
    """Clients of mid-size commands (XADD of 5 fields) move to their key's thread only while
    that thread has time to spare. A script on the key's tag keeps its thread busy (it yields
    every 1000 Lua instructions, never idles): connections pipelining XADDs there from the
    other thread stay where they are, their batches served between the script's slices. Once
    the script ended, the same clients move."""
    server = lacewing_factory("--proactor_threads", "2")
    admin = RawClient(server.port)
    pairs = [(RawClient(server.port), RawClient(redis_server.port)) for _ in range(6)]
    for i, (lw, rd) in enumerate(pairs):
        rd.call("DEL", f"{{hot}}:s{i}")
    busy = RawClient(server.port)
    spin = ("local t0 = redis.call('TIME') repeat local t = redis.call('TIME') "
            "until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > tonumber(ARGV[1]) return 1")
    before = migrated(admin)
    busy.sock.sendall(encode("EVAL", spin, 1, "{hot}:busy", 3_000_000))  # 3 s, under BUSY's 5
    time.sleep(0.2)  # the script is running
    assert not _replied(busy)
    for r in range(8):
        for i, (lw, rd) in enumerate(pairs):
            pipeline(lw, rd, _xadds(i, r))
    assert not _replied(busy), "the script ended before the clients' 8 rounds"
    assert migrated(admin) == before  # the busy thread got no more work
    assert busy.read_reply() == b":1\r\n"
    deadline = time.monotonic() + 20  # the spare time is measured over 10 ms of a streak
    r = 8
    while migrated(admin) == before and time.monotonic() < deadline:
        for i, (lw, rd) in enumerate(pairs):
            pipeline(lw, rd, _xadds(i, r))
        r += 1
    assert migrated(admin) - before >= 1  # the clients on the other thread move now
    for lw, rd in pairs:
        lw.close()
        rd.close()
    busy.close()
    admin.close()
