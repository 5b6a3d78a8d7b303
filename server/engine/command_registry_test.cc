#include "server/engine/command_registry.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace lw {
namespace {

TEST(CommandRegistryTest, CaseInsensitiveLookupAndArity) {
  CommandRegistry r;
  r.Register({"GeT", 2, cmd::kReadOnly | cmd::kFast, 1, 1, 1, nullptr});
  r.Register({"mset", -3, cmd::kWrite, 1, -1, 2, nullptr});
  const CommandSpec* get = r.Find("GET");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->name, "get");
  EXPECT_TRUE(get->ArityOk(2));
  EXPECT_FALSE(get->ArityOk(3));
  const CommandSpec* mset = r.Find("mSeT");
  ASSERT_NE(mset, nullptr);
  EXPECT_FALSE(mset->ArityOk(2));
  EXPECT_TRUE(mset->ArityOk(5));
  EXPECT_EQ(r.Find("nope"), nullptr);
  EXPECT_EQ(r.Find(std::string(100, 'x')), nullptr);
  EXPECT_EQ(r.size(), 2u);
}

// RecentCommands answers exactly as Find: any letter case, unknown names (never cached),
// names that share a length and a prefix with a cached one, in a seeded random sequence.
TEST(CommandRegistryTest, RecentCommandsAnswerAsFind) {
  CommandRegistry r;
  r.Register({"get", 2, cmd::kReadOnly, 1, 1, 1, nullptr});
  r.Register({"set", -3, cmd::kWrite, 1, 1, 1, nullptr});
  r.Register({"getex", -2, cmd::kWrite, 1, 1, 1, nullptr});
  r.Register({"del", -2, cmd::kWrite, 1, -1, 1, nullptr});
  const std::vector<std::string> names = {
      "get", "GET",  "gEt", "set", "SET", "getex", "GETEX", "del",
      "ged", "gets", "ge",  "sex", "",    "nope",  "GET\0", std::string("ge\0t", 4)};
  RecentCommands recent;
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    const std::string& name = names[rng() % names.size()];
    ASSERT_EQ(recent.Find(r, name), r.Find(name)) << name;
  }
}

TEST(CommandRegistryTest, KeyPositions) {
  CommandSpec mset{"mset", -3, cmd::kWrite, 1, -1, 2, nullptr};
  std::vector<std::string_view> args = {"MSET", "a", "1", "b", "2"};
  auto keys = CommandRegistry::KeysOf(mset, args);
  EXPECT_EQ(keys, (std::vector<std::string_view>{"a", "b"}));
  CommandSpec ping{"ping", -1, 0, 0, 0, 0, nullptr};
  EXPECT_TRUE(CommandRegistry::KeysOf(ping, args).empty());
}

TEST(CommandRegistryTest, FlagNames) {
  auto names = cmd::FlagNames(cmd::kWrite | cmd::kDenyOom | cmd::kFast);
  EXPECT_EQ(names, (std::vector<std::string_view>{"write", "denyoom", "fast"}));
}

}  // namespace
}  // namespace lw
