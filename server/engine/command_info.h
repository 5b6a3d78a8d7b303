// CommandInfo: what redis-server 7.0's COMMAND INFO says about a command — arity, command
// flags, legacy key positions, ACL categories, tips, key specs and subcommands — for every
// command (and subcommand) Lacewing implements. The data is a generated table
// (command_table_*.cc, tools/gen_command_table.py); COMMAND INFO/LIST/GETKEYS print and use
// it so clients see Redis's metadata byte for byte. Lacewing-only commands have no entry.
//
// Thread-safety: the table and its index are built once, on first use (a function-local
// static), and are read-only afterwards; any thread may read them. Lifetime: process-wide.
//
// Encoding (kept as text so the table stays readable):
//   flags, acl, tips: space-separated names in Redis's order (ACL categories without '@').
//   KeySpecInfo::begin: "index N" | "keyword WORD STARTFROM" | "unknown".
//   KeySpecInfo::find:  "range LASTKEY KEYSTEP LIMIT" | "keynum KEYNUMIDX FIRSTKEY KEYSTEP" |
//                       "unknown".
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace lw {

struct KeySpecInfo {
  std::string_view flags;  // "RW access update"
  std::string_view begin;
  std::string_view find;
  std::string_view notes = {};  // empty: none
};

struct CommandInfo {
  std::string_view name;  // lower case; "parent|sub" for a subcommand
  int arity = 0;
  std::string_view flags;
  int first_key = 0, last_key = 0, key_step = 0;
  std::string_view acl;
  std::string_view tips;
  std::vector<KeySpecInfo> key_specs;
  // Filled by the index: this command's implemented subcommands, in Redis's order.
  std::vector<const CommandInfo*> subcommands = {};

  // The space-separated names of `list` (flags, acl, tips), and whether `word` is one.
  static std::vector<std::string_view> Words(std::string_view list);
  static bool HasWord(std::string_view list, std::string_view word);
};

// The parsed form of a key spec, for key extraction (COMMAND GETKEYS).
struct KeySpecSearch {
  enum Begin { kIndex, kKeyword, kUnknownBegin } begin = kUnknownBegin;
  int index = 0;             // kIndex: argv position
  std::string_view keyword;  // kKeyword
  int startfrom = 0;         // kKeyword: where to start looking (negative: from the end)
  enum Find { kRange, kKeynum, kUnknownFind } find = kUnknownFind;
  int lastkey = 0, keystep = 1, limit = 0;  // kRange
  int keynumidx = 0, firstkey = 0;          // kKeynum (keystep shared)
};
KeySpecSearch ParseKeySpec(const KeySpecInfo& spec);

// The entry of `name` ("get", "config|get"; any case), or nullptr if the table has none.
const CommandInfo* FindCommandInfo(std::string_view name);

namespace command_table {
// The generated groups (command_table_<group>.cc).
std::vector<CommandInfo> Strings();
std::vector<CommandInfo> Keyspace();
std::vector<CommandInfo> Sets();
std::vector<CommandInfo> Connection();
std::vector<CommandInfo> Server();
}  // namespace command_table

}  // namespace lw
