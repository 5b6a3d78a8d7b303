// Sorted-set commands through the in-process Service, and ZSetObj directly (including a
// 1M-member order-statistic check).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/set_family.h"
#include "server/families/string_family.h"
#include "server/families/zset_family.h"
#include "server/types/zset_obj.h"

namespace lw {
namespace {

class ZSetFamilyTest : public ServiceTest {
 protected:
  ZSetFamilyTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterZsetFamily}) {}
  std::string Raw(std::vector<std::string> cmd) {
    Run(std::move(cmd));
    return client_->last_raw();
  }
};

std::vector<std::string> Members(const ZSetObj& z, size_t start, size_t end, bool rev) {
  std::vector<std::string> out;
  z.Visit(start, end, rev, [&](std::string_view m, double) { out.emplace_back(m); });
  return out;
}

TEST(ZSetObjTest, ListpackToSkiplist) {
  ZSetObj z(1, 1, ZSetLimits{});
  EXPECT_EQ(z.EncodingName(), "listpack");
  for (int i = 0; i < 128; ++i) z.Insert("m" + std::to_string(i), 128 - i, ZSetLimits{});
  EXPECT_EQ(z.EncodingName(), "listpack");
  EXPECT_EQ(*z.Rank("m127"), 0u);
  z.Insert("x", 0.5, ZSetLimits{});
  EXPECT_EQ(z.EncodingName(), "skiplist");
  EXPECT_EQ(*z.Rank("x"), 0u);
  EXPECT_EQ(*z.Rank("m127"), 1u);
  EXPECT_EQ(*z.Score("m0"), 128);
  ZSetObj big_member(1, 1, ZSetLimits{});
  big_member.Insert(std::string(65, 'a'), 1, ZSetLimits{});
  EXPECT_EQ(big_member.EncodingName(), "skiplist");
  EXPECT_EQ(ZSetObj(129, 1, ZSetLimits{}).EncodingName(), "skiplist");
}

// Both encodings against a std::set model under random operations.
// The thresholds are the caller's (CONFIG SET zset-max-listpack-*), not constants.
TEST(ZSetObjTest, ConversionFollowsGivenLimits) {
  ZSetLimits limits{.max_listpack_entries = 2, .max_listpack_value = 4};
  ZSetObj z(1, 1, limits);
  z.Insert("a", 1, limits);
  z.Insert("b", 2, limits);
  EXPECT_EQ(z.EncodingName(), "listpack");
  z.Insert("c", 3, limits);
  EXPECT_EQ(z.EncodingName(), "skiplist");
  EXPECT_EQ(Members(z, 0, 3, false), (std::vector<std::string>{"a", "b", "c"}));
  ZSetObj long_member(1, 5, limits);
  EXPECT_EQ(long_member.EncodingName(), "skiplist");
  // A limit above the packed entries' 255-byte cap still sends longer members to skiplist.
  ZSetLimits roomy{.max_listpack_entries = 128, .max_listpack_value = 1000};
  ZSetObj packed(1, 255, roomy);
  packed.Insert(std::string(255, 'x'), 1, roomy);
  EXPECT_EQ(packed.EncodingName(), "listpack");
  packed.Insert(std::string(256, 'y'), 2, roomy);
  EXPECT_EQ(packed.EncodingName(), "skiplist");
  EXPECT_EQ(packed.size(), 2u);
}

