// Internals shared by io/'s fiber, proactor and synchronisation code. Not for other layers.
//
// Wake protocol: a fiber about to suspend takes a fresh epoch (NextWaitEpoch), publishes
// (fiber, epoch) to whoever will wake it, then calls Suspend(). WakeFiber(f, epoch) from any
// thread makes f ready on its own thread iff f is still suspended in that same epoch, so a
// late or duplicate wake (timeout and notify racing) is ignored. The epoch advances every
// time a wait starts and every time the fiber is made ready. Cross-thread wakes travel as tasks to
// the owner's proactor and hold a reference, so a fiber is never freed under a pending wake.
#pragma once

#include <boost/context/fiber.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "io/fiber.h"
#include "io/wait_queue.h"

namespace lw::io {
class Proactor;

namespace detail {

class Scheduler;

class FiberImpl {
 public:
  enum class State : uint8_t { kReady, kRunning, kSuspended, kDone };

  FiberImpl(std::string name, std::function<void()> fn, Scheduler* scheduler, size_t stack);

  void AddRef() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  Scheduler* scheduler() const { return scheduler_; }
  const std::string& name() const { return name_; }
  uint64_t epoch() const { return epoch_; }
  // Starts a new wait: returns the epoch a waker must name. Every wait takes a fresh epoch,
  // so a wake left over from an earlier wait (one that ended without suspending) can never
  // match a later one.
  uint64_t NextWaitEpoch() { return ++epoch_; }

 private:
  friend class Scheduler;
  friend class ::lw::io::Fiber;

  std::string name_;
  std::function<void()> fn_;
  Scheduler* scheduler_;
  boost::context::fiber context_;  // the fiber's own context while it is not running
  boost::context::fiber caller_;   // the dispatcher's context while the fiber runs
  State state_ = State::kReady;
  uint64_t epoch_ = 0;
  std::atomic<int> refs_{1};
  // Join support: `finished_` is set, and joiners woken, under join_mu_.
  std::mutex join_mu_;
  bool finished_ = false;
  WaitQueue join_waiters_;
};

// One per proactor thread. Owner-thread only, except where noted.
class Scheduler {
 public:
  explicit Scheduler(Proactor* proactor) : proactor_(proactor) {}

  static Scheduler* Current();
  static void SetCurrent(Scheduler* scheduler);

  Proactor* proactor() const { return proactor_; }
  FiberImpl* current() const { return current_; }

  FiberImpl* Launch(std::string_view name, std::function<void()> fn, size_t stack_size);

  // Marks f ready if it is suspended in `epoch`. Owner thread only.
  void MakeReady(FiberImpl* f, uint64_t epoch);
  // Switches from the current fiber to the dispatcher until MakeReady. REQUIRES: in a fiber.
  void Suspend();
  // Like Suspend, but also wakes at `deadline`; the timer names the fiber's current epoch,
  // so call NextWaitEpoch() first.
  void SuspendUntil(Clock::time_point deadline);
  void Yield();

  // Dispatcher side.
  bool HasReady() const { return !ready_.empty(); }
  void RunReadyBatch();
  // Fires expired timers; returns the next deadline (or max()).
  Clock::time_point FireTimers(Clock::time_point now);
  size_t live_fibers() const { return live_fibers_; }

 private:
  struct Timer {
    Clock::time_point deadline;
    FiberImpl* fiber;
    uint64_t epoch;
    bool operator>(const Timer& o) const { return deadline > o.deadline; }
  };

  void Resume(FiberImpl* f);
  void Finish(FiberImpl* f);

  Proactor* proactor_;
  FiberImpl* current_ = nullptr;
  std::vector<FiberImpl*> ready_;
  std::vector<FiberImpl*> running_batch_;
  std::vector<Timer> timers_;  // min-heap on deadline
  size_t live_fibers_ = 0;
};

// Wakes `f` (suspended in `epoch`) from any thread.
void WakeFiber(FiberImpl* f, uint64_t epoch);

// The current fiber, or nullptr in dispatcher context or on a plain thread.
FiberImpl* CurrentFiber();

}  // namespace detail
}  // namespace lw::io
