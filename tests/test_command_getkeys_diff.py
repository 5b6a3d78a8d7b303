"""COMMAND GETKEYS / GETKEYSANDFLAGS over every command and subcommand both servers implement,
against redis-server 7.0.15: command lines are generated (seeded) from each command's
argument tree in COMMAND DOCS — keys, tokens, one-of choices, optional and repeated
arguments, numbers (sometimes wrong: a numkeys that does not match, a negative or a word) —
and both servers must answer byte for byte the same keys, key flags or error. Also COMMAND
LIST FILTERBY ACLCAT for every ACL category Redis has, and COMMAND INFO of all commands in
one call. LACEWING_GETKEYS_LINES sets the lines per command (default 6).
"""
import os
import random

import redis

from differential import _split_aggregate

SEED = int(os.environ.get("LACEWING_GETKEYS_SEED", "1717"))
LINES = int(os.environ.get("LACEWING_GETKEYS_LINES", "6"))


def _call(port, *args):
    """A reply decoded without redis-py's per-command callbacks (COMMAND has one)."""
    conn = redis.Connection(port=port)
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        conn.disconnect()


def _pairs(flat):
    return {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}


def _arg(spec, rng, out, keys):
    a = _pairs(spec)
    flags = {f.decode() for f in a.get("flags", [])}
    if "optional" in flags and rng.random() < 0.5:
        return
    repeat = rng.choice([1, 1, 2, 3]) if "multiple" in flags else 1
    for i in range(repeat):
        if "token" in a and (i == 0 or "multiple_token" in flags):
            out.append(a["token"].decode())
        kind = a["type"].decode()
        if kind == "key":
            keys.append(f"k{len(keys)}")
            out.append(keys[-1])
        elif kind == "integer":
            name = a["name"].decode()
            if name == "numkeys" and rng.random() < 0.8:
                out.append("NUMKEYS")  # filled in once the keys are known
            else:
                out.append(rng.choice(["0", "1", "2", "3", "-1", "x", "10", "1x", "+1", " 2",
                                       "4294967297", "1.9", "-4294967295"]))
        elif kind in ("double", "unix-time"):
            out.append(rng.choice(["0", "1.5", "100"]))
        elif kind in ("string", "pattern"):
            out.append(rng.choice(["s", "a*", "0", "$"]))
        elif kind == "oneof":
            _arg(rng.choice(a["arguments"]), rng, out, keys)
        elif kind == "block":
            for sub in a["arguments"]:
                _arg(sub, rng, out, keys)
        # pure-token: the token alone


def command_line(name, doc, rng):
    words = name.split("|")
    out, keys = [], []
    for spec in _pairs(doc).get("arguments", []):
        _arg(spec, rng, out, keys)
    out = [str(len(keys)) if w == "NUMKEYS" else w for w in out]
    roll = rng.random()
    if roll < 0.15 and out:  # a truncated line
        out = out[:rng.randrange(len(out))]
    elif roll < 0.3:  # a stray word: one of the command's tokens, a number or a key
        tokens = _tokens(_pairs(doc).get("arguments", [])) or ["x"]
        word = rng.choice(tokens + ["0", "2", "-5", "kx", "99999999999999999999"])
        out.insert(rng.randrange(len(out) + 1), word)
    return words + out


def _tokens(specs):
    found = []
    for spec in specs:
        a = _pairs(spec)
        if "token" in a:
            found.append(a["token"].decode())
        found += _tokens(a.get("arguments", []))
    return found


def _docs(port):
    docs = {}
    for name, doc in _pairs(_call(port, "COMMAND", "DOCS")).items():
        docs[name] = doc
        for sub, sdoc in _pairs(_pairs(doc).get("subcommands", [])).items():
            docs[sub] = sdoc
    return docs


def test_getkeys_every_command(diff, server, redis_server):
    rng = random.Random(SEED)
    ours = {n.decode() for n in _call(server.port, "COMMAND", "LIST")}
    docs = _docs(redis_server.port)
    common = sorted(n for n in docs if n in ours)
    assert len(common) > 250
    checked = 0
    for name in common:
        for _ in range(LINES):
            line = command_line(name, docs[name], rng)
            for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
                lw, rd = diff.run("COMMAND", sub, *line)
                assert lw == rd, f"COMMAND {sub} {line}: lacewing {lw!r} != redis {rd!r}"
                checked += 1
    print(f"{checked} GETKEYS/GETKEYSANDFLAGS lines over {len(common)} commands agree")


def test_list_by_every_acl_category_and_info_of_all(diff, server, redis_server):
    ours = {n.decode() for n in _call(server.port, "COMMAND", "LIST")}
    for cat in _call(redis_server.port, "ACL", "CAT"):
        lw, rd = diff.run("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat)
        names = lambda r: {e.split(b"\r\n")[1].decode() for e in _split_aggregate(r)[1]}
        assert names(lw) - {"stick", "sticky"} == names(rd) & ours, cat
    top = sorted(n for n in ours if "|" not in n and n not in ("stick", "sticky"))
    for proto in ("2", "3"):
        diff.run("HELLO", proto)
        lw, rd = diff.run("COMMAND", "INFO", *top)
        _, lparts = _split_aggregate(lw)
        _, rparts = _split_aggregate(rd)
        for name, l, r in zip(top, lparts, rparts):
            lf, rf = _split_aggregate(l)[1], _split_aggregate(r)[1]
            # Subcommands (the 10th field) are compared by test_command_info_diff.py.
            assert lf[:9] == rf[:9], name


def test_lacewing_only_categories_agree_with_acl(server):
    """STICK and STICKY have no Redis entry: COMMAND INFO and LIST FILTERBY ACLCAT give them
    the categories Redis would give implicitly — the ones ACL rules (ACL CAT) use."""
    cats = [c.decode() for c in _call(server.port, "ACL", "CAT")]
    members = {c: {n.decode() for n in _call(server.port, "ACL", "CAT", c)} for c in cats}
    listed = {c: {n.decode() for n in _call(server.port, "COMMAND", "LIST", "FILTERBY",
                                           "ACLCAT", c)} for c in cats}
    for name in ("stick", "sticky"):
        info = _call(server.port, "COMMAND", "INFO", name)[0]
        shown = {c.decode().lstrip("@") for c in info[6]}
        assert shown == {c for c in cats if name in members[c]}, (name, shown)
        assert shown == {c for c in cats if name in listed[c]}, (name, shown)
        assert "fast" in shown and ("write" if name == "stick" else "read") in shown
