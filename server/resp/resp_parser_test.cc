#include "server/resp/resp_parser.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "server/resp/error_strings.h"

namespace lw {
namespace {

using Commands = std::vector<std::vector<std::string>>;

// What a connection observes after feeding some input: the commands it executed, and then
// either an error (connection closed) or the number of bytes still buffered.
struct Outcome {
  Commands commands;
  RespParser::Result last = RespParser::kNeedMore;
  std::string error;
  size_t buffered = 0;

  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << "{" << o.commands.size() << " commands:";
  for (const auto& cmd : o.commands) {
    os << " [";
    for (const auto& arg : cmd) os << "'" << arg << "' ";
    os << "]";
  }
  return os << " last=" << o.last << " error='" << o.error << "' buffered=" << o.buffered << "}";
}

// Feeds `input` in chunks ending at `cuts` (ascending offsets) and then at the end, running
// the loop a connection runs: parse everything possible, compact, move the buffer, read more.
Outcome Feed(std::string_view input, const std::vector<size_t>& cuts,
             const RespParserConfig& config = RespParserConfig{}) {
  RespParser parser(config);
  Outcome out;
  std::string buf;
  std::vector<std::string_view> args;
  size_t fed = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    if (end < fed) continue;
    buf.append(input.substr(fed, end - fed));
    fed = end;
    size_t start = 0;
    for (;;) {
      size_t used = 0;
      RespParser::Result r = parser.Parse(std::string_view(buf).substr(start), &used, &args);
      start += used;
      if (r == RespParser::kOk) {
        EXPECT_FALSE(args.empty());
        out.commands.emplace_back(args.begin(), args.end());
        continue;
      }
      EXPECT_TRUE(args.empty());
      if (r == RespParser::kError) {
        out.last = RespParser::kError;
        out.error = std::string(parser.error());
        return out;
      }
      break;
    }
    // Compact, then move the bytes to fresh storage: the parser must not keep pointers.
    std::string moved = buf.substr(start);
    buf.swap(moved);
  }
  out.buffered = buf.size();
  return out;
}

Outcome FeedWhole(std::string_view input, const RespParserConfig& config = RespParserConfig{}) {
  return Feed(input, {}, config);
}

Outcome FeedBytewise(std::string_view input, const RespParserConfig& config = RespParserConfig{}) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  return Feed(input, cuts, config);
}

Outcome FeedRandomChunks(std::string_view input, uint32_t seed, size_t max_chunk,
                         const RespParserConfig& config = RespParserConfig{}) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> dist(1, max_chunk);
  std::vector<size_t> cuts;
  for (size_t pos = dist(rng); pos < input.size(); pos += dist(rng)) cuts.push_back(pos);
  return Feed(input, cuts, config);
}

std::string Mb(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

Outcome Ok(Commands commands, size_t buffered = 0) {
  Outcome o;
  o.commands = std::move(commands);
  o.buffered = buffered;
  return o;
}

Outcome Err(std::string_view error, Commands before = {}) {
  Outcome o;
  o.commands = std::move(before);
  o.last = RespParser::kError;
  o.error = std::string(error);
  return o;
}

// Checks that whole, byte-by-byte, every two-way split and random chunkings all agree.
void ExpectSplitInvariant(std::string_view input, const Outcome& expected,
                          const RespParserConfig& config = RespParserConfig{}) {
  EXPECT_EQ(FeedWhole(input, config), expected);
  EXPECT_EQ(FeedBytewise(input, config), expected);
  for (size_t cut = 1; cut < input.size(); ++cut) {
    ASSERT_EQ(Feed(input, {cut}, config), expected) << "split at " << cut;
  }
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    ASSERT_EQ(FeedRandomChunks(input, seed, 7, config), expected) << "seed " << seed;
  }
}

TEST(RespParserTest, SingleMultibulk) {
  EXPECT_EQ(FeedWhole("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"),
            Ok({{"SET", "k", "value"}}));
}

