"""ACL SETUSER that takes a command away while a client pipelines it: as in Redis, where each
command is checked when it executes, none of the client's commands may run after the
SETUSER's +OK. Lacewing admits a pipeline's commands into a squashed batch as it parses them
(server/net/connection.cc AclAllows); the batch must check them again when it runs (it may
wait for its pipeline group, and runs on other threads' shards), or writes admitted before the
change land after it (4-6 rounds in 100 did before).
"""
from resp_client import RawClient, encode

WRITERS = 4  # over both threads, as the admin's
KEYS = 4  # per writer: over both shards
INCRS = 2000  # per writer and round: several reads, several batches
ROUNDS = 100


def _user(admin, *rules):
    assert admin.call("ACL", "SETUSER", "w", "on", ">pw", "~*", *rules) == b"+OK\r\n"


def test_no_pipelined_write_runs_after_acl_setuser_takes_it_away(server):
    """Writers, authenticated as `w`, pipeline INCRs over their keys; meanwhile the admin runs
    ACL SETUSER w -incr and, once it has the +OK, reads every key, then again once the writers
    have all their replies: no value may have grown in between. Each writer's INCRs that were
    answered (not NOPERM) must also be exactly what its keys count.

    Before the fix 2-7 rounds in 60 failed on a loaded machine (31 in 60 with the reads
    pipelined behind the SETUSER). The reads come a round trip after the +OK: a command
    dispatched alone is checked on its connection's thread a few microseconds before it runs
    on its shard, and a read pipelined behind the SETUSER can fall in between (about one round
    in 500 with the fix)."""
    admin = RawClient(server.port)
    _user(admin, "+@all")
    writers = [RawClient(server.port) for _ in range(WRITERS)]
    keys = [[f"w{w}:k{j}" for j in range(KEYS)] for w in range(WRITERS)]
    every = [k for ks in keys for k in ks]
    pipelines = [b"".join(encode("INCR", ks[i % KEYS]) for i in range(INCRS)) for ks in keys]
    reads = b"".join(encode("GET", k) for k in every)
    try:
        for c in writers:
            assert c.call("AUTH", "w", "pw") == b"+OK\r\n"
        for rnd in range(ROUNDS):
            _user(admin, "+@all")
            assert admin.call("MSET", *[x for k in every for x in (k, "0")]) == b"+OK\r\n"
            for w, c in enumerate(writers):
                c.sock.sendall(pipelines[w])
            assert admin.call("ACL", "SETUSER", "w", "-incr") == b"+OK\r\n"
            admin.sock.sendall(reads)
            first = [admin.read_reply() for _ in every]
            answered = []
            for c in writers:
                replies = [c.read_reply() for _ in range(INCRS)]
                answered.append(sum(r.startswith(b":") for r in replies))
            again = [admin.call("GET", k) for k in every]
            assert first == again, f"round {rnd}: an INCR ran after ACL SETUSER -incr's +OK"
            for w in range(WRITERS):
                counted = sum(int(v.split(b"\r\n")[1]) for v in again[w * KEYS:(w + 1) * KEYS])
                assert counted == answered[w], f"round {rnd}, writer {w}"
    finally:
        for c in writers + [admin]:
            c.close()
