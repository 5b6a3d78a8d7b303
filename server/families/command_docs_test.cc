// The compiled-in COMMAND DOCS data parses cleanly and nests as the format says (the replies
// themselves are compared with redis-server by tests/test_command_docs_diff.py).
#include "server/families/command_docs.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

TEST(CommandDocsTest, DataParses) {
  EXPECT_TRUE(CommandDocErrors().empty()) << CommandDocErrors().front();
}

TEST(CommandDocsTest, NestingAndLookup) {
  const CommandDoc* set = FindCommandDoc("SET");
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->group, "string");
  EXPECT_TRUE(set->has_complexity);
  ASSERT_GE(set->args.size(), 3u);
  EXPECT_EQ(set->args[0].key_spec_index, 0);
  EXPECT_EQ(set->args[2].type, "oneof");  // condition: NX | XX
  ASSERT_EQ(set->args[2].args.size(), 2u);
  EXPECT_EQ(set->args[2].args[0].token, "NX");
  const CommandDoc* script = FindCommandDoc("script");
  ASSERT_NE(script, nullptr);
  bool stats = false;
  for (const CommandDoc* sub : script->subcommands) stats |= sub->name == "script|stats";
  EXPECT_TRUE(stats);
  EXPECT_EQ(FindCommandDoc("Script|Stats"), FindCommandDoc("script|stats"));
  EXPECT_EQ(FindCommandDoc("nosuch"), nullptr);
  const CommandDoc* monitor = FindCommandDoc("monitor");
  ASSERT_NE(monitor, nullptr);
  EXPECT_FALSE(monitor->has_complexity);  // as in Redis: no complexity field
}

}  // namespace
}  // namespace lw
