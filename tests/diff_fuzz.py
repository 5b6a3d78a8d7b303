"""Seeded differential fuzzer: random valid command sequences of every family go to Lacewing
and to redis-server 7.0, and the replies must be identical (tests/test_diff_fuzz.py drives it).

A run is a list of seeds; each seed starts from FLUSHALL and sends `steps` commands drawn by
random.Random(seed), so a failure is replayed exactly by its seed (and the step it failed at).
Keys come from a small pool per type (so commands meet each other's data), with a few picks of
any key (WRONGTYPE paths); members are short binary strings from a pool that includes "", NUL,
CR LF, high bytes and number-like strings, plus random bytes now and then.

Replies that Redis itself does not determine are canonicalized, never silently skipped:
  - unordered: SMEMBERS, SINTER/SUNION/SDIFF, HKEYS/HVALS, KEYS, GEOSEARCH/GEORADIUS (ties in
    distance are ordered by an unstable sort in Redis): the same elements in any order;
  - pairs: HGETALL (listpack vs hashtable order);
  - count: SRANDMEMBER/HRANDFIELD/ZRANDMEMBER (random picks): the same reply type and length;
  - alpha: SORT ... ALPHA without STORE (Redis compares with strcoll, so "a" and "a\\0b" tie
    in an order its unstable sort decides): equal once each element is cut at its first NUL,
    and the same multiset (no LIMIT/GET then);
  - scan: SCAN/SSCAN/HSCAN/ZSCAN are iterated to cursor 0 on each side and the union compared;
  - ttl: TTL/PTTL, and EXPIRETIME/PEXPIRETIME after a relative EXPIRE, may differ by the time
    between the two sends: within 2 s of each other;
  - type: RANDOMKEY: both nil, or both a bulk string.
SPOP is only sent with a count >= the set's size (removes everything: deterministic). Scores,
weights and float increments are exactly representable binary fractions: Redis 7.0 prints
other doubles with %.17g, Lacewing with the shortest round-trip form (Redis 7.2's), a known
difference test_zsets_diff.py documents. Not generated: blocking commands (their own tests),
approximate trimming (MAXLEN ~ depends on node sizes), XINFO/XPENDING detail forms and
OBJECT/MEMORY/DEBUG (implementation detail), DUMP payloads.
"""
import random
import time

from differential import _split_aggregate
from resp_client import RawClient

MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"", b"\x00", b"a\x00b", b"\xff\xfe", b"\r\n", b"10",
           b"-1", b"1.5", b"3", b"zz", b"A", b"\xc3\xa9", b"ab", b"abc", b"b\xff"]
SCORES = ["0", "1", "-1", "2", "3", "1.5", "-2.5", "0.25", "100", "-100", "7", "inf", "-inf",
          "+inf", "0.5", "42"]
INTS = ["0", "1", "-1", "2", "3", "5", "10", "-5", "100", "-100", "9223372036854775807",
        "-9223372036854775808"]
TYPES = {"str": ["s0", "s1", "s2"], "list": ["l0", "l1", "l2"], "hash": ["h0", "h1"],
         "set": ["S0", "S1", "S2"], "zset": ["z0", "z1", "z2"], "zlex": ["y0", "y1"], "stream": ["x0", "x1"],
         "geo": ["g0", "g1"], "hll": ["p0", "p1"], "bits": ["b0", "b1", "b2"]}
ALL_KEYS = [k for ks in TYPES.values() for k in ks] + ["none"]
COORDS = [("13.361389", "38.115556"), ("15.087269", "37.502669"), ("-122.27652", "37.805186"),
          ("0", "0"), ("179.9", "-85.05"), ("2.3522", "48.8566"), ("13.361389", "38.115556"),
          ("-0.1278", "51.5074")]


class Mismatch(AssertionError):
    pass


def _ints(reply):
    return int(reply[1:-2])