TEST(RespParserTest, ConsumedCoversExactlyOneRequest) {
  RespParser parser;
  std::vector<std::string_view> args;
  size_t used = 0;
  const std::string input = "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI";
  ASSERT_EQ(parser.Parse(input, &used, &args), RespParser::kOk);
  EXPECT_EQ(used, 14u);
  EXPECT_EQ(args, (std::vector<std::string_view>{"PING"}));
  // Multibulk arguments view the caller's buffer: no copy.
  EXPECT_EQ(args[0].data(), input.data() + 8);
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(used), &used, &args),
            RespParser::kNeedMore);
  EXPECT_EQ(used, 0u);
  EXPECT_TRUE(parser.InRequest());
}

TEST(RespParserTest, PipelinedMixedRequests) {
  std::string input = Mb({"SET", "a", "1"}) + "PING\r\n" + Mb({"GET", "a"}) + "ECHO \"x y\"\n" +
                      Mb({"DEL", "a", "b", "c"});
  Outcome expected =
      Ok({{"SET", "a", "1"}, {"PING"}, {"GET", "a"}, {"ECHO", "x y"}, {"DEL", "a", "b", "c"}});
  ExpectSplitInvariant(input, expected);
}

TEST(RespParserTest, IncompleteTailStaysBuffered) {
  std::string input = Mb({"GET", "a"}) + "*2\r\n$3\r\nGET\r\n$1\r\n";
  ExpectSplitInvariant(input, Ok({{"GET", "a"}}, input.size() - Mb({"GET", "a"}).size()));
}

TEST(RespParserTest, BinarySafeBulks) {
  const std::string value("a\r\nb\0c\r\n*1\r\n$", 14);
  const std::string input = Mb({"SET", std::string("k\0\r\n", 4), value}) + Mb({""});
  ExpectSplitInvariant(input, Ok({{"SET", std::string("k\0\r\n", 4), value}, {""}}));
}

TEST(RespParserTest, EmptyRequestsAreSkipped) {
  const std::string input = "*0\r\n*-1\r\n*-7\r\n\r\n\n   \t \r\n" + Mb({"PING"}) + "*0\r\n";
  ExpectSplitInvariant(input, Ok({{"PING"}}));

  RespParser parser;
  std::vector<std::string_view> args;
  size_t used = 0;
  EXPECT_EQ(parser.Parse("*0\r\n\r\n", &used, &args), RespParser::kNeedMore);
  EXPECT_EQ(used, 6u);  // the skipped requests are consumed even without a command
  EXPECT_FALSE(parser.InRequest());
}

TEST(RespParserTest, InlineCommands) {
  EXPECT_EQ(FeedWhole("SET k v\r\n"), Ok({{"SET", "k", "v"}}));
  EXPECT_EQ(FeedWhole("  GET   k  \n"), Ok({{"GET", "k"}}));
  EXPECT_EQ(FeedWhole("PING"), Ok({}, 4));
  // Only '\n' ends an inline line; a '\r' elsewhere separates words.
  EXPECT_EQ(FeedWhole("a\rb\r\n"), Ok({{"a", "b"}}));
  // Vertical tab and form feed separate nothing inside a word but are skipped between words.
  EXPECT_EQ(FeedWhole("a\vb \f c\n"), Ok({{"a\vb", "c"}}));
}

TEST(RespParserTest, InlineQuoting) {
  ExpectSplitInvariant("SET \"a b\" 'c d'\r\n", Ok({{"SET", "a b", "c d"}}));
  EXPECT_EQ(FeedWhole("X \"\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\\"\\q\"\n"),
            Ok({{"X", "AJ\n\r\t\b\a\\\"q"}}));
  // \x needs two hex digits, else it is an ordinary escape of 'x'.
  EXPECT_EQ(FeedWhole("X \"\\x4g\"\n"), Ok({{"X", "x4g"}}));
  EXPECT_EQ(FeedWhole("X 'it\\'s' '\\n'\n"), Ok({{"X", "it's", "\\n"}}));
  // A quote may open in the middle of a word.
  EXPECT_EQ(FeedWhole("X ab\"c d\"\n"), Ok({{"X", "abc d"}}));
  EXPECT_EQ(FeedWhole("X \"\" ''\n"), Ok({{"X", "", ""}}));
  // A NUL ends the line for the splitter, as in Redis.
  EXPECT_EQ(FeedWhole(std::string("A B\0C\nD\n", 8)), Ok({{"A", "B"}, {"D"}}));
}

