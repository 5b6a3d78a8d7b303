#include "transaction/access_table.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

namespace lw::tx {
namespace {

// A fingerprint in set `set` with tag `tag`.
uint64_t Fp(uint64_t set, uint32_t tag) { return (uint64_t{tag} << 32) | set; }

TEST(AccessTableTest, ExactWhileASetHoldsFewKeys) {
  AccessTable table;
  EXPECT_EQ(table.Bound(Fp(7, 1)), 0u);
  table.Stamp(Fp(7, 1), 10);
  table.Stamp(Fp(7, 2), 11);
  table.Stamp(Fp(7, 1), 12);
  table.Stamp(Fp(8, 1), 13);  // another set
  EXPECT_EQ(table.Bound(Fp(7, 1)), 12u);
  EXPECT_EQ(table.Bound(Fp(7, 2)), 11u);
  EXPECT_EQ(table.Bound(Fp(7, 3)), 0u);  // same set, never stamped
  EXPECT_EQ(table.Bound(Fp(8, 1)), 13u);
  EXPECT_EQ(table.Bound(Fp(9, 1)), 0u);
  table.Stamp(Fp(9, 0), 0);  // clock 0 records nothing
  EXPECT_EQ(table.Bound(Fp(9, 0)), 0u);
}

TEST(AccessTableTest, OverflowRaisesTheFloorToTheOldestEvicted) {
  AccessTable table;
  for (uint32_t tag = 1; tag <= AccessTable::kWays; ++tag) table.Stamp(Fp(3, tag), 100 + tag);
  EXPECT_EQ(table.Bound(Fp(3, 99)), 0u);
  table.Stamp(Fp(3, 50), 200);  // evicts tag 1 (clock 101)
  EXPECT_EQ(table.Bound(Fp(3, 1)), 101u);
  EXPECT_EQ(table.Bound(Fp(3, 99)), 101u);  // unknown keys of the set: the floor
  EXPECT_EQ(table.Bound(Fp(3, 2)), 102u);   // the others stay exact
  EXPECT_EQ(table.Bound(Fp(3, 50)), 200u);
}

// Random stamps with growing clocks: the bound is never below the truth, and it is exact for
// every fingerprint of a set that never held more than kWays distinct fingerprints.
TEST(AccessTableTest, RandomBoundNeverBelowTruth) {
  std::mt19937_64 rng(20261207);
  AccessTable table;
  std::unordered_map<uint64_t, TxId> truth;
  std::unordered_map<uint64_t, std::vector<uint64_t>> distinct_per_set;
  std::vector<uint64_t> fps;
  for (int i = 0; i < 12000; ++i) fps.push_back(rng());
  TxId clock = 0;
  for (int i = 0; i < 200000; ++i) {
    clock += rng() % 3;  // equal clocks happen (quick commands stamp the shard clock)
    const uint64_t fp = fps[rng() % fps.size()];
    table.Stamp(fp, clock);
    if (clock == 0) continue;
    if (truth.emplace(fp, clock).second) {
      distinct_per_set[fp & (AccessTable::kSets - 1)].push_back(fp);
    } else {
      truth[fp] = clock;
    }
  }
  size_t exact = 0;
  for (uint64_t fp : fps) {
    const auto it = truth.find(fp);
    const TxId want = it == truth.end() ? 0 : it->second;
    const TxId got = table.Bound(fp);
    ASSERT_GE(got, want) << fp;
    if (distinct_per_set[fp & (AccessTable::kSets - 1)].size() <= AccessTable::kWays) {
      EXPECT_EQ(got, want) << fp;
      ++exact;
    }
  }
  EXPECT_GT(exact, 1000u);  // the exact case was exercised
}

}  // namespace
}  // namespace lw::tx
