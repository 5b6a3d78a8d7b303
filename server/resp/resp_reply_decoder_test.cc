#include "server/resp/resp_reply_decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "server/resp/reply_builder.h"

namespace lw {
namespace {

std::string Debug(std::string_view wire) {
  RespValue v;
  size_t used = 0;
  DecodeResult r = DecodeReply(wire, &used, &v);
  if (r != DecodeResult::kOk) return r == DecodeResult::kIncomplete ? "<incomplete>" : "<invalid>";
  if (used != wire.size()) return "<trailing>";
  return ToDebugString(v);
}

TEST(RespReplyDecoderTest, Scalars) {
  EXPECT_EQ(Debug("+OK\r\n"), "+OK");
  EXPECT_EQ(Debug("-ERR no\r\n"), "-ERR no");
  EXPECT_EQ(Debug(":-12\r\n"), ":-12");
  EXPECT_EQ(Debug("$5\r\na\r\n\"\\\r\n"), "\"a\\r\\n\\\"\\\\\"");
  EXPECT_EQ(Debug("$-1\r\n"), "nil");
  EXPECT_EQ(Debug("_\r\n"), "nil");
  EXPECT_EQ(Debug("*-1\r\n"), "nil-array");
  EXPECT_EQ(Debug(",1.5\r\n"), ",1.5");
  EXPECT_EQ(Debug("#f\r\n"), "#f");
  EXPECT_EQ(Debug("=7\r\ntxt:abc\r\n"), "=txt:\"abc\"");
  EXPECT_EQ(Debug("(-123\r\n"), "(-123");
}

TEST(RespReplyDecoderTest, Aggregates) {
  EXPECT_EQ(Debug("*2\r\n:1\r\n*1\r\n$1\r\nx\r\n"), "[:1, [\"x\"]]");
  EXPECT_EQ(Debug("%2\r\n+a\r\n:1\r\n+b\r\n_\r\n"), "{+a: :1, +b: nil}");
  EXPECT_EQ(Debug("~1\r\n$1\r\nm\r\n"), "~{\"m\"}");
  EXPECT_EQ(Debug(">2\r\n$7\r\nmessage\r\n:3\r\n"), ">[\"message\", :3]");
  EXPECT_EQ(Debug("*0\r\n"), "[]");
}

TEST(RespReplyDecoderTest, IncompleteAndInvalid) {
  for (const char* partial : {"", "+OK", "+OK\r", "$3\r\nab", "$3\r\nabc\r", "*2\r\n:1\r\n",
                              "%1\r\n:1\r\n", "*1000000000\r\n"}) {
    EXPECT_EQ(Debug(partial), "<incomplete>") << partial;
  }
  for (const char* bad :
       {"?\r\n", "+a\nb\r\n", ":x\r\n", ":\r\n", "$3\r\nabcde", "$-2\r\n", "*-2\r\n", "#x\r\n",
        ",1.5x\r\n", "(12a\r\n", "=2\r\nab\r\n", "_x\r\n", "|1\r\n+a\r\n:1\r\n+b\r\n"}) {
    EXPECT_EQ(Debug(bad), "<invalid>") << bad;
  }
  std::string deep;
  for (int i = 0; i <= kMaxDecodeDepth + 1; ++i) deep += "*1\r\n";
  deep += ":1\r\n";
  EXPECT_EQ(Debug(deep), "<invalid>");
}

TEST(RespReplyDecoderTest, DecodesWhatTheBuilderWrites) {
  for (RespVersion version : {RespVersion::kResp2, RespVersion::kResp3}) {
    ReplyBuilder rb(version);
    rb.SendOk();
    rb.SendError("ERR x");
    rb.SendDouble(0.25);
    rb.SendBool(true);
    rb.StartMap(1);
    rb.SendBulk("k");
    rb.SendNull();
    rb.SendVerbatim("v");
    rb.SendBigNumber("99");
    const std::vector<std::pair<std::string_view, double>> scored = {{"m", -1.5}};
    rb.SendScoredArray(scored, true);
    std::vector<RespValue> values;
    ASSERT_TRUE(DecodeReplies(rb.buffer(), &values));
    ASSERT_EQ(values.size(), 8u);
    std::vector<std::string> debug;
    for (const RespValue& v : values) debug.push_back(ToDebugString(v));
    if (version == RespVersion::kResp2) {
      EXPECT_EQ(debug, (std::vector<std::string>{"+OK", "-ERR x", "\"0.25\"", ":1", "[\"k\", nil]",
                                                 "\"v\"", "\"99\"", "[\"m\", \"-1.5\"]"}));
    } else {
      EXPECT_EQ(debug, (std::vector<std::string>{"+OK", "-ERR x", ",0.25", "#t", "{\"k\": nil}",
                                                 "=txt:\"v\"", "(99", "[[\"m\", ,-1.5]]"}));
      EXPECT_EQ(values[2].dbl, 0.25);
      EXPECT_EQ(values[7].elems[0].elems[1].dbl, -1.5);
    }
    EXPECT_TRUE(values[0].IsString("OK"));
    EXPECT_TRUE(values[5].IsString("v"));
    EXPECT_FALSE(values[1].IsString("ERR x"));
  }
}

TEST(RespReplyDecoderTest, SpecialDoubles) {
  RespValue v;
  size_t used = 0;
  ASSERT_EQ(DecodeReply(",-inf\r\n", &used, &v), DecodeResult::kOk);
  EXPECT_TRUE(std::isinf(v.dbl) && v.dbl < 0);
  ASSERT_EQ(DecodeReply(",nan\r\n", &used, &v), DecodeResult::kOk);
  EXPECT_TRUE(std::isnan(v.dbl));
}

TEST(RespReplyDecoderTest, DecodeRepliesRejectsTrailingGarbage) {
  std::vector<RespValue> values;
  EXPECT_FALSE(DecodeReplies("+OK\r\n:1", &values));
  EXPECT_EQ(values.size(), 1u);
}

}  // namespace
}  // namespace lw
