"""Differential tests (Lacewing vs redis-server 7.0) for the geo commands: GEOADD (NX/XX/CH),
GEOPOS, GEOHASH, GEODIST, GEOSEARCH/GEOSEARCHSTORE and GEORADIUS/GEORADIUSBYMEMBER (and _RO)
with random coordinates (poles of the Mercator range, the antimeridian), random shapes and
every option, in RESP2 and RESP3, and every error. Replies must be equal bytes: distances,
coordinates and the order of results included."""
import os
import random

import pytest

LAT_MAX = 85.05112878
UNITS = ["m", "km", "ft", "mi", "M", "Km"]


def _coord(rng):
    r = rng.random()
    if r < 0.1:  # the antimeridian
        lon = rng.choice([180, -180, 179.9999, -179.9999]) - rng.random() * 0.5 * rng.choice([1, -1])
        lon = max(-180, min(180, lon))
        return lon, rng.uniform(-60, 60)
    if r < 0.2:  # near the poles of the Mercator range
        return rng.uniform(-180, 180), rng.choice([1, -1]) * rng.uniform(80, LAT_MAX)
    if r < 0.25:
        return rng.choice([-180, 180, 0]), rng.choice([LAT_MAX, -LAT_MAX, 0])
    if r < 0.6:  # a dense cluster, so searches find many
        return 13 + rng.uniform(-1, 1), 38 + rng.uniform(-1, 1)
    return rng.uniform(-180, 180), rng.uniform(-LAT_MAX, LAT_MAX)


def _fmt(v, rng):
    return rng.choice([repr(v), f"{v:.6f}", f"{v:.10f}"])


