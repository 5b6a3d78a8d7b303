// Issue 8 in process: STICK/STICKY and SET ... STICK, maxmemory OOM replies (commands and
// scripts), and the cache-mode eviction policy (sticky and locked keys are never evicted).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "server/engine/db_slice.h"
#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/keys_family.h"
#include "server/families/sticky_family.h"
#include "server/families/string_family.h"
#include "server/scripting/scripting_family.h"
#include "transaction/transaction.h"

namespace lw {
namespace {

class StickyTest : public ServiceTest {
 protected:
  StickyTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterKeysFamily,
                     RegisterScriptingFamily, RegisterStickyFamily}) {}

  std::string Raw(std::vector<std::string> args) {
    Run(std::move(args));
    return client_->last_raw();
  }
};

TEST_F(StickyTest, StickMarksExistingKeysOnce) {
  EXPECT_EQ(Raw({"STICK", "missing"}), ":0\r\n");
  Raw({"SET", "a", "1"});
  Raw({"SET", "b", "2"});
  EXPECT_EQ(Raw({"STICK", "a", "b", "a", "missing"}), ":2\r\n");
  EXPECT_EQ(Raw({"STICK", "a"}), ":0\r\n");
  EXPECT_EQ(Raw({"STICKY", "a"}), ":1\r\n");
  EXPECT_EQ(Raw({"STICKY", "missing"}), ":0\r\n");
  Raw({"SET", "c", "3"});
  EXPECT_EQ(Raw({"STICKY", "c"}), ":0\r\n");
  EXPECT_EQ(Raw({"STICK"}), "-ERR wrong number of arguments for 'stick' command\r\n");
}

TEST_F(StickyTest, StickinessSurvivesOverwriteNotDelete) {
  Raw({"SET", "k", "v"});
  Raw({"STICK", "k"});
  EXPECT_EQ(Raw({"SET", "k", "other", "EX", "100"}), "+OK\r\n");
  EXPECT_EQ(Raw({"STICKY", "k"}), ":1\r\n");
  Raw({"APPEND", "k", "tail"});
  EXPECT_EQ(Raw({"STICKY", "k"}), ":1\r\n");
  EXPECT_EQ(Raw({"GET", "k"}), "$9\r\nothertail\r\n");
  Raw({"DEL", "k"});
  EXPECT_EQ(Raw({"STICKY", "k"}), ":0\r\n");
  Raw({"SET", "k", "fresh"});
  EXPECT_EQ(Raw({"STICKY", "k"}), ":0\r\n");
}

TEST_F(StickyTest, RenameKeepsStickinessCopyDoesNot) {
  // Keys chosen on both shards, so RENAME moves the cell across shards too.
  for (int i = 0; i < 8; ++i) {
    std::string src = "r" + std::to_string(i), dst = "d" + std::to_string(i);
    Raw({"SET", src, "v", "STICK"});
    EXPECT_EQ(Raw({"RENAME", src, dst}), "+OK\r\n");
    EXPECT_EQ(Raw({"STICKY", dst}), ":1\r\n") << dst;
    EXPECT_EQ(Raw({"RENAMENX", dst, src}), ":1\r\n");
    EXPECT_EQ(Raw({"STICKY", src}), ":1\r\n") << src;
    EXPECT_EQ(Raw({"COPY", src, "c" + std::to_string(i)}), ":1\r\n");
    EXPECT_EQ(Raw({"STICKY", "c" + std::to_string(i)}), ":0\r\n");
    EXPECT_EQ(Raw({"STICKY", src}), ":1\r\n");
  }
}

TEST_F(StickyTest, SetStickOption) {
  EXPECT_EQ(Raw({"SET", "s", "v", "STICK"}), "+OK\r\n");
  EXPECT_EQ(Raw({"STICKY", "s"}), ":1\r\n");
  EXPECT_EQ(Raw({"SET", "s2", "v", "NX", "stick", "PX", "100000"}), "+OK\r\n");
  EXPECT_EQ(Raw({"STICKY", "s2"}), ":1\r\n");
  // NX that does not write marks nothing.
  Raw({"SET", "s3", "v"});
  EXPECT_EQ(Raw({"SET", "s3", "w", "NX", "STICK"}), "$-1\r\n");
  EXPECT_EQ(Raw({"STICKY", "s3"}), ":0\r\n");
  EXPECT_EQ(Raw({"EVAL", "return redis.call('SET', KEYS[1], ARGV[1], 'STICK')", "1", "lua", "x"}),
            "+OK\r\n");
  EXPECT_EQ(Raw({"STICKY", "lua"}), ":1\r\n");
  EXPECT_EQ(Raw({"GET", "lua"}), "$1\r\nx\r\n");
}

