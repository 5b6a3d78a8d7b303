"""Command generators of the differential fuzzer (diff_fuzz.py), one function per family.

Each takes the Fuzzer `f` (random source f.r, value helpers, f.send(mode, *args)) and sends one
command. Modes are documented in diff_fuzz.py.
"""
from diff_fuzz import COORDS, TYPES


def strings(f):
    k, r = f.key("str"), f.r
    c = r.randrange(16)
    if c == 0:
        opts = []
        if f.maybe(0.3):
            opts.append(f.pick("NX", "XX"))
        if f.maybe(0.2):
            opts.append("GET")
        if f.maybe(0.2):
            opts += f.pick(["EXAT", f.expire_base + r.randint(0, 50)], ["KEEPTTL"], ["EX", "100000"])
        f.send("exact", "SET", k, f.pick(f.member(), f.int_(), f.score()), *opts)
    elif c == 1:
        f.send("exact", f.pick("GET", "STRLEN", "GETDEL"), k)
    elif c == 2:
        f.send("exact", "APPEND", k, f.member())
    elif c == 3:
        f.send("exact", f.pick("GETRANGE", "SUBSTR"), k, f.idx(), f.idx())
    elif c == 4:
        f.send("exact", "SETRANGE", k, str(r.randint(0, 20)), f.member())
    elif c == 5:
        f.send("exact", f.pick("INCR", "DECR"), k)
    elif c == 6:
        f.send("exact", f.pick("INCRBY", "DECRBY"), k, f.int_())
    elif c == 7:
        f.send("exact", "INCRBYFLOAT", k, f.pick("1.5", "-0.25", "3", "0.5", "1e3", "-2", "abc", "inf"))
    elif c == 8:
        kv = []
        for _ in range(r.randint(1, 3)):
            kv += [f.key("str"), f.member()]
        f.send("exact", f.pick("MSET", "MSETNX"), *kv)
    elif c == 9:
        f.send("exact", "MGET", *[f.key("str") for _ in range(r.randint(1, 4))])
    elif c == 10:
        f.send("exact", "GETSET", k, f.member())
    elif c == 11:
        f.send("exact", "SETNX", k, f.member())
    elif c == 12:
        opts = f.pick([], ["LEN"], ["IDX"], ["IDX", "MINMATCHLEN", "1"], ["IDX", "WITHMATCHLEN"])
        f.send("exact", "LCS", k, f.key("str"), *opts)
    elif c == 13:
        opts = f.pick([], ["PERSIST"], ["EXAT", str(f.expire_base)], ["PXAT", str(f.expire_base * 1000)])
        f.send("exact", "GETEX", k, *opts)
    elif c == 14:
        f.send("exact", "SETEX", k, f.pick("100000", "0", "-1"), f.member())
    else:
        f.send("exact", "PSETEX", k, f.pick("100000000", "0"), f.member())


def bits(f):
    k, r = f.key("bits"), f.r
    c = r.randrange(9)
    unit = f.pick([], ["BYTE"], ["BIT"])
    if c == 0:
        f.send("exact", "SETBIT", k, str(r.randint(0, 120)), f.pick("0", "1", "1", "2"))
    elif c == 1:
        f.send("exact", "GETBIT", k, str(r.randint(0, 130)))
    elif c == 2:
        f.send("exact", "BITCOUNT", k, *([f.idx(), f.idx()] + unit if f.maybe() else []))
    elif c == 3:
        rng = [] if f.maybe(0.3) else [f.idx()] + ([f.idx()] + unit if f.maybe() else [])
        f.send("exact", "BITPOS", k, f.pick("0", "1"), *rng)
    elif c == 4:
        op = f.pick("AND", "OR", "XOR", "NOT")
        srcs = [f.key("bits")] if op == "NOT" else [f.key("bits") for _ in range(r.randint(1, 3))]
        f.send("exact", "BITOP", op, f.key("bits"), *srcs)
    elif c == 5 or c == 6:
        ops = []
        for _ in range(r.randint(1, 3)):
            t = f.pick("u8", "i8", "u4", "i16", "u1", "i63", "u63")
            off = f.pick(str(r.randint(0, 40)), "#%d" % r.randint(0, 4))
            op = r.randrange(4)
            if op == 0:
                ops += ["GET", t, off]
            elif op == 1:
                ops += ["SET", t, off, f.int_()]
            elif op == 2:
                ops += ["INCRBY", t, off, f.int_()]
            else:
                ops += ["OVERFLOW", f.pick("WRAP", "SAT", "FAIL")]
        f.send("exact", "BITFIELD", k, *ops)
    elif c == 7:
        f.send("exact", "BITFIELD_RO", k, "GET", f.pick("u8", "i5", "u16"), str(r.randint(0, 40)))
    else:
        f.send("exact", "SET", k, f.member())


