#include "base/flags.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

TEST(FlagsTest, ParsesRedisUnits) {
  EXPECT_EQ(ParseMemorySize("0"), 0u);
  EXPECT_EQ(ParseMemorySize("1234"), 1234u);
  EXPECT_EQ(ParseMemorySize("1k"), 1000u);
  EXPECT_EQ(ParseMemorySize("1kb"), 1024u);
  EXPECT_EQ(ParseMemorySize("64MB"), 64u * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("2gb"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("3m"), 3000000u);
}

TEST(FlagsTest, RejectsGarbage) {
  EXPECT_FALSE(ParseMemorySize(""));
  EXPECT_FALSE(ParseMemorySize("mb"));
  EXPECT_FALSE(ParseMemorySize("-1"));
  EXPECT_FALSE(ParseMemorySize("12xb"));
  EXPECT_FALSE(ParseMemorySize("99999999999999999999gb"));
}

TEST(FlagsTest, AbslFlagHooks) {
  MemorySize size;
  std::string error;
  EXPECT_TRUE(AbslParseFlag("10kb", &size, &error));
  EXPECT_EQ(size.bytes, 10240u);
  EXPECT_EQ(AbslUnparseFlag(size), "10240");
  EXPECT_FALSE(AbslParseFlag("ten", &size, &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace lw
