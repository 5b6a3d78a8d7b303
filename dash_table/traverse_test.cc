// Cursor traversal (SCAN semantics): every entry present for the whole traversal is visited
// at least once, while inserts, splits, directory doublings, erases and bump-ups happen
// between the calls.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "dash_table/dash_table.h"

namespace lw {
namespace {

struct BumpingPolicy : DefaultDashPolicy {
  static constexpr bool kBumpUpOnFind = true;
};

template <typename Policy>
void RunScanUnderGrowth(uint64_t seed, int stable_count, int inserts_per_step) {
  DashTable<uint64_t, uint64_t, Policy> table;
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> stable, transient;
  for (int i = 0; i < stable_count; ++i) {
    uint64_t k = rng() | 1;  // stable keys are odd, transient ones even
    if (table.Insert(k, k).second) stable.push_back(k);
  }
  absl::flat_hash_set<uint64_t> seen;
  size_t start_segments = table.segment_count(), calls = 0;
  unsigned start_depth = table.global_depth();
  typename DashTable<uint64_t, uint64_t, Policy>::Cursor cursor = 0;
  do {
    cursor = table.Traverse(cursor, [&](auto it) { seen.insert(it.key()); });
    ++calls;
    for (int j = 0; j < inserts_per_step; ++j) {
      uint64_t k = rng() & ~uint64_t{1};
      if (table.Insert(k, k).second) transient.push_back(k);
    }
    // Erase a transient entry and look up (and so bump) a few stable ones.
    if (!transient.empty() && rng() % 2 == 0) {
      size_t i = rng() % transient.size();
      ASSERT_TRUE(table.Erase(transient[i]));
      transient[i] = transient.back();
      transient.pop_back();
    }
    for (int j = 0; j < 3; ++j) ASSERT_FALSE(table.Find(stable[rng() % stable.size()]).IsEnd());
  } while (cursor != 0);
  EXPECT_GT(table.segment_count(), 2 * start_segments) << "the scan should race real growth";
  EXPECT_GT(table.global_depth(), start_depth);
  for (uint64_t k : stable) ASSERT_TRUE(seen.contains(k)) << "missed key " << k;
  std::printf("scan: %zu calls, segments %zu -> %zu, %zu stable keys all seen\n", calls,
              start_segments, table.segment_count(), stable.size());
}

TEST(TraverseTest, CoversStableKeysUnderGrowth) {
  RunScanUnderGrowth<DefaultDashPolicy>(1, 20'000, 25);
}

TEST(TraverseTest, CoversStableKeysUnderGrowthWithBumpUps) {
  RunScanUnderGrowth<BumpingPolicy>(2, 20'000, 25);
}

TEST(TraverseTest, CoversStableKeysStartingFromOneSegment) {
  RunScanUnderGrowth<BumpingPolicy>(3, 300, 20);
}

// A traversal of an unchanging table visits each entry exactly once, and an empty table's
// traversal still terminates.
TEST(TraverseTest, ExactlyOnceWithoutChanges) {
  DashTable<uint64_t, uint64_t> table;
  int calls = 0;
  uint64_t cursor = 0;
  do {
    cursor = table.Traverse(cursor, [](auto) { FAIL(); });
    ++calls;
  } while (cursor != 0);
  EXPECT_EQ(calls, int(dash_internal::kHomeBuckets));

  for (uint64_t i = 0; i < 50'000; ++i) table.InsertNew(i, i);
  absl::flat_hash_map<uint64_t, int> counts;
  do {
    cursor = table.Traverse(cursor, [&](auto it) { ++counts[it.key()]; });
  } while (cursor != 0);
  ASSERT_EQ(counts.size(), 50'000u);
  for (const auto& [k, n] : counts) ASSERT_EQ(n, 1);
}

// Erasing the visited entry from inside the callback is allowed.
TEST(TraverseTest, CallbackMayEraseVisitedEntry) {
  DashTable<uint64_t, uint64_t> table;
  for (uint64_t i = 0; i < 20'000; ++i) table.InsertNew(i, i);
  size_t visited = 0;
  uint64_t cursor = 0;
  do {
    cursor = table.Traverse(cursor, [&](auto it) {
      ++visited;
      if (it.key() % 2 == 0) table.Erase(it);
    });
  } while (cursor != 0);
  EXPECT_EQ(visited, 20'000u);
  EXPECT_EQ(table.size(), 10'000u);
  for (uint64_t i = 0; i < 20'000; ++i) ASSERT_EQ(table.Find(i).IsEnd(), i % 2 == 0);
}

}  // namespace
}  // namespace lw
