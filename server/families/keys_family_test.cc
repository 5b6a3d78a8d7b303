// The keys family through the in-process Service on 2 threads (so keys spread over 2 shards).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/hash_family.h"
#include "server/families/keys_family.h"
#include "server/families/list_family.h"
#include "server/families/set_family.h"
#include "server/families/string_family.h"
#include "server/families/zset_family.h"

namespace lw {
namespace {

class KeysFamilyTest : public ServiceTest {
 protected:
  KeysFamilyTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterKeysFamily}) {}

  std::string Raw(std::vector<std::string> args) {
    Run(std::move(args));
    return client_->last_raw();
  }

  // Full SCAN iteration; returns every key seen (duplicates collapse) and counts the calls.
  std::multiset<std::string> ScanAll(std::vector<std::string> extra, int* calls = nullptr) {
    std::multiset<std::string> seen;
    std::string cursor = "0";
    int n = 0;
    do {
      std::vector<std::string> args = {"SCAN", cursor};
      args.insert(args.end(), extra.begin(), extra.end());
      RespValue r = Run(args);
      EXPECT_EQ(r.type, RespType::kArray) << ToDebugString(r);
      if (r.type != RespType::kArray) break;
      cursor = r.elems[0].str;
      for (const RespValue& k : r.elems[1].elems) seen.insert(k.str);
      ++n;
    } while (cursor != "0" && n < 100000);
    if (calls) *calls = n;
    return seen;
  }

  void Fill(int n, const std::string& prefix = "k") {
    for (int i = 0; i < n; ++i) Run({"SET", prefix + std::to_string(i), "v"});
  }
};

TEST_F(KeysFamilyTest, TypeUnlinkTouch) {
  EXPECT_EQ(Raw({"TYPE", "nokey"}), "+none\r\n");
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"TYPE", "a"}), "+string\r\n");
  Fill(20);
  EXPECT_EQ(Raw({"TOUCH", "a", "k1", "k2", "nokey", "a"}), ":4\r\n");
  EXPECT_EQ(Raw({"UNLINK", "a", "k1", "k2", "k3", "nokey", "a"}), ":4\r\n");
  EXPECT_EQ(Raw({"EXISTS", "a", "k1", "k4"}), ":1\r\n");
  EXPECT_EQ(Raw({"UNLINK"}), "-ERR wrong number of arguments for 'unlink' command\r\n");
}

TEST_F(KeysFamilyTest, ExpireErrors) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"EXPIRE", "a", "10", "nx", "xx"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "10", "NX", "GT"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "10", "gt", "lt"}),
            "-ERR GT and LT options at the same time are not compatible\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "10", "foo"}), "-ERR Unsupported option foo\r\n");
  // Options are checked before the number.
  EXPECT_EQ(Raw({"EXPIRE", "a", "abc", "foo"}), "-ERR Unsupported option foo\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "abc"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "nokey", "1.5"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "9999999999999999"}),
            "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(Raw({"PEXPIRE", "a", "9223372036854775807"}),
            "-ERR invalid expire time in 'pexpire' command\r\n");
  EXPECT_EQ(Raw({"expireAT", "a", "-9223372036854775808"}),
            "-ERR invalid expire time in 'expireat' command\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a"}), "-ERR wrong number of arguments for 'expire' command\r\n");
  EXPECT_EQ(Raw({"TTL", "a"}), ":-1\r\n");
}

TEST_F(KeysFamilyTest, ExpireOptions) {
  EXPECT_EQ(Raw({"EXPIRE", "nokey", "10"}), ":0\r\n");
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"EXPIRE", "a", "100", "XX"}), ":0\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "100", "GT"}), ":0\r\n");  // no TTL counts as infinite
  EXPECT_EQ(Raw({"EXPIRE", "a", "100", "LT"}), ":1\r\n");
  EXPECT_EQ(Raw({"TTL", "a"}), ":100\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "200", "NX"}), ":0\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "50", "GT"}), ":0\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "200", "gt"}), ":1\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "300", "LT"}), ":0\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "150", "xx", "lt"}), ":1\r\n");
  EXPECT_EQ(Raw({"TTL", "a"}), ":150\r\n");
  EXPECT_EQ(Raw({"PERSIST", "a"}), ":1\r\n");
  EXPECT_EQ(Raw({"PERSIST", "a"}), ":0\r\n");
  EXPECT_EQ(Raw({"PERSIST", "nokey"}), ":0\r\n");
  EXPECT_EQ(Raw({"EXPIRE", "a", "10", "NX"}), ":1\r\n");
}