TEST(RespParserTest, InlineArgsLiveInArenaUntilNextParse) {
  RespParser parser;
  std::vector<std::string_view> args;
  size_t used = 0;
  std::string input = "ECHO \"hi\"\n";
  ASSERT_EQ(parser.Parse(input, &used, &args), RespParser::kOk);
  input.assign(input.size(), 'z');  // the caller may reuse its buffer: args are unescaped copies
  EXPECT_EQ(args, (std::vector<std::string_view>{"ECHO", "hi"}));
}

TEST(RespParserTest, UnbalancedQuotes) {
  const std::string_view kErr = errors::kProtoUnbalancedQuotes;
  EXPECT_EQ(kErr, "ERR Protocol error: unbalanced quotes in request");
  EXPECT_EQ(FeedWhole("SET \"abc\n"), Err(kErr));
  EXPECT_EQ(FeedWhole("SET 'abc\n"), Err(kErr));
  EXPECT_EQ(FeedWhole("SET \"abc\"def\n"), Err(kErr));
  EXPECT_EQ(FeedWhole("SET 'abc'def\n"), Err(kErr));
  EXPECT_EQ(FeedWhole("SET \"abc\\\"\n"), Err(kErr));
  ExpectSplitInvariant(Mb({"PING"}) + "SET \"a\n" + Mb({"PING"}), Err(kErr, {{"PING"}}));
}

TEST(RespParserTest, InvalidMultibulkLength) {
  const std::string_view kErr = "ERR Protocol error: invalid multibulk length";
  EXPECT_EQ(errors::kProtoInvalidMultibulkLen, kErr);
  for (const char* bad :
       {"*x\r\n", "*\r\n", "* 1\r\n", "*01\r\n", "*+1\r\n", "*-0\r\n", "*1 \r\n", "*1048577\r\n",
        "*99999999999999999999\r\n", "*999999999999999999999\r\n"}) {
    EXPECT_EQ(FeedWhole(bad), Err(kErr)) << bad;
  }
  // Exactly at the limit is accepted (and waits for its bulks).
  EXPECT_EQ(FeedWhole("*1048576\r\n"), Ok({}, 10));
  RespParserConfig config;
  config.max_multibulk_len = 2;
  EXPECT_EQ(FeedWhole("*3\r\n", config), Err(kErr));
  ExpectSplitInvariant(Mb({"A"}) + "*1x\r\n", Err(kErr, {{"A"}}));
}

TEST(RespParserTest, InvalidBulkLength) {
  const std::string_view kErr = "ERR Protocol error: invalid bulk length";
  EXPECT_EQ(errors::kProtoInvalidBulkLen, kErr);
  for (const char* bad : {"*1\r\n$-1\r\n", "*1\r\n$\r\n", "*1\r\n$03\r\n", "*1\r\n$3x\r\n",
                          "*1\r\n$536870913\r\n", "*2\r\n$1\r\na\r\n$-5\r\n"}) {
    EXPECT_EQ(FeedWhole(bad), Err(kErr)) << bad;
  }
  EXPECT_EQ(FeedWhole("*1\r\n$536870912\r\n"), Ok({}, 16));
  RespParserConfig config;
  config.max_bulk_len = 10;
  EXPECT_EQ(FeedWhole(Mb({"0123456789"}), config), Ok({{"0123456789"}}));
  EXPECT_EQ(FeedWhole(Mb({"0123456789X"}), config), Err(kErr));
  ExpectSplitInvariant("*2\r\n$1\r\na\r\n$1x\r\n", Err(kErr));
}

