// EventCount: lets fibers (or threads) wait for an arbitrary condition on shared state that
// other threads change. The changer updates the state, then calls Notify/NotifyAll; a waiter
// calls Await(predicate). No wake-up is lost: a notification between the predicate check and
// parking is seen through the epoch counter.
// Thread-safety: all methods, any thread. The predicate runs on the waiter's thread and must
// read the shared state safely (atomics or its own lock).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "io/wait_queue.h"

namespace lw::io {

class EventCount {
 public:
  void Notify() { Signal(false); }
  void NotifyAll() { Signal(true); }

  template <typename Pred>
  void Await(Pred&& pred) {
    AwaitUntil(pred, Clock::time_point::max());
  }

  // Returns pred()'s final value: false means the deadline passed with pred() still false.
  template <typename Pred>
  bool AwaitUntil(Pred&& pred, Clock::time_point deadline) {
    while (true) {
      uint64_t key = epoch_.load(std::memory_order_acquire);
      if (pred()) return true;
      std::unique_lock<std::mutex> lock(mu_);
      if (epoch_.load(std::memory_order_acquire) != key) continue;
      detail::Waiter w;
      if (!detail::BlockOn(lock, waiters_, w, deadline)) {
        lock.unlock();
        return pred();
      }
    }
  }

 private:
  void Signal(bool all) {
    epoch_.fetch_add(1, std::memory_order_acq_rel);
    std::lock_guard<std::mutex> lock(mu_);
    if (all) {
      waiters_.NotifyAll();
    } else {
      waiters_.NotifyOne();
    }
  }

  std::atomic<uint64_t> epoch_{0};
  std::mutex mu_;
  detail::WaitQueue waiters_;
};

}  // namespace lw::io
