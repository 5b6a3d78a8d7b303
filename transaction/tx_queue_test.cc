#include "transaction/tx_queue.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace lw::tx {
namespace {

Transaction* Tx(uintptr_t n) { return reinterpret_cast<Transaction*>(n * 8); }

// Random inserts (mostly at the tail, some in the middle, as late arrivals come), erases and
// summary updates, checked against a std::map after every step.
TEST(TxQueueTest, StaysSortedLikeAMap) {
  std::mt19937_64 rng(42);
  TxQueue queue;
  std::map<TxId, std::pair<uint64_t, Transaction*>> model;
  TxId next = 1;
  for (int step = 0; step < 20000; ++step) {
    const int op = int(rng() % 10);
    if (op < 5 || model.empty()) {
      TxId id = next++;
      if (op == 0 && !model.empty()) {  // a late arrival: an id between queued ones
        TxId lo = model.begin()->first;
        TxId candidate = lo + rng() % (next - lo);
        if (model.count(candidate) == 0) id = candidate;
      }
      uint64_t summary = rng();
      queue.Insert(id, Tx(id), summary);
      model[id] = {summary, Tx(id)};
    } else {
      auto it = model.begin();
      std::advance(it, rng() % model.size());
      if (op < 9) {
        queue.Erase(it->first);
        model.erase(it);
      } else {
        it->second.first = rng();
        queue.SetSummary(it->first, it->second.first);
      }
    }
    ASSERT_EQ(queue.size(), model.size());
    if (model.empty()) continue;
    EXPECT_EQ(queue.Head(), model.begin()->second.second);
    EXPECT_EQ(queue.TailId(), model.rbegin()->first);
    size_t i = 0;
    for (const auto& [id, value] : model) {
      ASSERT_EQ(queue.at(i).id, id);
      EXPECT_EQ(queue.at(i).summary, value.first);
      EXPECT_EQ(queue.at(i).tx, value.second);
      EXPECT_EQ(queue.Find(id), i);
      ++i;
    }
  }
  EXPECT_EQ(queue.Find(next + 5), queue.size());
}

TEST(TxQueueTest, SummariesOfTheSameLockShareABit) {
  const uint64_t fp = 0x9e3779b97f4a7c15ull;
  EXPECT_NE(TxQueue::LockBit(fp) & TxQueue::LockBit(fp), 0u);
  EXPECT_EQ(TxQueue::LockBit(fp) & ~TxQueue::kAllLocks, 0u);
  // Fingerprints that differ in their top six bits never share one.
  EXPECT_EQ(TxQueue::LockBit(fp) & TxQueue::LockBit(fp ^ (uint64_t{1} << 60)), 0u);
  EXPECT_FALSE(TxQueue::MayConflict(TxQueue::LockBit(fp), TxQueue::LockBit(fp ^ (1ull << 60))));
  EXPECT_TRUE(TxQueue::MayConflict(TxQueue::LockBit(fp), TxQueue::LockBit(fp)));
  // A global transaction against one that holds no lock on the shard.
  EXPECT_TRUE(TxQueue::MayConflict(TxQueue::kAllLocks, 0));
  EXPECT_TRUE(TxQueue::MayConflict(0, TxQueue::kAllLocks));
  EXPECT_FALSE(TxQueue::MayConflict(0, 0));
}

}  // namespace
}  // namespace lw::tx
