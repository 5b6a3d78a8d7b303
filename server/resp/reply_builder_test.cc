#include "server/resp/reply_builder.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace lw {
namespace {

// Runs `send` against a fresh builder speaking `version` and returns the bytes.
template <typename F>
std::string Out(RespVersion version, F send) {
  ReplyBuilder rb(version);
  send(rb);
  return rb.buffer();
}

template <typename F>
std::string R2(F send) {
  return Out(RespVersion::kResp2, send);
}

template <typename F>
std::string R3(F send) {
  return Out(RespVersion::kResp3, send);
}

// Expected texts are what redis-server 7.0.15 replies (ZSCORE after ZADD of the value).
TEST(FormatDoubleTest, MatchesRedis70) {
  const std::vector<std::pair<double, std::string>> cases = {
      {0.0, "0"},
      {-0.0, "-0"},
      {1.0, "1"},
      {-3.0, "-3"},
      {1.5, "1.5"},
      {-1.5, "-1.5"},
      {0.1, "0.10000000000000001"},
      {100.5, "100.5"},
      {123.456, "123.456"},
      {1.0 / 3, "0.33333333333333331"},
      {2.0 / 3, "0.66666666666666663"},
      {12345678.9, "12345678.9"},
      {1e15 + 0.5, "1000000000000000.5"},
      {0.001234, "0.0012340000000000001"},
      {0.0001234, "0.00012339999999999999"},
      {1e-7, "9.9999999999999995e-08"},
      {5e-324, "4.9406564584124654e-324"},
      {1e17, "1e+17"},
      {4611686018427387904.0, "4.6116860184273879e+18"},
      {1e20, "1e+20"},
      {DBL_MAX, "1.7976931348623157e+308"},
      {-DBL_MAX, "-1.7976931348623157e+308"},
      {std::numeric_limits<double>::infinity(), "inf"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
      {std::nan(""), "nan"},
  };
  for (const auto& [value, text] : cases) {
    EXPECT_EQ(FormatDouble(value), text) << "value " << value;
  }
}

TEST(FormatDoubleTest, RoundTrips) {
  for (double v : {0.1, 1.0 / 3, 3.14159, 1e-300, 6.02214076e23, 1234567.0000001, 2.5e-5}) {
    EXPECT_EQ(std::stod(FormatDouble(v)), v);
    EXPECT_EQ(std::stod(FormatDouble(-v)), -v);
  }
}

TEST(ReplyBuilderTest, Scalars) {
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendSimpleString("PONG"); }), "+PONG\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendOk(); }), "+OK\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendLong(0); }), ":0\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendLong(INT64_MIN); }), ":-9223372036854775808\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendLong(INT64_MAX); }), ":9223372036854775807\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendBulk(""); }), "$0\r\n\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendBulk(std::string("a\r\n\0", 4)); }),
            std::string("$4\r\na\r\n\0\r\n", 10));
}

TEST(ReplyBuilderTest, Errors) {
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendError("ERR syntax error"); }),
            "-ERR syntax error\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) {
              rb.SendError("WRONGTYPE Operation against a key holding the wrong kind of value");
            }),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendError("-NOSCRIPT No matching script."); }),
            "-NOSCRIPT No matching script.\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendError("ERR bad\r\nthing\n"); }),
            "-ERR bad  thing \r\n");
  ReplyBuilder rb;
  rb.SendError("ERR a");
  rb.SendOk();
  rb.SendError("ERR b");
  EXPECT_EQ(rb.errors_sent(), 2u);
}

TEST(ReplyBuilderTest, Nulls) {
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendNull(); }), "$-1\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendNull(); }), "_\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendNullArray(); }), "*-1\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendNullArray(); }), "_\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendEmptyArray(); }), "*0\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendEmptyArray(); }), "*0\r\n");
}

TEST(ReplyBuilderTest, Doubles) {
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendDouble(1.5); }), "$3\r\n1.5\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendDouble(1.5); }), ",1.5\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendDouble(1); }), ",1\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendDouble(0.1); }), ",0.10000000000000001\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendDouble(-INFINITY); }), "$4\r\n-inf\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendDouble(INFINITY); }), ",inf\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendDouble(-INFINITY); }), ",-inf\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendDouble(NAN); }), ",nan\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendDouble(DBL_MAX); }),
            "$23\r\n1.7976931348623157e+308\r\n");
}