TEST(RespParserTest, UnauthenticatedLimits) {
  EXPECT_EQ(errors::kProtoUnauthMultibulkLen,
            "ERR Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(errors::kProtoUnauthBulkLen, "ERR Protocol error: unauthenticated bulk length");
  RespParserConfig config;
  config.unauthenticated = true;
  std::vector<std::string> ten(10, "a");
  EXPECT_EQ(FeedWhole(Mb(ten), config), Ok({ten}));
  ExpectSplitInvariant("*11\r\n", Err(errors::kProtoUnauthMultibulkLen), config);
  std::string max(16384, 'v');
  EXPECT_EQ(FeedWhole(Mb({"SET", "k", max}), config), Ok({{"SET", "k", max}}));
  ExpectSplitInvariant("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16385\r\n",
                       Err(errors::kProtoUnauthBulkLen, {}), config);
  // The general checks come first, as in Redis.
  EXPECT_EQ(FeedWhole("*1\r\n$-1\r\n", config), Err(errors::kProtoInvalidBulkLen));
  config.unauthenticated = false;
  EXPECT_EQ(FeedWhole("*11\r\n", config), Ok({}, 5));
}

TEST(RespParserTest, ExpectedDollar) {
  EXPECT_EQ(FeedWhole("*1\r\nfoo\r\n"), Err("ERR Protocol error: expected '$', got 'f'"));
  EXPECT_EQ(FeedWhole("*2\r\n$1\r\na\r\n:1\r\n"), Err("ERR Protocol error: expected '$', got ':'"));
  EXPECT_EQ(FeedWhole("*1\r\n\r\n"), Err("ERR Protocol error: expected '$', got '\r'"));
  // Redis looks at the prefix only once the line is complete.
  EXPECT_EQ(FeedWhole("*1\r\nfoo"), Ok({}, 7));
  ExpectSplitInvariant("*1\r\nfoo\r\n", Err("ERR Protocol error: expected '$', got 'f'"));
}

TEST(RespParserTest, TooBigInlineRequest) {
  const std::string_view kErr = "ERR Protocol error: too big inline request";
  EXPECT_EQ(errors::kProtoTooBigInline, kErr);
  const std::string at_limit(64 * 1024, 'a');
  EXPECT_EQ(FeedWhole(at_limit), Ok({}, at_limit.size()));
  EXPECT_EQ(FeedWhole(at_limit + "\n"), Ok({{at_limit}}));
  EXPECT_EQ(FeedWhole(at_limit + "b"), Err(kErr));
  // Deterministic: the same error whether or not the newline arrived in the same read.
  EXPECT_EQ(FeedWhole(at_limit + "b\n"), Err(kErr));
  EXPECT_EQ(FeedRandomChunks(at_limit + "b\n", 3, 5000), Err(kErr));

  RespParserConfig config;
  config.max_inline_len = 8;
  ExpectSplitInvariant("PING\r\nGET 1234\nSET 12345\n", Err(kErr, {{"PING"}, {"GET", "1234"}}),
                       config);
}

TEST(RespParserTest, TooBigCountStrings) {
  const std::string_view kMbulk = "ERR Protocol error: too big mbulk count string";
  const std::string_view kBulk = "ERR Protocol error: too big bulk count string";
  EXPECT_EQ(errors::kProtoTooBigMbulkCount, kMbulk);
  EXPECT_EQ(errors::kProtoTooBigBulkCount, kBulk);
  const std::string digits(64 * 1024, '1');
  EXPECT_EQ(FeedWhole("*" + digits), Err(kMbulk));
  EXPECT_EQ(FeedWhole("*1\r\n$" + digits), Err(kBulk));
  // Below the limit it is just waiting.
  EXPECT_EQ(FeedWhole("*1\r\n$" + digits.substr(1)), Ok({}, 4 + digits.size()));

  RespParserConfig config;
  config.max_inline_len = 4;
  ExpectSplitInvariant("*12345\r\n", Err(kMbulk), config);
  ExpectSplitInvariant("*1\r\n$12345\r\n", Err(kBulk), config);
  ExpectSplitInvariant("*123\r\n", Ok({}, 6), config);  // the line fits the window
}

TEST(RespParserTest, HugeDeclaredLengthsDoNotAllocate) {
  RespParser parser;
  std::vector<std::string_view> args;
  size_t used = 0;
  std::string input = "*1048576\r\n$536870912\r\nabc";
  ASSERT_EQ(parser.Parse(input, &used, &args), RespParser::kNeedMore);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(args.capacity(), 0u);
  // The connection learns how much to buffer for the big argument.
  EXPECT_EQ(parser.NeededBytes(), 10u + 12u + 536870912u + 2u);
}

TEST(RespParserTest, LargeBulkInSmallReads) {
  const std::string big(1 << 20, 'v');
  const std::string input = Mb({"SET", "key", big}) + Mb({"GET", "key"});
  Outcome expected = Ok({{"SET", "key", big}, {"GET", "key"}});
  EXPECT_EQ(FeedRandomChunks(input, 7, 4096), expected);
  EXPECT_EQ(FeedRandomChunks(input, 8, 100), expected);

  RespParser parser;
  std::vector<std::string_view> args;
  size_t used = 0;
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(0, 30), &used, &args),
            RespParser::kNeedMore);
  EXPECT_EQ(parser.NeededBytes(), 0u);  // the "$1048576" line is still incomplete
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(0, 40), &used, &args),
            RespParser::kNeedMore);
  EXPECT_EQ(parser.NeededBytes(), 4u + 9u + 9u + 10u + big.size() + 2);
  ASSERT_EQ(parser.Parse(std::string_view(input).substr(0, big.size()), &used, &args),
            RespParser::kNeedMore);
  ASSERT_EQ(parser.Parse(input, &used, &args), RespParser::kOk);
  EXPECT_EQ(args.size(), 3u);
  EXPECT_EQ(args[2].size(), big.size());
}

