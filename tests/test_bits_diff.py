"""Differential tests (Lacewing vs redis-server 7.0) for the bit commands: BITOP over keys on
both shards with binary values, BITFIELD / BITFIELD_RO with random operations, types, offsets
and overflow policies (edge values included), mixed with SETBIT/GETBIT/BITCOUNT/BITPOS on the
same strings, and every argument error. Replies and the raw strings (GET) must be equal bytes."""
import random

import pytest
from concurrency import run_for
from resp_client import RawClient, encode

# Spread over both shards of the 2-thread server.
KEYS = [f"b{i}" for i in range(6)]


def _binary(rng, n):
    return bytes(rng.choice([0, 0xFF, rng.getrandbits(8)]) for _ in range(n))


def _type(rng):
    signed = rng.random() < 0.5
    bits = rng.choice([1, 2, 7, 8, 9, 15, 16, 31, 32, 33, 62, 63] + ([64] if signed else []))
    return ("i" if signed else "u") + str(bits), signed, bits


def _edge_value(rng, signed, bits):
    if signed:
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        lo, hi = 0, (1 << bits) - 1
    return rng.choice([lo, hi, lo - 1, hi + 1, 0, -1, 1, rng.randint(lo, hi),
                       -(1 << 63), (1 << 63) - 1, rng.randint(-(1 << 63), (1 << 63) - 1)])


def _clamp64(v):
    return max(-(1 << 63), min((1 << 63) - 1, v))


def _bitfield_args(rng):
    args = []
    for _ in range(rng.randint(0, 6)):
        r = rng.random()
        if r < 0.15:
            args += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL", "wrap", "sat", "fail"])]
            continue
        t, signed, bits = _type(rng)
        off = rng.choice([str(rng.randint(0, 80)), f"#{rng.randint(0, 6)}", "0", "7", "63"])
        if r < 0.45:
            args += ["GET", t, off]
        elif r < 0.7:
            args += ["SET", t, off, str(_clamp64(_edge_value(rng, signed, bits)))]
        else:
            args += ["INCRBY", t, off, str(_clamp64(_edge_value(rng, signed, bits)))]
    return args


@pytest.mark.parametrize("seed", range(4))
def test_bitfield_random_ops(diff, seed):
    rng = random.Random(seed)
    for k in KEYS[:3]:
        diff.check("SET", k, _binary(rng, rng.randint(0, 12)))
    diff.check("SET", "num", "12345")  # an int-encoded string
    for _ in range(300):
        key = rng.choice(KEYS[:3] + ["num", "missing"])
        args = _bitfield_args(rng)
        diff.check("BITFIELD", key, *args)
        diff.check("GET", key)
        if rng.random() < 0.3:
            ro = []
            for _ in range(rng.randint(0, 3)):
                t, _, _ = _type(rng)
                ro += ["GET", t, str(rng.randint(0, 100))]
            diff.check("BITFIELD_RO", key, *ro)
        if rng.random() < 0.3:
            off = rng.randint(0, 100)
            diff.check("SETBIT", key, off, rng.randint(0, 1))
            diff.check("GETBIT", key, off)
            diff.check("BITCOUNT", key)
            diff.check("BITPOS", key, rng.randint(0, 1))
            diff.check("BITCOUNT", key, rng.randint(-5, 5), rng.randint(-5, 5), "BIT")
    diff.check("OBJECT", "ENCODING", "num")


