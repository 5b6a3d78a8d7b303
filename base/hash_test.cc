#include "base/hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace lw {
namespace {

TEST(HashTest, StableAcrossRuns) {
  // XXH3-64 of "" and "abc" are fixed by the algorithm; a change here would remap every key.
  EXPECT_EQ(HashBytes(""), 0x2D06800538D394C2ULL);
  EXPECT_EQ(HashBytes("abc"), 0x78AF5F94892F3950ULL);
}

TEST(HashTest, SeedChangesHash) { EXPECT_NE(HashBytes("abc", 1), HashBytes("abc", 2)); }

TEST(HashTest, HashTag) {
  EXPECT_EQ(HashTagOf("user:{42}:name"), "42");
  EXPECT_EQ(HashTagOf("{a}{b}"), "a");
  EXPECT_EQ(HashTagOf("plain"), "plain");
  EXPECT_EQ(HashTagOf("empty{}tag"), "empty{}tag");
  EXPECT_EQ(HashTagOf("open{only"), "open{only");
}

TEST(HashTest, U64MixSpreads) {
  std::set<uint64_t> low_bits;
  for (uint64_t i = 0; i < 1024; ++i) low_bits.insert(HashU64(i) & 1023);
  EXPECT_GT(low_bits.size(), 550u);  // a random function fills ~632 of 1024
}

}  // namespace
}  // namespace lw
