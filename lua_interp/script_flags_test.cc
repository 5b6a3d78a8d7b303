#include "lua_interp/script_flags.h"

#include <gtest/gtest.h>

namespace lw::lua {

TEST(ScriptFlagsTest, NoShebang) {
  std::string err;
  auto f = ParseScriptFlags("return 1", &err);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bits, 0u);
  EXPECT_FALSE(f->has_shebang);
  EXPECT_EQ(f->shebang_len, 0u);
}

TEST(ScriptFlagsTest, RedisShebang) {
  std::string err;
  auto f = ParseScriptFlags("#!lua flags=no-writes,allow-oom\nreturn 1", &err);
  ASSERT_TRUE(f) << err;
  EXPECT_EQ(f->bits, kScriptNoWrites | kScriptAllowOom);
  EXPECT_TRUE(f->has_shebang);
  EXPECT_EQ(f->shebang_len, strlen("#!lua flags=no-writes,allow-oom"));

  f = ParseScriptFlags("#!lua\nreturn 1", &err);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bits, 0u);
  EXPECT_TRUE(f->has_shebang);

  f = ParseScriptFlags("#!lua flags=\nreturn 1", &err);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bits, 0u);

  f = ParseScriptFlags(
      "#!lua flags=allow-stale,no-cluster,allow-cross-slot-keys,disable-atomicity,"
      "allow-undeclared-keys\n",
      &err);
  ASSERT_TRUE(f);
  EXPECT_EQ(FlagsToString(f->bits),
            "allow-stale,no-cluster,allow-cross-slot-keys,disable-atomicity,"
            "allow-undeclared-keys");
}

TEST(ScriptFlagsTest, DragonflyComment) {
  std::string err;
  auto f = ParseScriptFlags("--!df flags=disable-atomicity,allow-undeclared-keys\nreturn 1", &err);
  ASSERT_TRUE(f) << err;
  EXPECT_EQ(f->bits, kScriptDisableAtomicity | kScriptAllowUndeclaredKeys);
  EXPECT_FALSE(f->has_shebang);
  EXPECT_EQ(f->shebang_len, 0u);  // a comment: nothing to strip

  f = ParseScriptFlags("#!lua flags=no-writes\n--!df flags=allow-undeclared-keys\nreturn 1", &err);
  ASSERT_TRUE(f) << err;
  EXPECT_EQ(f->bits, kScriptNoWrites | kScriptAllowUndeclaredKeys);
}

TEST(ScriptFlagsTest, Errors) {
  std::string err;
  EXPECT_FALSE(ParseScriptFlags("#!lua flags=no-writes,bogus\nreturn 1", &err));
  EXPECT_EQ(err, "ERR Unexpected flag in script shebang: bogus");
  EXPECT_FALSE(ParseScriptFlags("#!python\nreturn 1", &err));
  EXPECT_EQ(err, "ERR Unexpected engine in script shebang: #!python");
  EXPECT_FALSE(ParseScriptFlags("#!lua name=x\nreturn 1", &err));
  EXPECT_EQ(err, "ERR Unknown lua shebang option: name=x");
  EXPECT_FALSE(ParseScriptFlags("#!lua", &err));
  EXPECT_EQ(err, "ERR Invalid script shebang");
  EXPECT_FALSE(ParseScriptFlags("--!df flags=nope\n", &err));
  EXPECT_EQ(err, "ERR Unexpected flag in script shebang: nope");
}

TEST(ScriptFlagsTest, FlagList) {
  std::string bad;
  EXPECT_EQ(ParseFlagList("", &bad), 0u);
  EXPECT_EQ(ParseFlagList("no-writes", &bad), kScriptNoWrites);
  EXPECT_FALSE(ParseFlagList("no-writes,", &bad));
  EXPECT_EQ(bad, "");
}

TEST(ScriptFlagsTest, LibraryName) {
  std::string err;
  EXPECT_EQ(ParseLibraryName("#!lua name=mylib\n", &err), "mylib");
  EXPECT_FALSE(ParseLibraryName("return 1", &err));
  EXPECT_EQ(err, "ERR Missing library metadata");
  EXPECT_FALSE(ParseLibraryName("#!lua\n", &err));
  EXPECT_EQ(err, "ERR Library name was not given");
  EXPECT_FALSE(ParseLibraryName("#!js name=x\n", &err));
  EXPECT_EQ(err, "ERR Engine 'js' not found");
}

}  // namespace lw::lua
