"""maxmemory-policy volatile-*: only keys with a TTL are evicted (issue 17; before, a
volatile-lru Lacewing evicted 2474 of 5000 keys without TTL where redis-server evicted none).
Both servers get the same limit above their own baseline and the same writes."""
import pytest
import redis

KB = "x" * 1000


def fill(c):
    """2000 keys with a TTL, then 5000 without; returns (ttl keys written, the plain keys
    written, OOM errors)."""
    ooms = 0
    plain = []
    for i in range(2000):
        c.set(f"ttl:{i}", KB, ex=1000)
    for i in range(5000):
        try:
            c.set(f"plain:{i}", KB)
            plain.append(f"plain:{i}")
        except redis.exceptions.ResponseError as e:
            assert str(e).startswith("OOM command not allowed"), e
            ooms += 1
    return 2000, plain, ooms


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"])
def test_volatile_policies_evict_only_keys_with_ttl(lacewing_factory, redis_server, policy):
    lw = lacewing_factory("--proactor_threads", "2").client()
    rd = redis.Redis(port=redis_server.port)
    results = {}
    for name, c in (("lacewing", lw), ("redis", rd)):
        base = c.info("memory")["used_memory"]
        c.config_set("maxmemory", base + 4 * 1024 * 1024)
        c.config_set("maxmemory-policy", policy)
        ttl_ok, plain, ooms = fill(c)
        plain_ok = len(plain)
        plain_left = sum(c.exists(k) for k in plain)
        ttl_left = sum(c.exists(f"ttl:{i}") for i in range(ttl_ok))
        evicted = c.info("stats")["evicted_keys"]
        results[name] = (plain_left, plain_ok, ttl_left, evicted, ooms)
        # No key without a TTL went; every eviction took a TTL key; then writes were refused.
        assert plain_left == plain_ok, (name, results[name])
        assert ttl_left < ttl_ok and evicted > 0, (name, results[name])
        assert ooms > 0, (name, results[name])
    print(results)


def test_allkeys_policy_may_evict_any_key(lacewing_factory):
    c = lacewing_factory("--proactor_threads", "2").client()
    base = c.info("memory")["used_memory"]
    c.config_set("maxmemory", base + 4 * 1024 * 1024)
    c.config_set("maxmemory-policy", "allkeys-lru")
    ttl_ok, plain, ooms = fill(c)
    assert ooms == 0 and len(plain) == 5000
    assert sum(c.exists(k) for k in plain) < len(plain)
