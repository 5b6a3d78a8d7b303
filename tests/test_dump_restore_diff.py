"""DUMP / RESTORE against redis-server 7.0: payloads cross in both directions for every type
and encoding, uncompressed payloads are byte-identical, and errors match byte for byte."""
import struct

import redis

from rdb_util import canonical, populate
from resp_client import Pair


def _clients(server, redis_server):
    return server.client(), redis.Redis(port=redis_server.port, socket_timeout=30)


def test_dump_payloads_cross_both_ways(server, redis_server):
    lw, rd = _clients(server, redis_server)
    pair = Pair(server.port, redis_server.port)
    populate(pair.call, seed=3, dbs=(0,), big=False)
    keys = sorted(rd.keys("*"))
    assert sorted(lw.keys("*")) == keys and len(keys) > 20
    for key in keys:
        from_rd, from_lw = rd.dump(key), lw.dump(key)
        lw.restore(b"r:" + key, 0, from_rd)
        rd.restore(b"l:" + key, 0, from_lw)
        # and each server takes back its own payload
        lw.restore(b"o:" + key, 0, from_lw)
    lw_view, rd_view = canonical(lw), canonical(rd)
    for key in keys:
        original = rd_view[(0, key)][:2]
        assert lw_view[(0, b"r:" + key)][:2] == original, key
        assert rd_view[(0, b"l:" + key)][:2] == original, key
        assert lw_view[(0, b"o:" + key)][:2] == original, key


def test_uncompressed_payloads_are_byte_identical(diff):
    diff.check("SET", "s", "hello")
    diff.check("SET", "i", "12345")
    diff.check("SET", "n", "-5")
    diff.check("SET", "big", "9223372036854775807")
    diff.check("SADD", "is", "1", "2", "3", "70000")
    diff.check("HSET", "h", "f1", "v1", "f2", "2")
    diff.check("ZADD", "z", "1", "a", "2", "b")
    diff.check("RPUSH", "l", "a", "b", "7")
    for key in ("s", "i", "n", "big", "is", "h", "z", "l", "missing"):
        diff.check("DUMP", key)


def test_restore_options_and_errors(diff):
    payload = diff.lw.call("DUMP", "nokey")
    assert payload == b"$-1\r\n"
    diff.check("SET", "src", "value")
    lw, rd = diff.run("DUMP", "src")
    good = rd.split(b"\r\n", 1)[1][:-2]
    diff.check_error("RESTORE", "src", "0", good)  # BUSYKEY
    diff.check("RESTORE", "src", "0", good, "REPLACE")
    diff.check("RESTORE", "t1", "100000", good)
    diff.check("TYPE", "t1")
    diff.check("RESTORE", "t2", "1", good, "ABSTTL")  # in the past: OK, no key
    diff.check("EXISTS", "t2")
    diff.check("RESTORE", "t3", "0", good, "IDLETIME", "10")
    diff.check("RESTORE", "t4", "0", good, "FREQ", "5")
    diff.check_error("RESTORE", "t5", "-1", good)
    diff.check_error("RESTORE", "t5", "abc", good)
    diff.check_error("RESTORE", "t5", "0", good, "IDLETIME", "-1")
    diff.check_error("RESTORE", "t5", "0", good, "FREQ", "256")
    diff.check_error("RESTORE", "t5", "0", good, "FREQ", "1", "IDLETIME", "1")
    diff.check_error("RESTORE", "t5", "0", good, "BOGUS")
    diff.check_error("RESTORE", "t5", "0", good[:-1] + bytes([good[-1] ^ 1]))  # checksum
    diff.check_error("RESTORE", "t5", "0", b"short")
    # a well-formed footer around a value that does not parse
    body = b"\x04\x05garbage"
    diff.check_error("RESTORE", "t5", "0", body + b"\x0a\x00" + struct.pack("<Q", _crc64(body + b"\x0a\x00")))
    diff.check_error("RESTORE", "t5", "0", good[:-10] + b"\x0b\x00" + good[-8:])  # version 11
    diff.check("RESTORE", "src", "0", good, "REPLACE", "ABSTTL")
    diff.check("GET", "src")


def _crc64(data):
    """CRC-64/Jones (reflected), as Redis computes DUMP checksums."""
    poly = int("{:064b}".format(0xad93d23594c935a9)[::-1], 2)
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc
