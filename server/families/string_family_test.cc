// The string family through the in-process Service on 2 threads: replies are compared as raw
// RESP bytes, since byte equality with Redis is the bar.
#include <gtest/gtest.h>

#include <string>

#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/string_family.h"
#include "server/types/compact_object.h"
#include "server/types/list_obj.h"

namespace lw {
namespace {

class StringFamilyTest : public ServiceTest {
 protected:
  StringFamilyTest() : ServiceTest({RegisterGenericFamily, RegisterStringFamily}) {}

  // Runs a command and returns its raw reply.
  std::string Raw(std::vector<std::string> args) {
    Run(std::move(args));
    return client_->last_raw();
  }

  // The OBJECT ENCODING of a key's value, read directly on its shard.
  std::string EncodingOf(const std::string& key) {
    ShardSet& shards = service_->shards();
    return shards.Await(shards.ShardOf(key), [&](Shard* shard) {
      auto it = shard->db_slice.Find(0, key);
      return it.ok() ? std::string(it->value().Encoding()) : std::string("none");
    });
  }

  int64_t ExpireOf(const std::string& key) {
    ShardSet& shards = service_->shards();
    return shards.Await(shards.ShardOf(key), [&](Shard* shard) -> int64_t {
      auto it = shard->db_slice.Find(0, key);
      return it.ok() ? shard->db_slice.GetExpire(0, *it) : -2;
    });
  }
};

constexpr char kWrongType[] =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
constexpr char kNotInt[] = "-ERR value is not an integer or out of range\r\n";
constexpr char kSyntax[] = "-ERR syntax error\r\n";

TEST(CompactObjString, RawEncodingAndResize) {
  CompactObj v;
  v.SetString("123");
  EXPECT_EQ(v.Encoding(), "int");
  char* p = v.ResizeRawString(5);
  EXPECT_EQ(std::string(p, 5), std::string("123\0\0", 5));
  EXPECT_EQ(v.Encoding(), "raw");
  // Growing past the inline size and then in place within the block.
  for (int i = 0; i < 100; ++i) {
    size_t n = v.StringSize();
    char* q = v.ResizeRawString(n + 7);
    std::memcpy(q + n, "abcdefg", 7);
  }
  std::string s;
  v.GetString(&s);
  EXPECT_EQ(s.size(), 705u);
  EXPECT_EQ(s.substr(0, 12), std::string("123\0\0abcdefg", 12));
  EXPECT_EQ(s.substr(698), "abcdefg");
  EXPECT_EQ(v.Encoding(), "raw");
  v.SetString("short");
  EXPECT_EQ(v.Encoding(), "embstr");
  v.SetString(std::string(45, 'x'));
  EXPECT_EQ(v.Encoding(), "raw");
  v.SetString("12345678901234567890123");  // too long for an int
  EXPECT_EQ(v.Encoding(), "embstr");
  v.SetString("");
  EXPECT_EQ(v.Encoding(), "embstr");
}

TEST_F(StringFamilyTest, GetSetDelEx) {
  EXPECT_EQ(Raw({"GETSET", "k", "a"}), "$-1\r\n");
  EXPECT_EQ(Raw({"GETSET", "k", "b"}), "$1\r\na\r\n");
  EXPECT_EQ(Raw({"GETDEL", "k"}), "$1\r\nb\r\n");
  EXPECT_EQ(Raw({"GETDEL", "k"}), "$-1\r\n");
  EXPECT_EQ(Raw({"SETEX", "k", "100", "v"}), "+OK\r\n");
  EXPECT_GT(ExpireOf("k"), 0);
  EXPECT_EQ(Raw({"GETEX", "k", "PERSIST"}), "$1\r\nv\r\n");
  EXPECT_EQ(ExpireOf("k"), 0);
  EXPECT_EQ(Raw({"GETEX", "k", "PX", "50000"}), "$1\r\nv\r\n");
  EXPECT_GT(ExpireOf("k"), 0);
  EXPECT_EQ(Raw({"GETSET", "k", "w"}), "$1\r\nv\r\n");
  EXPECT_EQ(ExpireOf("k"), 0);  // GETSET clears the TTL
  EXPECT_EQ(Raw({"GETEX", "k", "EXAT", "1"}), "$1\r\nw\r\n");
  EXPECT_EQ(Raw({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Raw({"GETEX", "missing", "EX", "abc"}), "$-1\r\n");
  Run({"SET", "k", "v"});
  EXPECT_EQ(Raw({"GETEX", "k", "EX", "abc"}), kNotInt);
  EXPECT_EQ(Raw({"GETEX", "k", "EX", "0"}), "-ERR invalid expire time in 'getex' command\r\n");
  EXPECT_EQ(Raw({"GETEX", "k", "EX", "10", "PERSIST"}), kSyntax);
  EXPECT_EQ(Raw({"GETEX", "k", "KEEPTTL"}), kSyntax);
  EXPECT_EQ(Raw({"PSETEX", "k", "-1", "v"}), "-ERR invalid expire time in 'psetex' command\r\n");
  EXPECT_EQ(Raw({"SETNX", "k", "x"}), ":0\r\n");
  EXPECT_EQ(Raw({"SETNX", "k2", "x"}), ":1\r\n");
}

TEST_F(StringFamilyTest, SetOptionOrder) {
  // Syntax is checked before expire values; repeated expire options are fine.
  EXPECT_EQ(Raw({"SET", "k", "v", "EX", "abc", "BOGUS"}), kSyntax);
  EXPECT_EQ(Raw({"SET", "k", "v", "EX", "10", "EX", "20"}), "+OK\r\n");
  EXPECT_EQ(Raw({"SET", "k", "v", "EX", "10", "PX", "20"}), kSyntax);
  EXPECT_EQ(Raw({"SET", "k", "v", "NX", "GET"}), "$1\r\nv\r\n");
}

TEST_F(StringFamilyTest, AppendStrlenRanges) {
  EXPECT_EQ(Raw({"APPEND", "k", "12"}), ":2\r\n");
  EXPECT_EQ(EncodingOf("k"), "int");
  EXPECT_EQ(Raw({"APPEND", "k", "3"}), ":3\r\n");
  EXPECT_EQ(EncodingOf("k"), "raw");
  EXPECT_EQ(Raw({"STRLEN", "k"}), ":3\r\n");
  EXPECT_EQ(Raw({"STRLEN", "nokey"}), ":0\r\n");
  EXPECT_EQ(Raw({"INCR", "k"}), ":124\r\n");
  EXPECT_EQ(EncodingOf("k"), "int");
  EXPECT_EQ(Raw({"GETRANGE", "k", "1", "-1"}), "$2\r\n24\r\n");
  EXPECT_EQ(Raw({"SUBSTR", "k", "-1", "-2"}), "$0\r\n\r\n");
  EXPECT_EQ(Raw({"GETRANGE", "nokey", "0", "-1"}), "$0\r\n\r\n");
  EXPECT_EQ(Raw({"GETRANGE", "k", "a", "1"}), kNotInt);
  EXPECT_EQ(Raw({"SETRANGE", "k", "5", "xy"}), ":7\r\n");
  EXPECT_EQ(Raw({"GET", "k"}), std::string("$7\r\n124\0\0xy\r\n", 13));
  EXPECT_EQ(Raw({"SETRANGE", "k", "-1", "x"}), "-ERR offset is out of range\r\n");
  EXPECT_EQ(Raw({"SETRANGE", "k", "536870911", "xy"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
  EXPECT_EQ(Raw({"SETRANGE", "new", "0", ""}), ":0\r\n");
  EXPECT_EQ(Raw({"EXISTS", "new"}), ":0\r\n");
  EXPECT_EQ(Raw({"SETRANGE", "new", "2", "ab"}), ":4\r\n");
  EXPECT_EQ(EncodingOf("new"), "raw");
  std::string big(1000, 'z');
  for (int i = 0; i < 50; ++i) Run({"APPEND", "big", big});
  EXPECT_EQ(Raw({"STRLEN", "big"}), ":50000\r\n");
}

TEST_F(StringFamilyTest, Counters) {
  EXPECT_EQ(Raw({"INCR", "n"}), ":1\r\n");
  EXPECT_EQ(Raw({"INCRBY", "n", "-11"}), ":-10\r\n");
  EXPECT_EQ(Raw({"DECRBY", "n", "5"}), ":-15\r\n");
  EXPECT_EQ(Raw({"DECR", "n"}), ":-16\r\n");
  EXPECT_EQ(Raw({"DECRBY", "n", "-9223372036854775808"}), "-ERR decrement would overflow\r\n");
  Run({"SET", "n", "9223372036854775807"});
  EXPECT_EQ(Raw({"INCR", "n"}), "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(Raw({"INCRBY", "n", "x"}), kNotInt);
  Run({"SET", "s", "1.5"});
  EXPECT_EQ(Raw({"INCR", "s"}), kNotInt);
  Run({"SET", "f", "10.5"});
  EXPECT_EQ(Raw({"INCRBYFLOAT", "f", "0.1"}), "$4\r\n10.6\r\n");
  EXPECT_EQ(Raw({"INCRBYFLOAT", "f", "-0.6"}), "$2\r\n10\r\n");
  EXPECT_EQ(EncodingOf("f"), "embstr");
  EXPECT_EQ(Raw({"INCRBYFLOAT", "f", "inf"}), "-ERR increment would produce NaN or Infinity\r\n");
  EXPECT_EQ(Raw({"INCRBYFLOAT", "f", "abc"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Raw({"INCRBYFLOAT", "newf", "3.0e3"}), "$4\r\n3000\r\n");
  Run({"SETEX", "t", "100", "1"});
  Run({"INCR", "t"});
  EXPECT_GT(ExpireOf("t"), 0);  // counters keep the TTL
  Run({"DEL", "l"});
}

TEST_F(StringFamilyTest, Bits) {
  EXPECT_EQ(Raw({"SETBIT", "b", "7", "1"}), ":0\r\n");
  EXPECT_EQ(Raw({"SETBIT", "b", "7", "1"}), ":1\r\n");
  EXPECT_EQ(Raw({"GETBIT", "b", "7"}), ":1\r\n");
  EXPECT_EQ(Raw({"GETBIT", "b", "100"}), ":0\r\n");
  EXPECT_EQ(Raw({"GETBIT", "nokey", "1"}), ":0\r\n");
  EXPECT_EQ(Raw({"SETBIT", "b", "-1", "1"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(Raw({"SETBIT", "b", "4294967296", "1"}),
            "-ERR bit offset is not an integer or out of range\r\n");
  EXPECT_EQ(Raw({"SETBIT", "b", "1", "2"}), "-ERR bit is not an integer or out of range\r\n");
  Run({"SET", "s", "foobar"});
  EXPECT_EQ(Raw({"BITCOUNT", "s"}), ":26\r\n");
  EXPECT_EQ(Raw({"BITCOUNT", "s", "1", "1"}), ":6\r\n");
  EXPECT_EQ(Raw({"BITCOUNT", "s", "5", "30", "BIT"}), ":17\r\n");
  EXPECT_EQ(Raw({"BITCOUNT", "s", "1"}), kSyntax);
  EXPECT_EQ(Raw({"BITCOUNT", "nokey", "1"}), ":0\r\n");
  Run({"SET", "p", std::string("\xff\xf0\x00", 3)});
  EXPECT_EQ(Raw({"BITPOS", "p", "0"}), ":12\r\n");
  EXPECT_EQ(Raw({"BITPOS", "p", "1", "2", "-1", "BYTE"}), ":-1\r\n");
  EXPECT_EQ(Raw({"BITPOS", "p", "1", "7", "15", "BIT"}), ":7\r\n");
  EXPECT_EQ(Raw({"BITPOS", "nokey", "1"}), ":-1\r\n");
  EXPECT_EQ(Raw({"BITPOS", "nokey", "0"}), ":0\r\n");
  EXPECT_EQ(Raw({"BITPOS", "p", "2"}), "-ERR The bit argument must be 1 or 0.\r\n");
  Run({"SET", "full", "\xff\xff"});
  EXPECT_EQ(Raw({"BITPOS", "full", "0"}), ":16\r\n");
  EXPECT_EQ(Raw({"BITPOS", "full", "0", "0", "-1"}), ":-1\r\n");
}

TEST_F(StringFamilyTest, WrongType) {
  // No list command is registered here, so put a list value on the shard directly.
  ShardSet& shards = service_->shards();
  shards.Await(shards.ShardOf("l"), [&](Shard* shard) {
    auto* list = new ListObj();
    list->PushBack("x");
    shard->db_slice.AddOrFind(0, "l").first.value().SetRobj(ObjType::kList, list);
    return true;
  });
  for (auto cmd : std::vector<std::vector<std::string>>{{"GET", "l"},
                                                        {"GETEX", "l"},
                                                        {"GETDEL", "l"},
                                                        {"GETSET", "l", "v"},
                                                        {"APPEND", "l", "v"},
                                                        {"STRLEN", "l"},
                                                        {"GETRANGE", "l", "0", "1"},
                                                        {"SETRANGE", "l", "0", "v"},
                                                        {"INCR", "l"},
                                                        {"INCRBYFLOAT", "l", "x"},
                                                        {"SETBIT", "l", "0", "1"},
                                                        {"GETBIT", "l", "0"},
                                                        {"BITCOUNT", "l"},
                                                        {"BITPOS", "l", "1"},
                                                        {"SET", "l", "v", "GET"}}) {
    EXPECT_EQ(Raw(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(Raw({"SETNX", "l", "v"}), ":0\r\n");
  EXPECT_EQ(Raw({"MGET", "l", "nokey"}), "*2\r\n$-1\r\n$-1\r\n");
}

TEST_F(StringFamilyTest, MultiKeyAcrossShards) {
  std::vector<std::string> mset = {"MSET"}, mget = {"MGET"};
  for (int i = 0; i < 20; ++i) {
    mset.push_back("key:" + std::to_string(i));
    mset.push_back("v" + std::to_string(i));
    mget.push_back("key:" + std::to_string(i));
  }
  mget.push_back("missing");
  EXPECT_EQ(Raw(mset), "+OK\r\n");
  RespValue v = Run(mget);
  std::string expected = "*21\r\n";
  for (int i = 0; i < 20; ++i) {
    std::string s = "v" + std::to_string(i);
    expected += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
  }
  expected += "$-1\r\n";
  EXPECT_EQ(client_->last_raw(), expected);
  EXPECT_EQ(Raw({"MSET", "a", "1", "b"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(Raw({"MSETNX", "x", "1", "key:3", "2"}), ":0\r\n");
  EXPECT_EQ(Raw({"EXISTS", "x"}), ":0\r\n");
  EXPECT_EQ(Raw({"MSETNX", "x", "1", "y", "2"}), ":1\r\n");
  EXPECT_EQ(Raw({"MGET", "x", "y"}), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
}

}  // namespace
}  // namespace lw
