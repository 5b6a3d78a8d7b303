// Intent locks, as in VLL (Ren, Thomson, Abadi): a lock is a pair of counters, one for shared
// and one for exclusive requests. A transaction increments the counters of every lock it needs
// when it is scheduled on a shard, and decrements them when it concludes there. A request is
// "granted" when the counters show no conflicting request besides its own; the transaction
// queue (tx_queue.h) decides who runs when requests conflict.
//
// LockTable maps a 64-bit key fingerprint (ShardSet::LockFingerprint) to its IntentLock.
// Entries exist only while some transaction holds them, so size() == 0 means "no locks".
// Thread-safety: owned by one EngineShard; its thread only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "transaction/tx_types.h"

namespace lw::tx {

struct IntentLock {
  uint32_t shared = 0;
  uint32_t exclusive = 0;

  void Acquire(LockMode mode) { mode == LockMode::kShared ? ++shared : ++exclusive; }
  // REQUIRES: a matching Acquire.
  void Release(LockMode mode) { mode == LockMode::kShared ? --shared : --exclusive; }
  bool Free() const { return shared == 0 && exclusive == 0; }
  // For a holder that has already acquired in `mode`: true when nobody else conflicts.
  bool OnlyHolder(LockMode mode) const {
    return mode == LockMode::kShared ? exclusive == 0 : exclusive == 1 && shared == 0;
  }
  // For a newcomer that has not acquired: true when it would meet no conflict.
  bool Compatible(LockMode mode) const {
    return mode == LockMode::kShared ? exclusive == 0 : Free();
  }
};

class LockTable {
 public:
  void Acquire(uint64_t fingerprint, LockMode mode) { locks_[fingerprint].Acquire(mode); }
  // REQUIRES: a matching Acquire.
  void Release(uint64_t fingerprint, LockMode mode);

  // REQUIRES: the caller holds `fingerprint` in `mode`.
  bool OnlyHolder(uint64_t fingerprint, LockMode mode) const;
  bool Compatible(uint64_t fingerprint, LockMode mode) const;

  // Counters of one fingerprint (zeros when nobody holds it); for tests and diagnostics.
  IntentLock Get(uint64_t fingerprint) const;
  // Number of fingerprints somebody holds.
  size_t size() const { return locks_.size(); }

 private:
  absl::flat_hash_map<uint64_t, IntentLock> locks_;
};

}  // namespace lw::tx
