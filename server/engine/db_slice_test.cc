#include "server/engine/db_slice.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace lw {
namespace {

TEST(CompactObjTest, InlineHeapAndIntEncodings) {
  CompactObj small;
  small.SetString("short");
  EXPECT_EQ(small.Encoding(), "embstr");
  std::string scratch;
  EXPECT_EQ(small.GetSlice(&scratch), "short");

  CompactObj big;
  std::string long_value(100, 'v');
  big.SetString(long_value);
  EXPECT_EQ(big.GetSlice(&scratch), long_value);
  EXPECT_EQ(big.Encoding(), "raw");
  EXPECT_GE(big.MallocUsed(), 100u);

  CompactObj num;
  num.SetString("-12345");
  EXPECT_TRUE(num.IsInt());
  EXPECT_EQ(num.Encoding(), "int");
  EXPECT_EQ(num.GetSlice(&scratch), "-12345");
  EXPECT_EQ(num.StringSize(), 6u);

  CompactObj not_canonical;
  not_canonical.SetString("007");
  EXPECT_FALSE(not_canonical.IsInt());
  EXPECT_EQ(not_canonical.GetSlice(&scratch), "007");

  CompactObj key("12");  // keys are never int-encoded
  EXPECT_FALSE(key.IsInt());
  EXPECT_TRUE(key.EqualsKey("12"));
}

TEST(CompactObjTest, MetadataSurvivesOverwriteAndMove) {
  CompactObj v;
  v.SetString(std::string(40, 'a'));
  v.set_sticky(true);
  v.set_has_expire(true);
  v.SetString("x");
  EXPECT_TRUE(v.sticky());
  EXPECT_TRUE(v.has_expire());
  CompactObj moved(std::move(v));
  EXPECT_TRUE(moved.sticky());
  EXPECT_FALSE(v.sticky());
  std::string scratch;
  EXPECT_EQ(moved.GetSlice(&scratch), "x");
}

TEST(CompactObjTest, KeyAccessBitsLeaveTheKeyAlone) {
  std::string scratch;
  for (size_t len : {0, 1, 11, 12, 13, 14, 15, 40}) {
    std::string name(len, 'k');
    for (size_t i = 0; i < len; ++i) name[i] = char('a' + i % 26);
    CompactObj key = CompactObj::MakeKey(name);
    for (uint32_t bits : {0u, 1u, 0xabcdefu, 0xffffffu, 0x800000u, 0x0f0000u}) {
      key.set_access_bits(bits);
      EXPECT_EQ(key.access_bits(), bits) << len;
      EXPECT_EQ(key.GetSlice(&scratch), name) << len << " " << bits;
      EXPECT_TRUE(key.EqualsKey(name));
      EXPECT_EQ(key.StringSize(), len);
      EXPECT_FALSE(key.snapshot_mark());
      key.set_snapshot_mark(true);
      EXPECT_EQ(key.access_bits(), bits);
      key.set_snapshot_mark(false);
    }
    // Keys up to 12 bytes stay inline (no heap block).
    EXPECT_EQ(key.MallocUsed() == 0, len <= CompactObj::kKeyInlineLen) << len;
  }
}

TEST(DbSliceTest, LfuCounterAndLruClock) {
  std::atomic<int64_t> maxmemory{0}, policy{5}, factor{0}, decay{1};  // allkeys-lfu
  MemoryConfig mc;
  mc.maxmemory = &maxmemory;
  mc.policy = &policy;
  mc.lfu_log_factor = &factor;
  mc.lfu_decay_time = &decay;
  DbSlice slice(0);
  slice.SetMemoryConfig(mc);
  auto [it, inserted] = slice.AddOrFind(0, "k");
  EXPECT_EQ(slice.LfuCounter(it), 5u);  // LFU_INIT_VAL
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(slice.Find(0, "k").ok());
  EXPECT_EQ(slice.LfuCounter(*slice.Peek(0, "k")), 255u);  // factor 0: +1 per access, capped
  ASSERT_TRUE(slice.FindNoTouch(0, "k").ok());
  policy.store(4);  // allkeys-lru: the bits are a clock now
  ASSERT_TRUE(slice.Find(0, "k").ok());
  EXPECT_EQ(slice.IdleMs(*slice.Peek(0, "k")), 0);
}

TEST(DbSliceTest, AddFindDelAcrossDatabases) {
  DbSlice slice(0);
  auto [it, inserted] = slice.AddOrFind(0, "k");
  EXPECT_TRUE(inserted);
  it.value().SetString("v0");
  auto [it3, inserted3] = slice.AddOrFind(3, "k");
  EXPECT_TRUE(inserted3);
  it3.value().SetString("v3");
  std::string scratch;
  EXPECT_EQ(slice.Find(0, "k")->value().GetSlice(&scratch), "v0");
  EXPECT_EQ(slice.Find(3, "k")->value().GetSlice(&scratch), "v3");
  EXPECT_EQ(slice.Find(1, "k").status(), OpStatus::kKeyNotFound);
  EXPECT_EQ(slice.Find(0, "k", ObjType::kList).status(), OpStatus::kWrongType);
  EXPECT_TRUE(slice.Del(0, "k"));
  EXPECT_FALSE(slice.Del(0, "k"));
  EXPECT_EQ(slice.DbSize(0), 0u);
  EXPECT_EQ(slice.DbSize(3), 1u);
  EXPECT_EQ(slice.stats().keyspace_hits, 3u);
}

TEST(DbSliceTest, LazyAndActiveExpiry) {
  DbSlice slice(0);
  int64_t now = DbSlice::NowMs();
  for (int i = 0; i < 1000; ++i) {
    auto [it, _] = slice.AddOrFind(0, "key:" + std::to_string(i));
    it.value().SetString("v");
    // Even keys are already expired, odd ones live for an hour.
    slice.SetExpire(0, it, i % 2 == 0 ? now - 1 : now + 3600 * 1000);
  }
  EXPECT_EQ(slice.ExpireCount(0), 1000u);
  // Lazy: reading an expired key deletes it.
  EXPECT_FALSE(slice.Peek(0, "key:0"));
  EXPECT_EQ(slice.DbSize(0), 999u);
  auto live = slice.Find(0, "key:1");
  ASSERT_TRUE(live.ok());
  EXPECT_GT(slice.GetExpire(0, *live), now);
  // Active: bounded steps reclaim the rest.
  size_t total = 0;
  for (int round = 0; round < 100 && slice.DbSize(0) > 500; ++round) {
    total += slice.ActiveExpireStep(0, 50);
  }
  EXPECT_EQ(total, 499u);
  EXPECT_EQ(slice.DbSize(0), 500u);
  EXPECT_EQ(slice.ExpireCount(0), 500u);
  EXPECT_EQ(slice.stats().expired_keys, 500u);
  // RemoveExpire (PERSIST).
  auto it = *slice.Find(0, "key:1");
  EXPECT_TRUE(slice.RemoveExpire(0, it));
  EXPECT_EQ(slice.GetExpire(0, it), 0);
  EXPECT_EQ(slice.ExpireCount(0), 499u);
}

TEST(DbSliceTest, TraverseVisitsEveryKeyOnce) {
  DbSlice slice(0);
  for (int i = 0; i < 5000; ++i) slice.AddOrFind(0, "k" + std::to_string(i));
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = slice.Traverse(0, cursor, [&](DbSlice::Iterator it) {
      std::string s;
      it.key().GetString(&s);
      seen.insert(s);
    });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5000u);
}

}  // namespace
}  // namespace lw
