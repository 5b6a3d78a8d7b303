"""INFO errorstats and total_error_replies (issue 17): every error reply counted by its code,
compared with redis-server 7.0 after the same commands; CONFIG RESETSTAT clears them."""


def errorstats(client):
    text = client.call("INFO", "errorstats").decode()
    return sorted(l for l in text.split("\r\n") if l.startswith("errorstat_"))


def total_errors(client):
    text = client.call("INFO", "stats").decode()
    return [l for l in text.split("\r\n") if l.startswith("total_error_replies:")]


def test_errorstats_like_redis(diff):
    diff.check("CONFIG", "RESETSTAT")
    diff.check("SET", "s", "1")
    diff.check("LPUSH", "l", "x")
    for cmd in (["NOSUCHCOMMAND"], ["GET"], ["LPUSH", "s", "x"], ["INCR", "l"],
                ["SET", "k", "v", "BADOPT"], ["EVALSHA", "0" * 40, "0"], ["INCR", "l"],
                ["OBJECT", "FREQ", "s"], ["ZADD", "z", "notafloat", "m"],
                ["EVAL", "return redis.error_reply('MYERR oops')", "0"]):
        diff.run(*cmd)
    # A pipeline of errors, and errors inside MULTI/EXEC.
    diff.check("MULTI")
    diff.check("INCR", "l")
    diff.check("GET", "s")
    diff.check("EXEC")
    assert errorstats(diff.lw) == errorstats(diff.rd)
    assert total_errors(diff.lw) == total_errors(diff.rd)
    assert errorstats(diff.lw)  # something was counted
    diff.check("CONFIG", "RESETSTAT")
    assert errorstats(diff.lw) == errorstats(diff.rd) == []
    assert total_errors(diff.lw) == total_errors(diff.rd) == ["total_error_replies:0"]


# Errors from scripts: a failed redis.call/pcall is counted once, when the command fails (the
# error table says ignore_error_stats_update, so raising or returning it is not counted again);
# a refused call (unknown command, wrong arity) likewise; error_reply, error() and a new error
# table count at the script's reply; the EVAL is failed whenever its reply holds an error.
SCRIPT_ERRORS = [
    ("return redis.call('LPUSH', KEYS[1], 'x')", ["s"]),
    ("return redis.pcall('LPUSH', KEYS[1], 'x')", ["s"]),
    ("local r = redis.pcall('LPUSH', KEYS[1], 'x') return 1", ["s"]),
    ("local t = redis.pcall('LPUSH', KEYS[1], 'x') return {err = t.err}", ["s"]),
    ("local t = redis.pcall('LPUSH', KEYS[1], 'x') t.ignore_error_stats_update = false return t",
     ["s"]),
    ("return tostring(redis.pcall('INCR', KEYS[1]).ignore_error_stats_update)", ["l"]),
    ("return {1, redis.pcall('INCR', KEYS[1]), redis.error_reply('NESTED x')}", ["l"]),
    ("return redis.error_reply('MYE x')", []),
    ("error('boom')", []),
    ("return {err = 'FOO bar'}", []),
    ("redis.pcall('nosuch') return 1", []),
    ("return redis.call('nosuch')", []),
    ("redis.pcall('GET') return 1", []),
    ("return redis.pcall('GET', 'a', 'b')", []),
    ("return redis.call('GET', 'a', 'b')", []),
    ("return redis.call('INCR', KEYS[1])", ["l"]),
]


def cmdstats(client, names):
    text = client.call("INFO", "commandstats").decode()
    out = []
    for line in text.split("\r\n"):
        name = line.split(":")[0]
        if name in names:
            fields = dict(kv.split("=") for kv in line.split(":")[1].split(","))
            out.append((name, fields["calls"], fields["rejected_calls"], fields["failed_calls"]))
    return sorted(out)


def test_script_errors_counted_once_like_redis(diff):
    diff.check("CONFIG", "RESETSTAT")
    diff.check("SET", "s", "1")
    diff.check("LPUSH", "l", "x")
    for body, keys in SCRIPT_ERRORS:
        diff.check("EVAL", body, len(keys), *keys)
    diff.check("EVALSHA", "0" * 40, "0")
    diff.check("EVAL", "return 1", "notanumber")
    assert errorstats(diff.lw) == errorstats(diff.rd)
    assert total_errors(diff.lw) == total_errors(diff.rd)
    names = ["cmdstat_eval", "cmdstat_evalsha", "cmdstat_lpush", "cmdstat_incr", "cmdstat_get"]
    assert cmdstats(diff.lw, names) == cmdstats(diff.rd, names)


def test_commandstats_calls_rejected_failed_like_redis(diff):
    """calls / rejected_calls (refused before running: arity, unknown subcommand...) and
    failed_calls (ran and replied an error) as Redis counts them."""
    diff.check("CONFIG", "RESETSTAT")
    diff.check("SET", "s", "1")
    for cmd in (["GET"], ["GET", "s"], ["LPUSH", "s", "x"], ["INCR", "s"], ["INCR", "s", "x"],
                ["SET", "s", "v", "XX", "NX"], ["HSET", "h", "f"], ["HSET", "h", "f", "v"],
                ["ZADD", "z", "x", "m"], ["UNKNOWNCMD"]):
        diff.run(*cmd)
    diff.check("MULTI")
    diff.run("INCR", "s")
    diff.run("GET")
    diff.run("EXEC")
    # (Redis counts container commands per subcommand, cmdstat_config|get; Lacewing under the
    # container's name: not compared.)
    names = ["cmdstat_" + n for n in ("get", "lpush", "incr", "set", "hset", "zadd", "multi",
                                      "exec")]
    assert cmdstats(diff.lw, names) == cmdstats(diff.rd, names)
    assert errorstats(diff.lw) == errorstats(diff.rd)