def _populate(diff, rng, key, n):
    seen = set()
    for _ in range(n // 5 + 1):
        args = []
        for _ in range(5):
            lon, lat = _coord(rng)
            m = f"m{rng.randint(0, 4 * n)}"
            args += [_fmt(lon, rng), _fmt(lat, rng), m]
            seen.add(m)
        diff.check("GEOADD", key, *args)
    return sorted(seen)


def _options(rng, store_ok):
    opts = []
    for o in rng.sample(["WITHDIST", "WITHCOORD", "WITHHASH", "ASC", "DESC", "COUNT"],
                        rng.randint(0, 4)):
        if o == "COUNT":
            opts += ["COUNT", str(rng.choice([1, 2, 5, 50]))]
            if rng.random() < 0.3:
                opts.append("ANY")
        elif store_ok or not o.startswith("WITH"):
            opts.append(o)
    return opts


@pytest.mark.parametrize("seed", range(int(os.environ.get("GEO_SEEDS", "6"))))
def test_geo_random_searches(diff, seed):
    rng = random.Random(seed)
    if seed % 2:
        diff.run("HELLO", "3")  # client ids differ
    members = _populate(diff, rng, "g", 150)
    for m in rng.sample(members, 10) + ["absent"]:
        diff.check("GEOPOS", "g", m, "absent")
        diff.check("GEOHASH", "g", m, "absent")
        diff.check("GEODIST", "g", m, rng.choice(members), rng.choice(UNITS))
    for _ in range(60):
        lon, lat = _coord(rng)
        unit = rng.choice(UNITS)
        radius = rng.choice([0, 1, 100, 5000, 200000, 3000000, 25000000]) * rng.random()
        opts = _options(rng, True)
        center = (["FROMMEMBER", rng.choice(members)] if rng.random() < 0.4 else
                  ["FROMLONLAT", _fmt(lon, rng), _fmt(lat, rng)])
        shape = (["BYRADIUS", repr(radius), unit] if rng.random() < 0.5 else
                 ["BYBOX", repr(radius * rng.random() * 2), repr(radius * rng.random() * 2), unit])
        diff.check("GEOSEARCH", "g", *center, *shape, *opts)
        diff.check("GEORADIUS", "g", _fmt(lon, rng), _fmt(lat, rng), repr(radius), unit, *opts)
        diff.check("GEORADIUS_RO", "g", _fmt(lon, rng), _fmt(lat, rng), repr(radius), unit, *opts)
        m = rng.choice(members)
        diff.check("GEORADIUSBYMEMBER", "g", m, repr(radius), unit, *opts)
        diff.check("GEORADIUSBYMEMBER_RO", "g", m, repr(radius), unit, *opts)
        store_opts = [o for o in opts if not o.startswith("WITH")]
        dist = ["STOREDIST"] if rng.random() < 0.5 else []
        dest = rng.choice(["dst", "g2", "{g}x"])
        diff.check("GEOSEARCHSTORE", dest, "g", *center, *shape, *store_opts, *dist)
        diff.check("ZRANGE", dest, "0", "-1", "WITHSCORES")
        diff.check("GEORADIUS", "g", _fmt(lon, rng), _fmt(lat, rng), repr(radius), unit,
                   *store_opts, rng.choice(["STORE", "STOREDIST"]), dest)
        diff.check("ZRANGE", dest, "0", "-1", "WITHSCORES")


def test_geoadd_options(diff):
    diff.check("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
               "Catania")
    diff.check("GEOADD", "g", "NX", "1", "1", "Palermo", "2", "2", "x")
    diff.check("GEOADD", "g", "XX", "1", "1", "Palermo", "3", "3", "y")
    diff.check("GEOADD", "g", "CH", "1", "1", "Palermo", "4", "4", "Catania", "5", "5", "z")
    diff.check("GEOADD", "g", "XX", "CH", "nx".upper().lower() and "4", "4", "Catania")
    diff.check("ZRANGE", "g", "0", "-1", "WITHSCORES")
    diff.check("GEODIST", "g", "Palermo", "Catania")
    diff.check("GEODIST", "g", "Palermo", "Catania", "km")
    diff.check("GEODIST", "g", "Palermo", "nope")
    diff.check("GEODIST", "nokey", "a", "b")
    diff.check("GEOPOS", "nokey", "a", "b")
    diff.check("GEOHASH", "nokey", "a")
    diff.check("GEOPOS", "g")
    diff.check("GEOHASH", "g")
    diff.check("ZADD", "odd", "-5", "neg", "1e300", "huge", "0", "zero", "inf", "inf")
    diff.check("GEOPOS", "odd", "neg", "huge", "zero", "inf")
    diff.check("GEOHASH", "odd", "neg", "huge", "zero")
    diff.check("GEODIST", "odd", "zero", "huge")
    diff.check("GEOSEARCH", "odd", "FROMLONLAT", "0", "0", "BYRADIUS", "30000", "km", "WITHCOORD")


def test_geo_errors(diff):
    diff.check("GEOADD", "g", "1", "2", "a")
    diff.check("SET", "str", "x")
    for args in [
        ["GEOADD", "g", "200", "100", "a"], ["GEOADD", "g", "1", "90", "a"],
        ["GEOADD", "g", "1", "x", "a"], ["GEOADD", "g", "NX", "XX", "1", "2", "a"],
        ["GEOADD", "g", "1", "2", "a", "3"], ["GEOADD", "g", "NX", "CH", "1", "2"],
        ["GEOADD", "str", "1", "2", "a"], ["GEOADD", "g", "1e400", "2", "a"],
        ["GEODIST", "g", "a", "a", "km", "x"], ["GEODIST", "g", "a", "a", "foo"],
        ["GEODIST", "str", "a", "b"], ["GEOPOS", "str", "a"], ["GEOHASH", "str", "a"],
        ["GEORADIUS", "g", "0", "0", "-1", "m"], ["GEORADIUS", "g", "0", "0", "1", "xx"],
        ["GEORADIUS", "g", "0", "0", "x", "m"], ["GEORADIUS", "g", "500", "0", "1", "m"],
        ["GEORADIUS", "str", "500", "0", "1", "m"], ["GEORADIUS", "g", "0", "0", "1", "m", "FOO"],
        ["GEORADIUS", "g", "0", "0", "1", "m", "COUNT", "0"],
        ["GEORADIUS", "g", "0", "0", "1", "m", "COUNT", "x"],
        ["GEORADIUS", "g", "0", "0", "1", "m", "COUNT"],
        ["GEORADIUS", "g", "0", "0", "1", "m", "ANY"],
        ["GEORADIUS", "g", "0", "0", "1", "m", "STORE", "x", "WITHHASH"],
        ["GEORADIUS", "g", "0", "0", "1", "m", "STORE"],
        ["GEORADIUS_RO", "g", "0", "0", "1", "m", "STORE", "x"],
        ["GEORADIUS", "g", "0", "0", "1", "m", "FROMLONLAT", "0", "0"],
        ["GEORADIUSBYMEMBER", "g", "zz", "1", "m"], ["GEORADIUSBYMEMBER", "g", "a", "-1", "m"],
        ["GEORADIUSBYMEMBER", "str", "a", "1", "m"],
        ["GEOSEARCH", "g", "FROMMEMBER", "x", "BYRADIUS", "1", "m"],
        ["GEOSEARCH", "g", "FROMMEMBER", "a", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "BYBOX", "1", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "COUNT", "0"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "ANY"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "-1", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "x", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "x", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "1", "1", "yd"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "x", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1e400", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "COUNT", "1", "ASC"],
        ["geoSearch", "g", "BYRADIUS", "1", "m", "ASC", "DESC"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "STOREDIST"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "STORE", "x"],
        ["GEOSEARCH", "str", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "BAD"],
        ["GEOSEARCH", "nokey", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "BAD"],
        ["GEOSEARCH", "nokey", "FROMMEMBER", "a", "BYRADIUS", "1", "m", "ANY"],
        ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m", "WITHDIST"],
        ["GEOSEARCHSTORE", "d", "str", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"],
        ["GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "zz", "BYRADIUS", "1", "m"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0"], ["GEORADIUS", "g", "0", "0", "1"],
    ]:
        lw, rd = diff.run(*args)
        assert lw == rd, f"{args}: lacewing {lw!r} != redis {rd!r}"


def test_missing_source_key(diff):
    diff.check("SET", "d", "old")
    diff.check("GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m")
    diff.check("EXISTS", "d")
    diff.check("SET", "d", "old")
    diff.check("GEORADIUS", "nokey", "0", "0", "1", "m", "STORE", "d")
    diff.check("EXISTS", "d")
    diff.check("GEORADIUSBYMEMBER", "nokey", "zz", "x", "m")  # radius not parsed: empty
    diff.check("GEOSEARCH", "nokey", "FROMMEMBER", "zz", "BYRADIUS", "1", "m")
    diff.check("GEOADD", "g", "1", "2", "a")
    diff.check("SET", "d", "old")
    diff.check("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "100", "0", "BYRADIUS", "1", "m")
    diff.check("EXISTS", "d")  # an empty result deletes the destination


def test_geo_in_multi_and_scripts(diff):
    diff.check("GEOADD", "{t}src", "1", "2", "a", "1.001", "2.001", "b")
    diff.check("MULTI")
    diff.check("GEOSEARCHSTORE", "{t}dst", "{t}src", "FROMLONLAT", "1", "2", "BYRADIUS", "1",
               "km", "STOREDIST")
    diff.check("GEORADIUS", "{t}src", "1", "2", "500", "km", "WITHDIST", "ASC")
    diff.check("EXEC")
    diff.check("ZRANGE", "{t}dst", "0", "-1", "WITHSCORES")
    diff.check("EVAL", "return redis.call('GEOPOS', KEYS[1], 'a')", "1", "{t}src")
    diff.check("EVAL", "return redis.call('GEODIST', KEYS[1], 'a', 'b')", "1", "{t}src")