def test_bitfield_edges(diff):
    diff.check("BITFIELD", "e", "SET", "i64", "0", str(-(1 << 63)))
    diff.check("BITFIELD", "e", "INCRBY", "i64", "0", "-1")
    diff.check("BITFIELD", "e", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1")
    diff.check("BITFIELD", "e", "OVERFLOW", "FAIL", "INCRBY", "i64", "0", "-1", "GET", "i64", "0")
    diff.check("BITFIELD", "e", "SET", "u63", "1", str((1 << 63) - 1), "INCRBY", "u63", "1", "1")
    diff.check("BITFIELD", "e", "OVERFLOW", "SAT", "SET", "u8", "#3", "-1", "GET", "u8", "#3")
    diff.check("BITFIELD", "e", "OVERFLOW", "FAIL", "SET", "i8", "#9", "200", "GET", "i8", "#9")
    diff.check("GET", "e")
    diff.check("BITFIELD", "far", "OVERFLOW", "FAIL", "SET", "u8", "1000", "300")  # grows anyway
    diff.check("STRLEN", "far")
    diff.check("BITFIELD", "e")
    diff.check("BITFIELD", "missing")
    diff.check("EXISTS", "missing")
    diff.check("BITFIELD", "e", "GET", "i64", str(512 * 1024 * 1024 * 8 - 64))
    diff.check("BITFIELD_RO", "e", "GET", "u63", "#1000")
    diff.check("LPUSH", "list", "x")
    diff.check_error("BITFIELD", "list", "GET", "u8", "0")
    diff.check_error("BITFIELD", "list", "SET", "u8", "0", "1")
    diff.check_error("BITFIELD_RO", "list", "GET", "u8", "0")
    diff.check_error("BITFIELD", "list")


@pytest.mark.parametrize("args", [
    ["GET", "u64", "0"], ["GET", "i65", "0"], ["GET", "i0", "0"], ["GET", "x8", "0"],
    ["GET", "U8", "0"], ["GET", "u", "0"], ["GET", "u8", "-1"], ["GET", "u8", "#-1"],
    ["GET", "u8", "abc"], ["GET", "u8", str(512 * 1024 * 1024 * 8)], ["GET", "u8"],
    ["SET", "u8", "0"], ["SET", "u8", "0", "x"], ["INCRBY", "u8", "0", "1.5"],
    ["OVERFLOW", "BAD"], ["OVERFLOW"], ["FOO", "u8", "0"], ["GET", "u8", "0", "SET"],
    ["SET", "u8", "0", "99999999999999999999"], ["GET", "i8", "#4294967296000000000"],
])
def test_bitfield_errors(diff, args):
    diff.check("SET", "k", "abc")
    diff.check_error("BITFIELD", "k", *args)
    diff.check_error("BITFIELD", "list-none", *args)
    diff.check("GET", "k")


def test_bitfield_ro_refuses_writes(diff):
    diff.check_error("BITFIELD_RO", "k", "GET", "u8", "0", "SET", "u8", "0", "1")
    diff.check_error("BITFIELD_RO", "k", "INCRBY", "u8", "0", "1")
    diff.check_error("BITFIELD_RO", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "1")
    diff.check("BITFIELD_RO", "k", "OVERFLOW", "SAT")
    diff.check_error("BITFIELD_RO", "k", "GET", "u64", "0")
    diff.check_error("BITFIELD_RO")


@pytest.mark.parametrize("seed", range(4))
def test_bitop_random_binary(diff, seed):
    rng = random.Random(100 + seed)
    for _ in range(120):
        for k in KEYS:
            r = rng.random()
            if r < 0.15:
                diff.check("DEL", k)
            elif r < 0.3:
                diff.check("SET", k, str(rng.randint(-1000, 100000)))
            elif r < 0.6:
                diff.check("SET", k, _binary(rng, rng.randint(0, 40)))
        op = rng.choice(["AND", "OR", "XOR", "NOT", "and", "Or"])
        dest = rng.choice(KEYS + ["dst"])
        n = 1 if op.upper() == "NOT" else rng.randint(1, 5)
        srcs = [rng.choice(KEYS + ["nokey"]) for _ in range(n)]
        diff.check("BITOP", op, dest, *srcs)
        diff.check("GET", dest)
        diff.check("BITCOUNT", dest)
        diff.check("BITPOS", dest, 0)


def test_bitop_details(diff):
    diff.check("SET", "a", b"\xff\x0f")
    diff.check("SET", "dst", "old", "EX", "100")
    diff.check("BITOP", "AND", "dst", "a", "nokey")  # missing source: zeros of a's length
    diff.check("GET", "dst")
    diff.check("TTL", "dst")  # the TTL is dropped
    diff.check("OBJECT", "ENCODING", "dst")
    diff.check("BITOP", "NOT", "dst", "nokey")  # empty result deletes the destination
    diff.check("EXISTS", "dst")
    diff.check("RPUSH", "lst", "x")
    diff.check("BITOP", "OR", "lst", "a")  # a destination of another type is replaced
    diff.check("TYPE", "lst")
    diff.check("RPUSH", "lst2", "x")
    diff.check_error("BITOP", "OR", "dst", "a", "lst2")
    diff.check("EXISTS", "dst")
    diff.check_error("BITOP", "NOT", "dst", "a", "a")
    diff.check_error("BITOP", "NAND", "dst", "a")
    diff.check_error("BITOP", "AND", "dst")
    diff.check_error("BITOP", "NOT", "dst")
    diff.check("SET", "x", "12")
    diff.check("BITOP", "XOR", "x", "x", "a")  # the destination as a source
    diff.check("GET", "x")


def test_bitop_is_atomic_across_shards(server):
    """A writer sets three sources on both shards together (MSET) to A, B and A^B^C for fresh
    random A and B each time, so their XOR is always C. A BITOP XOR that read some sources
    before an MSET and some after would see another value."""
    srcs = ["s0", "s1", "s2"]
    const = b"constant"
    rng = random.Random(7)
    c = server.client()

    def values():
        a, b = _binary(rng, 8), _binary(rng, 8)
        return {"s0": a, "s1": b, "s2": bytes(x ^ y ^ z for x, y, z in zip(a, b, const))}

    c.mset(values())
    bad = []
    w, r = server.client(), server.client()

    def writer():
        w.mset(values())

    def checker():
        r.bitop("XOR", "x", *srcs)
        v = r.get("x")
        if v != const:
            bad.append(v)

    run_for(1.5, writer, checker)
    assert not bad, bad[:5]
    assert c.bitop("XOR", "x", *srcs) == 8


def _pipeline(client, commands):
    client.sock.sendall(b"".join(encode(*c) for c in commands))
    return [client.read_reply() for _ in commands]


def _bitop_stats(client):
    info = client.call("INFO", "commandstats").decode()
    for line in info.split("\r\n"):
        if line.startswith("cmdstat_bitop:"):
            fields = dict(f.split("=") for f in line.split(":", 1)[1].split(","))
            return fields["calls"], fields["failed_calls"], fields["rejected_calls"]
    return None


@pytest.mark.parametrize("threads,seed", [(2, 0), (2, 1), (2, 2), (1, 3)])
def test_bitop_pipelined_random(lacewing_factory, redis_server, threads, seed):
    """Pipelines of BITOPs run as groups (string_bitop.cc): a request reading what an earlier
    one writes, the same destination twice, sources of another type, missing keys, malformed
    requests and other commands in between must all answer as redis-server does, request by
    request, and leave the same strings and command statistics."""
    server = lacewing_factory("--proactor_threads", str(threads))
    lw, rd = RawClient(server.port), RawClient(redis_server.port)
    rng = random.Random(300 + seed)
    keys = KEYS + ["dst", "d2"]
    for _ in range(60):
        commands = []
        for _ in range(rng.randint(1, 40)):
            r = rng.random()
            if r < 0.06:
                commands.append(("SET", rng.choice(keys), _binary(rng, rng.randint(0, 40))))
            elif r < 0.08:
                commands.append(("SET", rng.choice(keys), str(rng.randint(-99, 99999))))
            elif r < 0.1:
                commands.append(("DEL", rng.choice(keys)))
            elif r < 0.11:
                commands.append(("RPUSH", rng.choice(keys), "x"))
            elif r < 0.13:
                commands.append(("BITOP", rng.choice(["NAND", "NOT"]), "dst", "b0", "b1"))
            else:
                op = rng.choice(["AND", "OR", "XOR", "NOT", "xor"])
                n = 1 if op == "NOT" else rng.randint(1, 5)
                srcs = [rng.choice(keys + ["nokey"]) for _ in range(n)]
                commands.append(("BITOP", op, rng.choice(keys), *srcs))
        got, want = _pipeline(lw, commands), _pipeline(rd, commands)
        for c, g, w in zip(commands, got, want):
            assert g == w, f"{c}: lacewing {g!r} != redis {w!r}"
        for k in keys:
            assert lw.call("GET", k) == rd.call("GET", k)
    assert _bitop_stats(lw) == _bitop_stats(rd)
    # LATENCY HISTOGRAM times the grouped calls too: its buckets (cumulative) count them all.
    hist = server.client().execute_command("LATENCY", "HISTOGRAM", "bitop")
    fields = dict(zip(hist[1][::2], hist[1][1::2]))
    assert fields[b"histogram_usec"][-1] == fields[b"calls"] == int(_bitop_stats(lw)[0]), hist
    lw.close()
    rd.close()
