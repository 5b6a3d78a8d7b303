"""INFO end to end: every section parses with redis-py's info(); the numbers move as they
should (memory with data, keyspace, stats, commandstats)."""
import redis


def test_sections_parse(server):
    r = server.client()
    r.set("a", "1")
    info = r.info()
    assert info["redis_version"].startswith("7.")
    assert info["redis_mode"] == "standalone"
    assert info["tcp_port"] == server.port
    assert info["connected_clients"] >= 1
    assert info["used_memory"] > 0
    assert info["maxmemory"] == 0
    assert info["maxmemory_policy"] == "noeviction"
    assert "shard_0_used_memory" in info and "shard_1_used_memory" in info
    assert info["role"] == "master"
    assert info["db0"] == {"keys": 1, "expires": 0, "avg_ttl": 0}
    for section in ("server", "clients", "memory", "stats", "keyspace", "commandstats",
                    "persistence", "replication", "cpu", "cluster"):
        assert isinstance(r.info(section), dict)
    everything = r.info("everything")
    assert "cmdstat_set" in everything
    assert everything["cmdstat_set"]["calls"] == 1
    assert r.info("nosuchsection") == {}


def test_stats_and_commandstats(server):
    r = server.client()
    r.config_resetstat()
    r.set("k", "v")
    r.get("k")
    r.get("missing")
    r.set("t", "v", px=1)
    import time
    time.sleep(0.05)
    assert r.get("t") is None
    stats = r.info("stats")
    assert stats["keyspace_hits"] == 1
    assert stats["keyspace_misses"] == 2
    assert stats["expired_keys"] == 1
    assert stats["evicted_keys"] == 0
    assert stats["total_commands_processed"] >= 5
    cmds = r.info("commandstats")
    assert cmds["cmdstat_get"]["calls"] == 3
    assert cmds["cmdstat_set"]["calls"] == 2
    try:
        r.execute_command("GET")
    except redis.ResponseError:
        pass
    assert r.info("commandstats")["cmdstat_get"]["rejected_calls"] == 1


def test_used_memory_follows_data(server):
    r = server.client()
    before = r.info("memory")["used_memory"]
    pipe = r.pipeline(transaction=False)
    for i in range(100_000):
        pipe.set(f"key:{i}", f"value-{i}-" + "x" * 20)
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()
    assert r.info("keyspace")["db0"]["keys"] == 100_000
    full = r.info("memory")
    assert full["used_memory"] > before + 100_000 * 30, (before, full["used_memory"])
    assert sum(v for k, v in full.items() if k.startswith("shard_")) > 100_000 * 30
    try:
        r.flushall()
    except redis.ResponseError as e:  # FLUSHALL belongs to another family: fall back to DEL
        assert "unknown command" in str(e)
        keys = [f"key:{i}" for i in range(100_000)]
        for i in range(0, len(keys), 1000):
            r.delete(*keys[i:i + 1000])
    after = r.info("memory")["used_memory"]
    assert after < full["used_memory"] - 100_000 * 30, (before, full["used_memory"], after)
    assert "db0" not in r.info("keyspace")