TEST_F(KeysFamilyTest, PastDeadlineDeletes) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"EXPIRE", "a", "-1"}), ":1\r\n");
  EXPECT_EQ(Raw({"EXISTS", "a"}), ":0\r\n");
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"EXPIRE", "a", "0", "LT"}), ":1\r\n");
  EXPECT_EQ(Raw({"EXISTS", "a"}), ":0\r\n");
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"PEXPIREAT", "a", "1"}), ":1\r\n");
  EXPECT_EQ(Raw({"EXISTS", "a"}), ":0\r\n");
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"EXPIREAT", "a", "1", "GT"}), ":0\r\n");  // GT fails first: nothing deleted
  EXPECT_EQ(Raw({"EXISTS", "a"}), ":1\r\n");
}

TEST_F(KeysFamilyTest, TtlFamily) {
  EXPECT_EQ(Raw({"TTL", "nokey"}), ":-2\r\n");
  EXPECT_EQ(Raw({"PTTL", "nokey"}), ":-2\r\n");
  EXPECT_EQ(Raw({"EXPIRETIME", "nokey"}), ":-2\r\n");
  EXPECT_EQ(Raw({"PEXPIRETIME", "nokey"}), ":-2\r\n");
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"PTTL", "a"}), ":-1\r\n");
  EXPECT_EQ(Raw({"EXPIRETIME", "a"}), ":-1\r\n");
  EXPECT_EQ(Raw({"PEXPIREAT", "a", "99999999999499"}), ":1\r\n");
  EXPECT_EQ(Raw({"EXPIRETIME", "a"}), ":99999999999\r\n");
  EXPECT_EQ(Raw({"PEXPIRETIME", "a"}), ":99999999999499\r\n");
  EXPECT_EQ(Raw({"PEXPIREAT", "a", "99999999999500"}), ":1\r\n");
  EXPECT_EQ(Raw({"EXPIRETIME", "a"}), ":100000000000\r\n");  // rounded like Redis
  EXPECT_EQ(Raw({"PEXPIRE", "a", "100000"}), ":1\r\n");
  RespValue pttl = Run({"PTTL", "a"});
  EXPECT_GT(pttl.integer, 90000);
  EXPECT_LE(pttl.integer, 100000);
  EXPECT_EQ(Raw({"TTL", "a"}), ":100\r\n");
  EXPECT_EQ(Raw({"PEXPIRE", "a", "1499"}), ":1\r\n");
  EXPECT_EQ(Raw({"TTL", "a"}), ":1\r\n");
}

TEST_F(KeysFamilyTest, LazyExpiry) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"PEXPIRE", "a", "30"}), ":1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(Raw({"TTL", "a"}), ":-2\r\n");
  EXPECT_EQ(Raw({"TYPE", "a"}), "+none\r\n");
}

TEST_F(KeysFamilyTest, ScanCoversEveryKeyOnBothShards) {
  Fill(1000);
  for (const char* count : {"1", "10", "97", "100000"}) {
    int calls = 0;
    std::multiset<std::string> seen = ScanAll({"COUNT", count}, &calls);
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), 1000u) << "COUNT " << count;
    if (std::string(count) == "100000") {
      EXPECT_EQ(calls, 1);
    }
    if (std::string(count) == "10") {
      EXPECT_GT(calls, 20);
    }
  }
  EXPECT_EQ(Raw({"DBSIZE"}), ":1000\r\n");
}

