// AccessTable: for LockMore (README.md, "Locks learned while running"), an upper bound of the
// shard clock at the last access to each lock fingerprint, in bounded memory.
//
// A set-associative table: a fingerprint's low bits pick a set of kWays entries, each holding
// a 32-bit tag (the fingerprint's high half) and the clock of that fingerprint's last stamp.
// A stamp that finds no entry for its tag replaces the entry with the smallest clock and raises
// the set's floor to that clock; a fingerprint with no entry answers the floor. The bound is
// therefore never below the true last clock (an evicted fingerprint's clock is at most the
// floor; two fingerprints with equal set and tag share an entry holding the larger clock). It
// is above the truth only when the fingerprint's entry was evicted or shared, which needs more
// than kWays distinct fingerprints stamped in one set (figures in README.md): a direct-mapped
// table of the same memory answered "touched" for any fingerprint sharing its slot.
//
// Stamps must come with non-decreasing clocks (the shard clock only grows). Clock 0 means
// "never" and is not recorded.
//
// Thread-safety: owned by one EngineShard; its thread only. Memory: kSets * sizeof(Set),
// allocated on construction (112 KB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "transaction/tx_types.h"

namespace lw::tx {

class AccessTable {
 public:
  static constexpr size_t kWays = 4;
  static constexpr size_t kSets = size_t{1} << 11;

  AccessTable() : sets_(new Set[kSets]) {}

  // Records an access to `fp` at `clock`. REQUIRES: clock >= every earlier stamp's clock.
  void Stamp(uint64_t fp, TxId clock) {
    if (clock == 0) return;
    Set& set = sets_[SetOf(fp)];
    const uint32_t tag = TagOf(fp);
    size_t victim = 0;
    for (size_t w = 0; w < kWays; ++w) {
      if (set.clock[w] != 0 && set.tag[w] == tag) {
        set.clock[w] = clock;
        return;
      }
      if (set.clock[w] < set.clock[victim]) victim = w;
    }
    if (set.clock[victim] > set.floor) set.floor = set.clock[victim];
    set.tag[victim] = tag;
    set.clock[victim] = clock;
  }

  // At least the clock of the last Stamp of `fp` (0 when none, unless the set overflowed).
  TxId Bound(uint64_t fp) const {
    const Set& set = sets_[SetOf(fp)];
    const uint32_t tag = TagOf(fp);
    for (size_t w = 0; w < kWays; ++w)
      if (set.clock[w] != 0 && set.tag[w] == tag) return set.clock[w];
    return set.floor;
  }

 private:
  struct Set {
    TxId floor = 0;  // >= the clock of every entry evicted from this set
    TxId clock[kWays] = {};
    uint32_t tag[kWays] = {};
  };

  static size_t SetOf(uint64_t fp) { return fp & (kSets - 1); }
  static uint32_t TagOf(uint64_t fp) { return static_cast<uint32_t>(fp >> 32); }

  std::unique_ptr<Set[]> sets_;
};

}  // namespace lw::tx