def lists(f):
    k, r = f.key("list"), f.r
    c = r.randrange(15)
    if c == 0:
        f.send("exact", f.pick("LPUSH", "RPUSH"), k, *f.members())
    elif c == 1:
        f.send("exact", f.pick("LPUSHX", "RPUSHX"), k, *f.members())
    elif c == 2:
        f.send("exact", f.pick("LPOP", "RPOP"), k, *([str(r.randint(0, 4))] if f.maybe() else []))
    elif c == 3:
        f.send("exact", "LRANGE", k, f.idx(), f.idx())
    elif c == 4:
        f.send("exact", "LINDEX", k, f.idx())
    elif c == 5:
        f.send("exact", "LSET", k, f.idx(), f.member())
    elif c == 6:
        f.send("exact", "LINSERT", k, f.pick("BEFORE", "AFTER"), f.member(), f.member())
    elif c == 7:
        f.send("exact", "LREM", k, f.idx(), f.member())
    elif c == 8:
        f.send("exact", "LTRIM", k, f.idx(), f.idx())
    elif c == 9:
        f.send("exact", "LLEN", k)
    elif c == 10:
        opts = []
        if f.maybe():
            opts += ["RANK", f.pick("1", "-1", "2", "-2", "0")]
        if f.maybe():
            opts += ["COUNT", f.pick("0", "1", "2", "5")]
        if f.maybe(0.3):
            opts += ["MAXLEN", f.pick("0", "1", "3")]
        f.send("exact", "LPOS", k, f.member(), *opts)
    elif c == 11:
        f.send("exact", "LMOVE", k, f.key("list"), f.pick("LEFT", "RIGHT"), f.pick("LEFT", "RIGHT"))
    elif c == 12:
        f.send("exact", "RPOPLPUSH", k, f.key("list"))
    elif c == 13:
        keys = [f.key("list") for _ in range(r.randint(1, 3))]
        cnt = ["COUNT", str(r.randint(1, 4))] if f.maybe() else []
        f.send("exact", "LMPOP", str(len(keys)), *keys, f.pick("LEFT", "RIGHT"), *cnt)
    else:
        sort(f, k)


def sort(f, k):
    opts = sort_opts(f)
    if "ALPHA" in opts and "STORE" not in opts:
        # Redis compares with strcoll here: "a" and "a\0b" tie, in an order its sort decides.
        # Compared as: equal after cutting each element at NUL, and the same multiset.
        if "LIMIT" in opts:
            i = opts.index("LIMIT")
            del opts[i:i + 3]
        f.send("alpha", "SORT", k, *[o for o in opts if o != "GET" and o not in ("#", "s*", "h0->*")])
    else:
        f.send("exact", "SORT", k, *opts)


def sort_opts(f):
    opts = []
    if f.maybe(0.3):
        opts += ["BY", f.pick("nosort", "s*", "h0->*")]
        if opts[-1] == "nosort":
            opts = []  # BY nosort on a set returns set order: not determined
    if f.maybe():
        opts += ["LIMIT", f.idx(), f.idx()]
    if f.maybe(0.3):
        opts += ["GET", f.pick("#", "s*", "h0->*")]
    if f.maybe():
        opts.append(f.pick("ASC", "DESC"))
    if f.maybe(0.7) and "BY" not in opts:
        # (ALPHA with BY leaves equal weights in an order Redis's unstable sort decides.)
        opts.append("ALPHA")
    if f.maybe(0.2):
        opts += ["STORE", f.key("list")]
    return opts


