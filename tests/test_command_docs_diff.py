"""COMMAND DOCS against redis-server 7.0.15, in RESP2 and RESP3: for every command and
subcommand both servers implement, the documentation is Redis's field for field — since,
group, doc_flags, deprecated_since, replaced_by, history and the whole argument tree, with the
same reply types and field order — except the prose (summary, complexity), which is Lacewing's
own and must not be Redis's text. Every command Lacewing implements is documented, nothing it
lacks is, and its own commands (STICK, STICKY, SCRIPT LIST/FLAGS/STATS) are documented too.
The test prints the commands that differ before failing.
"""
import subprocess

from differential import _split_aggregate

LACEWING_ONLY = {"stick", "sticky"}
LACEWING_ONLY_SUBS = {"script|list", "script|flags", "script|stats"}
PROSE = {b"summary", b"complexity"}


def _tree(reply):
    """A reply as nested tuples: (type byte, payload) with aggregates' elements parsed."""
    kind = reply[:1]
    if kind in (b"*", b"~", b"%"):
        header, elems = _split_aggregate(reply)
        return (kind, tuple(_tree(e) for e in elems))
    return (kind, reply)


def _pairs(tree):
    elems = tree[1]
    return [(elems[i][1].split(b"\r\n")[1], elems[i + 1]) for i in range(0, len(elems), 2)]


def _doc(tree, prose):
    """A doc map as a comparable list; prose values are kept in `prose` and blanked; the
    subcommands map is order-independent (Redis's order follows a hash seed)."""
    out = []
    for key, value in _pairs(tree):
        if key in PROSE:
            prose[key] = value[1].split(b"\r\n")[1]
            value = (value[0], b"")
        elif key == b"subcommands":
            value = (value[0], _docs(value, {}))
        out.append((tree[0], key, value))
    return out


def _docs(tree, prose_by_name):
    out = {}
    for name, value in _pairs(tree):
        prose_by_name[name] = {}
        out[name.decode()] = _doc(value, prose_by_name[name])
        for key, sub in _pairs(value):
            if key == b"subcommands":
                for sname, svalue in _pairs(sub):
                    prose_by_name[sname] = {}
                    _doc(svalue, prose_by_name[sname])
    return out


def _names(client):
    _, elems = _split_aggregate(client.call("COMMAND", "LIST"))
    return {e.split(b"\r\n")[1].decode() for e in elems}


def _common_subs(mine, theirs):
    def subs(fields):
        found = [f[2][1] for f in fields if f[1] == b"subcommands"]
        return found[0] if found else {}
    common = set(subs(mine)) & set(subs(theirs))

    def keep(fields):
        return [f if f[1] != b"subcommands" else (f[0], f[1], (f[2][0], {
            k: v for k, v in f[2][1].items() if k in common})) for f in fields]
    return keep(mine), keep(theirs)


def _differences(diff, lw_names):
    lw_prose, rd_prose = {}, {}
    lw = _docs(_tree(diff.lw.call("COMMAND", "DOCS")), lw_prose)
    rd = _docs(_tree(diff.rd.call("COMMAND", "DOCS")), rd_prose)
    top = {n for n in lw_names if "|" not in n}
    assert set(lw) == top, f"documented {set(lw) ^ top}"
    differ = []
    for name in sorted(set(lw) & set(rd)):
        # Subcommands: those both implement (Lacewing's own and Redis's others aside).
        mine, theirs = _common_subs(lw[name], rd[name])
        if mine != theirs:
            differ.append(name)
    # The prose is Lacewing's own: present everywhere, never Redis's sentence.
    for name, prose in lw_prose.items():
        assert prose.get(b"summary"), name
        theirs = rd_prose.get(name, {})
        assert prose[b"summary"] != theirs.get(b"summary"), f"{name}: summary copied"
        cx = prose.get(b"complexity", b"")
        assert len(cx) <= 12 or cx != theirs.get(b"complexity"), f"{name}: complexity copied"
    return differ, lw


def test_command_docs_match_redis(diff):
    lw_names = _names(diff.lw)
    for proto in ("2", "3"):
        diff.run("HELLO", proto)
        differ, lw = _differences(diff, lw_names)
        print(f"RESP{proto}: commands whose docs differ from redis-server's: {differ}")
        assert differ == []
        # Every implemented subcommand is documented, and only those (plus Lacewing's own).
        for name, fields in lw.items():
            subs = [f[2][1] for f in fields if f[1] == b"subcommands"]
            listed = set(subs[0]) if subs else set()
            implemented = {n for n in lw_names if n.startswith(name + "|")}
            extra = listed - implemented
            assert implemented <= listed and extra <= LACEWING_ONLY_SUBS, (name, extra)
        assert set(lw) - {n for n in lw_names} == set()
        for name in LACEWING_ONLY:
            assert name in lw


def _one(client, *names):
    prose = {}
    return _docs(_tree(client.call("COMMAND", "DOCS", *names)), prose)


