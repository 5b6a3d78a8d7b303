// Internal to the generic family: the COMMAND command (command_cmd.cc) and its GETKEYS /
// GETKEYSANDFLAGS subcommands (command_getkeys.cc). Thread-safety: as any handler (the
// connection fiber); the data they read is the read-only command registry and table.
#pragma once

#include <string>

#include "server/engine/command_info.h"
#include "server/engine/command_registry.h"

namespace lw {

// COMMAND's description of a Lacewing-only command (no table entry), from its CommandSpec:
// Redis's flags it has, the ACL categories Redis would give it implicitly (those the ACL
// checks use) and its legacy key positions as one index/range key spec. `info` points into
// the strings, so an OwnInfo is filled in place and never copied.
struct OwnInfo {
  std::string flags, acl, begin, find;
  CommandInfo info;
  OwnInfo() = default;
  OwnInfo(const OwnInfo&) = delete;
};
void DescribeLacewingOnly(const CommandSpec& spec, OwnInfo* out);

void CommandCmd(CmdArgs args, ConnectionContext* cntx);
// argv: the command line after COMMAND GETKEYS[ANDFLAGS] (at least one argument).
void CommandGetKeys(CmdArgs argv, bool with_flags, ConnectionContext* cntx);

}  // namespace lw
