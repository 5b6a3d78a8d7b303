// ParseScanOptions against the option errors of redis-server 7.0's SCAN/HSCAN/SSCAN/ZSCAN.
#include "server/engine/scan_args.h"

#include <gtest/gtest.h>

#include <vector>

#include "server/resp/error_strings.h"

namespace lw {
namespace {

ScanOptions Parse(std::vector<std::string_view> opts, bool allow_type = false) {
  return ParseScanOptions(CmdArgs(opts), 0, allow_type);
}

TEST(ScanArgsTest, OptionErrors) {
  struct Case {
    std::vector<std::string_view> opts;
    std::string_view error;  // "" = accepted
  };
  const Case cases[] = {
      {{}, ""},
      {{"COUNT", "1"}, ""},
      {{"count", "9223372036854775807"}, ""},
      {{"MATCH", "*", "COUNT", "5"}, ""},
      {{"MATCH", "a*", "match", "b*"}, ""},
      {{"COUNT"}, errors::kSyntax},
      {{"COUNT", "0"}, errors::kSyntax},
      {{"COUNT", "-1"}, errors::kSyntax},
      {{"COUNT", "x"}, errors::kNotInteger},
      {{"COUNT", " 1"}, errors::kNotInteger},
      {{"COUNT", "01"}, errors::kNotInteger},
      {{"COUNT", "9223372036854775808"}, errors::kNotInteger},
      {{"COUNT", "1", "MATCH"}, errors::kSyntax},
      {{"BOGUS", "1"}, errors::kSyntax},
      {{"TYPE", "string"}, errors::kSyntax},  // only SCAN takes TYPE
      {{"NOVALUES"}, errors::kSyntax},
      // The first bad option decides the error, as in Redis's loop.
      {{"COUNT", "x", "BOGUS", "1"}, errors::kNotInteger},
      {{"BOGUS", "1", "COUNT", "x"}, errors::kSyntax},
  };
  for (const Case& c : cases) {
    std::string shown;
    for (std::string_view a : c.opts) shown += std::string(a) + " ";
    EXPECT_EQ(Parse(c.opts).error, c.error) << shown;
  }
}

TEST(ScanArgsTest, Values) {
  ScanOptions o = Parse({"COUNT", "7", "MATCH", "k1*", "COUNT", "3"});
  EXPECT_EQ(o.count, 3u);  // the last COUNT wins
  EXPECT_TRUE(o.has_pattern);
  EXPECT_TRUE(o.Matches("k12"));
  EXPECT_FALSE(o.Matches("k2"));
  EXPECT_FALSE(Parse({"MATCH", "*"}).has_pattern);  // "*" skips matching altogether
  EXPECT_TRUE(Parse({}).Matches("anything"));
  EXPECT_EQ(Parse({}).count, 10u);

  ScanOptions t = Parse({"TYPE", "", "MATCH", "x"}, /*allow_type=*/true);
  EXPECT_TRUE(t.error.empty());
  EXPECT_TRUE(t.has_type);  // TYPE "" is a type that matches nothing, not "no TYPE"
  EXPECT_EQ(t.type, "");
  EXPECT_FALSE(Parse({}, true).has_type);
}

}  // namespace
}  // namespace lw
