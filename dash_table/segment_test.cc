// Segment-level tests: utilisation of one segment before it reports full, split correctness
// (every item lands in exactly one half, on the side its hash bit says), and table-level
// splits that keep every key reachable.
#include "dash_table/segment.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "base/hash.h"
#include "dash_table/dash_table.h"

namespace lw {
namespace {

using dash_internal::kHomeBuckets;
using dash_internal::kRegularBuckets;
using Seg = dash_internal::Segment<uint64_t, uint64_t>;

// Same derivation as DashTable's; the segment itself only sees home and fingerprint.
unsigned HomeOf(uint64_t h) { return unsigned(h >> 8) % kHomeBuckets; }
uint8_t FpOf(uint64_t h) { return dash_internal::FingerprintOf(h); }

// Inserts random keys until the segment has no room; returns the keys inserted.
std::vector<uint64_t> FillUntilFull(Seg& seg, std::mt19937_64& rng) {
  std::vector<uint64_t> keys;
  while (true) {
    uint64_t key = rng();
    uint64_t h = HashU64(key);
    auto pos = seg.PrepareInsert(HomeOf(h));
    if (!pos.found()) return keys;
    seg.Occupy(pos, HomeOf(h), FpOf(h), key, key * 3);
    keys.push_back(key);
  }
}

bool Contains(const Seg& seg, uint64_t key) {
  uint64_t h = HashU64(key);
  return seg.Find(HomeOf(h), FpOf(h), [&](uint64_t k) { return k == key; }).found();
}

TEST(SegmentTest, UtilisationBeforeFull) {
  std::mt19937_64 rng(1);
  constexpr int kRuns = 200;
  double sum = 0, min = 1;
  for (int run = 0; run < kRuns; ++run) {
    Seg seg(0);
    auto keys = FillUntilFull(seg, rng);
    ASSERT_EQ(seg.size(), keys.size());
    for (uint64_t k : keys) ASSERT_TRUE(Contains(seg, k));
    double u = double(keys.size()) / Seg::kCapacity;
    sum += u;
    min = std::min(min, u);
  }
  double mean = sum / kRuns;
  std::printf("segment utilisation when full: mean %.1f %%, min %.1f %% of %u slots\n", 100 * mean,
              100 * min, Seg::kCapacity);
  ::testing::Test::RecordProperty("utilisation_mean_pct", int(1000 * mean));
  EXPECT_GT(mean, 0.80);
}

TEST(SegmentTest, SplitPutsEveryItemInExactlyOneHalf) {
  std::mt19937_64 rng(2);
  for (int run = 0; run < 20; ++run) {
    unsigned depth = run % 5;
    Seg left(depth), right(depth + 1);
    auto keys = FillUntilFull(left, rng);
    // Give the items distinct bucket versions to see them carried over.
    for (unsigned b = 0; b < kHomeBuckets; ++b) left.set_version(b, 100 + b);
    unsigned bit = 63 - depth;
    left.SplitInto(
        &right, [](uint64_t k) { return HashU64(k); }, bit);
    EXPECT_EQ(left.size() + right.size(), keys.size());
    for (uint64_t k : keys) {
      bool goes_right = (HashU64(k) >> bit) & 1;
      ASSERT_EQ(Contains(left, k), !goes_right);
      ASSERT_EQ(Contains(right, k), goes_right);
    }
    for (unsigned b = 0; b < kHomeBuckets; ++b) EXPECT_EQ(right.version(b), 100 + b);
    // Both halves accept new items again, and the stash masks stay exact.
    EXPECT_TRUE(left.PrepareInsert(0).found());
    EXPECT_TRUE(right.PrepareInsert(0).found());
    for (unsigned h = 0; h < kHomeBuckets; ++h) {
      for (const Seg* s : {&left, &right}) {
        uint8_t expected = 0;
        for (unsigned sb = 0; sb < dash_internal::kStashBuckets; ++sb) {
          unsigned b = kRegularBuckets + sb;
          for (uint32_t m = s->meta(b).busy(); m; m &= m - 1) {
            if (s->HomeOf(b, std::countr_zero(m)) == h) expected |= 1 << sb;
          }
        }
        ASSERT_EQ(s->stash_mask(h), expected);
      }
    }
  }
}

// The stash mask of each home bucket must stay exact (MetadataConsistent) after any mix of
// inserts into a full-ish segment (stash in use), erases (stash emptied), bump-ups out of the
// stash and swaps with the home bucket, and splits.
TEST(SegmentTest, StashMasksTrackTheStash) {
  std::mt19937_64 rng(5);
  for (int run = 0; run < 20; ++run) {
    Seg seg(0);
    auto keys = FillUntilFull(seg, rng);
    ASSERT_TRUE(seg.MetadataConsistent());
    size_t stashed_homes = 0;
    for (unsigned h = 0; h < kHomeBuckets; ++h) stashed_homes += seg.stash_mask(h) != 0;
    ASSERT_GT(stashed_homes, 0u);
    for (int op = 0; op < 3000; ++op) {
      uint64_t r = rng() % 10;
      if (r < 4 && !keys.empty()) {  // erase a random key
        size_t j = rng() % keys.size();
        uint64_t h = HashU64(keys[j]);
        auto p = seg.Find(HomeOf(h), FpOf(h), [&](uint64_t k) { return k == keys[j]; });
        ASSERT_TRUE(p.found());
        // FindSlot() (the table's lookup path) finds the same item, in the stash too.
        auto* slot = seg.FindSlot(h, [&](uint64_t k) { return k == keys[j]; });
        ASSERT_EQ(slot, &seg.At(p));
        ASSERT_EQ(seg.PosOf(slot).index, p.index);
        seg.Vacate(p);
        keys[j] = keys.back();
        keys.pop_back();
      } else if (r < 7) {  // bump a random key (often out of the stash)
        if (keys.empty()) continue;
        uint64_t key = keys[rng() % keys.size()];
        uint64_t h = HashU64(key);
        auto p = seg.Find(HomeOf(h), FpOf(h), [&](uint64_t k) { return k == key; });
        ASSERT_TRUE(p.found());
        seg.BumpUp(p);
      } else {  // insert, if there is room
        uint64_t key = rng();
        uint64_t h = HashU64(key);
        auto pos = seg.PrepareInsert(HomeOf(h));
        if (!pos.found()) continue;
        seg.Occupy(pos, HomeOf(h), FpOf(h), key, key * 3);
        keys.push_back(key);
      }
      ASSERT_TRUE(seg.MetadataConsistent()) << "run " << run << " op " << op;
    }
    for (uint64_t k : keys) ASSERT_TRUE(Contains(seg, k));
    for (int j = 0; j < 1000; ++j) ASSERT_FALSE(Contains(seg, rng()));
    Seg right(1);
    seg.set_local_depth(1);
    seg.SplitInto(
        &right, [](uint64_t k) { return HashU64(k); }, 63);
    ASSERT_TRUE(seg.MetadataConsistent());
    ASSERT_TRUE(right.MetadataConsistent());
    for (uint64_t k : keys) ASSERT_NE(Contains(seg, k), Contains(right, k));
  }
}

TEST(SegmentTest, EveryKeyReachableAfterEachTableSplit) {
  DashTable<uint64_t, uint64_t> table;
  std::vector<uint64_t> keys;
  std::mt19937_64 rng(3);
  size_t segments = table.segment_count();
  for (int i = 0; i < 30'000; ++i) {
    uint64_t key = rng();
    ASSERT_TRUE(table.Insert(key, ~key).second);
    keys.push_back(key);
    if (table.segment_count() != segments) {
      ASSERT_EQ(table.segment_count(), segments + 1) << "one insert split more than once";
      segments = table.segment_count();
      for (uint64_t k : keys) {
        auto it = table.Find(k);
        ASSERT_FALSE(it.IsEnd());
        ASSERT_EQ(it.value(), ~k);
      }
    }
  }
  EXPECT_GE(table.segment_count(), 32u);
  EXPECT_GE(table.global_depth(), 5u);
}

}  // namespace
}  // namespace lw