TEST_F(KeysFamilyTest, ScanCursorNamesTheShard) {
  Fill(200);
  // Cursor 1 = shard 1 from its start: only that shard's keys.
  std::set<std::string> shard1;
  std::string cursor = "1";
  do {
    RespValue r = Run({"SCAN", cursor, "COUNT", "1000"});
    cursor = r.elems[0].str;
    for (const RespValue& k : r.elems[1].elems) shard1.insert(k.str);
  } while (cursor != "0");
  EXPECT_GT(shard1.size(), 0u);
  EXPECT_LT(shard1.size(), 200u);
  // A cursor naming a shard that does not exist ends the scan.
  EXPECT_EQ(Raw({"SCAN", std::to_string((1 << kScanShardBits) - 1)}), "*2\r\n$1\r\n0\r\n*0\r\n");
}

TEST_F(KeysFamilyTest, ScanSurvivesInserts) {
  Fill(500, "old");
  std::set<std::string> seen;
  std::string cursor = "0";
  int added = 0;
  do {
    RespValue r = Run({"SCAN", cursor, "COUNT", "50"});
    cursor = r.elems[0].str;
    for (const RespValue& k : r.elems[1].elems) seen.insert(k.str);
    // Grow the table between calls (slower than the scan advances) so segments split mid-scan.
    for (int i = 0; i < 40; ++i) Run({"SET", "new" + std::to_string(added++), "v"});
  } while (cursor != "0" && added < 1000000);
  EXPECT_GT(added, 200);
  for (int i = 0; i < 500; ++i) EXPECT_TRUE(seen.count("old" + std::to_string(i))) << i;
}

