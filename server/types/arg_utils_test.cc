#include "server/types/arg_utils.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

namespace lw {
namespace {

// The argument as a test failure shows it: NUL and other control bytes as \xNN.
std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

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

// Each row was checked against redis-server 7.0: INCRBYFLOAT / HINCRBYFLOAT (string2ld), ZADD
// and ZINCRBY (string2d), ZRANGEBYSCORE / ZCOUNT bounds (zslParseRange).
struct FloatCase {
  std::string_view text;
  bool ld, d, range;  // accepted by ParseLongDouble, ParseRedisDouble, ParseRangeDouble
  double value;       // the value read where accepted (NaN: do not check)
};

const FloatCase kFloatCases[] = {
    {"1.5", true, true, true, 1.5},
    {".5", true, true, true, 0.5},
    {"5.", true, true, true, 5},
    {"+5", true, true, true, 5},
    {"-0", true, true, true, 0},
    {"0x10", true, true, true, 16},
    {"0x1p3", true, true, true, 8},
    {"inf", true, true, true, HUGE_VAL},
    {"-inf", true, true, true, -HUGE_VAL},
    {"+inf", true, true, true, HUGE_VAL},
    {"infinity", true, true, true, HUGE_VAL},
    {"1e", false, false, false, NAN},
    {" 1", false, false, true, 1},
    {"1 ", false, false, false, NAN},
    {"  ", false, false, false, NAN},
    {"", false, false, true, 0},
    {std::string_view("1\0", 2), false, false, true, 1},
    {std::string_view("\0", 1), false, false, true, 0},
    {std::string_view("1\0"
                      "1",
                      3),
     false, false, true, 1},
    {"nan", false, false, false, NAN},
    {"(1", false, false, false, NAN},
    {"1e400", true, false, true, NAN},    // fits a long double, overflows a double
    {"1e-400", true, false, true, NAN},   // long-double denormal; double underflow to 0
    {"1e-320", true, true, true, NAN},    // double denormal: kept
    {"1e-4950", true, false, true, NAN},  // long-double denormal
    {"1e-5000", false, false, true, 0},   // underflow to 0 everywhere but in bounds
    {"1e5000", false, false, true, HUGE_VAL},
};

TEST(ArgUtilsTest, FloatGrammars) {
  for (const FloatCase& c : kFloatCases) {
    std::string shown = Shown(c.text);
    long double ld = -7;
    double d = -7, r = -7;
    EXPECT_EQ(ParseLongDouble(c.text, &ld), c.ld) << shown;
    EXPECT_EQ(ParseRedisDouble(c.text, &d), c.d) << shown;
    EXPECT_EQ(ParseRangeDouble(c.text, &r), c.range) << shown;
    if (std::isnan(c.value)) continue;
    if (c.ld) {
      EXPECT_EQ(double(ld), c.value) << shown;
    }
    if (c.d) {
      EXPECT_EQ(d, c.value) << shown;
    }
    if (c.range) {
      EXPECT_EQ(r, c.value) << shown;
    }
  }
}

TEST(ArgUtilsTest, LongDoubleLengthLimit) {
  long double ld;
  double d;
  // 5119 characters fit string2ld's buffer; 5120 do not. string2d has no limit.
  std::string fits = "0." + std::string(kMaxLongDoubleChars - 3, '5');
  std::string too_long = fits + "5";
  EXPECT_TRUE(ParseLongDouble(fits, &ld));
  EXPECT_FALSE(ParseLongDouble(too_long, &ld));
  EXPECT_TRUE(ParseRedisDouble(too_long, &d));
  // 6000 ones: a long-double overflow, but a valid (infinite) range bound.
  std::string ones(6000, '1');
  EXPECT_FALSE(ParseLongDouble(ones, &ld));
  EXPECT_FALSE(ParseRedisDouble(ones, &d));
  EXPECT_TRUE(ParseRangeDouble(ones, &d));
  EXPECT_TRUE(std::isinf(d));
}

TEST(ArgUtilsTest, FormatLongDouble) {
  EXPECT_EQ(FormatLongDouble(1.5L), "1.5");
  EXPECT_EQ(FormatLongDouble(3.0L), "3");
  EXPECT_EQ(FormatLongDouble(-0.0L), "0");
  EXPECT_EQ(FormatLongDouble(0.1L), "0.1");
  EXPECT_EQ(FormatLongDouble(10.5L + 0.1L), "10.6");
  EXPECT_EQ(FormatLongDouble(HUGE_VALL), "inf");
  EXPECT_EQ(FormatLongDouble(-HUGE_VALL), "-inf");
  EXPECT_EQ(FormatLongDouble(1e-400L), "0");
  EXPECT_EQ(FormatLongDouble(1e20L), "100000000000000000000");
}

// Rows checked against SCAN/HSCAN/SSCAN/ZSCAN of redis-server 7.0.
TEST(ArgUtilsTest, ScanCursor) {
  struct Case {
    std::string_view text;
    bool ok;
    uint64_t value;
  };
  const Case cases[] = {
      {"0", true, 0},
      {"", true, 0},
      {"+0", true, 0},
      {"-0", true, 0},
      {"00", true, 0},
      {"007", true, 7},
      {"-1", true, UINT64_MAX},
      {"18446744073709551615", true, UINT64_MAX},
      {"-18446744073709551615", true, 1},
      {std::string_view("0\0", 2), true, 0},
      {std::string_view("\0", 1), true, 0},
      {std::string_view("5\0x", 3), true, 5},
      {" 0", false, 0},
      {"0 ", false, 0},
      {"18446744073709551616", false, 0},
      {"-18446744073709551616", false, 0},
      {"99999999999999999999", false, 0},
      {"0x10", false, 0},
      {"1e3", false, 0},
      {"abc", false, 0},
      {"+", false, 0},
      {"-", false, 0},
  };
  for (const Case& c : cases) {
    uint64_t v = 12345;
    EXPECT_EQ(ParseScanCursor(c.text, &v), c.ok) << Shown(c.text);
    if (c.ok) {
      EXPECT_EQ(v, c.value) << Shown(c.text);
    }
  }
}

TEST(ArgUtilsTest, Case) {
  EXPECT_TRUE(EqualsIgnoreCase("SeT", "set"));
  EXPECT_FALSE(EqualsIgnoreCase("set", "sets"));
  EXPECT_EQ(AsciiUpper("aBc1"), "ABC1");
  EXPECT_EQ(AsciiLower("aBc1"), "abc1");
}

}  // namespace
}  // namespace lw