class Fuzzer:
    def __init__(self, lw_port, rd_port, expire_base):
        self.lw = RawClient(lw_port)
        self.rd = RawClient(rd_port)
        self.expire_base = expire_base  # one absolute time for both servers' EXPIREAT
        self.history = []

    def close(self):
        self.lw.close()
        self.rd.close()

    # ---- comparison -------------------------------------------------------------------------
    def _fail(self, args, lw, rd):
        tail = "\n".join(repr(h) for h in self.history[-25:])
        raise Mismatch(f"seed {self.seed} step {self.step}: {args!r}\n  lacewing {lw!r}\n"
                       f"  redis    {rd!r}\nlast commands:\n{tail}")

    def send(self, mode, *args):
        args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.history.append(args)
        if mode == "scan":
            return self._scan(args)
        lw, rd = self.lw.call(*args), self.rd.call(*args)
        if lw == rd:
            return lw
        same = False
        if lw[:1] == rd[:1] and lw[:1] in (b"*", b"~", b"%"):
            lh, le = _split_aggregate(lw)
            rh, re_ = _split_aggregate(rd)
            if mode == "unordered":
                same = lh == rh and sorted(le) == sorted(re_)
            elif mode == "pairs":
                same = lh == rh and sorted(zip(le[0::2], le[1::2])) == sorted(zip(re_[0::2], re_[1::2]))
            elif mode == "count":
                same = lh == rh
            elif mode == "alpha":
                cut = lambda e: [x.split(b"\r\n", 1)[1][:-2].split(b"\0")[0] for x in e]
                same = lh == rh and sorted(le) == sorted(re_) and cut(le) == cut(re_)
        elif mode == "ttl" and lw[:1] == rd[:1] == b":":
            a, b = _ints(lw), _ints(rd)
            same = (a == b) or (a >= 0 and b >= 0 and abs(a - b) <= 2000)
        elif mode == "type":
            same = lw[:1] == rd[:1]
        elif mode == "count" and lw[:1] == rd[:1] == b"$":
            same = True
        if not same:
            self._fail(args, lw, rd)
        return lw

    def _scan_all(self, client, args):
        cursor, seen = b"0", []
        for _ in range(10000):
            a = list(args)
            a[1 if a[0].upper() == b"SCAN" else 2] = cursor
            reply = client.call(*a)
            if reply[:1] == b"-":
                return reply
            _, (cur, items) = _split_aggregate(reply)
            _, elems = _split_aggregate(items)
            seen += elems
            cursor = cur.split(b"\r\n")[1]
            if cursor == b"0":
                break
        if args[0].upper() in (b"HSCAN", b"ZSCAN"):
            return sorted(zip(seen[0::2], seen[1::2]))
        return sorted(set(seen))

    def _scan(self, args):
        lw, rd = self._scan_all(self.lw, args), self._scan_all(self.rd, args)
        if lw != rd:
            self._fail(args, lw, rd)

    # ---- value generators -------------------------------------------------------------------
    def key(self, kind):
        if self.r.random() < 0.06:
            return self.r.choice(ALL_KEYS)
        return self.r.choice(TYPES[kind])

    def member(self):
        if self.r.random() < 0.05:
            return bytes(self.r.randrange(256) for _ in range(self.r.randint(1, 6)))
        return self.r.choice(MEMBERS)

    def members(self, lo=1, hi=5):
        return [self.member() for _ in range(self.r.randint(lo, hi))]

    def score(self):
        return self.r.choice(SCORES)

    def int_(self):
        return self.r.choice(INTS)

    def idx(self):
        return str(self.r.randint(-8, 8))

    def pick(self, *opts):
        return self.r.choice(opts)

    def maybe(self, p=0.5):
        return self.r.random() < p

    # ---- the run ----------------------------------------------------------------------------
    def run_seed(self, seed, steps):
        from diff_fuzz_cmds import FAMILIES
        self.seed, self.r = seed, random.Random(seed)
        self.history = []
        self.step = -1
        self.send("exact", "FLUSHALL")
        # Every fourth seed speaks RESP3 (maps, sets, doubles, nulls in their own types).
        self.send("count", "HELLO", "3" if seed % 4 == 3 else "2")
        names = sorted(FAMILIES)
        for self.step in range(steps):
            FAMILIES[self.r.choice(names)](self)


def run(lw_port, rd_port, seconds, first_seed, steps=400, max_seeds=None):
    """Runs seeds first_seed, first_seed+1, ... until `seconds` pass; returns seeds run."""
    f = Fuzzer(lw_port, rd_port, int(time.time()) + 100000)
    deadline, seed, done = time.time() + seconds, first_seed, 0
    try:
        while time.time() < deadline and (max_seeds is None or done < max_seeds):
            f.run_seed(seed, steps)
            seed += 1
            done += 1
    finally:
        f.close()
    return done
