// GlobMatch against cases checked on redis-server 7.0 (KEYS) and Redis's stringmatch rules.
#include "server/types/glob.h"

#include <gtest/gtest.h>

#include <string>

namespace lw {
namespace {

TEST(GlobTest, Literals) {
  EXPECT_TRUE(glob::Match("abc", "abc"));
  EXPECT_FALSE(glob::Match("abc", "abd"));
  EXPECT_FALSE(glob::Match("abc", "ab"));
  EXPECT_FALSE(glob::Match("ab", "abc"));
  EXPECT_TRUE(glob::Match("", ""));
  EXPECT_FALSE(glob::Match("", "a"));
}

TEST(GlobTest, Star) {
  EXPECT_TRUE(glob::Match("*", "anything"));
  EXPECT_TRUE(glob::Match("a*", "a"));
  EXPECT_TRUE(glob::Match("a*", "abc"));
  EXPECT_TRUE(glob::Match("*c", "abc"));
  EXPECT_TRUE(glob::Match("a*c", "ac"));
  EXPECT_TRUE(glob::Match("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(glob::Match("a*b*c", "aXbYbZ"));
  EXPECT_TRUE(glob::Match("a**b", "ab"));
  EXPECT_TRUE(glob::Match("*a*", "bab"));
  EXPECT_FALSE(glob::Match("*a*", "bbb"));
  EXPECT_TRUE(glob::Match("*ab", "aab"));
  EXPECT_TRUE(glob::Match("*aab", "aaab"));
  // Redis quirk: a non-empty pattern never matches the empty string.
  EXPECT_FALSE(glob::Match("*", ""));
  EXPECT_FALSE(glob::Match("**", ""));
  EXPECT_TRUE(glob::MatchesAll("*"));
  EXPECT_FALSE(glob::MatchesAll("**"));
}

TEST(GlobTest, Question) {
  EXPECT_TRUE(glob::Match("?", "a"));
  EXPECT_FALSE(glob::Match("?", "ab"));
  EXPECT_FALSE(glob::Match("?", ""));
  EXPECT_TRUE(glob::Match("a?c", "abc"));
  EXPECT_TRUE(glob::Match("*?", "a"));
  EXPECT_FALSE(glob::Match("??*", "a"));
}

TEST(GlobTest, Sets) {
  EXPECT_TRUE(glob::Match("h[ae]llo", "hello"));
  EXPECT_TRUE(glob::Match("h[ae]llo", "hallo"));
  EXPECT_FALSE(glob::Match("h[ae]llo", "hillo"));
  EXPECT_TRUE(glob::Match("h[^e]llo", "hallo"));
  EXPECT_FALSE(glob::Match("h[^e]llo", "hello"));
  EXPECT_TRUE(glob::Match("h[a-b]llo", "hbllo"));
  EXPECT_FALSE(glob::Match("h[a-b]llo", "hcllo"));
  EXPECT_TRUE(glob::Match("[z-a]", "m"));  // reversed bounds are swapped
  EXPECT_TRUE(glob::Match("[\\]]", "]"));
  EXPECT_TRUE(glob::Match("a[[]b", "a[b"));
  EXPECT_TRUE(glob::Match("a[-]", "a-"));
  // "[a-]" parses as the range 'a'..']' followed by an unterminated set.
  EXPECT_TRUE(glob::Match("a[a-]", "a]"));
  EXPECT_FALSE(glob::Match("a[a-]", "a-"));
  // Unterminated sets run to the end of the pattern.
  EXPECT_TRUE(glob::Match("a[a-", "a-"));
  EXPECT_TRUE(glob::Match("[abc", "b"));
  EXPECT_FALSE(glob::Match("[", "a"));
  EXPECT_FALSE(glob::Match("*[", "a["));
  EXPECT_TRUE(glob::Match("[^", "x"));
  EXPECT_FALSE(glob::Match("[]]", "]"));  // "[]" is an empty set, then a literal ']'
  EXPECT_FALSE(glob::Match("[]]", "a"));
}

TEST(GlobTest, Escapes) {
  EXPECT_TRUE(glob::Match("a\\[b", "a[b"));
  EXPECT_TRUE(glob::Match("a\\*", "a*"));
  EXPECT_FALSE(glob::Match("a\\*", "ab"));
  EXPECT_TRUE(glob::Match("x\\", "x\\"));    // trailing lone backslash is literal
  EXPECT_TRUE(glob::Match("x\\\\", "x\\"));  // escaped backslash
  EXPECT_TRUE(glob::Match("\\?", "?"));
  EXPECT_FALSE(glob::Match("\\?", "a"));
}

TEST(GlobTest, HighBytesAndSignedRanges) {
  std::string e = "\xc3\xa9";
  EXPECT_TRUE(glob::Match("[^a]*", e));
  EXPECT_TRUE(glob::Match("??", e));
  // Bounds compare as signed chars: 0xc3 is negative, so it is below 'a'.
  EXPECT_TRUE(glob::Match(std::string("[\xc3-a]*"), e));
  EXPECT_TRUE(glob::Match(std::string("[\xc3-a]"), "0"));
}

TEST(GlobTest, NoCase) {
  EXPECT_FALSE(glob::Match("ABC", "abc"));
  EXPECT_TRUE(glob::Match("ABC", "abc", true));
  EXPECT_TRUE(glob::Match("[A-C]x", "bX", true));
  EXPECT_TRUE(glob::Match("[^B]", "b", false));
  EXPECT_FALSE(glob::Match("[^B]", "b", true));
}

TEST(GlobTest, NoExponentialBlowup) {
  std::string s(2000, 'a');
  std::string p;
  for (int i = 0; i < 30; ++i) p += "a*";
  p += "b";
  EXPECT_FALSE(glob::Match(p, s));
}

}  // namespace
}  // namespace lw
