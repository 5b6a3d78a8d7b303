"""used_memory (and so maxmemory) counts every byte a container holds: the hash-table and
skiplist nodes of big sets, sorted sets and hashes included. Measured as what deleting the key
gives back, which no transient buffer of the writing command can blur."""

N = 20000


def freed_by_delete(r, key):
    before = r.info("memory")["used_memory"]
    assert r.delete(key) == 1
    return (before - r.info("memory")["used_memory"]) / N


def test_big_containers_are_counted(lacewing_factory):
    server = lacewing_factory("--proactor_threads", "1")
    r = server.client()
    members = [f"member:{i:08d}" for i in range(N)]  # 15 bytes each
    r.sadd("s", *members)
    r.zadd("z", {m: i for i, m in enumerate(members)})
    r.hset("h", mapping={m: "v" for m in members})
    # Each member costs at least its bytes plus a pointer or two in its node.
    freed = {key: freed_by_delete(r, key) for key in ("s", "z", "h")}
    assert all(per_member >= 30 for per_member in freed.values()), freed