TEST(RespParserTest, ManySmallArgsAcrossReads) {
  std::vector<std::string> cmd = {"MSET"};
  for (int i = 0; i < 5000; ++i) cmd.push_back("k" + std::to_string(i));
  const std::string input = Mb(cmd);
  EXPECT_EQ(FeedRandomChunks(input, 11, 64), Ok({cmd}));
}

TEST(RespParserTest, BytesAfterBulkAreNotChecked) {
  // Redis skips the two bytes that close a bulk or a count line without looking at them.
  EXPECT_EQ(FeedWhole("*1\rX$3\r\nfooYZ*1\r\n$1\r\na\r\n"), Ok({{"foo"}, {"a"}}));
}

TEST(RespParserTest, ResetForgetsPartialRequest) {
  RespParser parser;
  std::vector<std::string_view> args;
  size_t used = 0;
  ASSERT_EQ(parser.Parse("*2\r\n$3\r\nGET\r\n", &used, &args), RespParser::kNeedMore);
  parser.Reset();
  EXPECT_FALSE(parser.InRequest());
  ASSERT_EQ(parser.Parse("PING\r\n", &used, &args), RespParser::kOk);
  EXPECT_EQ(args, (std::vector<std::string_view>{"PING"}));
}

// Random byte soups built from protocol fragments: whatever the outcome (commands, error,
// waiting), it must not depend on how the bytes were split.
TEST(RespParserTest, RandomInputsAreSplitInvariant) {
  const std::vector<std::string> pieces = {"*",        "$",
                                           "1",        "2",
                                           "3",        "0",
                                           "-1",       "\r\n",
                                           "\r",       "\n",
                                           "a",        "bc",
                                           " ",        "\"",
                                           "'",        "\\x41",
                                           "\\",       "*2\r\n$1\r\nx\r\n$2\r\nyz\r\n",
                                           "PING\r\n", std::string("x\0y", 3)};
  RespParserConfig config;
  config.max_inline_len = 16;
  for (uint32_t seed = 0; seed < 300; ++seed) {
    std::mt19937 rng(seed);
    std::string input;
    const int n = 1 + rng() % 24;
    for (int i = 0; i < n; ++i) input += pieces[rng() % pieces.size()];
    const Outcome whole = FeedWhole(input, config);
    ASSERT_EQ(FeedBytewise(input, config), whole) << "seed " << seed;
    ASSERT_EQ(FeedRandomChunks(input, seed, 5, config), whole) << "seed " << seed;
  }
}

