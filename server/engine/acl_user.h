// ACL users as Redis 7.0 has them: the rule language of ACL SETUSER (`on`, `>pass`, `+@read`,
// `~key*`, `%R~k`, `&chan`, `(selector)`...), the user model those rules build, the check of
// one command line against a user (command bit, key patterns with read/write access, channel
// patterns), and the description ACL LIST / GETUSER print (Redis's "best fit" of categories).
//
// CommandTable numbers every registered command and every subcommand its CommandInfo lists
// (Redis's ACL command ids) and gives each its categories, taken from the generated command
// table (command_info.h) — the same categories COMMAND INFO shows — or, for Lacewing-only
// commands, derived from their flags as Redis derives implicit categories.
//
// Thread-safety: a CommandTable is built once and read-only afterwards. A User is a value;
// AclRegistry (acl_registry.h) publishes immutable snapshots (shared_ptr<const User>) that
// any thread may check commands against without locks. Lifetime: the table lives as long as
// the Service; users as long as someone holds the snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/engine/command_info.h"
#include "server/engine/command_registry.h"

namespace lw::acl {

// Every command and subcommand of redis-server 7.0 with its ACL categories, one per line
// ("get read string fast"; generated: acl_redis_commands.cc, tools/gen_acl_commands.py).
extern const std::string_view kRedisAclCommands;

// Redis 7.0's categories, in ACL CAT's order.
inline constexpr std::string_view kCategories[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};
inline constexpr int kNumCategories = 21;
int CategoryIndex(std::string_view name);  // -1 if unknown
// Redis's implicit categories (bit i: kCategories[i]) of a command with these CommandSpec
// flags, for Lacewing-only commands the generated table does not describe; ACL checks and
// COMMAND INFO / LIST FILTERBY ACLCAT both use them.
uint32_t CategoriesFromFlags(uint32_t flags);

// How a command names channels (Redis's getChannelsFromCommand).
enum class ChannelArgs : uint8_t { kNone, kPublish, kSubscribe, kPatterns };

class CommandTable {
 public:
  struct Entry {
    std::string name;                   // "get", "config|get"
    uint32_t categories = 0;            // bit i: kCategories[i]
    int parent = -1;                    // the container's id for a subcommand
    std::vector<int> subs;              // a container's subcommands
    const CommandInfo* info = nullptr;  // key specs (null: Lacewing-only command)
    const CommandSpec* spec = nullptr;  // null: a Redis command Lacewing lacks (rules only)
    // Redis has this command (kRedisAclCommands): descriptions weigh categories over these.
    bool in_redis = false;
    bool no_auth = false;  // Redis's no-auth commands: never refused
    ChannelArgs channels = ChannelArgs::kNone;
    // Key extraction prepared once (the check must not parse key specs per command): the
    // common one-key shape argv[single_key] with its access; else the parsed specs with the
    // access each needs; SET (read too with GET) and the commands FindKeys special-cases.
    bool has_keys = false;
    int single_key = 0;
    uint8_t single_perms = 0;
    bool is_set = false;
    bool special_keys = false;
    std::vector<KeySpecSearch> specs;
    std::vector<uint8_t> spec_perms;
  };

  // Numbers the registry's commands and their subcommands, then every other command and
  // subcommand of Redis (kRedisAclCommands) as a rule-only entry: ACL rules may name it and
  // categories set its bit, as in Redis, but no command line maps to it (IdFor), so ACL
  // GETUSER/LIST describe a user exactly as redis-server does.
  explicit CommandTable(const CommandRegistry& registry);
  size_t size() const { return entries_.size(); }
  const Entry& at(int id) const { return entries_[id]; }
  // "get", "config|get" (any case); -1 if unknown.
  int Find(std::string_view name) const;
  // The id of the command line `args` runs: its subcommand's when the command has
  // subcommands and args[1] names one, else the command's own.
  int IdFor(const CommandSpec& spec, CmdArgs args) const;
  // Ids sorted by name (descriptions walk them in this order).
  const std::vector<int>& by_name() const { return by_name_; }

