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

// The "{tag}" rule written the plain way, to check HashTagOf's word-at-a-time scan against.
std::string_view ReferenceTag(std::string_view key) {
  size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

TEST(HashTest, HashTagAtEveryPositionAndLength) {
  // Every length across the 16- and 8-byte steps and the tail (several 16-byte steps too),
  // with the braces at every position; the bytes around them include 'z' and '|' (one below
  // and above '{') and 0xfb ('{' with the high bit), which a word-wise test could mistake.
  for (size_t len = 0; len <= 80; ++len) {
    for (size_t open = 0; open <= len; ++open) {
      for (size_t close = open; close <= len; close += (len < 40 ? 1 : 7)) {
        std::string key(len, 'a');
        for (size_t i = 0; i < len; ++i) key[i] = "az|\xfb"[i % 4];
        if (open < len) key[open] = '{';
        if (close < len && close != open) key[close] = '}';
        ASSERT_EQ(HashTagOf(key), ReferenceTag(key))
            << "len " << len << " { at " << open << " } at " << close;
        // A view that ends before the brace must not see it (no read past its end counts).
        if (open < len) {
          std::string_view before(key.data(), open);
          ASSERT_EQ(HashTagOf(before), before);
        }
      }
    }
  }
}

TEST(HashTest, U64MixSpreads) {
  std::set<uint64_t> low_bits;
  for (uint64_t i = 0; i < 1024; ++i) low_bits.insert(HashU64(i) & 1023);
  EXPECT_GT(low_bits.size(), 550u);  // a random function fills ~632 of 1024
}

}  // namespace
}  // namespace lw
