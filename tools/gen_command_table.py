#!/usr/bin/python3
# Regenerates server/engine/command_table_*.cc, the COMMAND INFO facts (arity, flags, legacy
# key positions, ACL categories, tips, key specs, subcommands) of every command Lacewing
# registers, read from a running redis-server 7.0 (the reference) with COMMAND INFO.
#
#   tools/gen_command_table.py REDIS_PORT LACEWING_PORT
#
# Both servers must be running (throwaway instances: the probe below sends subcommands).
# Only commands Lacewing registers are written, and of a container command (CONFIG, CLIENT...)
# only the subcommands Lacewing answers: a subcommand is left out when Lacewing replies
# "unknown subcommand" to it, so COMMAND never lists what Lacewing does not do.
# Lacewing-only commands have no entry; COMMAND prints them from their CommandSpec.
import os
import socket
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(1 << 16)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-"):
            return (t, rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(1 << 16)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode()
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise ValueError(line)

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._read()


def text(x):
    return x[1] if isinstance(x, tuple) else x


def pairs(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


def key_spec(raw):
    m = pairs(raw)
    flags = " ".join(text(f) for f in m["flags"])
    bs, fk = pairs(m["begin_search"]), pairs(m["find_keys"])
    bspec, fspec = pairs(bs["spec"]), pairs(fk["spec"])
    if bs["type"] == "index":
        begin = "index %d" % bspec["index"]
    elif bs["type"] == "keyword":
        assert " " not in bspec["keyword"]
        begin = "keyword %s %d" % (bspec["keyword"], bspec["startfrom"])
    else:
        begin = "unknown"
    if fk["type"] == "range":
        find = "range %d %d %d" % (fspec["lastkey"], fspec["keystep"], fspec["limit"])
    elif fk["type"] == "keynum":
        find = "keynum %d %d %d" % (fspec["keynumidx"], fspec["firstkey"], fspec["keystep"])
    else:
        find = "unknown"
    fields = [flags, begin, find] + ([m["notes"]] if "notes" in m else [])
    return "{" + ", ".join(cstr(f) for f in fields) + "}"


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def entry(info):
    name, arity, flags, first, last, step, acl, tips, specs = info[:9]
    flags = " ".join(text(f) for f in flags)
    acl = " ".join(text(c).lstrip("@") for c in acl)
    tips = [text(t) for t in tips]
    assert all(" " not in t for t in tips)
    specs = ", ".join(key_spec(s) for s in specs)
    return "    {%s, %d, %s, %d, %d, %d, %s, %s, {%s}}," % (
        cstr(name), arity, cstr(flags), first, last, step, cstr(acl), cstr(" ".join(tips)), specs)


# Each command goes to the file of the first of its ACL categories listed here.
# (Groups keep each generated function under the 100-line limit.)
GROUPS = [
    ("strings", {"string", "bitmap", "hyperloglog"}),
    ("keyspace", {"keyspace", "list", "hash"}),
    ("sets", {"set", "sortedset", "geo", "stream"}),
    ("connection", {"scripting", "pubsub", "transaction", "connection"}),
    ("server", None),
]


def implemented(lw, parent, sub, arity):
    args = [parent, sub.split("|")[1]] + ["x"] * max(abs(arity) - 2, 0)
    reply = lw.call(*args)
    return not (isinstance(reply, tuple) and "unknown subcommand" in reply[1].lower())


def main():
    rd, lw = Conn(int(sys.argv[1])), Conn(int(sys.argv[2]))
    ours = set(lw.call("COMMAND", "LIST"))
    infos = {i[0]: i for i in rd.call("COMMAND", "INFO") if i}
    chunks = {g: [] for g, _ in GROUPS}
    for name in sorted(n for n in infos if n in ours and "|" not in n):
        info = infos[name]
        acl = {text(c).lstrip("@") for c in info[6]}
        # ACL (category "slow" only) would overfill the server group's function.
        group = "connection" if name == "acl" else next(
            g for g, cats in GROUPS if cats is None or acl & cats)
        lines = [entry(info)]
        for sub in info[9]:
            if implemented(lw, name, sub[0], sub[1]):
                lines.append(entry(sub))
        chunks[group] += lines
    for group, lines in chunks.items():
        path = os.path.join(ROOT, "server/engine/command_table_%s.cc" % group)
        with open(path, "w") as f:
            f.write(HEADER % (group, group.capitalize()))
            f.write("\n".join(lines) + "\n")
            f.write(FOOTER)
        print(path, len(lines))


HEADER = """// Generated by tools/gen_command_table.py from redis-server 7.0.15's COMMAND INFO (the %s
// group); regenerate rather than edit by hand. One entry per command Lacewing implements, then
// its implemented subcommands ("parent|sub"), in Redis's reply order. Fields: name, arity,
// command flags, first/last/step key positions, ACL categories (without '@'), tips, key specs
// {flags, begin_search, find_keys, notes}. See command_info.h for the encoding.
#include "server/engine/command_info.h"

namespace lw::command_table {

// clang-format off
std::vector<CommandInfo> %s() {
  return {
"""
FOOTER = """  };
}
// clang-format on

}  // namespace lw::command_table
"""

if __name__ == "__main__":
    main()
