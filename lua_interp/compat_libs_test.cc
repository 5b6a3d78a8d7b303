// bit, struct, cmsgpack and cjson as scripts see them.
#include <gtest/gtest.h>

#include "lua_interp/test_util.h"

namespace lw::lua {
namespace {

class CompatLibsTest : public ::testing::Test {
 protected:
  std::string Run(std::string_view body) { return Eval(&interp_, body); }
  Interpreter interp_;
};

TEST_F(CompatLibsTest, Bit) {
  EXPECT_EQ(Run("return bit.tobit(0xffffffff)"), "-1");
  EXPECT_EQ(Run("return bit.tobit(0xffffffff + 1)"), "0");
  EXPECT_EQ(Run("return bit.tobit(2^40 + 1234)"), "1234");
  EXPECT_EQ(Run("return bit.bnot(0)"), "-1");
  EXPECT_EQ(Run("return bit.lshift(1, 31)"), "-2147483648");
  EXPECT_EQ(Run("return bit.lshift(1, 32)"), "1");
  EXPECT_EQ(Run("return bit.rshift(-1, 28)"), "15");
  EXPECT_EQ(Run("return bit.arshift(-256, 4)"), "-16");
  EXPECT_EQ(Run("return bit.band(0x12345678, 0xff)"), "120");
  EXPECT_EQ(Run("return bit.bor(1, 2, 4, 8)"), "15");
  EXPECT_EQ(Run("return bit.bxor(0xa5a5a5a5, 0xffffffff)"), "1515870810");
  EXPECT_EQ(Run("return bit.rol(0x12345678, 12)"), "1164411171");  // 0x45678123
  EXPECT_EQ(Run("return bit.ror(0x12345678, 12)"), "1736516421");  // 0x67812345
  EXPECT_EQ(Run("return bit.bswap(0x12345678)"), "2018915346");    // 0x78563412
  EXPECT_EQ(Run("return bit.tohex(1)"), "\"00000001\"");
  EXPECT_EQ(Run("return bit.tohex(-1)"), "\"ffffffff\"");
  EXPECT_EQ(Run("return bit.tohex(0xabcd, -4)"), "\"ABCD\"");
  EXPECT_EQ(Run("return bit.tohex(0x12345678, 2)"), "\"78\"");
  // -2^31 as the width cannot be negated (it crashed): eight upper-case digits, as Redis.
  EXPECT_EQ(Run("return bit.tohex(1, -2147483648)"), "\"00000001\"");
  EXPECT_EQ(Run("return bit.tohex(0xabcdef, -2147483648)"), "\"00ABCDEF\"");
  EXPECT_EQ(Run("return bit.tobit(1.5) .. ',' .. bit.tobit(2.5)"), "\"2,2\"");
}

TEST_F(CompatLibsTest, Struct) {
  EXPECT_EQ(Run("return struct.pack('>I2', 258) == '\\1\\2'"), "1");
  EXPECT_EQ(Run("return struct.pack('<i4', -2) == '\\254\\255\\255\\255'"), "1");
  EXPECT_EQ(Run("return {struct.unpack('<i4', '\\254\\255\\255\\255')}"), "[-2,5]");
  EXPECT_EQ(Run("return {struct.unpack('>bBhH', struct.pack('>bBhH', -1, 255, -300, 65000))}"),
            "[-1,255,-300,65000,7]");
  EXPECT_EQ(Run("local s = struct.pack('<d', 1.5) return {#s, struct.unpack('<d', s) * 2}"),
            "[8,3]");
  EXPECT_EQ(Run("local s = struct.pack('>f', 0.5) return struct.unpack('>f', s) * 4"), "2");
  EXPECT_EQ(Run("return {struct.unpack('s', struct.pack('s', 'hello'))}"), "[\"hello\",7]");
  EXPECT_EQ(Run("return {struct.unpack('c3', 'abcdef')}"), "[\"abc\",4]");
  EXPECT_EQ(Run("return {struct.unpack('Bc0', '\\3abcz')}"), "[\"abc\",5]");
  EXPECT_EQ(Run("return struct.pack('c0', 'xyz')"), "\"xyz\"");
  EXPECT_EQ(Run("return {struct.unpack('>l', struct.pack('>l', -5))}"), "[-5,9]");
  EXPECT_EQ(Run("return struct.size('>iHx')"), "7");
  EXPECT_EQ(Run("return struct.size('!4 B i')"), "8");
  EXPECT_EQ(Run("return {struct.unpack('>H', '\\0\\0\\1\\2', 3)}"), "[258,5]");
  EXPECT_NE(Run("return struct.unpack('>I4', 'ab')").find("data string too short"),
            std::string::npos);
  EXPECT_NE(Run("return struct.pack('q', 1)").find("invalid format option 'q'"), std::string::npos);
}

TEST_F(CompatLibsTest, CmsgpackRoundTrip) {
  EXPECT_EQ(Run("return cmsgpack.pack(1, 'a', true) == '\\1\\161a\\195'"), "1");
  EXPECT_EQ(Run("return {cmsgpack.unpack(cmsgpack.pack(1, -1, 300, -300, 70000, 2^40, -2^40))}"),
            "[1,-1,300,-300,70000,1099511627776,-1099511627776]");
  EXPECT_EQ(Run("return math.type(cmsgpack.unpack(cmsgpack.pack(5.0)))"), "\"integer\"");
  EXPECT_EQ(Run("return cmsgpack.unpack(cmsgpack.pack(1.5)) * 2"), "3");
  EXPECT_EQ(Run("return cmsgpack.unpack(cmsgpack.pack(0.1)) == 0.1"), "1");
  EXPECT_EQ(Run("local s = string.rep('x', 300) return cmsgpack.unpack(cmsgpack.pack(s)) == s"),
            "1");
  EXPECT_EQ(Run("return cmsgpack.unpack(cmsgpack.pack({1, 2, {3, 'x'}}))"), "[1,2,[3,\"x\"]]");
  EXPECT_EQ(Run("local t = cmsgpack.unpack(cmsgpack.pack({a=1, b={c='d'}})) "
                "return {t.a, t.b.c}"),
            "[1,\"d\"]");
  EXPECT_EQ(Run("local a, b = cmsgpack.unpack(cmsgpack.pack(nil, false)) "
                "return {a == nil, b == false}"),
            "[1,1]");
  EXPECT_EQ(Run("return cmsgpack.pack({}) == '\\144'"), "1");
  EXPECT_EQ(Run("return {cmsgpack.unpack_one(cmsgpack.pack(7, 8))}"), "[1,7]");
  EXPECT_NE(Run("return cmsgpack.unpack('\\205\\1')").find("Missing bytes in input."),
            std::string::npos);
  // Self-reference and deep nesting pack as nil past 16 levels instead of recursing forever.
  EXPECT_EQ(Run("local t = {} t[1] = t return #cmsgpack.pack(t)"), "17");
  // Deeply nested input is rejected, not a stack overflow.
  EXPECT_NE(Run("return cmsgpack.unpack(string.rep('\\145', 100000) .. '\\1')")
                .find("Bad data format in input."),
            std::string::npos);
}

}  // namespace
}  // namespace lw::lua
