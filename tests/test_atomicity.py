"""Atomicity across shards under concurrent load (2 proactor threads, keys on both shards).

Writers change a group of keys together; readers read the group together. If any multi-key
command or script were not atomic, a reader would see a mixed group (or a changed total).
"""
import hashlib
import threading

import pytest
import redis
from concurrency import run_for, run_once

KEYS = [f"acct:{i}" for i in range(10)]  # spread over both shards


def test_mset_mget_never_mixed(server):
    r = server.client()
    r.mset({k: "0" for k in KEYS})
    seen_mixed = []
    counter = {"n": 0}

    def writer():
        counter["n"] += 1
        v = str(counter["n"])
        server_client = writers_clients[threading.get_ident() % len(writers_clients)]
        server_client.mset({k: v for k in KEYS})

    writers_clients = [server.client() for _ in range(2)]

    def reader():
        vals = reader_client.mget(KEYS)
        if len(set(vals)) != 1:
            seen_mixed.append(vals)

    reader_client = server.client()
    run_for(2.0, writer, writer, reader)
    assert seen_mixed == []


def test_script_transfers_keep_the_total(server):
    r = server.client()
    r.mset({k: "100" for k in KEYS})
    transfer = r.register_script(
        "local amount = tonumber(ARGV[1]) "
        "if tonumber(redis.call('GET', KEYS[1])) >= amount then "
        "  redis.call('DECRBY', KEYS[1], amount) redis.call('INCRBY', KEYS[2], amount) end "
        "return 1")
    total_script = r.register_script(
        "local s = 0 for _, k in ipairs(KEYS) do s = s + tonumber(redis.call('GET', k)) end "
        "return s")
    totals = []
    state = {"i": 0}

    def mover():
        c = movers[threading.get_ident() % len(movers)]
        state["i"] += 1
        i = state["i"]
        transfer(keys=[KEYS[i % 10], KEYS[(i * 7 + 3) % 10]], args=[7], client=c)

    movers = [server.client() for _ in range(3)]
    reader_client = server.client()

    def reader():
        totals.append(int(total_script(keys=KEYS, client=reader_client)))
        vals = reader_client.mget(KEYS)
        totals.append(sum(int(v) for v in vals))

    run_for(2.0, mover, mover, mover, reader)
    assert totals and set(totals) == {1000}
    assert sum(int(v) for v in r.mget(KEYS)) == 1000


def test_del_is_atomic_against_mset(server):
    r = server.client()
    seen = []

    def writer():
        w.mset({k: "x" for k in KEYS})
        w.delete(*KEYS)

    w = server.client()
    rd = server.client()

    def reader():
        n = rd.exists(*KEYS)
        if n not in (0, len(KEYS)):
            seen.append(n)

    run_for(1.5, writer, reader)
    assert seen == []


def test_smove_keeps_the_set_total(server):
    """Members move between sets on both shards; a reader's SUNION/SCARD totals never change."""
    sets = [f"bag:{i}" for i in range(6)]
    r = server.client()
    members = [f"m{i}" for i in range(60)]
    for i, m in enumerate(members):
        r.sadd(sets[i % len(sets)], m)
    movers = [server.client() for _ in range(2)]
    reader_client = server.client()
    bad = []
    state = {"i": 0}

    def mover():
        state["i"] += 1
        i = state["i"]
        c = movers[i % 2]
        src, dst = sets[i % 6], sets[(i * 5 + 1) % 6]
        m = c.srandmember(src)
        if m is not None:
            c.smove(src, dst, m)

    def reader():
        union = reader_client.sunion(sets)
        if len(union) != len(members):
            bad.append(("sunion", len(union)))
        total = reader_client.eval(
            "local n = 0 for _, k in ipairs(KEYS) do n = n + redis.call('SCARD', k) end "
            "return n", len(sets), *sets)
        if total != len(members):
            bad.append(("scard", total))
        if reader_client.sunionstore("bag:all", sets) != len(members):
            bad.append(("sunionstore",))

    run_for(2.0, mover, mover, reader)
    assert bad == []
    assert len(r.sunion(sets)) == len(members)


def test_rename_ping_pong_keeps_exactly_one_key(server):
    """RENAME moves a value back and forth between keys on different shards; a reader always
    finds exactly one of them, with the value intact."""
    r = server.client()
    pairs = [(f"ping:{i}", f"pong:{i}") for i in range(4)]
    for a, _ in pairs:
        r.set(a, "payload")
    renamer = server.client()
    reader_client = server.client()
    bad = []
    where = {a: a for a, _ in pairs}

    def mover():
        for a, b in pairs:
            cur = where[a]
            nxt = b if cur == a else a
            renamer.rename(cur, nxt)
            where[a] = nxt

    def reader():
        for a, b in pairs:
            n = reader_client.exists(a, b)
            if n != 1:
                bad.append((a, n))
            vals = reader_client.mget(a, b)
            if sorted(v for v in vals if v is not None) != [b"payload"]:
                bad.append((a, vals))

    run_for(2.0, mover, reader)
    assert bad == []


