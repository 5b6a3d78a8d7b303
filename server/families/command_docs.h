// CommandDoc: what COMMAND DOCS says about a command — summary, since, group, complexity,
// doc flags, deprecation, history and the argument tree — for every command and subcommand
// Lacewing implements, in the reply layout of redis-server 7.0.15. Facts come from Redis
// (tools/gen_command_docs.py); summaries and complexities are Lacewing's own words.
//
// The data is text compiled into the binary (command_docs_<group>.cc, one string per file) and
// parsed once, on the first COMMAND DOCS (a function-local static), so it costs nothing at
// start-up or on any other command. Thread-safety: the parsed index is read-only after
// construction; any thread may read it. Lifetime: process-wide; every string_view points
// into the compiled-in text.
//
// Data format, one item per line (blank lines and lines starting with '#' are ignored):
//   = NAME GROUP SINCE [doc=FLAG,FLAG] [dep=VERSION]   a command; "parent|sub" for a
//                                                      subcommand (after its parent's file)
//   ? SUMMARY                  ! COMPLEXITY (no '!' line: the reply has no complexity field)
//   r REPLACED_BY              h VERSION CHANGE (one line per history entry, in order)
//   -... NAME TYPE [k=KEY_SPEC_INDEX] [t=TOKEN] [s=SINCE] [d=DEPRECATED_SINCE] [f=FLAG,FLAG]
//        an argument of the command above; the number of '-' is its depth (1: top level,
//        2: inside the nearest argument of depth 1 above it, ...). Values have no spaces.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/resp/reply_builder.h"

namespace lw {

struct DocArg {
  std::string_view name, type, token, since, deprecated_since;
  int key_spec_index = -1;  // -1: none
  std::vector<std::string_view> flags;
  std::vector<DocArg> args;
};

struct CommandDoc {
  std::string_view name;  // lower case; "parent|sub" for a subcommand
  std::string_view summary, since, group, complexity, deprecated_since, replaced_by;
  bool has_complexity = false;
  std::vector<std::string_view> doc_flags;
  std::vector<std::pair<std::string_view, std::string_view>> history;  // version, change
  std::vector<DocArg> args;
  std::vector<const CommandDoc*> subcommands;  // filled by the index, in data order
};

// The documentation of `name` ("get", "config|get"; any case), or nullptr if none.
const CommandDoc* FindCommandDoc(std::string_view name);
// Lines of the data that did not parse ("file:line: text"); empty when the data is sound.
const std::vector<std::string>& CommandDocErrors();
// Writes one command's documentation map (the value of its entry in COMMAND DOCS).
void SendCommandDoc(const CommandDoc& doc, ReplyBuilder* rb);

namespace command_docs {
// The compiled-in data, one string per file.
std::string_view Strings();
std::string_view Keyspace();
std::string_view Zsets();
std::string_view Server();
std::string_view Lacewing();
}  // namespace command_docs

}  // namespace lw