TEST_F(StickyTest, OomWithoutCacheMode) {
  Raw({"SET", "keep", "v"});
  service_->runtime().maxmemory.store(1);  // any server is over one byte
  EXPECT_EQ(Raw({"SET", "new", "v"}),
            "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(Raw({"APPEND", "keep", "x"}),
            "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(Raw({"GET", "keep"}), "$1\r\nv\r\n");
  EXPECT_EQ(Raw({"EXISTS", "new"}), ":0\r\n");
  // Legacy script: runs, its write fails at the call.
  Run({"EVAL", "return redis.call('SET', KEYS[1], 'x')", "1", "new"});
  EXPECT_NE(client_->last_raw().find("-OOM command not allowed when used memory > 'maxmemory'."),
            std::string::npos)
      << client_->last_raw();
  // Declared flags without allow-oom/no-writes: refused up front.
  EXPECT_EQ(Raw({"EVAL", "#!lua\nreturn redis.call('GET', KEYS[1])", "1", "keep"}),
            "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
  EXPECT_EQ(Raw({"EVAL", "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])", "1", "keep"}),
            "$1\r\nv\r\n");
  EXPECT_EQ(Raw({"EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "keep"}), "$1\r\nv\r\n");
  EXPECT_EQ(
      Raw({"EVAL", "#!lua flags=allow-oom\nreturn redis.call('SET', KEYS[1], 'y')", "1", "oomok"}),
      "+OK\r\n");
  EXPECT_EQ(Raw({"DEL", "oomok"}), ":1\r\n");
  EXPECT_EQ(Raw({"EXISTS", "new"}), ":0\r\n");
  service_->runtime().maxmemory.store(0);
  EXPECT_EQ(Raw({"SET", "new", "v"}), "+OK\r\n");
}

// A DbSlice whose shard is always over a one-byte budget in cache mode: every insert must
// evict (or fail), so the policy's choices are visible.
struct OverBudget {
  std::atomic<int64_t> maxmemory{0};
  std::atomic<int64_t> policy{4};  // allkeys-lru
  std::atomic<bool> cannot_evict{false};
  MemoryConfig Config() {
    MemoryConfig mc;
    mc.maxmemory = &maxmemory;
    mc.policy = &policy;
    mc.cannot_evict = &cannot_evict;
    mc.memory_probe = [] { return int64_t{1} << 40; };
    return mc;
  }
};

TEST(EvictionPolicyTest, EvictsOnlyUnpinnedAndFailsWhenAllSticky) {
  DbSlice slice(0);
  OverBudget ob;
  slice.SetMemoryConfig(ob.Config());
  // Limits off: fill with sticky keys.
  for (int i = 0; i < 2000; ++i) {
    auto [it, inserted] = slice.AddOrFind(0, "sticky:" + std::to_string(i));
    it.value().SetString("v" + std::to_string(i));
    it.value().set_sticky(true);
  }
  ob.maxmemory.store(1);
  auto res = slice.TryAddOrFind(0, "plain");
  EXPECT_EQ(res.status(), OpStatus::kOutOfMemory);
  EXPECT_TRUE(ob.cannot_evict.load());
  // The legacy path grows past the budget instead of failing.
  auto [it, inserted] = slice.AddOrFind(0, "forced");
  EXPECT_TRUE(inserted);
  it.value().SetString("f");
  // Non-sticky keys added with limits off; with the limit on each insert evicts one of them.
  ob.maxmemory.store(0);
  for (int i = 0; i < 3000; ++i) slice.AddOrFind(0, "old:" + std::to_string(i));
  ob.maxmemory.store(1);
  size_t before = slice.DbSize(0);
  for (int i = 0; i < 2000; ++i) {
    auto r = slice.TryAddOrFind(0, "new:" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << i;
  }
  // One eviction per insert from its hotspot; a hotspot of sticky keys only makes the insert
  // evict a few whole buckets elsewhere instead.
  EXPECT_LE(slice.DbSize(0), before);
  EXPECT_GE(slice.stats().evicted_keys, 2000u);
  for (int i = 0; i < 2000; ++i) {
    auto found = slice.Peek(0, "sticky:" + std::to_string(i));
    ASSERT_TRUE(found.has_value()) << i;
    std::string s;
    found->value().GetString(&s);
    EXPECT_EQ(s, "v" + std::to_string(i));
  }
}

TEST(EvictionPolicyTest, EvictedKeysLoseTheirExpiry) {
  DbSlice slice(0);
  OverBudget ob;
  slice.SetMemoryConfig(ob.Config());
  for (int i = 0; i < 500; ++i) {
    auto [it, inserted] = slice.AddOrFind(0, "e:" + std::to_string(i));
    slice.SetExpire(0, it, DbSlice::NowMs() + 1000000);
  }
  EXPECT_EQ(slice.ExpireCount(0), 500u);
  ob.maxmemory.store(1);
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(slice.TryAddOrFind(0, "n:" + std::to_string(i)).ok());
  EXPECT_GE(slice.stats().evicted_keys, 500u);
  // Every evicted key took its expire-table entry with it.
  size_t live = 0;
  for (int i = 0; i < 500; ++i) live += slice.Peek(0, "e:" + std::to_string(i)).has_value();
  EXPECT_LT(live, 500u);
  EXPECT_EQ(slice.ExpireCount(0), live);
}

TEST(EvictionPolicyTest, BackgroundStepEvictsUntilUnderBudget) {
  DbSlice slice(0);
  OverBudget ob;
  static std::atomic<int64_t> used{0};
  MemoryConfig mc = ob.Config();
  mc.memory_probe = [] { return used.load(); };
  slice.SetMemoryConfig(mc);
  for (int i = 0; i < 1000; ++i) slice.AddOrFind(0, "k:" + std::to_string(i));
  for (int i = 0; i < 100; ++i) {
    slice.Peek(0, "k:" + std::to_string(i))->value().set_sticky(true);
  }
  ob.maxmemory.store(1000);
  used.store(5000);
  // Over budget forever (the probe is fake): one step is bounded by its bucket count.
  size_t evicted = slice.EvictStep(8);
  EXPECT_GT(evicted, 0u);
  EXPECT_LT(evicted, 1000u);
  while (slice.EvictStep(64) > 0) {
  }
  EXPECT_EQ(slice.DbSize(0), 100u);  // only the sticky keys are left
  used.store(0);
  EXPECT_EQ(slice.EvictStep(64), 0u);
}

TEST_F(StickyTest, LockedKeysAreNeverEvicted) {
  // Keys of shard 0, held by a transaction while shard 0 inserts over budget.
  ShardSet& shards = service_->shards();
  std::vector<std::string> held;
  for (int i = 0; held.size() < 40; ++i) {
    std::string k = "held:" + std::to_string(i);
    if (shards.ShardOf(k) == 0) held.push_back(k);
  }
  for (const std::string& k : held) Raw({"SET", k, "v"});
  for (int i = 0; i < 200; ++i) Raw({"SET", "free:" + std::to_string(i), "v"});
  std::vector<std::string_view> views(held.begin(), held.end());
  // Static: shard 0 keeps pointing at it until the service stops.
  static OverBudget ob;
  size_t evicted = pool_.at(1)->AwaitFiber([&] {
    tx::Transaction t(shards.tx());
    t.InitByKeys(views, tx::LockMode::kExclusive);
    t.Schedule();
    size_t n = shards.Await(0, [&](Shard* shard) {
      DbSlice& slice = shard->db_slice;
      slice.SetMemoryConfig(ob.Config());
      ob.maxmemory.store(1);
      uint64_t before = slice.stats().evicted_keys;
      for (int i = 0; i < 3000; ++i) {
        if (!slice.TryAddOrFind(0, "fill:" + std::to_string(i)).ok()) break;
      }
      size_t n = slice.stats().evicted_keys - before;
      for (const std::string& k : held) {
        EXPECT_TRUE(slice.Peek(0, k).has_value()) << k;
      }
      ob.maxmemory.store(0);
      return n;
    });
    t.Conclude();
    return n;
  });
  EXPECT_GT(evicted, 0u);
  for (const std::string& k : held) EXPECT_EQ(Raw({"EXISTS", k}), ":1\r\n") << k;
}

}  // namespace
}  // namespace lw
