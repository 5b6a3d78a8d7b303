"""Older and less common RDB content, each file loaded by redis-server 7.0 and by Lacewing and
compared key by key: an RDB 9 file as Redis 6.x writes it (ziplist lists, hashes and zsets,
quicklists of ziplists, a zipmap hash from Redis 2.x, intsets, IDLE/FREQ opcodes, expiries,
several databases), built here byte by byte; and redis-server 7.0 files saved under the LRU
and LFU policies (IDLE and FREQ records before keys)."""
import os
import struct

import pytest

from conftest import LacewingProcess, free_port
from rdb_util import RedisWithDir, canonical, populate

def _crc64_table():
    """CRC-64/Jones, bit-reflected, as Redis computes it."""
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95AC9329AC4BC9B5 if crc & 1 else 0)
        table.append(crc)
    return table


_TABLE = _crc64_table()


def crc64(data):
    crc = 0
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def length(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    return b"\x80" + struct.pack(">I", n)


def string(s):
    s = s.encode() if isinstance(s, str) else s
    return length(len(s)) + s


def ziplist(entries):
    """Redis's ziplist of str/int entries (ints use the int encodings)."""
    body, prev, offsets = b"", 0, []
    for e in entries:
        if isinstance(e, int):
            if 0 <= e <= 12:
                enc = bytes([0xF1 + e])
            elif -128 <= e <= 127:
                enc = b"\xFE" + struct.pack("<b", e)
            elif -32768 <= e <= 32767:
                enc = b"\xC0" + struct.pack("<h", e)
            elif -(1 << 23) <= e < (1 << 23):
                enc = b"\xF0" + struct.pack("<i", e)[:3]
            elif -(1 << 31) <= e < (1 << 31):
                enc = b"\xD0" + struct.pack("<i", e)
            else:
                enc = b"\xE0" + struct.pack("<q", e)
        else:
            raw = e.encode()
            enc = (bytes([len(raw)]) if len(raw) < 64 else
                   bytes([0x40 | (len(raw) >> 8), len(raw) & 0xFF])) + raw
        prevlen = bytes([prev]) if prev < 254 else b"\xFE" + struct.pack("<I", prev)
        entry = prevlen + enc
        offsets.append(10 + len(body))
        body += entry
        prev = len(entry)
    total = 10 + len(body) + 1
    tail = offsets[-1] if offsets else 10
    return struct.pack("<IIH", total, tail, len(entries)) + body + b"\xFF"


def zipmap(pairs):
    out = bytes([len(pairs)])
    for k, v in pairs:
        out += bytes([len(k)]) + k.encode() + bytes([len(v), 0]) + v.encode()
    return out + b"\xFF"


def intset(values):
    return struct.pack("<II", 2, len(values)) + b"".join(
        struct.pack("<h", v) for v in sorted(values))


def redis6_file():
    rec = b"REDIS0009"
    rec += b"\xFA" + string("redis-ver") + string("6.2.14")
    rec += b"\xFA" + string("redis-bits") + b"\xC0\x40"
    rec += b"\xFE" + length(0) + b"\xFB" + length(9) + length(1)
    rec += b"\x00" + string("s:plain") + string("hello")
    rec += b"\x00" + string("s:int") + b"\xC1" + struct.pack("<h", 12345)
    rec += b"\xFC" + struct.pack("<Q", 4102444800000) + b"\x00" + string("s:ttl") + string("t")
    rec += b"\xF8" + length(3600) + b"\x00" + string("s:idle") + string("old")
    rec += b"\xF9" + bytes([200]) + b"\x00" + string("s:freq") + string("hot")
    rec += b"\x0A" + string("l:zl") + string(ziplist(["a", 7, 300, -70000, 1 << 40, "x" * 70]))
    rec += b"\x0E" + string("l:quick") + length(2) + string(ziplist(["q1", "q2", 3])) + string(
        ziplist(["q4", "y" * 100]))
    rec += b"\x0C" + string("z:zl") + string(ziplist(["a", "1", "b", "2.5", "c", 3]))
    rec += b"\x0D" + string("h:zl") + string(ziplist(["f1", "v1", "f2", 2, "f3", "-5"]))
    rec += b"\x09" + string("h:zipmap") + string(zipmap([("name", "lw"), ("n", "42")]))
    rec += b"\x0B" + string("set:intset") + string(intset([5, -3, 1000]))
    rec += b"\xFE" + length(3) + b"\xFB" + length(2) + length(0)
    rec += b"\x00" + string("db3:s") + string("three")
    rec += b"\x0D" + string("db3:h") + string(ziplist(["k", "v"]))
    rec += b"\xFF"
    return rec + struct.pack("<Q", crc64(rec))


def _lacewing_canonical(dir_):
    lw = LacewingProcess(["--proactor_threads", "2", "--dir", str(dir_), "--save", ""])
    try:
        return canonical(lw.client())
    finally:
        assert lw.stop() == 0, open(lw.log_path).read()


def test_crc64_matches_redis_check_value():
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


def test_redis6_rdb9_encodings_load_as_in_redis(tmp_path):
    with open(os.path.join(tmp_path, "dump.rdb"), "wb") as f:
        f.write(redis6_file())
    rd = RedisWithDir(free_port(), str(tmp_path), "--save", "")
    try:
        expected = canonical(rd.client())
    finally:
        rd.stop()
    assert len(expected) == 13, expected  # redis-server took the file whole
    got = _lacewing_canonical(tmp_path)
    assert got == expected
    assert got[(0, b"l:zl")][1] == (b"a", b"7", b"300", b"-70000", str(1 << 40).encode(),
                                     b"x" * 70)
    assert got[(0, b"h:zipmap")][1] == ((b"n", b"42"), (b"name", b"lw"))
    assert got[(0, b"s:ttl")][2] and got[(3, b"db3:h")][1] == ((b"k", b"v"),)


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu"])
def test_redis7_file_with_lru_lfu_records_loads(tmp_path, policy):
    rd = RedisWithDir(free_port(), str(tmp_path), "--save", "", "--maxmemory-policy", policy)
    try:
        c = rd.client()
        populate(c.execute_command, seed=21, dbs=(0, 2), big=False)
        for _ in range(20):
            c.get("d0:s:short")  # a counter / an idle time worth saving
        expected = canonical(c)
        assert c.save()
    finally:
        rd.stop()
    data = open(os.path.join(tmp_path, "dump.rdb"), "rb").read()
    opcode = b"\xF9" if policy == "allkeys-lfu" else b"\xF8"
    assert opcode in data  # the file does carry the records
    got = _lacewing_canonical(tmp_path)
    assert got == expected