TEST(ZSetObjTest, MatchesModel) {
  for (size_t hint : {size_t(1), size_t(1000)}) {
    ZSetObj z(hint, 1, ZSetLimits{});
    std::set<std::pair<double, std::string>> model;
    std::map<std::string, double> scores;
    std::mt19937_64 gen(hint);
    size_t limit = hint == 1 ? 100 : 3000;
    for (int step = 0; step < 20000; ++step) {
      std::string m = "k" + std::to_string(gen() % limit);
      double s = double(gen() % 50);
      auto it = scores.find(m);
      switch (gen() % 4) {
        case 0:
        case 1:
          if (it == scores.end()) {
            z.Insert(m, s, ZSetLimits{});
            scores[m] = s;
            model.insert({s, m});
          } else {
            z.UpdateScore(m, it->second, s);
            model.erase({it->second, m});
            model.insert({s, m});
            it->second = s;
          }
          break;
        case 2:
          EXPECT_EQ(z.Erase(m), it != scores.end());
          if (it != scores.end()) {
            model.erase({it->second, m});
            scores.erase(it);
          }
          break;
        case 3: {
          auto rank = z.Rank(m);
          ASSERT_EQ(rank.has_value(), it != scores.end());
          if (rank) {
            ASSERT_EQ(size_t(std::distance(model.begin(), model.find({it->second, m}))), *rank);
          }
          break;
        }
      }
      ASSERT_EQ(z.size(), model.size());
    }
    std::vector<std::string> expect;
    for (auto& [s, m] : model) expect.push_back(m);
    EXPECT_EQ(Members(z, 0, z.size(), false), expect);
    std::reverse(expect.begin(), expect.end());
    EXPECT_EQ(Members(z, 0, z.size(), true), expect);
    // Score 10 <= s < 20 as a rank span.
    size_t lo = z.CountBefore([](double s, std::string_view) { return s < 10; });
    size_t hi = z.CountBefore([](double s, std::string_view) { return s < 20; });
    size_t want = 0;
    for (auto& [s, m] : model) want += s >= 10 && s < 20;
    EXPECT_EQ(hi - lo, want);
    z.EraseRanks(lo, hi);
    EXPECT_EQ(z.size(), model.size() - want);
  }
}

// Leaderboard scale: 1M members, ranks checked at many points (no timing assertions).
TEST(ZSetObjTest, MillionMemberRanks) {
  constexpr size_t kN = 1'000'000;
  ZSetObj z(kN, 16, ZSetLimits{});
  // Scores are a permutation so the expected rank of member i is known: score(i) = perm[i].
  std::vector<uint32_t> perm(kN);
  for (size_t i = 0; i < kN; ++i) perm[i] = uint32_t(i);
  std::mt19937_64 gen(1);
  std::shuffle(perm.begin(), perm.end(), gen);
  for (size_t i = 0; i < kN; ++i) z.Insert("p" + std::to_string(i), perm[i], ZSetLimits{});
  ASSERT_EQ(z.size(), kN);
  EXPECT_EQ(z.EncodingName(), "skiplist");
  for (int probe = 0; probe < 2000; ++probe) {
    size_t i = gen() % kN;
    auto rank = z.Rank("p" + std::to_string(i));
    ASSERT_TRUE(rank.has_value());
    ASSERT_EQ(*rank, perm[i]);
    double score = -1;
    z.Visit(perm[i], perm[i] + 1, false, [&](std::string_view m, double s) {
      EXPECT_EQ(m, "p" + std::to_string(i));
      score = s;
    });
    ASSERT_EQ(score, perm[i]);
  }
  // Moving a member to the top shifts everyone above its old rank down by one.
  std::string m0 = "p0";
  size_t old_rank = perm[0];
  z.UpdateScore(m0, perm[0], 2e6);
  EXPECT_EQ(*z.Rank(m0), kN - 1);
  size_t above = std::find(perm.begin(), perm.end(), uint32_t(old_rank + 1)) - perm.begin();
  EXPECT_EQ(*z.Rank("p" + std::to_string(above)), old_rank);
  size_t below = 500000 - (old_rank < 500000 ? 1 : 0);  // p0 left the lower half, or not
  EXPECT_EQ(z.CountBefore([](double s, std::string_view) { return s < 500000; }), below);
}

