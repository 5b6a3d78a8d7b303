// COMMAND GETKEYS / GETKEYSANDFLAGS: the key arguments of a command line, found as Redis 7.0
// finds them — by the command's key specs (command_info.h) — with Redis's documented special
// cases where the specs cannot say (SET and BITFIELD, whose key flags depend on the
// arguments; SORT, whose STORE key may be anywhere).

#include <string>
#include <vector>

#include "server/engine/command_info.h"
#include "server/engine/command_keys.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/families/command_cmd.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

// The command (or subcommand) argv names, as Redis's lookupCommand resolves it.
const CommandInfo* Resolve(const CommandRegistry& registry, CmdArgs argv, OwnInfo* own) {
  const CommandSpec* spec = registry.Find(argv[0]);
  if (!spec) return nullptr;
  if (!spec->info) {  // Lacewing-only: its legacy key positions
    DescribeLacewingOnly(*spec, own);
    return &own->info;
  }
  if (spec->info->subcommands.empty() || argv.size() == 1) return spec->info;
  std::string full = spec->name + "|" + AsciiLower(argv[1]);
  for (const CommandInfo* sub : spec->info->subcommands) {
    if (sub->name == full) return sub;
  }
  return nullptr;
}

}  // namespace

void CommandGetKeys(CmdArgs argv, bool with_flags, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  OwnInfo own;
  const CommandInfo* info = Resolve(cntx->service->registry(), argv, &own);
  if (!info) return rb->SendError("ERR Invalid command specified");
  bool has_keys = false;
  for (const KeySpecInfo& ks : info->key_specs) {
    has_keys |= !CommandInfo::HasWord(ks.flags, "not_key");
  }
  if (!has_keys) return rb->SendError("ERR The command has no key arguments");
  const int argc = int(argv.size());
  if ((info->arity > 0 && info->arity != argc) || argc < -info->arity) {
    return rb->SendError("ERR Invalid number of arguments specified for command");
  }
  std::vector<FoundKey> keys = FindKeys(*info, argv);
  if (keys.empty()) {
    if (CommandInfo::HasWord(info->flags, "no_mandatory_keys")) return rb->StartArray(0);
    return rb->SendError("ERR Invalid arguments specified for command");
  }
  rb->StartArray(keys.size());
  for (const FoundKey& k : keys) {
    if (!with_flags) {
      rb->SendBulk(argv[k.pos]);
      continue;
    }
    rb->StartArray(2);
    rb->SendBulk(argv[k.pos]);
    std::vector<std::string_view> words = CommandInfo::Words(k.flags);
    rb->StartSet(words.size());
    for (std::string_view w : words) rb->SendSimpleString(w);
  }
}

}  // namespace lw
