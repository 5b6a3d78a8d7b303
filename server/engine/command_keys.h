// FindKeys: the key arguments of a command line as Redis 7.0 finds them — by the command's
// key specs (command_info.h) — with Redis's documented special cases where the specs cannot
// say: SET and BITFIELD, whose key flags depend on the arguments, and SORT, whose STORE key
// may be anywhere (its BY/GET patterns name no key). COMMAND GETKEYS prints them; a script
// checks and locks the keys of a command whose keys move (kMovableKeys: numkeys arguments,
// STORE options) with them.
//
// Thread-safety: pure functions over the read-only command table. Lifetime: none.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "server/engine/command_info.h"
#include "server/engine/command_registry.h"

namespace lw {

struct FoundKey {
  size_t pos;              // argv index
  std::string_view flags;  // the key spec's flags ("RW access update")
};

// The keys of argv (argv[0] the command) per `info`; empty if a key spec does not fit the
// arguments (the command itself will then report its syntax error).
std::vector<FoundKey> FindKeys(const CommandInfo& info, CmdArgs argv);
// One parsed key spec (with its flags) applied to argv, appending to `out`; false if it does
// not fit the arguments (Redis's "invalid spec"). FindKeys' step, for callers that parse the
// specs once (the ACL check). Not for SET/BITFIELD/SORT, whose keys FindKeys special-cases.
bool ApplyKeySpec(const KeySpecSearch& spec, std::string_view flags, int arity, CmdArgs argv,
                  std::vector<FoundKey>* out);

// Calls fn(key) for every key of `args`: by the key specs for a kMovableKeys command that
// has them, else at the legacy key positions (CommandRegistry::ForEachKey).
template <typename Fn>
void ForEachCommandKey(const CommandSpec& spec, CmdArgs args, Fn&& fn) {
  if ((spec.flags & cmd::kMovableKeys) && spec.info != nullptr) {
    std::vector<FoundKey> keys = FindKeys(*spec.info, args);
    if (!keys.empty()) {
      for (const FoundKey& k : keys) fn(args[k.pos]);
      return;
    }
  }
  CommandRegistry::ForEachKey(spec, args, fn);
}

}  // namespace lw
