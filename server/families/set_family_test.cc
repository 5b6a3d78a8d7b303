// Set commands through the in-process Service, and SetObj's encodings directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "server/engine/scan_args.h"
#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/set_family.h"
#include "server/families/string_family.h"
#include "server/types/glob.h"
#include "server/types/set_obj.h"

namespace lw {
namespace {

class SetFamilyTest : public ServiceTest {
 protected:
  SetFamilyTest() : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterSetFamily}) {}

  std::set<std::string> Members(const std::string& key) {
    RespValue v = Run({"SMEMBERS", key});
    std::set<std::string> out;
    for (const RespValue& e : v.elems) out.insert(e.str);
    return out;
  }
};

uint64_t Counter() {
  static uint64_t x = 12345;
  x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  return x >> 11;
}

// The thresholds are the caller's (CONFIG SET set-max-intset-entries & co.), not constants.
TEST(SetObjTest, ConversionsFollowGivenLimits) {
  SetLimits limits{.max_intset_entries = 3, .max_listpack_entries = 2};
  SetObj ints("1", 1, limits);
  for (int i = 0; i < 3; ++i) ints.Add(std::to_string(i), limits);
  EXPECT_EQ(ints.EncodingName(), "intset");
  ints.Add("3", limits);  // a 4th integer: past max_intset_entries
  EXPECT_EQ(ints.EncodingName(), "hashtable");
  SetObj strs("a", 1, limits);
  strs.Add("a", limits);
  strs.Add("b", limits);
  EXPECT_EQ(strs.encoding(), SetObj::Encoding::kListpack);
  strs.Add("c", limits);
  EXPECT_EQ(strs.encoding(), SetObj::Encoding::kHashtable);
  SetObj none("1", 1, SetLimits{0, 0});
  none.Add("1", SetLimits{0, 0});
  EXPECT_EQ(none.encoding(), SetObj::Encoding::kHashtable);
  EXPECT_TRUE(none.Contains("1"));
}

TEST(SetObjTest, EncodingsAndConversions) {
  const SetLimits kDefault;  // Redis's: 512 intset entries, 128 listpack entries
  SetObj s("1", 1, kDefault);
  EXPECT_EQ(s.EncodingName(), "intset");
  for (int i = 0; i < 512; ++i) EXPECT_TRUE(s.Add(std::to_string(i * 1000 - 100000), kDefault));
  EXPECT_FALSE(s.Add("0", kDefault));
  EXPECT_EQ(s.EncodingName(), "intset");  // widened to 4 bytes, still an intset
  EXPECT_TRUE(s.Contains("-100000"));
  EXPECT_FALSE(s.Contains("-100001"));
  EXPECT_FALSE(s.Contains("abc"));
  EXPECT_TRUE(s.Add("99999999999", kDefault));  // 513th member
  EXPECT_EQ(s.EncodingName(), "hashtable");
  EXPECT_EQ(s.size(), 513u);
  EXPECT_TRUE(s.Contains("-100000"));

  SetObj small("7", 1, kDefault);
  small.Add("7", kDefault);
  small.Add("x", kDefault);
  EXPECT_EQ(small.encoding(), SetObj::Encoding::kListpack);
  EXPECT_EQ(small.EncodingName(), "hashtable");  // Redis 7.0 has no listpack sets
  EXPECT_TRUE(small.Contains("7"));
  EXPECT_TRUE(small.Remove("7"));
  EXPECT_FALSE(small.Contains("7"));
  for (int i = 0; i < 127; ++i) small.Add("m" + std::to_string(i), kDefault);
  EXPECT_EQ(small.size(), 128u);
  EXPECT_EQ(small.encoding(), SetObj::Encoding::kListpack);
  small.Add("one-more", kDefault);
  EXPECT_EQ(small.encoding(), SetObj::Encoding::kHashtable);

  SetObj long_member("a", 1, kDefault);
  long_member.Add(std::string(65, 'x'), kDefault);
  EXPECT_EQ(long_member.encoding(), SetObj::Encoding::kHashtable);
  SetObj many("a", 200, kDefault);
  EXPECT_EQ(many.encoding(), SetObj::Encoding::kHashtable);
}

