// Property tests of DashTable against absl::flat_hash_map, heterogeneous lookup, memory
// accounting and object lifetimes.
#include "dash_table/dash_table.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "dash_table/test_util.h"

namespace lw {
namespace {

using dash_test::CountingResource;
using dash_test::VisitCounts;

template <typename Table, typename Oracle>
void ExpectSameContents(Table& table, const Oracle& oracle) {
  ASSERT_EQ(table.size(), oracle.size());
  bool misplaced = false;
  auto counts = VisitCounts(table, &misplaced);
  EXPECT_FALSE(misplaced);
  ASSERT_EQ(counts.size(), oracle.size());
  for (const auto& [key, n] : counts) {
    ASSERT_EQ(n, 1) << "visited twice without concurrent changes";
    ASSERT_TRUE(oracle.contains(key));
  }
  for (const auto& [key, value] : oracle) {
    auto it = table.Find(key);
    ASSERT_FALSE(it.IsEnd());
    ASSERT_EQ(it.value(), value);
  }
}

// 2M random operations in three phases (growth, churn, shrink) over a 400K key space.
TEST(DashTableTest, MatchesOracleOnRandomOperations) {
  CountingResource mr;
  DashTable<uint64_t, uint64_t> table(DefaultDashPolicy(), &mr);
  absl::flat_hash_map<uint64_t, uint64_t> oracle;
  std::mt19937_64 rng(42);
  constexpr int kOps = 2'000'000;
  constexpr uint64_t kKeySpace = 400'000;
  for (int i = 0; i < kOps; ++i) {
    // Insert share: 70 % while growing, 45 % in the middle, 20 % at the end.
    int insert_pct = i < kOps / 2 ? 70 : (i < kOps * 3 / 4 ? 45 : 20);
    uint64_t key = rng() % kKeySpace;
    int op = rng() % 100;
    if (op < insert_pct) {
      auto [it, inserted] = table.Insert(key, uint64_t(i));
      auto [oit, oinserted] = oracle.emplace(key, uint64_t(i));
      ASSERT_EQ(inserted, oinserted);
      ASSERT_EQ(it.key(), key);
      ASSERT_EQ(it.value(), oit->second);
    } else if (op < insert_pct + 25) {
      ASSERT_EQ(table.Erase(key), oracle.erase(key) == 1);
    } else {
      auto it = table.Find(key);
      auto oit = oracle.find(key);
      ASSERT_EQ(it.IsEnd(), oit == oracle.end());
      if (!it.IsEnd()) {
        ASSERT_EQ(it.value(), oit->second);
      }
    }
    if ((i + 1) % 100'000 == 0) ASSERT_TRUE(table.MetadataConsistent()) << "op " << i;
    if ((i + 1) % 500'000 == 0) {
      ExpectSameContents(table, oracle);
      EXPECT_EQ(mr.bytes(), table.mem_usage());
    }
  }
  EXPECT_GT(table.segment_count(), 64u);
}

// Misses are answered from the home bucket's stash mask; a stale mask would lose stashed keys
// (false negative) or cost a stash scan (false positive). Fills segments to the brim so the
// stash is busy, then churns: erases empty stash buckets, inserts refill them, splits move
// stashed items, and every key is looked up both present and absent.
TEST(DashTableTest, StashMasksStayExactThroughChurn) {
  DashTable<uint64_t, uint64_t> table;
  absl::flat_hash_map<uint64_t, uint64_t> oracle;
  std::mt19937_64 rng(11);
  std::vector<uint64_t> live;
  for (int round = 0; round < 40; ++round) {
    // Grow until a split is imminent, so many segments are nearly full and use the stash.
    for (int i = 0; i < 4000; ++i) {
      uint64_t k = rng();
      ASSERT_TRUE(table.Insert(k, k ^ 1).second);
      oracle.emplace(k, k ^ 1);
      live.push_back(k);
    }
    // Erase about a third, at random.
    for (size_t j = 0; j < live.size();) {
      if (rng() % 3 == 0) {
        ASSERT_TRUE(table.Erase(live[j]));
        oracle.erase(live[j]);
        live[j] = live.back();
        live.pop_back();
      } else {
        ++j;
      }
    }
    ASSERT_TRUE(table.MetadataConsistent()) << "round " << round;
    for (uint64_t k : live) ASSERT_EQ(table.Find(k).value(), k ^ 1);
    for (int j = 0; j < 2000; ++j) {
      uint64_t k = rng();
      ASSERT_EQ(table.Find(k).IsEnd(), !oracle.contains(k));
    }
  }
  ASSERT_EQ(table.size(), oracle.size());
}

TEST(DashTableTest, StringKeysWithHeterogeneousLookup) {
  DashTable<std::string, std::string> table;
  absl::flat_hash_map<std::string, std::string> oracle;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 300'000; ++i) {
    std::string key = "key:" + std::to_string(rng() % 60'000);
    std::string_view view(key);
    int op = rng() % 10;
    if (op < 5) {
      std::string value(rng() % 40, 'v');
      bool inserted = table.Insert(view, value).second;  // constructs the key from a view
      ASSERT_EQ(inserted, oracle.emplace(key, value).second);
    } else if (op < 7) {
      ASSERT_EQ(table.Erase(view), oracle.erase(key) == 1);
    } else {
      auto it = table.Find(view);
      auto oit = oracle.find(key);
      ASSERT_EQ(it.IsEnd(), oit == oracle.end());
      if (!it.IsEnd()) {
        ASSERT_EQ(it.value(), oit->second);
      }
    }
  }
  ExpectSameContents(table, oracle);
  EXPECT_TRUE(table.Contains("key:1") == oracle.contains("key:1"));
}

TEST(DashTableTest, InsertKeepsExistingValue) {
  DashTable<uint64_t, int> table;
  EXPECT_TRUE(table.Insert(5, 1).second);
  auto [it, inserted] = table.Insert(5, 2);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(it.value(), 1);
  it.value() = 3;
  EXPECT_EQ(table.Find(5).value(), 3);
  table.Erase(it);
  EXPECT_TRUE(table.Find(5).IsEnd());
  EXPECT_FALSE(table.Erase(5));
  EXPECT_TRUE(table.empty());
}

struct Counted {
  static inline int live = 0;
  explicit Counted(int v) : value(v) { ++live; }
  Counted(const Counted& o) : value(o.value) { ++live; }
  Counted(Counted&& o) noexcept : value(o.value) { ++live; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) = default;
  ~Counted() { --live; }
  int value;
};

TEST(DashTableTest, ConstructsAndDestroysEveryValueOnce) {
  {
    DashTable<uint64_t, Counted> table;
    for (int i = 0; i < 100'000; ++i) table.InsertNew(uint64_t(i), Counted(i));
    EXPECT_EQ(Counted::live, 100'000);
    for (int i = 0; i < 100'000; i += 2) table.Erase(uint64_t(i));
    EXPECT_EQ(Counted::live, 50'000);
    for (int i = 1; i < 100'000; i += 2) {
      ASSERT_EQ(table.Find(uint64_t(i)).value().value, i);
    }
    table.Clear();
    EXPECT_EQ(Counted::live, 0);
    EXPECT_EQ(table.segment_count(), 1u);
    for (int i = 0; i < 1000; ++i) table.InsertNew(uint64_t(i), Counted(i));
  }
  EXPECT_EQ(Counted::live, 0);
}

TEST(DashTableTest, MemUsageIsExact) {
  CountingResource mr;
  {
    DashTable<uint64_t, uint64_t> table(DefaultDashPolicy(), &mr);
    EXPECT_EQ(mr.bytes(), table.mem_usage());
    for (uint64_t i = 0; i < 200'000; ++i) {
      table.InsertNew(i, i);
      if (i % 10'000 == 0) {
        ASSERT_EQ(mr.bytes(), table.mem_usage());
      }
    }
    EXPECT_EQ(mr.bytes(), table.mem_usage());
    EXPECT_EQ(table.mem_usage(), table.segment_count() * table.kSegmentBytes +
                                     (size_t{1} << table.global_depth()) * sizeof(void*));
    table.Clear();
    EXPECT_EQ(mr.bytes(), table.mem_usage());
  }
  EXPECT_EQ(mr.bytes(), 0u);
}

}  // namespace
}  // namespace lw
