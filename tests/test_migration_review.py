"""Migration's key lookup of commands dispatched alone (connection.cc OneShardOf) runs on raw
client input before the command checks it: numkeys huge, negative, not a number or past the
arguments, STREAMS without ids, bad arity. Pipelined in runs long enough to reach a move, the
replies must match redis-server's and the server must live."""
import random

import pytest
from resp_client import RawClient, encode

SCRIPT = "return #KEYS"


def _bad_commands(rng):
    big = rng.choice(["2147483648", "4294967297", "9223372036854775807", "-1", "-2147483648",
                      "abc", "", "1", "3", "100"])
    return rng.choice([
        ("EVAL", SCRIPT, big, "k1", "k2"),
        ("EVAL", SCRIPT, big),
        ("FCALL", "nofn", big, "k1"),
        ("EVAL_RO", SCRIPT, big, "k1"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", big, "STREAMS", "s1", "s2", ">"),
        ("XREAD", "STREAMS", "s1", "s2", "0"),
        ("XREAD", "COUNT", big, "STREAMS"),
        ("ZUNIONSTORE", "d", big, "a", "b"),
        ("ZINTER", big, "a"),
        ("SINTERCARD", big, "a", "b"),
        ("LMPOP", big, "a", "LEFT"),
        ("BLMPOP", "0.01", big, "a", "LEFT"),
        ("MIGRATE", "h", "1", "k", "0", "1", "KEYS"),
        ("SORT", "k", "STORE"),
        ("GEORADIUS", "g", "0", "0", "1", "m", "STORE"),
        ("EVAL", SCRIPT, "1", "k1"),
    ])


@pytest.mark.parametrize("seed", range(2))
def test_bad_key_arguments_in_migration_runs(lacewing_factory, redis_server, seed):
    server = lacewing_factory("--proactor_threads", "2")
    lw, rd = RawClient(server.port), RawClient(redis_server.port)
    rng = random.Random(seed)
    for _ in range(12):  # reads of 40 commands: enough to reach the move trigger
        commands = [_bad_commands(rng) for _ in range(40)]
        for c in (lw, rd):
            c.sock.sendall(b"".join(encode(*x) for x in commands))
        got = [lw.read_reply() for _ in commands]
        want = [rd.read_reply() for _ in commands]
        for c, g, w in zip(commands, got, want):
            if c[0] in ("MIGRATE", "FCALL"):  # messages differ in details; both errors
                assert g[:1] == w[:1] == b"-", (c, g, w)
                continue
            assert g == w, f"{c}: lacewing {g!r} != redis {w!r}"
    assert lw.call("PING") == b"+PONG\r\n"


def test_xreadgroup_unbalanced_streams_error(diff):
    # Redis 7.0 names XREAD in this error for XREADGROUP too.
    diff.check_error("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1", "s2", ">")
    diff.check_error("XREAD", "STREAMS", "s1", "s2", "0")
