#include "base/flags.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

TEST(ParseMemorySizeTest, RedisUnitsAnyCase) {
  EXPECT_EQ(ParseMemorySize("0"), 0u);
  EXPECT_EQ(ParseMemorySize("1234"), 1234u);
  EXPECT_EQ(ParseMemorySize("7b"), 7u);
  EXPECT_EQ(ParseMemorySize("7B"), 7u);
  EXPECT_EQ(ParseMemorySize("1k"), 1000u);
  EXPECT_EQ(ParseMemorySize("1kb"), 1024u);
  EXPECT_EQ(ParseMemorySize("1kB"), 1024u);
  EXPECT_EQ(ParseMemorySize("1m"), 1000000u);
  EXPECT_EQ(ParseMemorySize("1mb"), 1024u * 1024);
  EXPECT_EQ(ParseMemorySize("1MB"), 1024u * 1024);
  EXPECT_EQ(ParseMemorySize("64Mb"), 64u * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("3g"), 3000000000u);
  EXPECT_EQ(ParseMemorySize("2gb"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("1Gb"), 1024ull * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("01mb"), 1024u * 1024);
}

// What redis-server 7.0 answers to CONFIG SET maxmemory <text> (checked against it).
TEST(ParseMemorySizeTest, RedisQuirks) {
  EXPECT_EQ(ParseMemorySize(""), 0u);
  EXPECT_EQ(ParseMemorySize("mb"), 0u);
  EXPECT_EQ(ParseMemorySize("18446744073709551615"), 18446744073709551615ull);
  EXPECT_EQ(ParseMemorySize("99999999999999999999"), 18446744073709551615ull);  // saturates
  EXPECT_EQ(ParseMemorySize("17179869184gb"), 0u);                              // wraps
  EXPECT_EQ(ParseMemorySize("17179869183gb"), 18446744072635809792ull);
}

TEST(ParseMemorySizeTest, RefusesWhatRedisRefuses) {
  for (const char* bad :
       {"1.5gb", "-1", "+1", " 1mb", "1 ", "0x10", "12xb", "1tb", "abc", "1kbb"}) {
    EXPECT_FALSE(ParseMemorySize(bad)) << bad;
  }
  EXPECT_FALSE(ParseMemorySize(std::string(128, '1')));
  EXPECT_TRUE(ParseMemorySize(std::string(127, '1')));
}

}  // namespace
}  // namespace lw
