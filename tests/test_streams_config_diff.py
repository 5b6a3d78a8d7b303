"""stream-node-max-bytes / stream-node-max-entries (issue 14) against redis-server 7.0.

CONFIG GET/SET grammar and errors; nodes close where Redis closes its listpacks under any
setting (XINFO STREAM's radix-tree-keys is the node count), so `~` trims, which drop whole
nodes, and their default LIMIT (100 x stream-node-max-entries; 10000 when that is 0) remove the
same entries; a RESTOREd stream keeps the payload's nodes whatever the current settings; the
settings work as start-up arguments too.
"""
import pytest

from resp_client import RawClient
from test_streams_diff import parse


FILL = ("for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do "
        "redis.call('XADD', KEYS[1], i .. '-0', 'f', string.rep('v', i % 7)) end")


def fill(diff, key, n, start=1):
    """Entries start-0 .. start+n-1-0, field f, values of 0-6 bytes (one script per server)."""
    diff.check("EVAL", FILL, "1", key, str(start), str(start + n - 1))


def info_stream(diff, key):
    """XINFO STREAM of both servers as equal dicts, less radix-tree-nodes after deletions (the
    inner nodes of Redis's rax, which Lacewing models for trees built by appends only)."""
    out = []
    for reply in diff.run("XINFO", "STREAM", key):
        flat = parse(reply)[0][1]
        out.append({k[1]: v for k, v in zip(flat[0::2], flat[1::2])
                    if k[1] != b"radix-tree-nodes"})
    assert out[0] == out[1], out
    return out[0]


def set_both(diff, entries, nbytes):
    diff.check("CONFIG", "SET", "stream-node-max-entries", str(entries))
    diff.check("CONFIG", "SET", "stream-node-max-bytes", str(nbytes))


def test_config_grammar_like_redis(diff):
    for args in (("GET", "stream-node-max-bytes"), ("GET", "stream-node-max-entries"),
                 ("SET", "stream-node-max-bytes", "1k"), ("GET", "stream-node-max-bytes"),
                 ("SET", "stream-node-max-bytes", "-1"), ("SET", "stream-node-max-bytes", "abc"),
                 ("SET", "stream-node-max-entries", "-1"), ("SET", "stream-node-max-entries", "1k"),
                 ("SET", "stream-node-max-entries", "5"), ("SET", "stream-node-max-bytes", "0"),
                 ("GET", "stream-node-max-entries"), ("GET", "stream-node-max-bytes"),
                 ("SET", "stream-node-max-bytes", "2gb"),
                 ("SET", "stream-node-max-entries", "9223372036854775807"),
                 ("GET", "stream-node-max-entries"), ("GET", "stream-node-max-bytes"),
                 ("SET", "stream-node-max-bytes", "9223372036854775807"),
                 ("GET", "stream-node-max-bytes")):
        diff.check("CONFIG", *args)


@pytest.mark.parametrize("entries,nbytes,n,trim", [
    (5, 4096, 1000, ["MAXLEN", "~", "0"]),  # limit 500: 100 nodes of 5
    (0, 4096, 12000, ["MAXLEN", "~", "0"]),  # no entry limit; trim LIMIT 10000
    (200, 0, 3000, ["MAXLEN", "~", "0"]),  # no byte limit; limit 20000
    (3, 4096, 100, ["MAXLEN", "~", "10", "LIMIT", "7"]),
    (100, 60, 100, ["MAXLEN", "~", "10"]),  # 60 bytes: nodes of 3-4 entries
    (100, 300, 500, ["MINID", "~", "250"]),
    (3000, 0, 2000, ["MAXLEN", "~", "1"]),  # one node (past 65535 entries: stream_obj_test)
])
def test_nodes_close_where_redis_closes_them(diff, entries, nbytes, n, trim):
    set_both(diff, entries, nbytes)
    fill(diff, "s", n)
    before = info_stream(diff, "s")
    diff.check("XINFO", "STREAM", "s")  # radix-tree-nodes too, after appends only
    diff.check("XTRIM", "s", *trim)
    diff.check("XADD", "s", "MAXLEN", "~", "5", f"{n + 1}-0", "f", "last")
    after = info_stream(diff, "s")
    assert (int(before[b"radix-tree-keys"][1]) == 1) == (n <= entries and nbytes == 0), before
    diff.check("XRANGE", "s", "-", "+", "COUNT", "3")
    set_both(diff, 100, 4096)


def test_changed_settings_apply_to_the_next_nodes(diff):
    set_both(diff, 4, 4096)
    fill(diff, "s", 10)
    set_both(diff, 100, 100)
    fill(diff, "s", 30, start=11)  # the open node of 2 entries grows to the byte limit
    set_both(diff, 0, 0)
    fill(diff, "s", 200, start=41)
    diff.check("XINFO", "STREAM", "s")
    diff.check("XINFO", "STREAM", "s", "FULL", "COUNT", "1")
    set_both(diff, 100, 4096)


def test_restore_keeps_the_payload_nodes(diff):
    set_both(diff, 5, 4096)
    fill(diff, "src", 23)
    diff.check("XDEL", "src", "3-0", "21-0")
    _, payload = diff.run("DUMP", "src")
    body = payload.split(b"\r\n", 1)[1][:-2]
    set_both(diff, 100, 4096)
    diff.check("RESTORE", "dst", "0", body)
    info_stream(diff, "dst")
    fill(diff, "dst", 10, start=30)  # the last node (3 of 5 entries) takes 97 more now
    info_stream(diff, "dst")
    diff.check("XTRIM", "dst", "MAXLEN", "~", "12")
    info_stream(diff, "dst")
    diff.check("XRANGE", "dst", "-", "+")
    # The deleted entry 21-0 still counts in its node: with 5 per node again, the last node
    # (21 deleted, 22, 23) closes after two more entries, as Redis's listpack.
    set_both(diff, 5, 4096)
    diff.check("RESTORE", "dst2", "0", body)
    fill(diff, "dst2", 3, start=30)
    info_stream(diff, "dst2")
    diff.check("XINFO", "STREAM", "dst2", "FULL")
    set_both(diff, 100, 4096)


def test_start_up_arguments(lacewing_factory):
    s = lacewing_factory("--proactor_threads", "2", "--stream-node-max-entries", "7",
                         "--stream-node-max-bytes", "2kb")
    c = RawClient(s.port)
    assert c.call("CONFIG", "GET", "stream-node-max-*") in (
        b"*4\r\n$23\r\nstream-node-max-entries\r\n$1\r\n7\r\n$21\r\nstream-node-max-bytes\r\n"
        b"$4\r\n2048\r\n",
        b"*4\r\n$21\r\nstream-node-max-bytes\r\n$4\r\n2048\r\n$23\r\nstream-node-max-entries\r\n"
        b"$1\r\n7\r\n")
    for i in range(1, 30):
        c.call("XADD", "s", f"{i}-0", "f", "v")
    info = parse(c.call("XINFO", "STREAM", "s"))[0][1]
    keys = {k[1]: v[1] for k, v in zip(info[0::2], info[1::2])}
    assert keys[b"radix-tree-keys"] == b"5"  # 7+7+7+7+1 entries
    c.close()
