// WaitQueue: the waiting list beneath every blocking primitive of io/ (Done, EventCount,
// BlockingCounter, Mutex, CondVar, Fiber::Join). It parks either a fiber (which suspends and
// frees its thread) or a plain thread (which blocks on a condition variable).
//
// Protocol (all under the primitive's own std::mutex `mu`):
//   waiter:   lock mu; check the condition; Waiter w; BlockOn(lock, queue, w, deadline)
//   notifier: lock mu; change state; NotifyOne/NotifyAll(queue)
// BlockOn returns true when notified, false on timeout; it always returns with the lock held,
// which is also what makes it safe for the waiter to destroy the primitive right after.
// Thread-safety: a WaitQueue is guarded by its owner's mutex.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "io/fiber.h"

namespace lw::io::detail {

class FiberImpl;

struct Waiter {
  FiberImpl* fiber = nullptr;  // null: a plain thread waits on `cv`
  uint64_t epoch = 0;
  std::condition_variable cv;
  bool notified = false;
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
};

class WaitQueue {
 public:
  bool empty() const { return head_ == nullptr; }
  void PushBack(Waiter* w);
  void Remove(Waiter* w);
  Waiter* PopFront();

  // Wake the first / every waiter. REQUIRES: the owner's mutex is held.
  bool NotifyOne();
  void NotifyAll();

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

// Parks the caller (fiber or plain thread) on `queue` until notified or `deadline` passes.
// REQUIRES: `lock` holds the owner's mutex. Returns with it held; true iff notified.
bool BlockOn(std::unique_lock<std::mutex>& lock, WaitQueue& queue, Waiter& w,
             Clock::time_point deadline = Clock::time_point::max());

}  // namespace lw::io::detail