TEST(SetObjTest, ScanSurvivesGrowth) {
  SetObj s("a", 200, SetLimits{});
  for (int i = 0; i < 1000; ++i) s.Add("e" + std::to_string(i), SetLimits{});
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int round = 0;
  do {
    cursor = s.Scan(cursor, 10, [&](std::string m) { seen.insert(std::move(m)); });
    // Grow the table while scanning: originals must all still be reported.
    if (++round % 3 == 0) {
      for (int j = 0; j < 200; ++j)
        s.Add("n" + std::to_string(round) + "_" + std::to_string(j), SetLimits{});
    }
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.count("e" + std::to_string(i))) << i;
}

TEST(SetObjTest, PopRandomDrains) {
  for (const char* first : {"1", "a"}) {
    SetObj s(first, 1, SetLimits{});
    for (int i = 0; i < 50; ++i) s.Add(std::string(first) + std::to_string(i), SetLimits{});
    std::set<std::string> popped;
    while (s.size() > 0) popped.insert(s.PopRandom(&Counter));
    EXPECT_EQ(popped.size(), 50u);
  }
}

TEST_F(SetFamilyTest, AddRemCard) {
  EXPECT_EQ(Run({"SADD", "s", "a", "b", "a"}).integer, 2);
  EXPECT_EQ(Run({"SADD", "s", "c"}).integer, 1);
  EXPECT_EQ(Run({"SCARD", "s"}).integer, 3);
  EXPECT_EQ(Run({"SCARD", "nokey"}).integer, 0);
  EXPECT_EQ(Members("s"), (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Run({"SREM", "s", "a", "zz"}).integer, 1);
  EXPECT_EQ(Run({"SISMEMBER", "s", "b"}).integer, 1);
  EXPECT_EQ(Run({"SISMEMBER", "s", "a"}).integer, 0);
  Run({"SMISMEMBER", "s", "a", "b", "c"});
  EXPECT_EQ(client_->last_raw(), "*3\r\n:0\r\n:1\r\n:1\r\n");
  EXPECT_EQ(Run({"SREM", "s", "b", "c"}).integer, 2);
  EXPECT_EQ(Run({"EXISTS", "s"}).integer, 0);  // empty set deleted
  Run({"SMEMBERS", "s"});
  EXPECT_EQ(client_->last_raw(), "*0\r\n");
}

TEST_F(SetFamilyTest, WrongType) {
  Run({"SET", "str", "v"});
  const std::string wrong =
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
  for (std::vector<std::string> cmd :
       std::vector<std::vector<std::string>>{{"SADD", "str", "a"},
                                             {"SREM", "str", "a"},
                                             {"SCARD", "str"},
                                             {"SMEMBERS", "str"},
                                             {"SISMEMBER", "str", "a"},
                                             {"SMISMEMBER", "str", "a"},
                                             {"SPOP", "str"},
                                             {"SPOP", "str", "0"},
                                             {"SRANDMEMBER", "str", "2"},
                                             {"SSCAN", "str", "0"}}) {
    Run(cmd);
    EXPECT_EQ(client_->last_raw(), wrong) << cmd[0];
  }
}

TEST_F(SetFamilyTest, PopAndRandom) {
  for (int i = 0; i < 20; ++i) Run({"SADD", "s", std::to_string(i)});
  Run({"SPOP", "s", "-1"});
  EXPECT_EQ(client_->last_raw(), "-ERR value is out of range, must be positive\r\n");
  Run({"SPOP", "s", "0"});
  EXPECT_EQ(client_->last_raw(), "*0\r\n");
  EXPECT_EQ(Run({"SPOP", "s", "5"}).elems.size(), 5u);
  EXPECT_EQ(Run({"SCARD", "s"}).integer, 15);
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "-40"}).elems.size(), 40u);
  RespValue distinct = Run({"SRANDMEMBER", "s", "10"});
  std::set<std::string> uniq;
  for (auto& e : distinct.elems) uniq.insert(e.str);
  EXPECT_EQ(uniq.size(), 10u);
  EXPECT_EQ(Run({"SRANDMEMBER", "s", "100"}).elems.size(), 15u);
  EXPECT_EQ(Run({"SPOP", "s", "100"}).elems.size(), 15u);
  EXPECT_EQ(Run({"EXISTS", "s"}).integer, 0);
  Run({"SPOP", "s"});
  EXPECT_EQ(client_->last_raw(), "$-1\r\n");
  Run({"SRANDMEMBER", "s"});
  EXPECT_EQ(client_->last_raw(), "$-1\r\n");
}