def hashes(f):
    k, r = f.key("hash"), f.r
    c = r.randrange(12)
    if c == 0:
        fv = []
        for _ in range(r.randint(1, 4)):
            fv += [f.member(), f.pick(f.member(), f.int_(), f.score())]
        f.send("exact", f.pick("HSET", "HMSET"), k, *fv)
    elif c == 1:
        f.send("exact", "HSETNX", k, f.member(), f.member())
    elif c == 2:
        f.send("exact", f.pick("HGET", "HEXISTS", "HSTRLEN"), k, f.member())
    elif c == 3:
        f.send("exact", "HMGET", k, *f.members())
    elif c == 4:
        f.send("exact", "HDEL", k, *f.members())
    elif c == 5:
        f.send("exact", "HLEN", k)
    elif c == 6:
        f.send("exact", "HINCRBY", k, f.member(), f.int_())
    elif c == 7:
        f.send("exact", "HINCRBYFLOAT", k, f.member(), f.pick("1.5", "-0.25", "2", "x"))
    elif c == 8:
        f.send("unordered", f.pick("HKEYS", "HVALS"), k)
    elif c == 9:
        f.send("pairs", "HGETALL", k)
    elif c == 10:
        args = [f.pick("1", "3", "-3", "0", "10")] + (["WITHVALUES"] if f.maybe() else []) if f.maybe() else []
        f.send("count", "HRANDFIELD", k, *args)
    else:
        f.send("scan", "HSCAN", k, "0", *(["MATCH", f.pick("*", "a*", "?")] if f.maybe() else []))


