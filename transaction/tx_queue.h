// TxQueue: the transactions scheduled on one shard, ordered by transaction id. A transaction
// may run a hop once no older transaction in the queue conflicts with it; the head, having no
// older one, always may. See README.md for why ids give one order every shard agrees on.
//
// Each entry carries a 64-bit summary of the transaction's locks on this shard (one bit per
// lock, chosen by its fingerprint; all bits for a global transaction). Two transactions whose
// summaries share no bit cannot conflict, so the walk for an older conflicting transaction
// (EngineShard::FindBlocker) reads one array and opens only the candidates the summary keeps.
// The entries sit in one sorted vector: a queue holds tens to a few hundred transactions,
// arrivals come almost always at the tail, and a walk over contiguous entries costs far less
// than following tree nodes.
//
// Thread-safety: owned by one EngineShard; its thread only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "transaction/tx_types.h"

namespace lw::tx {

class TxQueue {
 public:
  struct Entry {
    TxId id;
    uint64_t summary;  // LockBit() of each lock here, or kAllLocks
    Transaction* tx;
  };
  static constexpr uint64_t kAllLocks = ~uint64_t{0};
  static uint64_t LockBit(uint64_t fingerprint) { return uint64_t{1} << (fingerprint >> 58); }
  // False only if two transactions with these summaries cannot conflict. A global one
  // conflicts with everything, even with a transaction that holds no lock here.
  static bool MayConflict(uint64_t a, uint64_t b) {
    return (a & b) != 0 || a == kAllLocks || b == kAllLocks;
  }

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

  // REQUIRES: `id` not queued.
  void Insert(TxId id, Transaction* tx, uint64_t summary) {
    entries_.insert(std::upper_bound(entries_.begin(), entries_.end(), id, Older),
                    {id, summary, tx});
  }
  void Erase(TxId id) {
    if (size_t i = Find(id); i < entries_.size()) entries_.erase(entries_.begin() + i);
  }
  // The position of `id`, or size() when it is not queued.
  size_t Find(TxId id) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), id,
                               [](const Entry& e, TxId v) { return e.id < v; });
    return it != entries_.end() && it->id == id ? size_t(it - entries_.begin()) : entries_.size();
  }
  // REQUIRES: Find(id) < size().
  void SetSummary(TxId id, uint64_t summary) { entries_[Find(id)].summary = summary; }

  // REQUIRES: !empty().
  Transaction* Head() const { return entries_.front().tx; }
  TxId TailId() const { return entries_.empty() ? 0 : entries_.back().id; }
  const Entry& at(size_t i) const { return entries_[i]; }

 private:
  static bool Older(TxId v, const Entry& e) { return v < e.id; }
  std::vector<Entry> entries_;
};

}  // namespace lw::tx
