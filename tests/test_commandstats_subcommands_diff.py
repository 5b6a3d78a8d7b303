"""INFO commandstats, latencystats and errorstats per subcommand, as Redis 7.0 names them
(`cmdstat_client|list`, `latency_percentiles_usec_config|get`): the same commands run on
Lacewing and redis-server, and each server's lines must name the same (sub)commands with the
same calls, rejected_calls and failed_calls (times differ). LATENCY HISTOGRAM of a container
names its subcommands too."""
import re

import pytest

COMMANDS = [
    ["SET", "k", "v"],
    ["GET", "k"],
    ["XADD", "s", "1-1", "f", "v"],
    ["CLIENT", "ID"],
    ["CLIENT", "LIST"],
    ["client", "setname", "x"],
    ["CLIENT", "GETNAME"],
    ["CONFIG", "GET", "maxmemory"],
    ["CONFIG", "GET", "hz"],
    ["CONFIG", "SET", "hz", "10"],
    ["CONFIG", "SET", "nosuchsetting", "1"],  # a failed call of config|set
    ["OBJECT", "ENCODING", "k"],
    ["OBJECT", "FREQ", "k"],  # fails: no LFU policy
    ["object", "encoding", "nokey"],
    ["XINFO", "STREAM", "s"],
    ["XGROUP", "CREATE", "s", "g", "0"],
    ["XGROUP", "CREATE", "s", "g", "0"],  # BUSYGROUP
    ["SCRIPT", "EXISTS", "abc"],
    ["FUNCTION", "LIST"],
    ["MEMORY", "USAGE", "k"],
    ["COMMAND", "COUNT"],
    ["ACL", "WHOAMI"],
    ["PUBSUB", "CHANNELS"],
    ["SLOWLOG", "LEN"],
    ["CLIENT", "NOSUCH"],  # unknown subcommand
    ["CONFIG"],  # arity of the container
]


def lines(client, section, prefix):
    out = {}
    for line in client.call("INFO", section).decode().split("\r\n"):
        if line.startswith(prefix):
            name, _, rest = line[len(prefix):].partition(":")
            out[name] = rest
    return out


def counts(stat):
    return re.sub(r"usec=\d+,usec_per_call=[\d.]+,", "", stat)


@pytest.fixture
def ran(diff):
    # SLOWLOG LEN is compared: on a loaded machine one of these commands can take 10 ms (the
    # default threshold) on either server, so nothing is logged here (RESETSTAT comes after).
    diff.check("CONFIG", "SET", "slowlog-log-slower-than", "10000000")
    diff.check("CONFIG", "RESETSTAT")
    for cmd in COMMANDS:
        lw, rd = diff.run(*cmd)
        if cmd[0] not in ("CLIENT", "MEMORY", "COMMAND"):  # ids, sizes, counts differ
            assert lw == rd or lw[:1] == rd[:1] == b"-", (cmd, lw, rd)
    return diff


def test_commandstats_per_subcommand_like_redis(ran):
    lw = lines(ran.lw, "commandstats", "cmdstat_")
    rd = lines(ran.rd, "commandstats", "cmdstat_")
    for stats in (lw, rd):
        stats.pop("config|resetstat", None)
    assert "client|list" in lw and "config|get" in lw and "client" not in rd
    assert sorted(lw) == sorted(rd), (sorted(lw), sorted(rd))
    for name in rd:
        assert counts(lw[name]) == counts(rd[name]), (name, lw[name], rd[name])


def test_latencystats_and_errorstats_per_subcommand_like_redis(ran):
    lw = lines(ran.lw, "latencystats", "latency_percentiles_usec_")
    rd = lines(ran.rd, "latencystats", "latency_percentiles_usec_")
    for stats in (lw, rd):
        stats.pop("config|resetstat", None)
        stats.pop("info", None)
    assert sorted(lw) == sorted(rd)
    assert lines(ran.lw, "errorstats", "errorstat_") == lines(ran.rd, "errorstats", "errorstat_")


def test_latency_histogram_names_subcommands(ran):
    reply = ran.lw.call("LATENCY", "HISTOGRAM", "config", "get")
    assert b"config|get" in reply and b"config|set" in reply and b"$3\r\nget\r\n" in reply
    assert b"config|resetstat" in reply
    reply = ran.lw.call("LATENCY", "HISTOGRAM", "client|list")
    assert reply.startswith(b"*2\r\n") and b"client|list" in reply