// Whole requests take a one-pass path (ParseWholeFast); cut ones, odd ones and errors the
// general one. Valid pipelines of every argument shape must give the same commands either way,
// and whole requests whose framing the fast path leaves alone (leading zeros, signs, 18+
// digit lengths, empty requests) the general path's outcome.
TEST(RespParserTest, FastPathMatchesGeneralPath) {
  std::mt19937 rng(23);
  for (int it = 0; it < 500; ++it) {
    Commands expected;
    std::string input;
    for (int r = 1 + rng() % 6; r > 0; --r) {
      std::vector<std::string> args(1 + rng() % 5);
      for (auto& a : args) {
        a.resize(rng() % 4 == 0 ? rng() % 300 : rng() % 12);
        for (char& c : a) c = char(rng());
      }
      input += Mb(args);
      expected.push_back(args);
    }
    ASSERT_EQ(FeedWhole(input), Ok(expected)) << "iteration " << it;
    ASSERT_EQ(FeedBytewise(input), Ok(expected)) << "iteration " << it;
  }
  for (std::string_view odd :
       {"*01\r\n$1\r\na\r\n", "*1\r\n$01\r\na\r\n", "*1\r\n$-1\r\n", "*0\r\n*1\r\n$1\r\nb\r\n",
        "*1\r\n$000000000000000000001\r\nc\r\n", "*1\r\n$1\r\nab\r\n", "*2\r\n$1\r\na\r\n:1\r\n"}) {
    EXPECT_EQ(FeedWhole(odd), FeedBytewise(odd)) << odd;
  }
  RespParserConfig small;
  small.max_bulk_len = 3;
  EXPECT_EQ(FeedWhole(Mb({"set", "k", "four"}), small),
            FeedBytewise(Mb({"set", "k", "four"}), small));
}

// Seeded mutation fuzzing: pipelines of valid requests (multibulk and inline) mutated by byte
// flips, token insertions, deletions, duplications and truncation, parsed under random
// limits. Every input must give the same outcome whole, byte by byte and in random chunks,
// and never crash or read out of bounds (run under ASan by hand for more). The count is
// LW_FUZZ_ITERATIONS (env; default 300, a fraction of a second).
TEST(RespParserTest, FuzzMutatedPipelines) {
  const char* env = getenv("LW_FUZZ_ITERATIONS");
  int iterations = env ? atoi(env) : 300;
  static const std::string_view kTokens[] = {
      "*",      "$",      "\r\n",       "\n",    "\r",
      "-1",     "0",      "11",         "16385", "99999999999999999999",
      "\"",     "'",      "\\x4",       " ",     std::string_view("\0", 1),
      "*3\r\n", "$3\r\n", "\"a\\\"b\" "};
  std::mt19937 rng(19);
  for (int it = 0; it < iterations; ++it) {
    std::string input;
    for (int r = 1 + rng() % 4; r > 0; --r) {
      std::vector<std::string> args(1 + rng() % 4);
      for (auto& a : args) {
        a.resize(rng() % 12);
        for (char& c : a) c = char(rng() % 3 ? 'a' + rng() % 26 : rng());
      }
      input += rng() % 3 ? Mb(args) : "SET k \"v\\x41 x\" 'q'\r\n";
    }
    for (int m = rng() % 6; m > 0 && !input.empty(); --m) {
      size_t pos = rng() % input.size();
      switch (rng() % 5) {
        case 0:
          input[pos] = char(rng());
          break;
        case 1:
          input.insert(pos, kTokens[rng() % std::size(kTokens)]);
          break;
        case 2:
          input.erase(pos, 1 + rng() % 8);
          break;
        case 3:
          input.insert(pos, input.substr(pos, rng() % 16));
          break;
        default:
          input.resize(pos);
      }
    }
    RespParserConfig config;
    if (rng() % 3 == 0) config.max_bulk_len = rng() % 64;
    if (rng() % 3 == 0) config.max_inline_len = 1 + rng() % 64;
    config.unauthenticated = rng() % 4 == 0;
    Outcome whole = FeedWhole(input, config);
    ASSERT_EQ(FeedBytewise(input, config), whole) << "iteration " << it;
    ASSERT_EQ(FeedRandomChunks(input, it, 9, config), whole) << "iteration " << it;
  }
}

}  // namespace
}  // namespace lw