TEST_F(KeysFamilyTest, ScanOptions) {
  Fill(50, "a");
  Fill(50, "b");
  std::multiset<std::string> seen = ScanAll({"MATCH", "a1*", "COUNT", "7"});
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), 11u);  // a1, a10..a19
  EXPECT_EQ(ScanAll({"TYPE", "string", "MATCH", "b?"}).size(), 10u);
  EXPECT_EQ(ScanAll({"TYPE", "STRING", "MATCH", "b?"}).size(), 10u);
  EXPECT_EQ(ScanAll({"TYPE", "list"}).size(), 0u);
  EXPECT_EQ(ScanAll({"TYPE", "nosuchtype"}).size(), 0u);
  EXPECT_EQ(Raw({"SCAN", "abc"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Raw({"SCAN", " 1"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Raw({"SCAN", "18446744073709551616"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Raw({"SCAN", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"SCAN", "0", "COUNT", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Raw({"SCAN", "0", "MATCH"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"SCAN", "0", "FOO", "bar"}), "-ERR syntax error\r\n");
}

TEST_F(KeysFamilyTest, KeysAndRandomKey) {
  EXPECT_EQ(Raw({"KEYS", "*"}), "*0\r\n");
  EXPECT_EQ(Raw({"RANDOMKEY"}), "$-1\r\n");
  Fill(30, "x");
  Run({"SET", "", "empty"});
  EXPECT_EQ(Run({"KEYS", "*"}).elems.size(), 31u);
  EXPECT_EQ(Run({"KEYS", "**"}).elems.size(), 30u);  // Redis: "**" does not match ""
  EXPECT_EQ(Run({"KEYS", ""}).elems.size(), 1u);
  EXPECT_EQ(Run({"KEYS", "x[12]"}).elems.size(), 2u);
  EXPECT_EQ(Run({"KEYS", "x2?"}).elems.size(), 10u);
  std::set<std::string> picked;
  for (int i = 0; i < 200; ++i) {
    RespValue r = Run({"RANDOMKEY"});
    ASSERT_EQ(r.type, RespType::kBulkString);
    picked.insert(r.str);
  }
  EXPECT_GT(picked.size(), 5u);
  Run({"FLUSHDB"});
  Run({"SET", "only", "1"});
  EXPECT_EQ(Raw({"RANDOMKEY"}), "$4\r\nonly\r\n");
}

TEST_F(KeysFamilyTest, SelectFlushDbSize) {
  Fill(10);
  EXPECT_EQ(Raw({"SELECT", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Raw({"SELECT", "-1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Raw({"SELECT", "abc"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Raw({"SELECT", "99999999999"}),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
  EXPECT_EQ(Raw({"SELECT", "3"}), "+OK\r\n");
  EXPECT_EQ(client_->context().db_index, 3);
  EXPECT_EQ(Raw({"DBSIZE"}), ":0\r\n");
  Fill(5);
  EXPECT_EQ(Raw({"DBSIZE"}), ":5\r\n");
  EXPECT_EQ(Raw({"FLUSHDB", "foo"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"FLUSHDB", "async", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"FLUSHDB", "ASYNC"}), "+OK\r\n");
  EXPECT_EQ(Raw({"DBSIZE"}), ":0\r\n");
  Run({"SELECT", "0"});
  EXPECT_EQ(Raw({"DBSIZE"}), ":10\r\n");
  Run({"SELECT", "5"});
  Fill(3);
  EXPECT_EQ(Raw({"FLUSHALL", "bar"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"FLUSHALL", "sync"}), "+OK\r\n");
  EXPECT_EQ(Raw({"DBSIZE"}), ":0\r\n");
  Run({"SELECT", "0"});
  EXPECT_EQ(Raw({"DBSIZE"}), ":0\r\n");
}

TEST_F(KeysFamilyTest, Object) {
  Run({"SET", "i", "123"});
  Run({"SET", "big", "10000"});
  Run({"SET", "s", "hello"});
  Run({"SET", "r", std::string(45, 'x')});
  EXPECT_EQ(Raw({"OBJECT", "ENCODING", "i"}), "$3\r\nint\r\n");
  EXPECT_EQ(Raw({"OBJECT", "encoding", "s"}), "$6\r\nembstr\r\n");
  EXPECT_EQ(Raw({"OBJECT", "ENCODING", "r"}), "$3\r\nraw\r\n");
  EXPECT_EQ(Raw({"OBJECT", "ENCODING", "nokey"}), "$-1\r\n");
  EXPECT_EQ(Raw({"OBJECT", "REFCOUNT", "i"}), ":2147483647\r\n");
  EXPECT_EQ(Raw({"OBJECT", "REFCOUNT", "big"}), ":1\r\n");
  EXPECT_EQ(Raw({"OBJECT", "REFCOUNT", "s"}), ":1\r\n");
  EXPECT_EQ(Raw({"OBJECT", "IDLETIME", "s"}), ":0\r\n");
  EXPECT_EQ(Raw({"OBJECT", "IDLETIME", "nokey"}), "$-1\r\n");
  EXPECT_EQ(Raw({"OBJECT", "FREQ", "nokey"}), "$-1\r\n");
  EXPECT_EQ(Raw({"OBJECT", "FREQ", "s"}),
            "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
            "note that when switching between policies at runtime LRU and LFU data will take "
            "some time to adjust.\r\n");
  EXPECT_EQ(Raw({"OBJECT", "foo", "s"}), "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n");
  EXPECT_EQ(Raw({"OBJECT", "ENCODING"}),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n");
  EXPECT_EQ(Raw({"OBJECT", "HELP", "x"}),
            "-ERR wrong number of arguments for 'object|help' command\r\n");
  EXPECT_EQ(Raw({"OBJECT"}), "-ERR wrong number of arguments for 'object' command\r\n");
  RespValue help = Run({"OBJECT", "HELP"});
  ASSERT_EQ(help.elems.size(), 15u);
  EXPECT_EQ(help.elems[0].str, "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
}

TEST_F(KeysFamilyTest, DebugPopulate) {
  Run({"SET", "key:1", "mine"});
  EXPECT_EQ(Raw({"DEBUG", "POPULATE", "1000"}), "+OK\r\n");
  EXPECT_EQ(Raw({"DBSIZE"}), ":1000\r\n");
  EXPECT_EQ(Raw({"GET", "key:1"}), "$4\r\nmine\r\n");  // existing keys are kept
  EXPECT_EQ(Raw({"GET", "key:999"}), "$9\r\nvalue:999\r\n");
  EXPECT_EQ(Raw({"DEBUG", "populate", "2", "p", "12"}), "+OK\r\n");
  EXPECT_EQ(Raw({"GET", "p:1"}), std::string("$12\r\nvalue:1\0\0\0\0\0\r\n", 19));
  EXPECT_EQ(Raw({"DEBUG", "POPULATE", "2", "q", "3"}), "+OK\r\n");
  EXPECT_EQ(Raw({"GET", "q:0"}), "$3\r\nval\r\n");
  EXPECT_EQ(Raw({"DEBUG", "POPULATE", "2", "r", "0"}), "+OK\r\n");
  EXPECT_EQ(Raw({"GET", "r:1"}), "$7\r\nvalue:1\r\n");
  EXPECT_EQ(Raw({"DEBUG", "POPULATE", "0"}), "+OK\r\n");
  EXPECT_EQ(Raw({"DBSIZE"}), ":1006\r\n");
  EXPECT_EQ(Raw({"DEBUG", "POPULATE", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(Raw({"DEBUG", "POPULATE", "abc"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(Raw({"DEBUG", "POPULATE", "3", "p", "-1"}),
            "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(Raw({"DEBUG", "POPULATE", "3", "p", "0", "x"}),
            "-ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG "
            "HELP.\r\n");
  EXPECT_EQ(Raw({"DEBUG", "foo"}),
            "-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.\r\n");
  EXPECT_EQ(Raw({"DEBUG"}), "-ERR wrong number of arguments for 'debug' command\r\n");
  // Keys are cut at 127 bytes, as Redis's snprintf into a 128-byte buffer does.
  std::string long_prefix(130, 'L');
  EXPECT_EQ(Raw({"DEBUG", "POPULATE", "1", long_prefix}), "+OK\r\n");
  EXPECT_EQ(Raw({"EXISTS", std::string(127, 'L')}), ":1\r\n");
}

TEST_F(KeysFamilyTest, DebugSleepBlocksOnlyItsClient) {
  // Both clients live on thread 0: the sleeper must not stop the other one.
  auto sleeper = NewClient(0);
  std::atomic<bool> woke{false};
  std::thread t([&] {
    EXPECT_EQ(ToDebugString(sleeper->Run({"DEBUG", "SLEEP", "1"})), "+OK");
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Raw({"PING"}), "+PONG\r\n");
  EXPECT_FALSE(woke.load());  // still asleep while thread 0 served PING
  t.join();
  EXPECT_TRUE(woke.load());
  EXPECT_EQ(Raw({"DEBUG", "SLEEP", "abc"}), "+OK\r\n");
  EXPECT_EQ(Raw({"DEBUG", "SLEEP", "0"}), "+OK\r\n");
}

// RENAME / RENAMENX / COPY with every container type, over key pairs on the same shard and on
// different shards.
class MoveKeysTest : public ServiceTest {
 protected:
  MoveKeysTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterKeysFamily,
                     RegisterListFamily, RegisterHashFamily, RegisterSetFamily,
                     RegisterZsetFamily}) {}

  std::string Raw(std::vector<std::string> args) {
    Run(std::move(args));
    return client_->last_raw();
  }
  bool SameShard(const std::string& a, const std::string& b) {
    return service_->shards().ShardOf(a) == service_->shards().ShardOf(b);
  }
};

TEST_F(MoveKeysTest, RenameAcrossAndWithinShards) {
  int same = 0, cross = 0;
  for (int i = 0; i < 12; ++i) {
    std::string src = "src" + std::to_string(i), dst = "dst" + std::to_string(i);
    (SameShard(src, dst) ? same : cross)++;
    EXPECT_EQ(Raw({"RENAME", src, dst}), "-ERR no such key\r\n");
    EXPECT_EQ(Raw({"RENAMENX", src, dst}), "-ERR no such key\r\n");
    Run({"SET", src, "value-of-" + src, "PX", "100000"});
    Run({"SET", dst, "old"});
    EXPECT_EQ(Raw({"RENAMENX", src, dst}), ":0\r\n");
    EXPECT_EQ(Raw({"RENAME", src, dst}), "+OK\r\n");
    EXPECT_EQ(Raw({"EXISTS", src}), ":0\r\n");
    EXPECT_EQ(Raw({"GET", dst}),
              "$" + std::to_string(9 + src.size()) + "\r\nvalue-of-" + src + "\r\n");
    RespValue ttl = Run({"PTTL", dst});
    EXPECT_GT(ttl.integer, 90000) << dst;
    EXPECT_EQ(Raw({"RENAMENX", dst, src}), ":1\r\n");
    EXPECT_GT(Run({"PTTL", src}).integer, 90000);
    EXPECT_EQ(Raw({"EXISTS", dst}), ":0\r\n");
    // Back without expiry: the destination's old deadline must not stick.
    Run({"PERSIST", src});
    Run({"SET", dst, "x", "EX", "100"});
    EXPECT_EQ(Raw({"RENAME", src, dst}), "+OK\r\n");
    EXPECT_EQ(Raw({"TTL", dst}), ":-1\r\n");
    Run({"DEL", dst});
  }
  EXPECT_GT(same, 0);
  EXPECT_GT(cross, 0);
}

TEST_F(MoveKeysTest, RenameSameKeyAndContainers) {
  EXPECT_EQ(Raw({"RENAME", "k", "k"}), "-ERR no such key\r\n");
  Run({"SET", "k", "v"});
  EXPECT_EQ(Raw({"RENAME", "k", "k"}), "+OK\r\n");
  EXPECT_EQ(Raw({"RENAMENX", "k", "k"}), ":0\r\n");
  EXPECT_EQ(Raw({"GET", "k"}), "$1\r\nv\r\n");
  for (int i = 0; i < 8; ++i) {
    std::string a = "z" + std::to_string(i), b = "w" + std::to_string(i);
    Run({"ZADD", a, "1", "x", "2", "y"});
    EXPECT_EQ(Raw({"RENAME", a, b}), "+OK\r\n");
    EXPECT_EQ(Raw({"ZRANGE", b, "0", "-1", "WITHSCORES"}),
              "*4\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n");
    EXPECT_EQ(Raw({"TYPE", a}), "+none\r\n");
  }
}

TEST_F(MoveKeysTest, CopyEveryType) {
  EXPECT_EQ(Raw({"COPY", "a", "a"}), "-ERR source and destination objects are the same\r\n");
  EXPECT_EQ(Raw({"COPY", "a", "b", "DB", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Raw({"COPY", "a", "b", "DB", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Raw({"COPY", "a", "b", "REPLACE", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"COPY", "a", "b", "DB"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"COPY", "nokey", "b"}), ":0\r\n");
  std::vector<std::string> big;
  for (int i = 0; i < 300; ++i) big.push_back("member-" + std::to_string(i));
  for (int i = 0; i < 10; ++i) {
    std::string n = std::to_string(i);
    std::vector<std::pair<std::string, std::vector<std::string>>> fills = {
        {"s" + n, {"SET", "s" + n, std::string(100, 'x')}},
        {"i" + n, {"SET", "i" + n, "12345"}},
        {"l" + n, {"RPUSH", "l" + n, "a", "b", "c"}},
        {"h" + n, {"HSET", "h" + n, "f", "v", "g", "w"}},
        {"t" + n, {"SADD", "t" + n, "1", "2", "3"}},
        {"u" + n, {"SADD", "u" + n, "x", "y"}},
        {"z" + n, {"ZADD", "z" + n, "1", "a", "2", "b"}},
    };
    std::vector<std::string> bl = {"RPUSH", "bl" + n}, bs = {"SADD", "bs" + n},
                             bh = {"HSET", "bh" + n}, bz = {"ZADD", "bz" + n};
    for (size_t j = 0; j < big.size(); ++j) {
      bl.push_back(big[j]);
      bs.push_back(big[j]);
      bh.push_back(big[j]);
      bh.push_back(big[j]);
      bz.push_back(std::to_string(j));
      bz.push_back(big[j]);
    }
    fills.push_back({"bl" + n, bl});
    fills.push_back({"bs" + n, bs});
    fills.push_back({"bh" + n, bh});
    fills.push_back({"bz" + n, bz});
    for (auto& [key, cmd] : fills) {
      Run(cmd);
      std::string dst = key + "-copy";
      EXPECT_EQ(Raw({"COPY", key, dst}), ":1\r\n") << key;
      EXPECT_EQ(Raw({"COPY", key, dst}), ":0\r\n") << key;
      EXPECT_EQ(Raw({"COPY", key, dst, "REPLACE"}), ":1\r\n") << key;
      EXPECT_EQ(Raw({"OBJECT", "ENCODING", dst}), Raw({"OBJECT", "ENCODING", key})) << key;
      EXPECT_EQ(Raw({"TYPE", dst}), Raw({"TYPE", key}));
      std::string type = Run({"TYPE", key}).str;
      std::vector<std::string> dump;
      if (type == "string") dump = {"GET"};
      if (type == "list") dump = {"LRANGE", "", "0", "-1"};
      if (type == "hash") dump = {"HGETALL"};
      if (type == "set") dump = {"SMEMBERS"};
      if (type == "zset") dump = {"ZRANGE", "", "0", "-1", "WITHSCORES"};
      auto with_key = [&](const std::string& k) {
        std::vector<std::string> c = dump;
        if (c.size() == 1)
          c.push_back(k);
        else
          c[1] = k;
        return c;
      };
      // Hash tables may list their elements in another order: compare sorted contents.
      auto contents = [&](const std::string& k) {
        RespValue r = Run(with_key(k));
        std::vector<std::string> out;
        if (r.type != RespType::kArray && r.type != RespType::kSet)
          return std::vector<std::string>{r.str};
        size_t step = type == "hash" ? 2 : 1;
        for (size_t j = 0; j + step <= r.elems.size(); j += step) {
          out.push_back(r.elems[j].str + (step == 2 ? "=" + r.elems[j + 1].str : ""));
        }
        if (type == "set" || type == "hash") std::sort(out.begin(), out.end());
        return out;
      };
      std::vector<std::string> before = contents(key);
      EXPECT_TRUE(contents(dst) == before) << key;
      // The copy is independent of the original.
      Run({"DEL", key});
      EXPECT_TRUE(contents(dst) == before) << key;
      // Into another database.
      EXPECT_EQ(Raw({"COPY", dst, dst, "DB", "3"}), ":1\r\n");
      Run({"SELECT", "3"});
      EXPECT_TRUE(contents(dst) == before) << key;
      Run({"DEL", dst});
      Run({"SELECT", "0"});
    }
  }
}

TEST_F(MoveKeysTest, CopyKeepsExpiryNotStickiness) {
  for (int i = 0; i < 8; ++i) {
    std::string a = "ca" + std::to_string(i), b = "cb" + std::to_string(i);
    Run({"SET", a, "v", "EX", "1000"});
    EXPECT_EQ(Raw({"COPY", a, b}), ":1\r\n");
    EXPECT_GT(Run({"TTL", b}).integer, 990);
    Run({"PERSIST", a});
    EXPECT_EQ(Raw({"COPY", a, b, "REPLACE"}), ":1\r\n");
    EXPECT_EQ(Raw({"TTL", b}), ":-1\r\n");
  }
  // The sticky bit: moved by RENAME, dropped by COPY (checked on the cells directly).
  ShardSet& shards = service_->shards();
  auto set_sticky = [&](const std::string& key) {
    shards.Await(shards.ShardOf(key), [&](Shard* s) {
      s->db_slice.Peek(0, key)->value().set_sticky(true);
      return true;
    });
  };
  auto sticky = [&](const std::string& key) {
    return shards.Await(shards.ShardOf(key), [&](Shard* s) {
      auto it = s->db_slice.Peek(0, key);
      return it && it->value().sticky();
    });
  };
  for (int i = 0; i < 8; ++i) {
    std::string a = "sa" + std::to_string(i), b = "sb" + std::to_string(i),
                c = "sc" + std::to_string(i);
    Run({"SADD", a, "m"});
    set_sticky(a);
    EXPECT_EQ(Raw({"COPY", a, c}), ":1\r\n");
    EXPECT_FALSE(sticky(c));
    EXPECT_EQ(Raw({"RENAME", a, b}), "+OK\r\n");
    EXPECT_TRUE(sticky(b)) << b;
  }
}

}  // namespace
}  // namespace lw
