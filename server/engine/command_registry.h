// CommandRegistry: every command Lacewing knows, with Redis's metadata (arity, flags, legacy
// key positions) and its handler. Filled once at start-up by the command families
// (Register*Family functions), read-only afterwards, so any thread may look commands up.
//
// Conventions shared by all handlers:
//   - `args` is Redis's argv: args[0] is the command name as the client sent it.
//   - arity follows Redis: n > 0 means exactly n argv entries, n < 0 means at least -n.
//   - a handler runs in the connection's fiber (the coordinator) and writes exactly one reply
//     into cntx->rb. It reaches keys only through the shard set (never another thread's data).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "server/engine/command_info.h"

namespace lw {

struct ConnectionContext;

using CmdArgs = std::span<const std::string_view>;
using CommandHandler = std::function<void(CmdArgs args, ConnectionContext* cntx)>;
// Runs several consecutive pipelined requests of one command (all with the same spec) with
// the result of Service::Dispatch on each in turn — one reply per request, in order, and
// the same command statistics — but free to run them concurrently where nobody could tell.
using BatchHandler = void (*)(std::span<const CmdArgs> requests, ConnectionContext* cntx);
using SlowLogArgFn = bool (*)(size_t index, std::string_view arg, std::string* shown);
// The keys a request of a kMovableKeys command declares (EVAL's KEYS), or none if its
// arguments do not parse; the command reports its own argument errors later.
using DeclaredKeysFn = std::vector<std::string_view> (*)(CmdArgs args);
// True when this request reaches keys that no argument names (SORT's BY/GET patterns), so it
// needs the whole-store lock.
using WholeStoreFn = bool (*)(CmdArgs args);

namespace cmd {
// Redis's command flags (COMMAND INFO prints them by these names).
enum Flag : uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kDenyOom = 1u << 2,
  kFast = 1u << 3,
  kNoScript = 1u << 4,
  kAdmin = 1u << 5,
  kPubSub = 1u << 6,
  kLoading = 1u << 7,
  kStale = 1u << 8,
  kBlocking = 1u << 9,
  kNoAuth = 1u << 10,
  kNoMulti = 1u << 11,

  // Lacewing's own behaviour flags (COMMAND does not print them). The engine decides what a
  // command may do from these, never from its name; the family that registers a command
  // says what it is.
  // Runs in a RESP2 client's subscribed mode (Redis allows (P|S)(UN)SUBSCRIBE, PING, QUIT,
  // RESET there); any other command is refused.
  kSubscribeOk = 1u << 16,
  // Runs at once between MULTI and EXEC instead of being queued (MULTI, EXEC, DISCARD,
  // WATCH, QUIT, RESET): it acts on the transaction or the connection itself.
  kNotQueued = 1u << 17,
  // Acts on the connection's state, not on data, although it names keys (WATCH): it must run
  // in the client's own context, never squashed onto a shard's thread.
  kConnState = 1u << 18,
  // Its keys are not (all) at the legacy key positions (numkeys arguments, scripts, STORE
  // options): whoever must lock its keys ahead (EXEC) has to lock every shard.
  kMovableKeys = 1u << 19,
  // Names no key and never reaches the keyspace (PING, CLIENT, PUBLISH...): EXEC needs no
  // lock for it. A keyless command without this flag (FLUSHDB, SCAN, KEYS...) is assumed to
  // reach every shard.
  kNoKeyspace = 1u << 20,
  // Flagged readonly as in Redis, yet may rewrite data its key caches (PFCOUNT stores the
  // cardinality it computed in the HLL header): runs under an exclusive lock where it takes
  // its own; inside a transaction that holds the key shared it must not write.
  kWritesCache = 1u << 21,
  // A write command whose key lookups count as reads (keyspace hits/misses, "keymiss"), as
  // Redis's lookupKeyRead in GETSET, GETDEL, COPY, SORT, PFMERGE, the *STORE commands...
  kReadLookups = 1u << 22,
};
// Redis's flag names in Redis's order, for COMMAND output (Lacewing's own flags are left out).
std::vector<std::string_view> FlagNames(uint32_t flags);
}  // namespace cmd