def test_multi_exec_transfers_keep_the_sum(server):
    """MULTI/EXEC moves amounts between keys on both shards (DECRBY a / INCRBY b) while readers
    MGET the total, in MULTI/EXEC and plain: the sum never changes."""
    import random

    r = server.client()
    r.mset({k: "100" for k in KEYS})
    totals = []
    movers = [server.client() for _ in range(4)]
    rng = random.Random(7)

    def mover_fn(c):
        def move():
            a, b = rng.sample(KEYS, 2)
            amount = rng.randint(1, 9)
            p = c.pipeline(transaction=True)
            p.decrby(a, amount)
            p.incrby(b, amount)
            p.execute()
        return move

    multi_reader = server.client()
    plain_reader = server.client()

    def read_in_multi():
        p = multi_reader.pipeline(transaction=True)
        p.mget(KEYS)
        (vals,) = p.execute()
        totals.append(sum(int(v) for v in vals))

    def read_plain():
        totals.append(sum(int(v) for v in plain_reader.mget(KEYS)))

    run_for(2.0, *[mover_fn(c) for c in movers], read_in_multi, read_plain)
    assert totals and set(totals) == {100 * len(KEYS)}
    assert sum(int(v) for v in r.mget(KEYS)) == 100 * len(KEYS)


def test_watch_optimistic_increments_are_exact(server):
    """Several clients increment one counter with WATCH/GET/MULTI/SET/EXEC, retrying when EXEC
    returns null: every increment lands exactly once."""
    clients, per_client = 5, 150
    r = server.client()
    r.set("wcounter", "0")
    retries = [0]

    def worker():
        c = server.client()
        done = 0
        while done < per_client:
            with c.pipeline() as p:
                try:
                    p.watch("wcounter")
                    v = int(p.get("wcounter"))
                    p.multi()
                    p.set("wcounter", v + 1)
                    p.execute()
                    done += 1
                except redis.WatchError:
                    retries[0] += 1

    run_once(*[worker] * clients)
    assert int(r.get("wcounter")) == clients * per_client


def test_pfcount_and_pfmerge_see_whole_groups(server):
    """HLLs on both shards switch together between two states (MSET of their raw strings);
    PFCOUNT of all of them and PFMERGE of all of them must only ever see one state."""
    r = server.client()
    states = []
    for s in (1, 2):
        raw = {}
        for i, k in enumerate(KEYS):
            r.delete("tmp")
            r.pfadd("tmp", *[f"{s}:{i}:{j}" for j in range(50 * s)])
            raw[k] = r.get("tmp")
        states.append(raw)
    counts = []
    for raw in states:
        r.mset(raw)
        counts.append(r.pfcount(*KEYS))
    assert counts[0] != counts[1]
    half = len(KEYS) // 2
    r.mset({k: states[0 if i < half else 1][k] for i, k in enumerate(KEYS)})
    assert r.pfcount(*KEYS) not in counts  # a mixed group is visible as such
    r.mset(states[0])  # the readers below may run before the writer's first MSET
    flip = {"n": 0}
    writer_client = server.client()
    seen_mixed = []

    def writer():
        flip["n"] += 1
        writer_client.mset(states[flip["n"] % 2])

    count_client, merge_client = server.client(), server.client()

    def counter():
        c = count_client.pfcount(*KEYS)
        if c not in counts:
            seen_mixed.append(("pfcount", c))

    def merger():
        merge_client.delete("merged")
        merge_client.pfmerge("merged", *KEYS)
        c = merge_client.pfcount("merged")
        if c not in counts:
            seen_mixed.append(("pfmerge", c))

    run_for(2.0, writer, counter, merger)
    assert seen_mixed == []


def test_sort_get_and_read_only_scripts_see_whole_writes(server):
    """SORT ... GET data_* and a read-only script with undeclared keys take the shared global
    lock (they run alongside each other): while MSET and a script rewrite every data_* key to a
    new generation, each SORT, each read-only script and each PFCOUNT of several keys sees one
    generation only."""
    r = server.client()
    items = [str(i) for i in range(20)]
    r.rpush("items", *items)
    data = [f"data_{i}" for i in items]
    r.mset({k: "0" for k in data})
    hlls = [f"hll:{i}" for i in range(6)]  # over both shards
    for h in hlls:
        r.pfadd(h, "seed")
    gen = {"n": 0}
    bad = []
    bump = r.register_script(
        "for _, k in ipairs(KEYS) do redis.call('SET', k, ARGV[1]) end return 1")
    reader_sum = (
        "#!lua flags=no-writes,allow-undeclared-keys\n"
        "local g = nil for i = 0, 19 do local v = redis.call('GET', 'data_' .. i) "
        "if g == nil then g = v elseif g ~= v then return 'mixed' end end return g")
    w1, w2 = server.client(), server.client()

    def writer():
        gen["n"] += 1
        n = gen["n"]
        if n % 2:
            w1.mset({k: str(n) for k in data})
        else:
            bump(keys=data, args=[str(n)], client=w2)
        w1.pfadd(hlls[n % len(hlls)], f"e{n}")

    def sorter_fn(c):
        def sort():
            vals = c.execute_command("SORT", "items", "BY", "nosort", "GET", "data_*")
            if len(set(vals)) != 1:
                bad.append(("sort", vals))
        return sort

    ro = server.client()

    def ro_script():
        got = ro.execute_command("EVAL", reader_sum, 0)
        if got == b"mixed":
            bad.append(("script", got))

    pf = server.client()
    counts = []

    def pfcount():
        counts.append(pf.pfcount(*hlls))

    sorters = [sorter_fn(server.client()) for _ in range(3)]
    run_for(2.0, writer, writer, *sorters, ro_script, pfcount)
    assert bad == []
    assert counts
    distinct = 1 + gen["n"]  # "seed" and every e<n>
    assert abs(r.pfcount(*hlls) - distinct) <= 0.05 * distinct + 2


