// Internals shared by io/'s fiber, proactor and synchronisation code. Not for other layers.
//
// Wake protocol: a fiber about to suspend takes a fresh epoch (NextWaitEpoch), publishes
// (fiber, epoch) to whoever will wake it, then calls Suspend(). WakeFiber(f, epoch) from any
// thread makes f ready on its own thread iff f is still suspended in that same epoch, so a
// late or duplicate wake (timeout and notify racing) is ignored. The epoch advances every
// time a wait starts and every time the fiber is made ready. Cross-thread wakes travel as tasks to
// the owner's proactor and hold a reference, so a fiber is never freed under a pending wake.
//
// Scheduling (io/README.md, "Fair, latency-aware scheduling"): two FIFO run queues per thread.
// A fiber woken by socket readability that used less than kInteractiveNs of CPU since its
// previous such wake (a client sending small requests and waiting for the replies) is
// interactive: until it has used kInteractiveNs again, every wake and yield puts it on the
// urgent queue, which runs between any two fibers of the normal queue, for at most kSliceNs
// at a time, so busy fibers cannot starve. Between two fibers the scheduler also polls the
// sockets and runs cross-thread tasks once kSliceNs has passed since the last poll, so a
// request arriving while busy fibers run is seen within about one slice.
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
  // Steady-clock ns when its current run began (owner thread; while it runs).
  int64_t run_start_ns() const { return run_start_ns_; }

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
  // CPU time (ns, its runs' wall time on this thread) since it was last woken by socket
  // readability, and whether that wake found it interactive (see Scheduler).
  int64_t ran_ns_ = 0;
  int64_t run_start_ns_ = 0;
  bool interactive_ = false;
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

  // An I/O-woken fiber that used less CPU than this since its previous I/O wake is
  // interactive, and keeps the urgent queue until it has used this much again.
  static constexpr int64_t kInteractiveNs = 50'000;
  // The cooperative time slice: a fiber that ran this long should yield between requests
  // (MaybeYield); also the bound on one turn of the urgent queue and the socket-poll interval
  // while fibers keep the thread busy.
  static constexpr int64_t kSliceNs = 100'000;

  // Marks f ready if it is suspended in `epoch`. `io_readable`: the wake is its socket's
  // readability (starts a new interactivity period). Owner thread only.
  void MakeReady(FiberImpl* f, uint64_t epoch, bool io_readable = false);
  // Switches from the current fiber to the dispatcher until MakeReady. REQUIRES: in a fiber.
  void Suspend();
  // Like Suspend, but also wakes at `deadline`; the timer names the fiber's current epoch,
  // so call NextWaitEpoch() first.
  void SuspendUntil(Clock::time_point deadline);
  void Yield();
  // Yields if the current fiber's run began at least kSliceNs before `now_ns`.
  void MaybeYield(int64_t now_ns);

  // Dispatcher side.
  bool HasReady() const { return !ready_.empty() || !urgent_.empty(); }
  // Runs the fibers ready now, interleaved with the urgent queue (see above).
  void RunReadyBatch();
  // The owner proactor polled its sockets (the next batch counts the interval from then).
  void NoteIoPolled() { io_polled_ = true; }
  // Diagnostics and tests: fibers run from the urgent queue, and polls made between fibers.
  uint64_t urgent_runs() const { return urgent_runs_; }
  uint64_t batch_polls() const { return batch_polls_; }
  // Tests: a larger threshold keeps a fiber interactive however the OS delays it.
  void set_interactive_ns(int64_t ns) { interactive_ns_ = ns; }
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
  // Puts a ready fiber on the urgent or the normal queue.
  void Enqueue(FiberImpl* f);
  // Runs the urgent queue's fibers (for at most kSliceNs; the rest stay first in line).
  void RunUrgent();
  // Between two fibers: polls sockets and runs tasks if kSliceNs passed since the last poll.
  void MaybePollBetweenFibers();

  Proactor* proactor_;
  FiberImpl* current_ = nullptr;
  std::vector<FiberImpl*> ready_;
  std::vector<FiberImpl*> running_batch_;
  std::vector<FiberImpl*> urgent_;
  std::vector<FiberImpl*> urgent_batch_;
  int64_t now_ns_ = 0;        // the clock when the last fiber switched back (one read per run)
  int64_t last_poll_ns_ = 0;  // when sockets were last polled (approximately)
  bool io_polled_ = false;
  int64_t interactive_ns_ = kInteractiveNs;
  uint64_t urgent_runs_ = 0, batch_polls_ = 0;
  std::vector<Timer> timers_;  // min-heap on deadline
  size_t live_fibers_ = 0;
};

// Wakes `f` (suspended in `epoch`) from any thread.
void WakeFiber(FiberImpl* f, uint64_t epoch);

// The current fiber, or nullptr in dispatcher context or on a plain thread.
FiberImpl* CurrentFiber();

}  // namespace detail
}  // namespace lw::io