struct CommandSpec {
  std::string name;  // lower case, e.g. "get"
  int arity = 0;
  uint32_t flags = 0;
  int first_key = 0;  // 1-based argv index of the first key; 0: no keys
  int last_key = 0;   // -1: the last argument
  int key_step = 0;
  CommandHandler handler;
  // Dense index assigned by Register (0..size-1), for per-command tables (ACL).
  uint32_t id = 0;
  // This command's first statistics slot (INFO commandstats...; see StatSlot): the command
  // itself, then one per subcommand of info->subcommands, in that order.
  uint32_t stat_id = 0;
  // Optional: how a connection runs several pipelined requests of this command at once.
  BatchHandler batch_handler = nullptr;
  // Optional: what SLOWLOG shows for argument `index` (> 0) of a logged call in place of the
  // argument itself, e.g. EVAL's script by its SHA1 rather than its (long) body. Returns
  // false to show the argument as usual.
  SlowLogArgFn slowlog_arg = nullptr;
  // Optional, for commands whose keys are not at the legacy positions: the keys to compare
  // with those of scripts past the busy threshold (-BUSY), e.g. EVAL's numkeys keys.
  DeclaredKeysFn busy_keys = nullptr;
  // Optional: whether a request needs the whole-store lock although the command has keys; a
  // script that locks keys as it goes (allow-undeclared-keys) then reruns under that lock.
  WholeStoreFn whole_store = nullptr;
  // Redis's COMMAND INFO facts for this command (command_info.h), set by Register from the
  // generated table; nullptr for Lacewing-only commands, which COMMAND describes from the
  // fields above.
  const CommandInfo* info = nullptr;
  // Lacewing's own subcommands of a container (SCRIPT STATS...), counted apart in the
  // statistics as Redis's are (lower case, without the container's name).
  std::vector<std::string> own_subcommands = {};

  bool IsWrite() const { return flags & cmd::kWrite; }
  bool Has(cmd::Flag flag) const { return (flags & flag) != 0; }
  bool ArityOk(size_t argc) const {
    return arity >= 0 ? argc == size_t(arity) : argc >= size_t(-arity);
  }
};

class CommandRegistry;

// A client's recently used commands, in front of CommandRegistry::Find: a pipelining client
// repeats a few names (memtier: SET and GET), and a hit costs one case-insensitive compare
// instead of lowering the name, hashing it and probing the table.
// Owned by one client; the registry it is used with must outlive it (specs never move).
class RecentCommands {
 public:
  const CommandSpec* Find(const CommandRegistry& registry, std::string_view name);

 private:
  static bool Matches(const CommandSpec* spec, std::string_view name);
  const CommandSpec* recent_[2] = {nullptr, nullptr};  // most recent first
};

class CommandRegistry {
 public:
  // REQUIRES: start-up only; the name is not registered yet.
  void Register(CommandSpec spec);

  // Case-insensitive lookup; nullptr if unknown.
  const CommandSpec* Find(std::string_view name) const;

  size_t size() const { return by_name_.size(); }
  std::vector<const CommandSpec*> All() const;

  // Statistics slots: one per command and one per subcommand Redis 7 counts apart
  // (`cmdstat_client|list`, `cmdstat_config|get`...; Lacewing's own_subcommands too). A call
  // of a container command is counted in its subcommand's slot; a call with an unknown
  // subcommand in slot 0, which no statistic shows (Redis counts it nowhere either).
  size_t stat_slots() const { return stat_names_.size(); }
  // Every slot's name ("get", "client|list") with its index, sorted by name.
  std::vector<std::pair<std::string_view, uint32_t>> StatSlotsByName() const;
  static uint32_t StatSlot(const CommandSpec& spec, CmdArgs args) {
    if (args.size() < 2 || spec.info == nullptr ||
        (spec.info->subcommands.empty() && spec.own_subcommands.empty())) {
      return spec.stat_id;
    }
    return SubcommandSlot(spec, args[1]);
  }

  // The key arguments of `args` according to spec's legacy key positions.
  static std::vector<std::string_view> KeysOf(const CommandSpec& spec, CmdArgs args);
  // Calls fn(key) for each of them, in order, without building a vector.
  template <typename Fn>
  static void ForEachKey(const CommandSpec& spec, CmdArgs args, Fn&& fn) {
    if (spec.first_key <= 0 || args.size() <= size_t(spec.first_key)) return;
    int last = spec.last_key < 0 ? int(args.size()) + spec.last_key : spec.last_key;
    int step = spec.key_step > 0 ? spec.key_step : 1;
    for (int i = spec.first_key; i <= last && i < int(args.size()); i += step) fn(args[i]);
  }

 private:
  static uint32_t SubcommandSlot(const CommandSpec& spec, std::string_view sub);
  absl::flat_hash_map<std::string, std::unique_ptr<CommandSpec>> by_name_;
  std::vector<std::string> stat_names_ = {""};  // slot 0: uncounted
};

inline bool RecentCommands::Matches(const CommandSpec* spec, std::string_view name) {
  if (spec == nullptr || spec->name.size() != name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    if (c != spec->name[i]) return false;  // spec names are lower case
  }
  return true;
}

inline const CommandSpec* RecentCommands::Find(const CommandRegistry& registry,
                                               std::string_view name) {
  if (Matches(recent_[0], name)) return recent_[0];
  if (Matches(recent_[1], name)) {
    std::swap(recent_[0], recent_[1]);
    return recent_[0];
  }
  const CommandSpec* spec = registry.Find(name);
  if (spec != nullptr) {
    recent_[1] = recent_[0];
    recent_[0] = spec;
  }
  return spec;
}

}  // namespace lw