TEST_F(SetFamilyTest, Scan) {
  for (int i = 0; i < 300; ++i) Run({"SADD", "s", "k" + std::to_string(i)});
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    RespValue v = Run({"SSCAN", "s", cursor, "MATCH", "k1*", "COUNT", "7"});
    ASSERT_EQ(v.elems.size(), 2u) << ToDebugString(v);
    cursor = v.elems[0].str;
    for (auto& e : v.elems[1].elems) seen.insert(e.str);
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 111u);  // k1, k10-k19, k100-k199
  Run({"SSCAN", "s", "0", "COUNT", "0"});
  EXPECT_EQ(client_->last_raw(), "-ERR syntax error\r\n");
  Run({"SSCAN", "nokey", "0", "COUNT", "0"});
  EXPECT_EQ(client_->last_raw(), "*2\r\n$1\r\n0\r\n*0\r\n");
  Run({"SSCAN", "s", "x"});
  EXPECT_EQ(client_->last_raw(), "-ERR invalid cursor\r\n");
}

TEST(GlobTest, RedisRules) {
  EXPECT_FALSE(glob::Match("*", ""));  // as stringmatchlen(); SCAN skips a lone "*" anyway
  EXPECT_TRUE(glob::Match("a*", "a"));
  EXPECT_TRUE(glob::Match("h?llo", "hello"));
  EXPECT_TRUE(glob::Match("h*llo", "heeeello"));
  EXPECT_TRUE(glob::Match("h[ae]llo", "hallo"));
  EXPECT_FALSE(glob::Match("h[^e]llo", "hello"));
  EXPECT_TRUE(glob::Match("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(glob::Match("h[b-a]llo", "hbllo"));
  EXPECT_TRUE(glob::Match("h\\*llo", "h*llo"));
  EXPECT_FALSE(glob::Match("h\\*llo", "hello"));
  EXPECT_FALSE(glob::Match("a*b", "acbd"));
}

// --- multi-key commands, over keys on both shards ---

std::set<std::string> Elems(const RespValue& v) {
  std::set<std::string> out;
  for (const RespValue& e : v.elems) out.insert(e.str);
  return out;
}

TEST_F(SetFamilyTest, AlgebraAcrossShards) {
  for (int i = 0; i < 6; ++i) {
    std::string a = "a" + std::to_string(i), b = "b" + std::to_string(i),
                c = "c" + std::to_string(i), d = "d" + std::to_string(i);
    Run({"SADD", a, "1", "2", "3", "x"});
    Run({"SADD", b, "2", "3", "4", "x"});
    Run({"SADD", c, "3", "x", "y"});
    EXPECT_EQ(Elems(Run({"SINTER", a, b, c})), (std::set<std::string>{"3", "x"}));
    EXPECT_EQ(Elems(Run({"SUNION", a, b, c})),
              (std::set<std::string>{"1", "2", "3", "4", "x", "y"}));
    EXPECT_EQ(Elems(Run({"SDIFF", a, b, c})), (std::set<std::string>{"1"}));
    EXPECT_EQ(Elems(Run({"SDIFF", a, "nokey"})), Members(a));
    EXPECT_EQ(Run({"SINTER", a, "nokey"}).elems.size(), 0u);
    EXPECT_EQ(Run({"SINTERCARD", "3", a, b, c}).integer, 2);
    EXPECT_EQ(Run({"SINTERCARD", "2", a, b, "LIMIT", "2"}).integer, 2);
    EXPECT_EQ(Run({"SINTERCARD", "2", a, b, "LIMIT", "0"}).integer, 3);
    EXPECT_EQ(Run({"SINTERSTORE", d, a, b}).integer, 3);
    EXPECT_EQ(Members(d), (std::set<std::string>{"2", "3", "x"}));
    EXPECT_EQ(Run({"SUNIONSTORE", d, d, c}).integer, 4);
    EXPECT_EQ(Members(d), (std::set<std::string>{"2", "3", "x", "y"}));
    EXPECT_EQ(Run({"SDIFFSTORE", d, a, a}).integer, 0);
    EXPECT_EQ(Run({"EXISTS", d}).integer, 0);
    Run({"SET", d, "str"});
    EXPECT_EQ(Run({"SINTER", a, d}).type, RespType::kError);
    EXPECT_EQ(Run({"SINTER", "nokey", d}).type, RespType::kError);
    EXPECT_EQ(Run({"SUNIONSTORE", c, a, d}).type, RespType::kError);
    EXPECT_EQ(Members(c), (std::set<std::string>{"3", "x", "y"}));
    EXPECT_EQ(Run({"SUNIONSTORE", d, a}).integer, 4);  // overwrites another type
    EXPECT_EQ(Members(d), Members(a));
    Run({"DEL", a, b, c, d});
  }
}

TEST_F(SetFamilyTest, IntegerResultsReplyInOrder) {
  Run({"SADD", "p", "5", "3", "9", "1"});
  Run({"SADD", "q", "7", "2"});
  EXPECT_EQ((Run({"SUNION", "q", "p"}), client_->last_raw()),
            "*6\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n7\r\n$1\r\n9\r\n");
}

TEST_F(SetFamilyTest, SMove) {
  int cross = 0;
  for (int i = 0; i < 8; ++i) {
    std::string a = "from" + std::to_string(i), b = "to" + std::to_string(i);
    cross += service_->shards().ShardOf(a) != service_->shards().ShardOf(b);
    EXPECT_EQ(Run({"SMOVE", a, b, "m"}).integer, 0);
    Run({"SADD", a, "m", "n"});
    EXPECT_EQ(Run({"SMOVE", a, b, "zz"}).integer, 0);
    EXPECT_EQ(Run({"SMOVE", a, b, "m"}).integer, 1);
    EXPECT_EQ(Members(a), (std::set<std::string>{"n"}));
    EXPECT_EQ(Members(b), (std::set<std::string>{"m"}));
    EXPECT_EQ(Run({"SMOVE", a, a, "n"}).integer, 1);
    EXPECT_EQ(Run({"SMOVE", a, a, "m"}).integer, 0);
    EXPECT_EQ(Run({"SMOVE", a, b, "n"}).integer, 1);
    EXPECT_EQ(Run({"EXISTS", a}).integer, 0);  // emptied source is deleted
    EXPECT_EQ(Members(b), (std::set<std::string>{"m", "n"}));
    Run({"SET", a, "str"});
    EXPECT_EQ(Run({"SMOVE", a, b, "m"}).type, RespType::kError);
    EXPECT_EQ(Run({"SMOVE", b, a, "m"}).type, RespType::kError);
    EXPECT_EQ(Run({"SMOVE", "nokey", a, "m"}).integer, 0);
    EXPECT_EQ(Members(b), (std::set<std::string>{"m", "n"}));
    Run({"DEL", a, b});
  }
  EXPECT_GT(cross, 0);
}

TEST_F(SetFamilyTest, MultiKeyErrors) {
  EXPECT_EQ((Run({"SINTERCARD", "0", "a"}), client_->last_raw()),
            "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ((Run({"SINTERCARD", "3", "a", "b"}), client_->last_raw()),
            "-ERR Number of keys can't be greater than number of args\r\n");
  EXPECT_EQ((Run({"SINTERCARD", "1", "a", "LIMIT", "-1"}), client_->last_raw()),
            "-ERR LIMIT can't be negative\r\n");
  EXPECT_EQ((Run({"SINTERCARD", "1", "a", "LIMIT"}), client_->last_raw()), "-ERR syntax error\r\n");
}

}  // namespace
}  // namespace lw