def test_command_docs_by_name(diff):
    for proto in ("2", "3"):
        diff.run("HELLO", proto)
        # Unknown names are left out; a name given twice appears twice; any case; subcommands
        # by their full name.
        for names in (("nosuch",), ("config|nosuch",), ("get|x",), ("CONFIG|",),
                      ("config|get|x",), ("",)):
            diff.check("COMMAND", "DOCS", *names)
        for names in (("GET", "nosuch", "get"), ("config|GET", "Zadd"),
                      ("client|kill", "xinfo|stream", "georadius", "restore"),
                      ("set", "object", "latency|doctor")):
            lw, rd = diff.run("COMMAND", "DOCS", *names)
            assert _split_aggregate(lw)[0] == _split_aggregate(rd)[0], names
            assert _one(diff.lw, *names) == _one(diff.rd, *names), names
        # Commands and subcommands Lacewing lacks are not documented.
        for name in ("cluster", "wait", "client|no-touch", "config|nosuch", "acl|nosuch"):
            assert diff.lw.call("COMMAND", "DOCS", name) in (b"*0\r\n", b"%0\r\n"), name
        for name in ("script|stats", "stick"):
            assert _split_aggregate(diff.lw.call("COMMAND", "DOCS", name))[0] in (
                b"*2\r\n", b"%1\r\n"), name
    diff.check("COMMAND", "HELP")
    diff.check_error("COMMAND", "HELP", "x")


def test_redis_cli_reads_docs(server, redis_server):
    """Debian's redis-cli (7.0) still works against Lacewing, COMMAND DOCS included."""
    outs = []
    for port in (server.port, redis_server.port):
        out = subprocess.run(["redis-cli", "-p", str(port), "COMMAND", "DOCS", "set"],
                             capture_output=True, text=True, timeout=20)
        assert out.returncode == 0, out.stderr
        outs.append(out.stdout.splitlines())
        # Interactive-style input on stdin: the help/hint machinery must not trip.
        out = subprocess.run(["redis-cli", "-p", str(port)], input="COMMAND DOCS get\nPING\n",
                             capture_output=True, text=True, timeout=20)
        assert out.returncode == 0 and "PONG" in out.stdout, out.stderr
    mine, theirs = outs
    assert len(mine) == len(theirs)
    # Line by line the same apart from the two prose lines (the values after the keys).
    skip = {i + 1 for i, line in enumerate(theirs) if line in ("summary", "complexity")}
    assert [l for i, l in enumerate(mine) if i not in skip] == [
        l for i, l in enumerate(theirs) if i not in skip]


def _interactive(port, lines):
    """redis-cli in interactive mode on a pseudo-terminal (its `help` reads COMMAND DOCS)."""
    import os
    import pty
    import select
    import time
    master, slave = pty.openpty()
    proc = subprocess.Popen(["redis-cli", "-p", str(port)], stdin=slave, stdout=slave,
                            stderr=slave, close_fds=True, env={"TERM": "dumb"})
    os.close(slave)
    out = b""

    def pump(seconds):
        nonlocal out
        end = time.time() + seconds
        while time.time() < end:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    chunk = os.read(master, 1 << 16)
                except OSError:
                    return
                out += chunk
                if b"\x1b[6n" in chunk:  # linenoise asks where the cursor is
                    os.write(master, b"\x1b[1;1R")
    try:
        pump(0.5)
        for line in lines:
            marker = len(out)
            os.write(master, line.encode() + b"\r")
            deadline = time.time() + 10
            # Until the reply is out and the next prompt waits.
            while time.time() < deadline and not (b"\n" in out[marker:] and
                                                   out.rstrip(b" ").endswith(b">")):
                pump(0.05)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    return out.decode(errors="replace")


def _help_entries(text):
    """{usage line: summary} from redis-cli's `help <command>` output (ANSI colours removed)."""
    import re
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    entries, usage = {}, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("summary:") and usage:
            entries[usage] = line[len("summary:"):].strip()
        elif line and not line.startswith(("since:", "group:")) and "> " not in line:
            usage = line
    return entries


def test_redis_cli_interactive_help(server, redis_server):
    """redis-cli 7.0's interactive `help` builds its pages from COMMAND DOCS: the usage lines
    (command, tokens, argument names and nesting) are Redis's; the summaries are Lacewing's."""
    topics = ["help set", "help georadius", "help client kill", "help xadd", "help zadd",
              "help latency graph", "help config set"]
    mine = _help_entries(_interactive(server.port, topics + ["help stick", "ping"]))
    theirs = _help_entries(_interactive(redis_server.port, topics))
    for usage, summary in theirs.items():
        assert usage in mine, (usage, sorted(mine))
        assert mine[usage] and mine[usage] != summary, usage
    assert any(u.startswith("STICK key") for u in mine), sorted(mine)
    assert len(theirs) == len(topics), sorted(theirs)
