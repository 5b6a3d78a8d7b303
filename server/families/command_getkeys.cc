// COMMAND GETKEYS / GETKEYSANDFLAGS: the key arguments of a command line, found as Redis 7.0
// finds them — by the command's key specs (command_info.h) — with Redis's documented special
// cases where the specs cannot say (SET and BITFIELD, whose key flags depend on the
// arguments; SORT, whose STORE key may be anywhere). When the specs do not fit the arguments
// (a numkeys that is not an integer...), Redis asks the command's own older key finder, which
// reads numkeys as C's atoi does and reports no key flags; LegacyKeys is that step.

#include <cstdint>
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

// C's atoi: leading blanks, a sign, the digits up to the first other byte; a long that does
// not fit is clamped as strtol does, then cut to an int as the cast in C keeps its low bits.
int CAtoi(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  bool neg = i < s.size() && s[i] == '-';
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  uint64_t v = 0;
  bool clamped = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    uint64_t d = uint64_t(s[i] - '0');
    if (!clamped && v > (uint64_t(INT64_MAX) + neg - d) / 10) clamped = true;
    if (!clamped) v = v * 10 + d;
  }
  int64_t value = clamped ? (neg ? INT64_MIN : INT64_MAX) : neg ? int64_t(0 - v) : int64_t(v);
  return int(uint32_t(uint64_t(value)));
}

// Commands whose key finder counts keys: argv positions of numkeys, of the first key and of a
// destination key (0: none), as Redis 7.0's getkeys procedures use them.
struct Counted {
  std::string_view name;
  int count, first, store;
};
constexpr Counted kCounted[] = {
    {"eval", 2, 3, 0},        {"evalsha", 2, 3, 0},     {"eval_ro", 2, 3, 0},
    {"evalsha_ro", 2, 3, 0},  {"fcall", 2, 3, 0},       {"fcall_ro", 2, 3, 0},
    {"zunionstore", 2, 3, 1}, {"zinterstore", 2, 3, 1}, {"zdiffstore", 2, 3, 1},
    {"zunion", 1, 2, 0},      {"zinter", 1, 2, 0},      {"zdiff", 1, 2, 0},
    {"zintercard", 1, 2, 0},  {"sintercard", 1, 2, 0},  {"lmpop", 1, 2, 0},
    {"zmpop", 1, 2, 0},       {"blmpop", 2, 3, 0},      {"bzmpop", 2, 3, 0},
};

// XREAD/XREADGROUP: the options up to STREAMS, then half of what follows is keys.
void StreamKeys(CmdArgs argv, std::vector<size_t>* out) {
  const size_t argc = argv.size();
  size_t streams = 0;
  for (size_t i = 1; i < argc; ++i) {
    if (EqualsIgnoreCase(argv[i], "block") || EqualsIgnoreCase(argv[i], "count")) {
      ++i;
    } else if (EqualsIgnoreCase(argv[i], "group")) {
      i += 2;
    } else if (!EqualsIgnoreCase(argv[i], "noack")) {
      if (EqualsIgnoreCase(argv[i], "streams")) streams = i;
      break;
    }
  }
  size_t rest = streams ? argc - streams - 1 : 0;
  if (rest == 0 || rest % 2 != 0) return;
  for (size_t i = streams + 1; i < argc - rest / 2; ++i) out->push_back(i);
}

// The fallback key finder of `name` (argv positions, no flags); empty when it has none or
// finds nothing.
std::vector<size_t> LegacyKeys(std::string_view name, CmdArgs argv) {
  std::vector<size_t> out;
  const int argc = int(argv.size());
  for (const Counted& c : kCounted) {
    if (c.name != name) continue;
    int num = c.count < argc ? CAtoi(argv[c.count]) : 0;
    if (num < 1 || num > argc - c.first) return out;
    for (int i = 0; i < num; ++i) out.push_back(size_t(c.first + i));
    if (c.store) out.push_back(size_t(c.store));
    return out;
  }
  if (name == "georadius" || name == "georadiusbymember") {
    size_t store = 0;  // the last STORE/STOREDIST option's key
    for (size_t i = 5; i + 1 < argv.size(); ++i) {
      if (EqualsIgnoreCase(argv[i], "store") || EqualsIgnoreCase(argv[i], "storedist")) {
        store = ++i;
      }
    }
    out.push_back(1);
    if (store) out.push_back(store);
  } else if (name == "xread" || name == "xreadgroup") {
    StreamKeys(argv, &out);
  }
  return out;
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
    for (size_t pos : LegacyKeys(info->name, argv)) keys.push_back({pos, ""});
  }
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
