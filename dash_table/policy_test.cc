// Policy hooks: eviction under a segment budget, pinned entries, garbage collection before a
// split, bump-up, and the bucket-change hook with versions driving a simulated snapshot.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "dash_table/dash_table.h"

namespace lw {
namespace {

// Cache mode: at most `max_segments` segments; evicts the coldest unpinned candidate.
struct CachePolicy : DefaultDashPolicy {
  size_t max_segments = 4;
  bool pin_even = false;
  std::vector<uint64_t>* evicted = nullptr;

  template <typename Table>
  bool CanGrow(const Table& t) const {
    return t.segment_count() < max_segments;
  }
  template <typename Table>
  unsigned Evict(Table& t, const typename Table::Hotspot& h) {
    return t.EvictColdest(h, 1, [&](auto it) { evicted->push_back(it.key()); });
  }
  template <typename It>
  bool IsPinned(It it) const {
    return pin_even && it.key() % 2 == 0;
  }
};
using CacheTable = DashTable<uint64_t, uint64_t, CachePolicy>;

TEST(PolicyTest, EvictionCapsSegmentCount) {
  std::vector<uint64_t> evicted;
  CacheTable table(CachePolicy{.max_segments = 4, .evicted = &evicted});
  absl::flat_hash_set<uint64_t> live;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200'000; ++i) {
    uint64_t k = rng();
    ASSERT_TRUE(table.Insert(k, k).second);
    live.insert(k);
  }
  for (uint64_t k : evicted) live.erase(k);
  EXPECT_EQ(table.segment_count(), 4u);
  EXPECT_EQ(table.size(), live.size());
  EXPECT_EQ(table.size() + evicted.size(), 200'000u);
  EXPECT_GT(table.load_factor(), 0.9);
  EXPECT_TRUE(table.MetadataConsistent());  // eviction empties stash slots: masks follow
  for (uint64_t k : live) ASSERT_FALSE(table.Find(k).IsEnd());
  for (uint64_t k : evicted) ASSERT_TRUE(table.Find(k).IsEnd());
}

TEST(PolicyTest, PinnedEntriesAreNeverEvicted) {
  std::vector<uint64_t> evicted;
  CacheTable table(CachePolicy{.max_segments = 2, .pin_even = true, .evicted = &evicted});
  std::vector<uint64_t> pinned;
  std::mt19937_64 rng(2);
  int failed = 0;
  for (int i = 0; i < 100'000; ++i) {
    uint64_t k = rng();
    auto [it, inserted] = table.Insert(k, k);
    if (!inserted) {
      ASSERT_TRUE(it.IsEnd());  // full of pinned candidates: the insert fails cleanly
      ++failed;
      continue;
    }
    if (k % 2 == 0) pinned.push_back(k);
  }
  EXPECT_FALSE(evicted.empty());
  for (uint64_t k : evicted) ASSERT_EQ(k % 2, 1u) << "evicted a pinned key";
  for (uint64_t k : pinned) ASSERT_FALSE(table.Find(k).IsEnd());
  EXPECT_GT(failed, 0) << "the pinned half should eventually fill the table";
  EXPECT_EQ(table.segment_count(), 2u);
}

// Entries with an odd value count as expired; the collector erases them before any split.
struct ExpiringPolicy : DefaultDashPolicy {
  size_t* collected = nullptr;
  template <typename Table>
  unsigned GarbageCollect(Table& t, const typename Table::Hotspot& h) {
    unsigned n = 0;
    h.ForEachCandidate([&](auto it) {
      if (it.value() % 2 == 1) {
        t.Erase(it);
        ++n;
      }
    });
    *collected += n;
    return n;
  }
};

TEST(PolicyTest, GarbageCollectionRunsBeforeSplit) {
  size_t collected = 0;
  DashTable<uint64_t, uint64_t, ExpiringPolicy> table(ExpiringPolicy{.collected = &collected});
  std::mt19937_64 rng(3);
  std::vector<uint64_t> valid;
  for (int i = 0; i < 50'000; ++i) {
    uint64_t k = rng();
    bool expired = i % 50 != 0;  // 2 % stay valid
    ASSERT_TRUE(table.Insert(k, expired ? 1 : 2).second);
    if (!expired) valid.push_back(k);
  }
  EXPECT_GT(collected, 40'000u);
  EXPECT_LE(table.segment_count(), 2u) << "expired entries should be reclaimed, not grown over";
  for (uint64_t k : valid) ASSERT_FALSE(table.Find(k).IsEnd());
  EXPECT_EQ(table.size() + collected, 50'000u);
}

TEST(PolicyTest, BumpUpMovesTowardTheHotEnd) {
  DashTable<uint64_t, uint64_t> table;
  // Fill one segment nearly full (93 %) so the stash holds entries.
  std::vector<uint64_t> keys;
  for (uint64_t k = 0; table.size() < table.kSegmentCapacity * 93 / 100; ++k) {
    table.InsertNew(k, k);
    keys.push_back(k);
  }
  ASSERT_EQ(table.segment_count(), 1u);
  int stash_moves = 0, slot_moves = 0;
  for (uint64_t k : keys) {
    auto it = table.Find(k);
    ASSERT_FALSE(it.IsEnd());
    auto before = table.BucketOf(it);
    unsigned bucket = it.bucket_id(), slot = it.slot_id();
    bool was_stash = it.in_stash();
    auto moved = table.BumpUp(it);
    ASSERT_EQ(moved.key(), k);
    ASSERT_TRUE(table.BucketOf(moved) == before) << "bump-up left the logical bucket";
    if (was_stash) {
      EXPECT_FALSE(moved.in_stash());
      ++stash_moves;
    } else if (slot > 0) {
      EXPECT_EQ(moved.bucket_id(), bucket);
      EXPECT_EQ(moved.slot_id(), slot - 1);
      ++slot_moves;
    }
  }
  EXPECT_GT(stash_moves, 0);
  EXPECT_GT(slot_moves, 0);
  for (uint64_t k : keys) ASSERT_EQ(table.Find(k).value(), k);
}

struct FindBumpsPolicy : DefaultDashPolicy {
  static constexpr bool kBumpUpOnFind = true;
};

TEST(PolicyTest, FindBumpsWhenPolicyAsks) {
  DashTable<uint64_t, uint64_t, FindBumpsPolicy> table;
  for (uint64_t k = 0; k < 800; ++k) table.InsertNew(k, k);
  for (uint64_t k = 0; k < 800; ++k) {
    auto it = table.Find(k);
    if (!it.in_stash() && it.slot_id() > 0) {
      unsigned slot = it.slot_id();
      EXPECT_EQ(table.Find(k).slot_id(), slot - 1);
      return;
    }
  }
  FAIL() << "no entry off slot 0";
}

// Simulates a point-in-time snapshot: versions mark serialised logical buckets, and the
// change hook serialises a bucket before an insert or erase alters it.
struct SnapshotPolicy : DefaultDashPolicy {
  uint32_t snapshot_version = 0;  // 0 = no snapshot running
  absl::flat_hash_map<uint64_t, int>* out = nullptr;

  template <typename Table>
  void Serialise(Table& t, typename Table::BucketRef b) {
    if (t.BucketVersion(b) >= snapshot_version) return;
    t.ForEachInBucket(b, [&](auto it) { ++(*out)[it.key()]; });
    t.SetBucketVersion(b, snapshot_version);
  }
  template <typename Table>
  void OnBucketChange(Table& t, typename Table::BucketRef b) {
    if (snapshot_version != 0) Serialise(t, b);
  }
};

TEST(PolicyTest, BucketVersionsGiveConsistentSnapshot) {
  absl::flat_hash_map<uint64_t, int> serialised;
  DashTable<uint64_t, uint64_t, SnapshotPolicy> table(SnapshotPolicy{.out = &serialised});
  std::mt19937_64 rng(4);
  std::vector<uint64_t> keys;
  for (int i = 0; i < 20'000; ++i) {
    uint64_t k = rng();
    table.InsertNew(k, k);
    keys.push_back(k);
  }
  absl::flat_hash_set<uint64_t> at_start(keys.begin(), keys.end());
  const size_t start_segments = table.segment_count();
  table.policy().snapshot_version = 1;
  uint64_t cursor = 0;
  do {
    cursor = table.TraverseBuckets(cursor, [&](auto b) { table.policy().Serialise(table, b); });
    for (int j = 0; j < 20; ++j) {  // concurrent writes: inserts (splits) and erases
      uint64_t k = rng();
      table.InsertNew(k, k);
      keys.push_back(k);
      if (j % 2) continue;  // net growth, so segments split during the snapshot
      size_t i = rng() % keys.size();
      table.Erase(keys[i]);
      keys[i] = keys.back();
      keys.pop_back();
    }
  } while (cursor != 0);
  EXPECT_GT(table.segment_count(), start_segments) << "the snapshot should race splits";
  ASSERT_EQ(serialised.size(), at_start.size());
  for (const auto& [k, n] : serialised) {
    ASSERT_TRUE(at_start.contains(k)) << "snapshot holds a later key";
    ASSERT_EQ(n, 1) << "snapshot holds a key twice";
  }
}

struct Recorder : DefaultDashPolicy {
  int calls = 0;
  template <typename Table>
  void OnBucketChange(Table&, typename Table::BucketRef) {
    ++calls;
  }
};

TEST(PolicyTest, ChangeHookSeesInsertAndEraseBuckets) {
  DashTable<uint64_t, uint64_t, Recorder> table;
  table.Insert(1, 1);
  table.Insert(1, 2);  // present: no change
  EXPECT_EQ(table.policy().calls, 1);
  table.Erase(1);
  EXPECT_EQ(table.policy().calls, 2);
}

}  // namespace
}  // namespace lw
