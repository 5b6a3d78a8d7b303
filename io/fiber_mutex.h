// Mutex and CondVar for fibers: blocking suspends only the fiber, never its thread, so other
// fibers of the thread keep running. Work across threads. Plain threads may use them too.
// Mutex hands ownership directly to the first waiter (FIFO, no barging).
#pragma once

#include <mutex>

#include "io/wait_queue.h"

namespace lw::io {

class Mutex {
 public:
  void lock() {
    std::unique_lock<std::mutex> guard(mu_);
    if (!locked_) {
      locked_ = true;
      return;
    }
    detail::Waiter w;
    while (!detail::BlockOn(guard, waiters_, w)) {
    }
    // Ownership was handed over by unlock(); locked_ stayed true.
  }

  bool try_lock() {
    std::lock_guard<std::mutex> guard(mu_);
    if (locked_) return false;
    locked_ = true;
    return true;
  }

  void unlock() {
    std::lock_guard<std::mutex> guard(mu_);
    if (!waiters_.NotifyOne()) locked_ = false;
  }

 private:
  std::mutex mu_;
  bool locked_ = false;
  detail::WaitQueue waiters_;
};

class CondVar {
 public:
  // REQUIRES: `lock` holds `m`.
  void wait(std::unique_lock<Mutex>& lock) { wait_until(lock, Clock::time_point::max()); }

  template <typename Pred>
  void wait(std::unique_lock<Mutex>& lock, Pred pred) {
    while (!pred()) wait(lock);
  }

  // Returns false on timeout.
  bool wait_until(std::unique_lock<Mutex>& lock, Clock::time_point deadline) {
    std::unique_lock<std::mutex> guard(mu_);
    lock.unlock();
    detail::Waiter w;
    bool notified = detail::BlockOn(guard, waiters_, w, deadline);
    guard.unlock();
    lock.lock();
    return notified;
  }

  template <typename Pred>
  bool wait_until(std::unique_lock<Mutex>& lock, Clock::time_point deadline, Pred pred) {
    while (!pred()) {
      if (!wait_until(lock, deadline)) return pred();
    }
    return true;
  }

  void notify_one() {
    std::lock_guard<std::mutex> guard(mu_);
    waiters_.NotifyOne();
  }
  void notify_all() {
    std::lock_guard<std::mutex> guard(mu_);
    waiters_.NotifyAll();
  }

 private:
  std::mutex mu_;
  detail::WaitQueue waiters_;
};

}  // namespace lw::io
