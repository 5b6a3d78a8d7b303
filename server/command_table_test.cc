// The generated COMMAND INFO table (server/engine/command_info.h) against what the families
// register: COMMAND prints the table, the engine acts on the CommandSpec, so they must agree
// on arity, legacy key positions and the Redis flags Lacewing acts on — otherwise a client
// would be told one thing while Lacewing does another.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "server/engine/command_info.h"
#include "server/engine/command_registry.h"
#include "server/families.h"

namespace lw {
namespace {

std::set<std::string> Set(std::vector<std::string_view> words) {
  return std::set<std::string>(words.begin(), words.end());
}

TEST(CommandTableTest, RegistrationAgreesWithRedisInfo) {
  CommandRegistry registry;
  for (FamilyRegistrar family : AllFamilies()) family(&registry);
  // Flags COMMAND prints that the engine also acts on.
  const std::set<std::string> modelled = {"write",    "readonly", "denyoom", "fast",
                                          "noscript", "admin",    "pubsub",  "blocking",
                                          "loading",  "no_auth",  "no_multi"};
  int with_info = 0;
  for (const CommandSpec* spec : registry.All()) {
    if (!spec->info) continue;  // Lacewing-only
    ++with_info;
    const CommandInfo& info = *spec->info;
    EXPECT_EQ(spec->arity, info.arity) << spec->name;
    if (!info.subcommands.empty()) continue;  // a container: its subcommands carry flags
    EXPECT_EQ(spec->first_key, info.first_key) << spec->name;
    EXPECT_EQ(spec->last_key, info.last_key) << spec->name;
    EXPECT_EQ(spec->key_step, info.key_step) << spec->name;
    std::set<std::string> ours, redis;
    for (std::string_view f : cmd::FlagNames(spec->flags)) {
      if (modelled.count(std::string(f))) ours.insert(std::string(f));
    }
    for (const std::string& f : Set(CommandInfo::Words(info.flags))) {
      if (modelled.count(f)) redis.insert(f);
    }
    EXPECT_EQ(ours, redis) << spec->name;
  }
  EXPECT_GT(with_info, 200);
}

TEST(CommandTableTest, SubcommandsAndLookup) {
  const CommandInfo* config = FindCommandInfo("CONFIG");
  ASSERT_NE(config, nullptr);
  ASSERT_FALSE(config->subcommands.empty());
  EXPECT_EQ(FindCommandInfo("config|GET"), FindCommandInfo("config|get"));
  EXPECT_EQ(FindCommandInfo("config|get")->arity, -3);
  EXPECT_EQ(FindCommandInfo("stick"), nullptr);
  KeySpecSearch s = ParseKeySpec(FindCommandInfo("xread")->key_specs[0]);
  EXPECT_EQ(s.begin, KeySpecSearch::kKeyword);
  EXPECT_EQ(s.keyword, "STREAMS");
  EXPECT_EQ(s.find, KeySpecSearch::kRange);
  EXPECT_EQ(s.lastkey, -1);
  EXPECT_EQ(s.limit, 2);
}

}  // namespace
}  // namespace lw
