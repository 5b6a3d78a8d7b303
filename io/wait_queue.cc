#include "io/wait_queue.h"

#include "io/fiber_internal.h"

namespace lw::io::detail {

void WaitQueue::PushBack(Waiter* w) {
  w->next = nullptr;
  w->prev = tail_;
  if (tail_) {
    tail_->next = w;
  } else {
    head_ = w;
  }
  tail_ = w;
}

void WaitQueue::Remove(Waiter* w) {
  if (w->prev) {
    w->prev->next = w->next;
  } else {
    head_ = w->next;
  }
  if (w->next) {
    w->next->prev = w->prev;
  } else {
    tail_ = w->prev;
  }
  w->prev = w->next = nullptr;
}

Waiter* WaitQueue::PopFront() {
  Waiter* w = head_;
  if (w) Remove(w);
  return w;
}

static void Notify(Waiter* w) {
  w->notified = true;
  if (w->fiber) {
    WakeFiber(w->fiber, w->epoch);
  } else {
    w->cv.notify_one();
  }
}

bool WaitQueue::NotifyOne() {
  Waiter* w = PopFront();
  if (!w) return false;
  Notify(w);
  return true;
}

void WaitQueue::NotifyAll() {
  while (Waiter* w = PopFront()) Notify(w);
}

bool BlockOn(std::unique_lock<std::mutex>& lock, WaitQueue& queue, Waiter& w,
             Clock::time_point deadline) {
  FiberImpl* self = CurrentFiber();
  queue.PushBack(&w);
  if (self == nullptr) {
    while (!w.notified) {
      if (deadline == Clock::time_point::max()) {
        w.cv.wait(lock);
      } else if (w.cv.wait_until(lock, deadline) == std::cv_status::timeout && !w.notified) {
        queue.Remove(&w);
        return false;
      }
    }
    return true;
  }
  Scheduler* scheduler = self->scheduler();
  w.fiber = self;
  while (true) {
    w.epoch = self->NextWaitEpoch();
    lock.unlock();
    if (deadline == Clock::time_point::max()) {
      scheduler->Suspend();
    } else {
      scheduler->SuspendUntil(deadline);
    }
    lock.lock();
    if (w.notified) return true;
    if (deadline != Clock::time_point::max() && Clock::now() >= deadline) {
      queue.Remove(&w);
      return false;
    }
  }
}

}  // namespace lw::io::detail