 private:
  void AddRedisOnly();  // the rule-only entries (see the constructor)

  std::vector<Entry> entries_;
  std::vector<int> spec_ids_;  // CommandSpec::id -> entry id
  std::vector<int> by_name_;
  absl::flat_hash_map<std::string, int> index_;
};

enum Perm : uint8_t { kRead = 1, kWrite = 2, kReadWrite = 3 };

struct KeyPattern {
  uint8_t perms = kReadWrite;
  std::string pattern;
  // The common shapes, matched without the glob matcher: "user:*" (a literal prefix, then one
  // star) and "user:1" (no wildcard at all).
  enum Shape : uint8_t { kGlob, kPrefix, kExact } shape = kGlob;

  KeyPattern(uint8_t p, std::string pat);
  bool Matches(std::string_view key) const;
};

// One set of permissions: the root one of a user, or a `(...)` selector.
struct Selector {
  std::vector<uint64_t> allowed;  // a bit per CommandTable id
  // Per command id, the first arguments allowed although its bit is clear (`+select|0`).
  std::vector<std::vector<std::string>> firstargs;
  // Every bit set since `+@all` (cleared by any removal): the check may skip the bits.
  bool all_commands = false;
  // `+@all` and no `-@all` since: also commands added later (Redis's reserved bit); a
  // description then starts from +@all.
  bool future = false;
  bool all_keys = false;
  bool all_channels = false;
  std::vector<KeyPattern> keys;
  std::vector<std::string> channels;

  bool Allowed(int id) const { return (allowed[id >> 6] >> (id & 63)) & 1; }
  void SetBit(int id, bool on) {
    uint64_t m = uint64_t(1) << (id & 63);
    allowed[id >> 6] = on ? allowed[id >> 6] | m : allowed[id >> 6] & ~m;
  }
};

struct User {
  std::string name;
  bool enabled = false;
  bool nopass = false;
  int sanitize = 0;                    // 1 sanitize-payload, 2 skip-sanitize-payload, 0 unset
  std::vector<std::string> passwords;  // SHA-256 hex, in the order added
  std::vector<Selector> selectors;     // [0]: the root selector
  // Every command, key and channel: the dispatcher skips the check (set by Finish()).
  bool full = false;

  // Recomputes `full` (call after changing the rules).
  void Finish();
  bool CheckPassword(std::string_view pass) const;
};

// A new user as ACL SETUSER creates it: off, no password, no commands, keys or channels.
User NewUser(std::string_view name, const CommandTable& table);

// Applies one ACL SETUSER rule; "" or Redis's reason ("Syntax error", ...).
std::string ApplyRule(User* user, std::string_view rule, const CommandTable& table);
// Joins SETUSER arguments that belong to one `(...)` selector. False, with `bad` set to the
// argument that opens it, if a parenthesis is unmatched.
bool MergeSelectorArgs(std::span<const std::string_view> args, std::vector<std::string>* out,
                       std::string* bad);

// The result of a check, in Redis's order of precedence (the worst of all selectors wins).
enum class Verdict : uint8_t { kOk = 0, kCommand = 1, kKey = 2, kAuth = 3, kChannel = 4 };

// Checks `args` (args[0] the command) against every selector of `user`; on a denial,
// *errpos is the argv index of the refused key or channel.
Verdict Check(const User& user, const CommandTable& table, int id, CmdArgs args, int* errpos);

// Descriptions: ACL LIST's line ("user NAME on #... ~* &* +@all"), and GETUSER's parts.
std::string DescribeUser(const User& user, const CommandTable& table);
std::string DescribeCommands(const Selector& s, const CommandTable& table);
std::string DescribeKeys(const Selector& s);
std::string DescribeChannels(const Selector& s);
std::string DescribeSelector(const Selector& s, const CommandTable& table);  // "~a &b -@all"

}  // namespace lw::acl
