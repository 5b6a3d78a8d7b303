#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/hash_family.h"
#include "server/families/string_family.h"
#include "server/types/hash_obj.h"

namespace lw {
namespace {

class HashFamilyTest : public ServiceTest {
 protected:
  HashFamilyTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterHashFamily}) {}

  std::string Raw(std::vector<std::string> args) {
    Run(std::move(args));
    return client_->last_raw();
  }
};

TEST_F(HashFamilyTest, SetGetDel) {
  EXPECT_EQ(Raw({"HSET", "h", "a", "1", "b", "2"}), ":2\r\n");
  EXPECT_EQ(Raw({"HSET", "h", "a", "10", "c", "3"}), ":1\r\n");
  EXPECT_EQ(Raw({"HSET", "h", "a"}), "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(Raw({"HMSET", "h", "d", "4", "e"}),
            "-ERR wrong number of arguments for 'hmset' command\r\n");
  EXPECT_EQ(Raw({"HMSET", "h", "d", "4"}), "+OK\r\n");
  EXPECT_EQ(Raw({"HSETNX", "h", "d", "5"}), ":0\r\n");
  EXPECT_EQ(Raw({"HSETNX", "h", "e", "5"}), ":1\r\n");
  EXPECT_EQ(Raw({"HGET", "h", "a"}), "$2\r\n10\r\n");
  EXPECT_EQ(Raw({"HGET", "h", "zz"}), "$-1\r\n");
  EXPECT_EQ(Raw({"HMGET", "h", "a", "zz", "b"}), "*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n2\r\n");
  EXPECT_EQ(Raw({"HMGET", "nokey", "a"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(Raw({"HLEN", "h"}), ":5\r\n");
  EXPECT_EQ(Raw({"HSTRLEN", "h", "a"}), ":2\r\n");
  EXPECT_EQ(Raw({"HEXISTS", "h", "a"}), ":1\r\n");
  EXPECT_EQ(Raw({"HEXISTS", "h", "zz"}), ":0\r\n");
  EXPECT_EQ(Raw({"HKEYS", "h"}), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
  EXPECT_EQ(Raw({"HGETALL", "h"}).substr(0, 16), "*10\r\n$1\r\na\r\n$2\r\n");
  EXPECT_EQ(Raw({"HDEL", "h", "a", "b", "zz"}), ":2\r\n");
  EXPECT_EQ(Raw({"HDEL", "h", "c", "d", "e"}), ":3\r\n");
  EXPECT_EQ(Raw({"EXISTS", "h"}), ":0\r\n");
  EXPECT_EQ(Raw({"HGETALL", "h"}), "*0\r\n");
}

TEST_F(HashFamilyTest, WrongType) {
  Run({"SET", "s", "v"});
  for (auto cmd : std::vector<std::vector<std::string>>{{"HSET", "s", "a", "1"},
                                                        {"HSETNX", "s", "a", "1"},
                                                        {"HGET", "s", "a"},
                                                        {"HMGET", "s", "a"},
                                                        {"HDEL", "s", "a"},
                                                        {"HLEN", "s"},
                                                        {"HSTRLEN", "s", "a"},
                                                        {"HEXISTS", "s", "a"},
                                                        {"HGETALL", "s"},
                                                        {"HKEYS", "s"},
                                                        {"HVALS", "s"},
                                                        {"HINCRBY", "s", "a", "1"},
                                                        {"HINCRBYFLOAT", "s", "a", "1"},
                                                        {"HSCAN", "s", "0"},
                                                        {"HRANDFIELD", "s"},
                                                        {"HRANDFIELD", "s", "2"}}) {
    EXPECT_EQ(Raw(cmd), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
        << cmd[0];
  }
}

TEST_F(HashFamilyTest, Incr) {
  EXPECT_EQ(Raw({"HINCRBY", "h", "n", "5"}), ":5\r\n");
  EXPECT_EQ(Raw({"HINCRBY", "h", "n", "-7"}), ":-2\r\n");
  EXPECT_EQ(Raw({"HINCRBY", "h", "n", "x"}), "-ERR value is not an integer or out of range\r\n");
  Run({"HSET", "h", "s", "abc", "big", "9223372036854775807"});
  EXPECT_EQ(Raw({"HINCRBY", "h", "s", "1"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(Raw({"HINCRBY", "h", "big", "1"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(Raw({"HINCRBYFLOAT", "h", "f", "10.5"}), "$4\r\n10.5\r\n");
  EXPECT_EQ(Raw({"HINCRBYFLOAT", "h", "f", "0.1"}), "$4\r\n10.6\r\n");
  EXPECT_EQ(Raw({"HINCRBYFLOAT", "h", "f", "-10.6"}), "$1\r\n0\r\n");
  EXPECT_EQ(Raw({"HINCRBYFLOAT", "h", "f", "5.0e3"}), "$4\r\n5000\r\n");
  EXPECT_EQ(Raw({"HINCRBYFLOAT", "h", "s", "1"}), "-ERR hash value is not a float\r\n");
  EXPECT_EQ(Raw({"HINCRBYFLOAT", "h", "f", "x"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Raw({"HINCRBYFLOAT", "h", "f", "inf"}), "-ERR value is NaN or Infinity\r\n");
}

TEST_F(HashFamilyTest, ScanAndRandom) {
  for (int i = 0; i < 20; ++i) Run({"HSET", "small", "f" + std::to_string(i), "v"});
  RespValue r = Run({"HSCAN", "small", "0", "MATCH", "f1*"});
  ASSERT_EQ(r.elems.size(), 2u);
  EXPECT_EQ(r.elems[0].str, "0");
  EXPECT_EQ(r.elems[1].elems.size(), 22u);  // f1, f10..f19 with values
  EXPECT_EQ(Raw({"HSCAN", "nokey", "0", "BOGUS"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Raw({"HSCAN", "small", "0", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"HSCAN", "small", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"HSCAN", "small", "x"}), "-ERR invalid cursor\r\n");

  for (int i = 0; i < 1000; ++i) Run({"HSET", "big", "f" + std::to_string(i), "v"});
  std::set<std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    RespValue page = Run({"HSCAN", "big", cursor, "COUNT", "20"});
    cursor = page.elems[0].str;
    for (size_t i = 0; i < page.elems[1].elems.size(); i += 2) {
      seen.insert(page.elems[1].elems[i].str);
    }
    ++rounds;
  } while (cursor != "0" && rounds < 10000);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_GT(rounds, 1);

  EXPECT_EQ(Raw({"HRANDFIELD", "nokey"}), "$-1\r\n");
  EXPECT_EQ(Raw({"HRANDFIELD", "nokey", "3"}), "*0\r\n");
  EXPECT_EQ(Raw({"HRANDFIELD", "small", "0"}), "*0\r\n");
  EXPECT_EQ(Run({"HRANDFIELD", "small", "5"}).elems.size(), 5u);
  EXPECT_EQ(Run({"HRANDFIELD", "small", "-50"}).elems.size(), 50u);
  EXPECT_EQ(Run({"HRANDFIELD", "small", "100", "WITHVALUES"}).elems.size(), 40u);
  EXPECT_EQ(Raw({"HRANDFIELD", "small", "1", "BOGUS"}), "-ERR syntax error\r\n");
  RespValue uniq = Run({"HRANDFIELD", "big", "300"});
  std::set<std::string> distinct;
  for (const RespValue& e : uniq.elems) distinct.insert(e.str);
  EXPECT_EQ(distinct.size(), 300u);
}

// The container against a std::map model, across the listpack -> hashtable conversion.
TEST(HashObjTest, MatchesModel) {
  HashObj hash;
  const HashLimits kDefault;  // Redis's: 128 entries, 64-byte values
  std::map<std::string, std::string> model;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 20000; ++step) {
    std::string f = "f" + std::to_string(rng() % 300);
    std::string v = std::to_string(rng());
    if (rng() % 200 == 0) v = std::string(100, 'x');
    if (rng() % 3) {
      ASSERT_EQ(hash.Set(f, v, kDefault), model.count(f) == 0);
      model[f] = v;
    } else {
      ASSERT_EQ(hash.Del(f), model.erase(f) == 1);
    }
    ASSERT_EQ(hash.size(), model.size());
    if (step % 101 == 0) {
      std::map<std::string, std::string> all;
      hash.ForEach([&](std::string_view a, std::string_view b) { all.emplace(a, b); });
      ASSERT_EQ(all, model);
      for (auto& [k, val] : model) ASSERT_EQ(hash.Get(k).value(), val);
    }
  }
  EXPECT_EQ(hash.Encoding(), "hashtable");
  HashObj small;
  for (int i = 0; i < 128; ++i) small.Set(std::to_string(i), "v", kDefault);
  EXPECT_EQ(small.Encoding(), "listpack");
  small.Set("128", "v", kDefault);
  EXPECT_EQ(small.Encoding(), "hashtable");
}

// The thresholds are the caller's (CONFIG SET hash-max-listpack-*), not constants.
TEST(HashObjTest, ConversionFollowsGivenLimits) {
  HashLimits limits{.max_listpack_entries = 4, .max_listpack_value = 8};
  HashObj by_count;
  for (int i = 0; i < 4; ++i) by_count.Set(std::to_string(i), "v", limits);
  EXPECT_EQ(by_count.Encoding(), "listpack");
  by_count.Set("4", "v", limits);
  EXPECT_EQ(by_count.Encoding(), "hashtable");
  EXPECT_EQ(by_count.size(), 5u);
  HashObj by_length;
  by_length.Set("f", "12345678", limits);
  EXPECT_EQ(by_length.Encoding(), "listpack");
  by_length.Set("f", "123456789", limits);  // an overwrite too converts
  EXPECT_EQ(by_length.Encoding(), "hashtable");
  EXPECT_EQ(by_length.Get("f").value(), "123456789");
}

}  // namespace
}  // namespace lw
