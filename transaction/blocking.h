// The shard side of blocking commands (BLPOP and friends).
//
// A blocked transaction owns one BlockingWaiter and registers it, under its locks, in the
// WatcherTable of every shard that owns one of its keys; then it releases its locks and
// sleeps. A transaction that makes a key ready calls EngineShard::NotifyKeyReady(key); when it
// concludes on that shard, the shard walks the key's waiters in FIFO order and claims each
// waiter that is still waiting and for which `is_ready` says the key has something to give it,
// running its `serve` callback on the spot, before any other transaction can touch the key. A claim
// is one compare-and-swap kWaiting -> kWoken on the waiter's state, so a waiter watched on several
// shards is woken exactly once, by whichever shard gets there first; the others see a non-waiting
// state and drop it from their lists. A timeout or a cancellation is the same compare-and-swap to
// another final state, so it can never overlap a wake.
//
// Thread-safety: BlockingWaiter::state from any thread; the other fields are written by the
// coordinator before registration and by the one claiming shard before done.Notify().
// WatcherTable: its shard's thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "io/done.h"
#include "transaction/tx_types.h"

namespace lw::tx {

// Asked on the shard's thread: does `key` hold something a waiter could take now?
using KeyReadyFn = absl::FunctionRef<bool(EngineShard* shard, std::string_view key)>;
// Run on the shard's thread right after the claim: take what the waiter waited for.
using ServeFn = absl::FunctionRef<OpStatus(EngineShard* shard, std::string_view key)>;

struct BlockingWaiter {
  enum State : uint8_t { kIdle, kWaiting, kWoken, kTimedOut, kCancelled };

  std::atomic<uint8_t> state{kIdle};
  io::Done done;  // notified after a wake (once serve ran) or a cancellation
  const KeyReadyFn* is_ready = nullptr;
  const ServeFn* serve = nullptr;
  // Set by the claiming shard before done.Notify().
  ShardId woken_shard = kInvalidShard;
  std::string woken_key;
  OpStatus serve_status = OpStatus::kOk;

  // Moves kWaiting -> `to`; true for exactly one caller per wait.
  bool Finish(State to) {
    uint8_t expected = kWaiting;
    return state.compare_exchange_strong(expected, to, std::memory_order_acq_rel);
  }
};

class WatcherTable {
 public:
  void Add(std::string_view key, BlockingWaiter* waiter);
  // No-op when `waiter` is not (or no longer) listed under `key`.
  void Remove(std::string_view key, BlockingWaiter* waiter);
  // Serves the waiters of `key`, oldest first, each one for which `is_ready` holds at its
  // turn; a waiter it does not hold for is skipped, not a stop (it may want another database's
  // key of that name, or another type).
  // Returns the number of waiters woken.
  size_t Process(EngineShard* shard, std::string_view key);

  bool empty() const { return watchers_.empty(); }
  // The keys some waiter is registered on (SWAPDB looks which of them now exist).
  std::vector<std::string> Keys() const {
    std::vector<std::string> out;
    out.reserve(watchers_.size());
    for (const auto& [key, waiters] : watchers_) out.push_back(key);
    return out;
  }
  // Registered (key, waiter) pairs, including stale ones not yet dropped.
  size_t size() const { return count_; }

 private:
  absl::flat_hash_map<std::string, std::deque<BlockingWaiter*>> watchers_;
  size_t count_ = 0;
};

}  // namespace lw::tx
