"""table.sort (issue 19): Lacewing's own interruptible sort against redis-server's Lua 5.1
table.sort, and SCRIPT KILL of a sort that would run for hours.

Differential, seeded: random arrays of integers, floats, strings, mixtures (comparing a number
with a string, or with nil, is an error) sorted with no comparator and with comparators that
are consistent, have ties (the order of tied elements is the algorithm's: it must be Lua
5.1's), are inconsistent ("invalid order function for sorting", or the comparator's own error
when the scan runs past the range), or raise errors. Replies (arrays of tostring'ed elements)
and error texts must be byte-identical. SORT_SEED=n runs another seed, SORT_ROUNDS more rounds.
"""
import os
import random
import socket
import time

from conftest import rss_kb
from resp_client import Pair, encode

SCRIPT = """
local t = {%s}
local ok, err = pcall(table.sort, t%s)
if not ok then return {'error', tostring(err)} end
local out = {}
for i = 1, #t do out[i] = type(t[i]) == 'table' and 'T' or tostring(t[i]) end
return out
"""

COMPARATORS = [
    "", ", function(a, b) return a > b end",
    ", function(a, b) return a %% 7 < b %% 7 end",           # ties: 5.1's order of equals
    ", function(a, b) return #tostring(a) < #tostring(b) end",
    ", function(a, b) return true end",                      # invalid order function
    ", function(a, b) return a <= b end",                    # invalid when equal elements
    ", function(a, b) if a == b then error('same') end return a < b end",
    ", function(a, b) return (a or 0) < (b or 0) end",       # sees the nil past the range
    ", function(a, b) return {} end",                        # a table: true
]


def _element(rng, kind):
    if kind == "int":
        return str(rng.randint(-20, 20))
    if kind == "float":
        # Never -0.0: Lua 5.1's compiler merges the constants 0 and -0 (a parser quirk).
        return repr(round(rng.uniform(-10, 10), rng.choice([0, 1, 3])) or 0.5)
    return "'%s'" % "".join(rng.choice("abcAB_1") for _ in range(rng.randint(0, 4)))


def _random_case(rng):
    n = rng.choice([0, 1, 2, 3, 4, 5, 8, 13, 40, 150, 400])
    kinds = rng.choice([["int"], ["float"], ["int", "float"], ["str"], ["int", "str"]])
    elems = [_element(rng, rng.choice(kinds)) for _ in range(n)]
    if n and rng.random() < 0.05:
        elems[rng.randrange(n)] = "{}"  # a table among numbers: "attempt to compare"
    numeric = "str" not in kinds and "{}" not in elems
    comps = COMPARATORS if numeric else [c for c in COMPARATORS if "%%" not in c]
    if "{}" in elems:  # a table's tostring is its address: no comparator may depend on it
        comps = [c for c in comps if "tostring" not in c]
    return SCRIPT % (", ".join(elems), rng.choice(comps).replace("%%", "%"))


def test_sort_matches_redis(server, redis_server):
    seed = int(os.environ.get("SORT_SEED", "19"))
    rounds = int(os.environ.get("SORT_ROUNDS", "300"))
    rng = random.Random(seed)
    pair = Pair(server.port, redis_server.port)
    try:
        for _ in range(rounds):
            pair.call("EVAL", _random_case(rng), "0")
        # Errors raised by the sort itself, unprotected: the whole script error text.
        for body in ("table.sort(nil)", "table.sort({3, 1}, 5)", "table.sort({1, 'x'})",
                     "table.sort({1, nil, 3})", "table.sort({{}, {}})",
                     "table.sort({3, 2, 1}, function(a, b) return true end)",
                     "local t = {5, 2, 8} table.sort(t, nil) return t",
                     "local t = {'b', 'a'} table.sort(t) return t"):
            pair.call("EVAL", body, "0")
    finally:
        pair.close()


def test_long_sort_is_killable(lacewing_factory):
    """200k references to one 1 MB string: every comparison reads it all, so the sort would
    run for hours in C. The sort polls the hook (weighted by string length), so the server
    keeps answering and SCRIPT KILL stops it; memory stays flat."""
    lw = lacewing_factory("--proactor_threads", "2", "--busy_reply_threshold", "100")
    before = rss_kb(lw.proc.pid)
    s = socket.create_connection(("127.0.0.1", lw.port))
    s.sendall(encode("EVAL", "local s = string.rep('x', 1048576) local t = {} "
                     "for i = 1, 200000 do t[i] = s end table.sort(t) return 1", "0"))
    time.sleep(0.5)
    c = lw.client()
    assert c.ping()
    started = time.time()
    assert c.execute_command("SCRIPT", "KILL") == b"OK"
    s.settimeout(20)
    assert s.recv(4096).startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert time.time() - started < 10
    s.close()
    assert rss_kb(lw.proc.pid) - before < 32 * 1024
    # A plain numeric sort still works after the kill.
    assert c.eval("local t = {3, 1, 2} table.sort(t) return t", 0) == [1, 2, 3]