TEST_F(ZSetFamilyTest, AddScoreRank) {
  EXPECT_EQ(Raw({"ZADD", "z", "1", "a", "2", "b", "3", "c"}), ":3\r\n");
  EXPECT_EQ(Raw({"ZADD", "z", "CH", "5", "a", "2", "b", "9", "d"}), ":2\r\n");
  EXPECT_EQ(Raw({"ZSCORE", "z", "a"}), "$1\r\n5\r\n");
  EXPECT_EQ(Raw({"ZSCORE", "z", "zz"}), "$-1\r\n");
  EXPECT_EQ(Raw({"ZRANK", "z", "a"}), ":2\r\n");
  EXPECT_EQ(Raw({"ZREVRANK", "z", "a"}), ":1\r\n");
  EXPECT_EQ(Raw({"ZRANK", "z", "zz"}), "$-1\r\n");
  EXPECT_EQ(Raw({"ZADD", "z", "XX", "NX", "1", "a"}),
            "-ERR XX and NX options at the same time are not compatible\r\n");
  EXPECT_EQ(Raw({"ZADD", "z", "GT", "LT", "1", "a"}),
            "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n");
  EXPECT_EQ(Raw({"ZADD", "z", "INCR", "1", "a", "2", "b"}),
            "-ERR INCR option supports a single increment-element pair\r\n");
  EXPECT_EQ(Raw({"ZADD", "z", "x", "a"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Raw({"ZADD", "z", "INCR", "1.5", "a"}), "$3\r\n6.5\r\n");
  EXPECT_EQ(Raw({"ZADD", "z", "GT", "INCR", "-1", "a"}), "$-1\r\n");
  EXPECT_EQ(Raw({"ZADD", "inf", "inf", "a"}), ":1\r\n");
  EXPECT_EQ(Raw({"ZINCRBY", "inf", "-inf", "a"}), "-ERR resulting score is not a number (NaN)\r\n");
  EXPECT_EQ(Raw({"ZMSCORE", "z", "a", "zz"}), "*2\r\n$3\r\n6.5\r\n$-1\r\n");
  EXPECT_EQ(Raw({"ZCARD", "z"}), ":4\r\n");
  EXPECT_EQ(Raw({"ZREM", "z", "a", "b", "c", "d"}), ":4\r\n");
  EXPECT_EQ(Raw({"EXISTS", "z"}), ":0\r\n");
}

TEST_F(ZSetFamilyTest, Ranges) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  EXPECT_EQ(Raw({"ZRANGE", "z", "1", "2"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(Raw({"ZRANGE", "z", "-2", "-1", "WITHSCORES"}),
            "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n");
  EXPECT_EQ(Raw({"ZREVRANGE", "z", "0", "1"}), "*2\r\n$1\r\ne\r\n$1\r\nd\r\n");
  EXPECT_EQ(Raw({"ZRANGE", "z", "(1", "4", "BYSCORE", "LIMIT", "1", "2"}),
            "*2\r\n$1\r\nc\r\n$1\r\nd\r\n");
  EXPECT_EQ(Raw({"ZRANGE", "z", "5", "(1", "BYSCORE", "REV", "LIMIT", "1", "2"}),
            "*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
  EXPECT_EQ(Raw({"ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"}), "*0\r\n");
  EXPECT_EQ(Raw({"ZCOUNT", "z", "(1", "3"}), ":2\r\n");
  EXPECT_EQ(Raw({"ZCOUNT", "z", "x", "3"}), "-ERR min or max is not a float\r\n");
  EXPECT_EQ(Raw({"ZRANGE", "z", "0", "-1", "LIMIT", "0", "2"}),
            "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
            "BYLEX\r\n");
  EXPECT_EQ(Raw({"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}),
            "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");
  EXPECT_EQ(Raw({"ZRANGEBYLEX", "z", "a", "c"}), "-ERR min or max not valid string range item\r\n");
  Run({"ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d"});
  EXPECT_EQ(Raw({"ZRANGEBYLEX", "lex", "(a", "[c"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(Raw({"ZREVRANGEBYLEX", "lex", "+", "(b"}), "*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
  EXPECT_EQ(Raw({"ZLEXCOUNT", "lex", "-", "+"}), ":4\r\n");
  EXPECT_EQ(Raw({"ZREMRANGEBYLEX", "lex", "[b", "[c"}), ":2\r\n");
  EXPECT_EQ(Raw({"ZREMRANGEBYRANK", "z", "0", "1"}), ":2\r\n");
  EXPECT_EQ(Raw({"ZREMRANGEBYSCORE", "z", "(3", "+inf"}), ":2\r\n");
  EXPECT_EQ(Raw({"ZRANGE", "z", "0", "-1"}), "*1\r\n$1\r\nc\r\n");
}

TEST_F(ZSetFamilyTest, PopRandScan) {
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(Raw({"ZPOPMIN", "z"}), "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(Raw({"ZPOPMAX", "z", "5"}), "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(Raw({"EXISTS", "z"}), ":0\r\n");
  EXPECT_EQ(Raw({"ZPOPMIN", "z", "-1"}), "-ERR value is out of range, must be positive\r\n");
  for (int i = 0; i < 300; ++i) Run({"ZADD", "big", std::to_string(i), "m" + std::to_string(i)});
  EXPECT_EQ(Run({"ZRANDMEMBER", "big", "-500"}).elems.size(), 500u);
  RespValue v = Run({"ZRANDMEMBER", "big", "50", "WITHSCORES"});
  EXPECT_EQ(v.elems.size(), 100u);
  std::set<std::string> uniq;
  for (size_t i = 0; i < v.elems.size(); i += 2) uniq.insert(v.elems[i].str);
  EXPECT_EQ(uniq.size(), 50u);
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    RespValue r = Run({"ZSCAN", "big", cursor, "MATCH", "m1*"});
    cursor = r.elems[0].str;
    for (size_t i = 0; i < r.elems[1].elems.size(); i += 2) {
      seen.insert(r.elems[1].elems[i].str);
      EXPECT_EQ(r.elems[1].elems[i].str, "m" + r.elems[1].elems[i + 1].str);
    }
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 111u);
}

TEST_F(ZSetFamilyTest, WrongType) {
  Run({"SET", "str", "v"});
  const std::string wrong =
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
  for (std::vector<std::string> cmd :
       std::vector<std::vector<std::string>>{{"ZADD", "str", "1", "a"},
                                             {"ZINCRBY", "str", "1", "a"},
                                             {"ZREM", "str", "a"},
                                             {"ZSCORE", "str", "a"},
                                             {"ZMSCORE", "str", "a"},
                                             {"ZCARD", "str"},
                                             {"ZCOUNT", "str", "0", "1"},
                                             {"ZLEXCOUNT", "str", "-", "+"},
                                             {"ZRANGE", "str", "0", "1"},
                                             {"ZRANK", "str", "a"},
                                             {"ZREMRANGEBYRANK", "str", "0", "1"},
                                             {"ZPOPMIN", "str", "0"},
                                             {"ZSCAN", "str", "0"},
                                             {"ZRANDMEMBER", "str", "0"}}) {
    EXPECT_EQ(Raw(cmd), wrong) << cmd[0];
  }
}

// --- multi-key commands, over keys on both shards ---

class ZSetMultiKeyTest : public ServiceTest {
 protected:
  ZSetMultiKeyTest()
      : ServiceTest(
            {RegisterGenericFamily, RegisterStringFamily, RegisterSetFamily, RegisterZsetFamily}) {}
  std::string Raw(std::vector<std::string> cmd) {
    Run(std::move(cmd));
    return client_->last_raw();
  }
  bool SameShard(const std::string& a, const std::string& b) {
    return service_->shards().ShardOf(a) == service_->shards().ShardOf(b);
  }
};

TEST_F(ZSetMultiKeyTest, UnionInterDiffStore) {
  int cross = 0;
  for (int i = 0; i < 8; ++i) {
    std::string a = "za" + std::to_string(i), b = "zb" + std::to_string(i),
                s = "s" + std::to_string(i), d = "zd" + std::to_string(i);
    cross += !SameShard(a, d) || !SameShard(b, d);
    Run({"ZADD", a, "1", "x", "2", "y", "3", "z"});
    Run({"ZADD", b, "10", "y", "20", "z", "30", "w"});
    Run({"SADD", s, "x", "y"});
    EXPECT_EQ(Raw({"ZUNION", "2", a, b, "WITHSCORES"}),
              "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n"
              "$1\r\nw\r\n$2\r\n30\r\n");
    EXPECT_EQ(Raw({"ZINTER", "3", a, b, s, "AGGREGATE", "MAX", "WITHSCORES"}),
              "*2\r\n$1\r\ny\r\n$2\r\n10\r\n");
    EXPECT_EQ(Raw({"ZINTER", "2", a, b, "WEIGHTS", "2", "0.5"}), "*2\r\n$1\r\ny\r\n$1\r\nz\r\n");
    EXPECT_EQ(Raw({"ZDIFF", "2", a, s, "WITHSCORES"}), "*2\r\n$1\r\nz\r\n$1\r\n3\r\n");
    EXPECT_EQ(Raw({"ZINTERCARD", "2", a, b}), ":2\r\n");
    EXPECT_EQ(Raw({"ZINTERCARD", "2", a, b, "LIMIT", "1"}), ":1\r\n");
    EXPECT_EQ(Raw({"ZUNIONSTORE", d, "2", a, b, "AGGREGATE", "MIN"}), ":4\r\n");
    EXPECT_EQ(Raw({"ZRANGE", d, "0", "-1", "WITHSCORES"}),
              "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n"
              "$1\r\nw\r\n$2\r\n30\r\n");
    EXPECT_EQ(Raw({"ZINTERSTORE", d, "2", d, s}), ":2\r\n");
    EXPECT_EQ(Raw({"ZRANGE", d, "0", "-1", "WITHSCORES"}),
              "*4\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n3\r\n");
    EXPECT_EQ(Raw({"ZDIFFSTORE", d, "2", a, a}), ":0\r\n");
    EXPECT_EQ(Raw({"EXISTS", d}), ":0\r\n");
    Run({"SET", d, "str"});
    EXPECT_EQ(Raw({"ZUNION", "2", a, d}),
              "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    // WRONGTYPE is reported before a bad option, as Redis does.
    EXPECT_EQ(Raw({"ZUNION", "1", d, "WEIGHTS", "x"}),
              "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT_EQ(Raw({"ZUNION", "1", a, "WEIGHTS", "x"}), "-ERR weight value is not a float\r\n");
    EXPECT_EQ(Raw({"ZUNIONSTORE", d, "1", a}), ":3\r\n");  // replaces the string
    Run({"DEL", a, b, s, d});
  }
  EXPECT_GT(cross, 0);
}

TEST_F(ZSetMultiKeyTest, RangeStoreAndMPop) {
  for (int i = 0; i < 8; ++i) {
    std::string src = "src" + std::to_string(i), dst = "dst" + std::to_string(i),
                other = "other" + std::to_string(i);
    Run({"ZADD", src, "1", "a", "2", "b", "3", "c"});
    EXPECT_EQ(Raw({"ZRANGESTORE", dst, src, "(1", "+inf", "BYSCORE"}), ":2\r\n");
    EXPECT_EQ(Raw({"ZRANGE", dst, "0", "-1"}), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
    EXPECT_EQ(Raw({"ZRANGESTORE", dst, "nokey", "0", "-1"}), ":0\r\n");
    EXPECT_EQ(Raw({"EXISTS", dst}), ":0\r\n");
    EXPECT_EQ(Raw({"ZRANGESTORE", dst, src, "0", "-1", "WITHSCORES"}), "-ERR syntax error\r\n");

    EXPECT_EQ(Raw({"ZMPOP", "2", "nokey", other, "MIN"}), "*-1\r\n");
    EXPECT_EQ(Raw({"ZMPOP", "2", other, src, "MAX", "COUNT", "2"}),
              "*2\r\n$" + std::to_string(src.size()) + "\r\n" + src +
                  "\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    Run({"SET", other, "x"});
    EXPECT_EQ(Raw({"ZMPOP", "2", other, src, "MIN"}),
              "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT_EQ(Raw({"ZMPOP", "2", src, other, "MIN", "COUNT", "9"}),
              "*2\r\n$" + std::to_string(src.size()) + "\r\n" + src +
                  "\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    EXPECT_EQ(Raw({"EXISTS", src}), ":0\r\n");
    Run({"DEL", other});
  }
}

}  // namespace
}  // namespace lw