TEST(ReplyBuilderTest, BoolVerbatimBigNumber) {
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendBool(true); }), ":1\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendBool(false); }), ":0\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendBool(true); }), "#t\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendBool(false); }), "#f\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendVerbatim("# Server\r\nx:1\r\n"); }),
            "$15\r\n# Server\r\nx:1\r\n\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendVerbatim("# Server\r\nx:1\r\n"); }),
            "=19\r\ntxt:# Server\r\nx:1\r\n\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendVerbatim("**hi**", "mkd"); }),
            "=10\r\nmkd:**hi**\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.SendBigNumber("-1234567890123456789012345"); }),
            "$26\r\n-1234567890123456789012345\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.SendBigNumber("1234567890123456789012345"); }),
            "(1234567890123456789012345\r\n");
}

TEST(ReplyBuilderTest, Aggregates) {
  auto map = [](ReplyBuilder& rb) {
    rb.StartMap(2);
    rb.SendBulk("a");
    rb.SendLong(1);
    rb.SendBulk("b");
    rb.StartSet(1);
    rb.SendBulk("x");
  };
  EXPECT_EQ(R2(map), "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n*1\r\n$1\r\nx\r\n");
  EXPECT_EQ(R3(map), "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n~1\r\n$1\r\nx\r\n");
  EXPECT_EQ(R2([](ReplyBuilder& rb) { rb.StartPush(0); }), "*0\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.StartPush(3); }), ">3\r\n");
  EXPECT_EQ(R3([](ReplyBuilder& rb) { rb.StartArray(12345); }), "*12345\r\n");
}

TEST(ReplyBuilderTest, StringArrayAndPush) {
  const std::vector<std::string_view> views = {"a", "", "ccc"};
  const std::vector<std::string> strings = {"x", "yy"};
  EXPECT_EQ(R2([&](ReplyBuilder& rb) { rb.SendStringArray(views); }),
            "*3\r\n$1\r\na\r\n$0\r\n\r\n$3\r\nccc\r\n");
  EXPECT_EQ(R3([&](ReplyBuilder& rb) { rb.SendStringArray(strings); }),
            "*2\r\n$1\r\nx\r\n$2\r\nyy\r\n");
  const std::vector<std::string_view> msg = {"message", "ch", "hi"};
  EXPECT_EQ(R2([&](ReplyBuilder& rb) { rb.SendPush(msg); }),
            "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
  EXPECT_EQ(R3([&](ReplyBuilder& rb) { rb.SendPush(msg); }),
            ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
}

TEST(ReplyBuilderTest, ScoredArray) {
  const std::vector<std::pair<std::string_view, double>> items = {{"a", 1}, {"b", 2.5}};
  EXPECT_EQ(R2([&](ReplyBuilder& rb) { rb.SendScoredArray(items, false); }),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(R3([&](ReplyBuilder& rb) { rb.SendScoredArray(items, false); }),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(R2([&](ReplyBuilder& rb) { rb.SendScoredArray(items, true); }),
            "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n");
  EXPECT_EQ(R3([&](ReplyBuilder& rb) { rb.SendScoredArray(items, true); }),
            "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n");
  EXPECT_EQ(R3([&](ReplyBuilder& rb) { rb.SendScoredArray({}, true); }), "*0\r\n");
}

TEST(ReplyBuilderTest, BatchingAndVersionSwitch) {
  ReplyBuilder rb;
  EXPECT_FALSE(rb.IsResp3());
  rb.SendNull();
  rb.SetRespVersion(RespVersion::kResp3);  // HELLO 3 between two pipelined commands
  EXPECT_EQ(rb.resp_version(), RespVersion::kResp3);
  rb.SendNull();
  EXPECT_EQ(rb.buffer(), "$-1\r\n_\r\n");
  EXPECT_EQ(rb.size(), 8u);
  const size_t capacity = rb.buffer().capacity();
  rb.Clear();
  EXPECT_TRUE(rb.empty());
  EXPECT_EQ(rb.buffer().capacity(), capacity);
  rb.SendLong(7);
  rb.buffer().erase(0, 1);  // the connection may drop what it has written
  EXPECT_EQ(rb.buffer(), "7\r\n");
}

}  // namespace
}  // namespace lw
