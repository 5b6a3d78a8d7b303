// Done: a one-shot event. Notify() from any thread releases every current and future Wait()
// until Reset(). Waiters may be fibers of any thread or plain threads.
#pragma once

#include <mutex>

#include "io/wait_queue.h"

namespace lw::io {

class Done {
 public:
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    waiters_.NotifyAll();
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      detail::Waiter w;
      detail::BlockOn(lock, waiters_, w);
    }
  }

  // Returns false if the deadline passed first.
  bool WaitUntil(Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      detail::Waiter w;
      if (!detail::BlockOn(lock, waiters_, w, deadline)) return done_;
    }
    return true;
  }
  bool WaitFor(Clock::duration d) { return WaitUntil(Clock::now() + d); }

  bool IsNotified() {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }

  // REQUIRES: no waiters.
  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = false;
  }

 private:
  std::mutex mu_;
  bool done_ = false;
  detail::WaitQueue waiters_;
};

}  // namespace lw::io
