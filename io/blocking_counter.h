// BlockingCounter: Wait() returns once the count reaches zero. Start with n and call Dec()
// once per finished piece of work (from any thread); Add() registers more work first.
#pragma once

#include <cstdint>
#include <mutex>

#include "io/wait_queue.h"

namespace lw::io {

class BlockingCounter {
 public:
  explicit BlockingCounter(int64_t count = 0) : count_(count) {}

  void Add(int64_t n = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    count_ += n;
  }

  void Dec() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--count_ <= 0) waiters_.NotifyAll();
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    while (count_ > 0) {
      detail::Waiter w;
      detail::BlockOn(lock, waiters_, w);
    }
  }

  int64_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  int64_t count_;
  detail::WaitQueue waiters_;
};

}  // namespace lw::io
