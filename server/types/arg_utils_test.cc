#include "server/types/arg_utils.h"

#include <gtest/gtest.h>

#include <cmath>

namespace lw {
namespace {

TEST(ArgUtilsTest, RedisIntegers) {
  int64_t v = 0;
  EXPECT_TRUE(ParseRedisInt("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseRedisInt("-42", &v));
  EXPECT_EQ(v, -42);
  EXPECT_TRUE(ParseRedisInt("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseRedisInt("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  for (const char* bad :
       {"", "-", "01", "+1", " 1", "1 ", "1.0", "9223372036854775808", "-0", "abc", "12a"}) {
    EXPECT_FALSE(ParseRedisInt(bad, &v)) << bad;
  }
}

TEST(ArgUtilsTest, RedisDoubles) {
  double d = 0;
  EXPECT_TRUE(ParseRedisDouble("1.5", &d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(ParseRedisDouble("-inf", &d));
  EXPECT_TRUE(std::isinf(d));
  EXPECT_FALSE(ParseRedisDouble("nan", &d));
  EXPECT_FALSE(ParseRedisDouble("1.5x", &d));
  EXPECT_FALSE(ParseRedisDouble(" 1", &d));
  EXPECT_FALSE(ParseRedisDouble("", &d));
  EXPECT_FALSE(ParseRedisDouble("1e400", &d));   // overflow
  EXPECT_FALSE(ParseRedisDouble("1e-400", &d));  // underflow to zero
  EXPECT_TRUE(ParseRedisDouble("1e-320", &d));   // denormal
  EXPECT_GT(d, 0);
}

TEST(ArgUtilsTest, Case) {
  EXPECT_TRUE(EqualsIgnoreCase("SeT", "set"));
  EXPECT_FALSE(EqualsIgnoreCase("set", "sets"));
  EXPECT_EQ(AsciiUpper("aBc1"), "ABC1");
  EXPECT_EQ(AsciiLower("aBc1"), "abc1");
}

}  // namespace
}  // namespace lw