def test_store_commands_read_their_sources_together(server):
    """BITOP and SUNIONSTORE read their sources shared and write the destination in a hop of
    its own (transaction/README.md, "Hops over a part of the keys"). Writers set every source
    to one generation's value at once (MULTI), so a destination computed from a mix of
    generations is a torn read: a BITOP AND that is no written value, a union of two members."""
    r = server.client()
    srcs = [f"src:{i}" for i in range(4)]  # spread over both shards
    sets = [f"set:{i}" for i in range(4)]
    first = hashlib.sha1(b"0").hexdigest()
    r.mset({k: first for k in srcs})
    for s in sets:
        r.sadd(s, first)
    written = {first.encode()}
    bad = []
    gen = {"n": 0}

    def writer():
        gen["n"] += 1
        v = hashlib.sha1(str(gen["n"]).encode()).hexdigest()
        written.add(v.encode())
        p = writers[threading.get_ident() % len(writers)].pipeline(transaction=True)
        p.mset({k: v for k in srcs})
        for s in sets:
            p.delete(s)
            p.sadd(s, v)
        p.execute()

    def storer():
        c = stores[threading.get_ident() % len(stores)]
        c.bitop("AND", "bitdst", *srcs)
        c.sunionstore("setdst", *sets)

    def checker():
        v = reader.get("bitdst")
        if v is not None and v not in written:
            bad.append(("bitop", v))
        members = reader.smembers("setdst")
        if members and len(members) != 1:
            bad.append(("sunionstore", members))

    writers = [server.client() for _ in range(2)]
    stores = [server.client() for _ in range(3)]
    reader = server.client()
    run_for(2.0, writer, writer, storer, storer, storer, checker)
    assert bad == []


@pytest.mark.parametrize("hashtags", [False, True])
def test_store_into_its_own_source_loses_no_update(lacewing_factory, hashtags):
    """SUNIONSTORE / ZUNIONSTORE / BITOP OR with the destination also a source: the read hop
    (part hop over the sources) must not pass an older writer of the destination, or a member
    is lost. Plain, MULTI and a script that learns its source (allow-undeclared-keys) mix;
    sources are on either shard (or under the destination's hash tag, one lock with
    --lock_on_hashtags); every member, zset member and bit must survive."""
    args = ["--proactor_threads", "2"] + (["--lock_on_hashtags"] if hashtags else [])
    server = lacewing_factory(*args)
    tag = "{d}" if hashtags else ""
    d, z, b = f"{tag}dst", f"{tag}zdst", f"{tag}bdst"
    rounds, workers = 60, 6

    def worker(w):
        def body():
            c = server.client()
            for i in range(rounds):
                m = f"m{w}:{i}"
                src = f"{tag}src{w}:{i}" if i % 2 else f"src{w}:{i}"
                c.sadd(src, m)
                if (w + i) % 3 == 0:
                    c.sunionstore(d, d, src)
                elif (w + i) % 3 == 1:
                    p = c.pipeline(transaction=True)
                    p.sunionstore(d, d, src)
                    p.scard(d)
                    p.execute()
                else:
                    c.eval(LEARNING_UNION, 1, d, src)
                c.zadd(src + "z", {m: i})
                c.zunionstore(z, [z, src + "z"])
                c.setbit(src + "b", w * rounds + i, 1)
                c.bitop("OR", b, b, src + "b")
                c.sort(d, alpha=True, store=f"{tag}scratch{w}")
        body.__name__ = f"worker{w}"
        return body

    run_once(*[worker(w) for w in range(workers)])
    r = server.client()
    assert r.scard(d) == rounds * workers
    assert r.zcard(z) == rounds * workers
    assert r.bitcount(b) == rounds * workers


# The source is not declared: the script locks it when it first touches it (LockMore).
LEARNING_UNION = ("#!lua flags=allow-undeclared-keys\n"
                  "redis.call('SCARD', KEYS[1])\n"
                  "return redis.call('SUNIONSTORE', KEYS[1], KEYS[1], ARGV[1])")
