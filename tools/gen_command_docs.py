#!/usr/bin/python3
# Regenerates server/families/command_docs_*.cc, the COMMAND DOCS data of every command (and
# subcommand) Lacewing implements. Facts — group, since, doc flags, deprecation, history and
# the argument trees (names, types, tokens, key spec indexes, flags) — are read from a running
# redis-server 7.0 with COMMAND DOCS. The prose (summary and complexity) is Lacewing's own:
# it is kept from the data files being regenerated (or read from --prose FILE, lines
# "name<TAB>summary<TAB>complexity"), never taken from Redis. A command without prose stops
# the generator. Lacewing-only commands live in command_docs_lacewing.cc, edited by hand.
#
#   tools/gen_command_docs.py REDIS_PORT LACEWING_PORT [--prose FILE]
#
# Data format (parsed by server/families/command_docs.cc; one item per line):
#   = NAME GROUP SINCE [doc=FLAG,FLAG] [dep=VERSION]   a command; "parent|sub" for a subcommand
#   ? SUMMARY            ! COMPLEXITY (absent: no complexity field)
#   r REPLACED_BY        h VERSION CHANGE   (one per history entry)
#   -... NAME TYPE [k=KEY_SPEC_INDEX] [t=TOKEN] [s=SINCE] [d=DEPRECATED_SINCE] [f=FLAG,FLAG]
#        an argument; the number of '-' is its depth (1: top level, 2: inside the one above...)
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_command_table import Conn, pairs, text  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "server/families")

# Output files by Redis docs group; each stays well under 800 lines.
FILES = [
    ("strings", ["string", "bitmap", "hyperloglog", "hash", "list"]),
    ("keyspace", ["generic", "set", "transactions", "pubsub"]),
    ("zsets", ["sorted-set", "geo", "stream"]),
    ("server", ["server", "connection", "scripting", "cluster"]),
]


def arg_lines(args, depth, out):
    for a in args:
        m = pairs(a)
        assert " " not in m["name"] and m.get("token", "x") != ""
        words = ["-" * depth, m["name"], m["type"]]
        if "key_spec_index" in m:
            words.append("k=%d" % m["key_spec_index"])
        for key, tag in (("token", "t"), ("since", "s"), ("deprecated_since", "d")):
            if key in m:
                assert " " not in m[key]
                words.append("%s=%s" % (tag, m[key]))
        if "flags" in m:
            words.append("f=" + ",".join(text(f) for f in m["flags"]))
        known = {"name", "type", "key_spec_index", "token", "since", "deprecated_since",
                 "flags", "arguments"}
        assert set(m) <= known, m
        out.append(" ".join(words))
        if "arguments" in m:
            arg_lines(m["arguments"], depth + 1, out)


def doc_lines(name, raw, prose, out):
    m = pairs(raw)
    head = ["=", name, m["group"], m["since"]]
    if "doc_flags" in m:
        head.append("doc=" + ",".join(text(f) for f in m["doc_flags"]))
    if "deprecated_since" in m:
        head.append("dep=" + m["deprecated_since"])
    out.append(" ".join(head))
    if name not in prose:
        raise SystemExit("no prose for %s: add it with --prose" % name)
    summary, complexity = prose[name]
    out.append("? " + summary)
    if "complexity" in m:
        out.append("! " + complexity)
    if "replaced_by" in m:
        out.append("r " + m["replaced_by"])
    for version, change in m.get("history", []):
        out.append("h %s %s" % (version, change))
    arg_lines(m.get("arguments", []), 1, out)


def read_prose(paths):
    prose, name = {}, None
    for path in paths:
        for line in open(path):
            line = line.rstrip("\n")
            if "\t" in line:
                n, s, c = line.split("\t")
                prose[n] = (s, c)
            elif line.startswith("= "):
                name = line.split()[1]
                prose[name] = ["", ""]
            elif line.startswith("? ") and name:
                prose[name][0] = line[2:]
            elif line.startswith("! ") and name:
                prose[name][1] = line[2:]
    return prose


def main():
    rd, lw = Conn(int(sys.argv[1])), Conn(int(sys.argv[2]))
    prose_files = sorted(glob.glob(os.path.join(OUT, "command_docs_*.cc")))
    if "--prose" in sys.argv:
        prose_files.append(sys.argv[sys.argv.index("--prose") + 1])
    prose = read_prose(prose_files)
    ours = set(lw.call("COMMAND", "LIST"))
    docs = pairs(rd.call("COMMAND", "DOCS"))
    by_group = {}
    for name in sorted(n for n in docs if n in ours):
        m = pairs(docs[name])
        lines = []
        doc_lines(name, docs[name], prose, lines)
        subs = pairs(m.get("subcommands", []))
        for sub in sorted(s for s in subs if s in ours):
            doc_lines(sub, subs[sub], prose, lines)
        by_group.setdefault(m["group"], []).extend(lines)
    for fname, groups in FILES:
        lines = [line for g in groups for line in by_group.pop(g, [])]
        path = os.path.join(OUT, "command_docs_%s.cc" % fname)
        with open(path, "w") as f:
            f.write(HEADER % ", ".join(groups))
            f.write("\n".join(lines) + "\n")
            f.write(FOOTER % fname.capitalize())
        print(path, len(lines))
    assert not by_group, by_group.keys()


HEADER = """// Generated by tools/gen_command_docs.py: COMMAND DOCS data for the %s groups.
// Facts (group, since, flags, history, arguments) are redis-server 7.0.15's; summaries and
// complexities are Lacewing's own words, kept across regeneration. Format: command_docs.h.
#include <string_view>

namespace lw::command_docs {

namespace {
constexpr std::string_view kData = R"DOCS(
"""
FOOTER = """)DOCS";
}  // namespace

std::string_view %s() { return kData; }

}  // namespace lw::command_docs
"""

if __name__ == "__main__":
    main()
