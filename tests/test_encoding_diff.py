"""OBJECT ENCODING names as redis-server 7.0 reports them, across each type's conversions."""


def test_encodings_match_redis(diff):
    diff.check("SET", "str_int", "12345")
    diff.check("SET", "str_emb", "short string")
    diff.check("SET", "str_raw", "x" * 100)
    diff.check("RPUSH", "list_small", "a", "b")
    diff.check("RPUSH", "list_big", *[f"e{i}" for i in range(300)])
    diff.check("SADD", "set_int", "1", "2", "3")
    diff.check("SADD", "set_str", "a", "b")
    diff.check("SADD", "set_big", *[f"m{i}" for i in range(300)])
    diff.check("HSET", "hash_small", "f", "v")
    diff.check("HSET", "hash_long_value", "f", "v" * 100)
    diff.check("ZADD", "zset_small", "1", "a")
    diff.check("ZADD", "zset_big", *[x for i in range(200) for x in (str(i), f"m{i}")])
    for key in ("str_int", "str_emb", "str_raw", "list_small", "list_big", "set_int", "set_str",
                "set_big", "hash_small", "hash_long_value", "zset_small", "zset_big"):
        diff.check("OBJECT", "ENCODING", key)