def sets(f):
    k, r = f.key("set"), f.r
    c = r.randrange(12)
    if c == 0:
        f.send("exact", "SADD", k, *f.members(1, 6))
    elif c == 1:
        f.send("exact", "SREM", k, *f.members())
    elif c == 2:
        f.send("exact", "SISMEMBER", k, f.member())
    elif c == 3:
        f.send("exact", "SMISMEMBER", k, *f.members())
    elif c == 4:
        f.send("exact", "SCARD", k)
    elif c == 5:
        f.send("unordered", "SMEMBERS", k)
    elif c == 6:
        f.send("unordered", f.pick("SINTER", "SUNION", "SDIFF"), *[f.key("set") for _ in range(r.randint(1, 3))])
    elif c == 7:
        f.send("exact", f.pick("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), f.key("set"),
               *[f.key("set") for _ in range(r.randint(1, 3))])
    elif c == 8:
        keys = [f.key("set") for _ in range(r.randint(1, 3))]
        f.send("exact", "SINTERCARD", str(len(keys)), *keys, *(["LIMIT", f.pick("0", "1", "2")] if f.maybe() else []))
    elif c == 9:
        f.send("exact", "SMOVE", k, f.key("set"), f.member())
    elif c == 10:
        if f.maybe(0.5):
            f.send("count", "SRANDMEMBER", k, *([f.pick("1", "3", "-3", "0", "30")] if f.maybe() else []))
        else:
            f.send("unordered", "SPOP", k, "100000")
    else:
        f.send("scan", "SSCAN", k, "0", *(["MATCH", f.pick("*", "a*", "?")] if f.maybe() else []))


def lex(f):
    x = f.r.random()
    if x < 0.15:
        return "-"
    if x < 0.3:
        return "+"
    return f.pick(b"[", b"(") + f.member()


def score_bound(f):
    return f.pick("", "(") + f.score()


def limit(f):
    return ["LIMIT", f.pick("0", "1", "2", "-1", "5"), f.pick("-1", "0", "1", "2", "3", "10")] if f.maybe(0.4) else []


def lex_key(f):
    """A sorted set for a lexical range: Redis defines those only when every score is equal
    (with mixed scores its answer depends on the skiplist's random levels), so the key is one
    of the score-0 sets, and only if its first and last scores are still equal (else None)."""
    k = f.key(f.pick("zlex", "zset"))
    return k if uniform(f, k) else None


def uniform(f, k):
    if f.rd.call("OBJECT", "ENCODING", k) == b"$8\r\nlistpack\r\n":
        return True  # Redis scans a listpack in order: defined for mixed scores too
    lo = f.rd.call("ZRANGE", k, "0", "0", "WITHSCORES")
    hi = f.rd.call("ZRANGE", k, "-1", "-1", "WITHSCORES")
    return lo[:1] == b"*" and lo.split(b"\r\n")[-2:] == hi.split(b"\r\n")[-2:]


def zsets(f):
    k, r = f.key(f.pick("zset", "zset", "zlex")), f.r
    c = r.randrange(20)
    by_lex = c in (7, 12) or (c == 13 and f.maybe(0.4))
    if by_lex:
        k = lex_key(f)
        if k is None:
            f.send("exact", "ZCARD", "y0")
            return
    if c == 0:
        opts = [o for o in (f.pick("", "NX", "XX"), f.pick("", "", "GT", "LT"), f.pick("", "CH")) if o]
        sm = []
        for _ in range(r.randint(1, 4)):
            sm += [f.score(), f.member()]
        if f.maybe(0.15):
            opts.append("INCR")
            sm = sm[:2]
        if k in TYPES["zlex"]:
            sm[0::2] = ["0"] * len(sm[0::2])
        f.send("exact", "ZADD", k, *opts, *sm)
    elif c == 1:
        k = f.key("zset")
        f.send("exact", "ZINCRBY", k, f.pick("1", "-1.5", "0.25", "inf"), f.member())
    elif c == 2:
        f.send("exact", "ZREM", k, *f.members())
    elif c == 3:
        f.send("exact", f.pick("ZSCORE", "ZRANK", "ZREVRANK"), k, f.member())
    elif c == 4:
        f.send("exact", f.pick("ZMSCORE"), k, *f.members())
    elif c == 5:
        f.send("exact", f.pick("ZCARD"), k)
    elif c == 6:
        f.send("exact", "ZCOUNT", k, score_bound(f), score_bound(f))
    elif c == 7:
        f.send("exact", "ZLEXCOUNT", k, lex(f), lex(f))
    elif c == 8 or c == 9:
        zrange(f, "ZRANGE", [k])
    elif c == 10:
        zrange(f, "ZRANGESTORE", [f.key(f.pick("zset", "zlex")), k])
    elif c == 11:
        cmd = f.pick("ZRANGEBYSCORE", "ZREVRANGEBYSCORE")
        ws = ["WITHSCORES"] if f.maybe() else []
        f.send("exact", cmd, k, score_bound(f), score_bound(f), *ws, *limit(f))
    elif c == 12:
        f.send("exact", f.pick("ZRANGEBYLEX", "ZREVRANGEBYLEX"), k, lex(f), lex(f), *limit(f))
    elif c == 13:
        x = 2 if by_lex else r.randrange(2)
        if x == 0:
            f.send("exact", "ZREMRANGEBYSCORE", k, score_bound(f), score_bound(f))
        elif x == 1:
            f.send("exact", "ZREMRANGEBYRANK", k, f.idx(), f.idx())
        else:
            f.send("exact", "ZREMRANGEBYLEX", k, lex(f), lex(f))
    elif c == 14:
        f.send("exact", f.pick("ZPOPMIN", "ZPOPMAX"), k, *([f.pick("0", "1", "2", "10")] if f.maybe() else []))
    elif c == 15:
        keys = [f.key("zset") for _ in range(r.randint(1, 3))]
        f.send("exact", "ZMPOP", str(len(keys)), *keys, f.pick("MIN", "MAX"),
               *(["COUNT", f.pick("1", "2", "10")] if f.maybe() else []))
    elif c in (16, 17):
        zalgebra(f)
    elif c == 18:
        args = [f.pick("1", "3", "-3", "0", "10")] + (["WITHSCORES"] if f.maybe() else []) if f.maybe() else []
        f.send("count", "ZRANDMEMBER", k, *args)
    else:
        f.send("scan", "ZSCAN", k, "0", *(["MATCH", f.pick("*", "a*", "?")] if f.maybe() else []))


def zrange(f, cmd, keys):
    r = f.r
    by = f.pick("", "BYSCORE", "BYLEX")
    if by == "BYLEX" and not uniform(f, keys[-1]):
        by = ""
    if by == "BYSCORE":
        lo, hi = score_bound(f), score_bound(f)
    elif by == "BYLEX":
        lo, hi = lex(f), lex(f)
    else:
        lo, hi = f.idx(), f.idx()
    opts = [by] if by else []
    if f.maybe(0.4):
        opts.append("REV")
    if by and f.maybe(0.5):
        opts += ["LIMIT", f.pick("0", "1", "2", "-1", "3"), f.pick("-1", "0", "1", "2", "5")]
    if cmd == "ZRANGE" and by != "BYLEX" and f.maybe(0.4):
        opts.append("WITHSCORES")
    r.shuffle(opts) if f.maybe(0.1) else None
    f.send("exact", cmd, *keys, lo, hi, *opts)


def zalgebra(f):
    r = f.r
    op = f.pick("ZDIFF", "ZINTER", "ZUNION", "ZDIFFSTORE", "ZINTERSTORE", "ZUNIONSTORE", "ZINTERCARD")
    keys = [f.pick(f.key("zset"), f.key("set")) for _ in range(r.randint(1, 3))]
    args = [str(len(keys))] + keys
    if op.endswith("STORE"):
        args = [f.key("zset")] + args
    if op == "ZINTERCARD":
        if f.maybe():
            args += ["LIMIT", f.pick("0", "1", "3")]
        f.send("exact", op, *args)
        return
    if not op.startswith("ZDIFF"):
        if f.maybe(0.4):
            args += ["WEIGHTS"] + [f.pick("1", "2", "0", "-1", "0.5", "inf") for _ in keys]
        if f.maybe(0.4):
            args += ["AGGREGATE", f.pick("SUM", "MIN", "MAX")]
    if not op.endswith("STORE") and f.maybe():
        args.append("WITHSCORES")
    f.send("exact", op, *args)


def streams(f):
    k, r = f.key("stream"), f.r
    c = r.randrange(10)
    sid = lambda: "%d-%d" % (r.randint(0, 6), r.randint(0, 3))
    if c in (0, 1):
        opts = []
        if f.maybe(0.2):
            opts.append("NOMKSTREAM")
        if f.maybe(0.2):
            opts += f.pick(["MAXLEN", str(r.randint(0, 5))], ["MINID", sid()], ["MAXLEN", "=", "3"])
        fv = []
        for _ in range(r.randint(1, 3)):
            fv += [f.member(), f.member()]
        f.send("exact", "XADD", k, *opts, f.pick(sid(), "%d-*" % r.randint(0, 7)), *fv)
    elif c == 2:
        bound = lambda: f.pick("-", "+", sid(), "(" + sid(), str(r.randint(0, 6)))
        cmd = f.pick("XRANGE", "XREVRANGE")
        f.send("exact", cmd, k, bound(), bound(), *(["COUNT", f.pick("0", "1", "2", "5")] if f.maybe() else []))
    elif c == 3:
        f.send("exact", "XLEN", k)
    elif c == 4:
        f.send("exact", "XDEL", k, *[sid() for _ in range(r.randint(1, 3))])
    elif c == 5:
        f.send("exact", "XTRIM", k, *f.pick(["MAXLEN", str(r.randint(0, 5))], ["MINID", sid()]))
    elif c == 6:
        keys = [f.key("stream") for _ in range(r.randint(1, 2))]
        f.send("exact", "XREAD", *(["COUNT", "2"] if f.maybe() else []), "STREAMS", *keys,
               *[f.pick("0", sid(), "0-0") for _ in keys])
    elif c == 7:
        f.send("exact", "XGROUP", "CREATE", k, f.pick("g1", "g2"), f.pick("0", "$", sid()),
               *(["MKSTREAM"] if f.maybe() else []))
    elif c == 8:
        f.send("exact", "XREADGROUP", "GROUP", f.pick("g1", "g2"), f.pick("c1", "c2"),
               *(["COUNT", "2"] if f.maybe() else []), *(["NOACK"] if f.maybe(0.2) else []),
               "STREAMS", k, f.pick(">", "0"))
    else:
        if f.maybe():
            f.send("exact", "XACK", k, f.pick("g1", "g2"), *[sid() for _ in range(r.randint(1, 3))])
        else:
            f.send("exact", "XPENDING", k, f.pick("g1", "g2"))


def geo(f):
    k, r = f.key("geo"), f.r
    c = r.randrange(7)
    if c == 0:
        args = [o for o in (f.pick("", "NX", "XX"), f.pick("", "CH")) if o]
        for _ in range(r.randint(1, 3)):
            lon, lat = f.pick(*COORDS) if f.maybe(0.95) else ("200", "100")
            args += [lon, lat, f.member()]
        f.send("exact", "GEOADD", k, *args)
    elif c == 1:
        f.send("exact", "GEOPOS", k, *f.members())
    elif c == 2:
        f.send("exact", "GEODIST", k, f.member(), f.member(), *([f.pick("m", "km", "mi", "ft")] if f.maybe() else []))
    elif c == 3:
        f.send("exact", "GEOHASH", k, *f.members())
    elif c in (4, 5):
        frm = f.pick(["FROMMEMBER", f.member()], ["FROMLONLAT", *f.pick(*COORDS)])
        by = f.pick(["BYRADIUS", f.pick("100", "1000", "5000"), f.pick("km", "mi")],
                    ["BYBOX", f.pick("400", "4000"), f.pick("400", "2000"), "km"])
        opts = [f.pick("ASC", "DESC")]
        if f.maybe():
            opts += ["COUNT", f.pick("1", "2", "5")]
        if c == 4:
            opts += [o for o in ("WITHCOORD", "WITHDIST", "WITHHASH") if f.maybe(0.3)]
            # With COUNT the cut point can fall between equal distances: only the length is fixed.
            f.send("count" if "COUNT" in opts else "unordered", "GEOSEARCH", k, *frm, *by, *opts)
        else:
            if "COUNT" in opts:
                opts = opts[:1]
            f.send("exact", "GEOSEARCHSTORE", f.key("zset"), k, *frm, *by, *opts,
                   *(["STOREDIST"] if f.maybe() else []))
    else:
        f.send("unordered", "GEORADIUS", k, *f.pick(*COORDS), f.pick("100", "2000"), "km",
               *[o for o in ("WITHDIST", "WITHCOORD") if f.maybe(0.3)])


def hll(f):
    k, r = f.key("hll"), f.r
    c = r.randrange(3)
    if c == 0:
        f.send("exact", "PFADD", k, *f.members(0, 6))
    elif c == 1:
        f.send("exact", "PFCOUNT", *[f.key("hll") for _ in range(r.randint(1, 3))])
    else:
        f.send("exact", "PFMERGE", f.key("hll"), *[f.key("hll") for _ in range(r.randint(0, 3))])


def bulk(f):
    """Grows a value past the small encodings (listpack/intset limits are 128 entries / 64
    bytes in Redis) so both representations meet the other commands."""
    r = f.r
    kind = f.pick("zset", "zlex", "set", "list", "hash")
    k, n = f.key(kind), r.randint(100, 300)
    names = [b"m%d" % r.randrange(400) for _ in range(n)]
    if f.maybe(0.2):
        names[0] = b"x" * r.randint(60, 80)
    if kind in ("zset", "zlex"):
        args = []
        for m in names:
            args += ["0" if kind == "zlex" else str(r.randint(-50, 50)), m]
        f.send("exact", "ZADD", k, *args)
    elif kind == "set":
        f.send("exact", "SADD", k, *(names if f.maybe() else [str(r.randint(-1000, 1000)) for _ in names]))
    elif kind == "list":
        f.send("exact", "RPUSH", k, *names)
    else:
        args = []
        for m in names:
            args += [m, str(r.randrange(10))]
        f.send("exact", "HSET", k, *args)


def anykey(f):
    return f.r.choice([k for ks in TYPES.values() for k in ks] + ["none"])


def keyspace(f):
    r = f.r
    c = r.randrange(14)
    k = anykey(f)
    if c == 0:
        f.send("exact", f.pick("DEL", "UNLINK", "EXISTS", "TOUCH"), *[anykey(f) for _ in range(r.randint(1, 3))])
    elif c == 1:
        f.send("exact", "TYPE", k)
    elif c == 2:
        f.send("exact", f.pick("RENAME", "RENAMENX"), k, anykey(f))
    elif c == 3:
        f.send("exact", "COPY", k, anykey(f), *(["REPLACE"] if f.maybe() else []))
    elif c == 4:
        opt = [f.pick("NX", "XX", "GT", "LT")] if f.maybe(0.4) else []
        f.send("exact", f.pick("EXPIRE", "PEXPIRE"), k, f.pick("100000", "200000", "-1", "0", "999999"), *opt)
    elif c == 5:
        opt = [f.pick("NX", "XX", "GT", "LT")] if f.maybe(0.4) else []
        t = f.expire_base + r.randint(-5, 50)
        if f.maybe():
            f.send("exact", "EXPIREAT", k, str(t), *opt)
        else:
            f.send("exact", "PEXPIREAT", k, str(t * 1000 + r.randint(0, 999)), *opt)
    elif c == 6:
        cmd = f.pick("EXPIRETIME", "PEXPIRETIME", "PERSIST")
        f.send("exact" if cmd == "PERSIST" else "ttl", cmd, k)
    elif c == 7:
        f.send("ttl", f.pick("TTL", "PTTL"), k)
    elif c == 8:
        f.send("unordered", "KEYS", f.pick("*", "s*", "?0", "[sl]*", "*1", "x"))
    elif c == 9:
        f.send("exact", "DBSIZE")
    elif c == 10:
        f.send("type", "RANDOMKEY")
    elif c == 11:
        opts = []
        if f.maybe():
            opts += ["MATCH", f.pick("*", "s*", "?1")]
        if f.maybe():
            opts += ["TYPE", f.pick("string", "list", "hash", "set", "zset", "stream")]
        if f.maybe():
            opts += ["COUNT", f.pick("1", "3", "100")]
        f.send("scan", "SCAN", "0", *opts)
    elif c == 12:
        sort(f, f.pick(*TYPES["set"], *TYPES["zset"], *TYPES["list"]))
    else:
        f.send("exact", "OBJECT", "ENCODING", "never-written")


SCRIPTS = [
    ("return redis.call('GET', KEYS[1])", 1),
    ("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1),
    ("return redis.pcall('LPUSH', KEYS[1], ARGV[1])", 1),
    ("return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')", 1),
    ("return {1, 2, {3, 'x'}, redis.status_reply('OK'), false, 3.9}", 0),
    ("local n = redis.call('SCARD', KEYS[1]) return n * 2", 1),
    ("return redis.call('HGET', KEYS[1], ARGV[1])", 1),
    ("return redis.error_reply('MY err ' .. ARGV[1])", 0),
    ("return tostring(redis.call('EXISTS', KEYS[1]))", 1),
    ("redis.call('SET', KEYS[1], ARGV[1]) return redis.call('STRLEN', KEYS[1])", 1),
    ("return redis.call('XRANGE', KEYS[1], '-', '+')", 1),
    ("local t = redis.call('LRANGE', KEYS[1], 0, -1) return #t", 1),
    ("return redis.pcall('INCR', KEYS[1])", 1),
    ("return redis.call('TYPE', KEYS[1])", 1),
    ("return redis.sha1hex(ARGV[1])", 0),
    ("return {redis.call('ZSCORE', KEYS[1], ARGV[1])}", 1),
]


def scripts(f):
    src, nkeys = f.r.choice(SCRIPTS)
    keys = [anykey(f) for _ in range(nkeys)]
    f.send("exact", f.pick("EVAL", "EVAL"), src, str(nkeys), *keys, f.pick(f.member(), f.int_()))


def transactions(f):
    """MULTI, a few commands compared exactly (their QUEUED replies), EXEC or DISCARD."""
    f.send("exact", "MULTI")
    for _ in range(f.r.randint(0, 3)):
        k = f.key("zset")
        f.send("exact", *f.pick(["ZADD", k, f.score(), f.member()], ["INCR", f.key("str")],
                                ["RPUSH", f.key("list"), f.member()], ["ZRANGE", k, "0", "-1"],
                                ["SADD", f.key("set"), f.member()], ["GET", f.key("str")]))
    f.send("exact", f.pick("EXEC", "EXEC", "DISCARD"))


FAMILIES = {"strings": strings, "bits": bits, "lists": lists, "hashes": hashes, "sets": sets,
            "zsets": zsets, "zsets2": zsets, "streams": streams, "geo": geo, "hll": hll,
            "keyspace": keyspace, "scripts": scripts, "bulk": bulk,
            "transactions": transactions}
