// Proactor: one per thread. It owns the thread's fiber scheduler, its I/O poller (epoll or
// io_uring), its timers and a lock-free queue of tasks sent by other threads.
//
// Run() is the thread's dispatcher loop: it runs ready fibers, cross-thread tasks, expired
// timers and I/O readiness, and sleeps in the poller when there is nothing to do.
//
// Cross-thread messaging (the only way to touch another thread's data):
//   DispatchBrief(fn)  fire and forget; fn runs in the loop itself and must not suspend.
//   Dispatch(fn)       fire and forget; fn runs in a new fiber there and may suspend.
//   Await(fn)          runs fn in the loop there and returns its result; the calling fiber
//                      suspends meanwhile (its thread keeps working). A plain thread blocks.
//   AwaitFiber(fn)     as Await, but fn runs in a fiber there and may suspend.
// Thread-safety: the four calls above and Stop() may be called from any thread; everything
// else only from the proactor's own thread.
// REQUIRES: Await/AwaitFiber are not called from dispatcher context of another proactor
// (a brief task must never block its loop).
#pragma once

#include <sched.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

#include "io/fiber.h"
#include "io/fiber_internal.h"
#include "io/mpsc_queue.h"
#include "io/poller.h"

namespace lw::io {

class Proactor {
 public:
  explicit Proactor(int index = 0, PollerKind kind = PollerKind::kEpoll);
  ~Proactor();
  Proactor(const Proactor&) = delete;
  Proactor& operator=(const Proactor&) = delete;

  // The proactor running on the calling thread, or nullptr.
  static Proactor* Current();

  int index() const { return index_; }
  PollerKind poller_kind() const { return poller_kind_; }
  // Any thread; a hint that may be stale at once: true while the loop has nothing to run
  // (spinning before sleep, or asleep). Work sent there is picked up with no queueing delay.
  bool idle() const { return idle_.load(std::memory_order_relaxed); }
  // Any thread: nanoseconds the loop spent out of work (spinning before sleep, or asleep),
  // added when each such turn ends. Its growth over an interval against the interval's length
  // is the thread's spare time (connection migration asks this of a hot key's thread before
  // moving more work there). A turn still in progress is not counted yet.
  int64_t idle_ns() const { return idle_ns_.load(std::memory_order_relaxed); }
  // Owner thread only: other fibers are ready to run, or tasks wait (the thread has work
  // besides the caller).
  bool HasOtherWork() const { return scheduler_.HasReady() || !tasks_.Empty(); }
  // Owner thread only: tasks other threads queued here wait to run.
  bool HasTasks() const { return !tasks_.Empty(); }
  // Owner thread only: polls the sockets without waiting, so fibers whose sockets are ready
  // become ready now. The loop polls I/O only every few turns while fibers are ready, so a
  // long-running fiber that yields in steps calls this first, or requests would wait behind it.
  void PollIoNow();
  // Owner thread, dispatcher context only (the scheduler between two fibers): runs the tasks
  // other threads queued here (bounded, as the loop does).
  void RunTasksNow() { RunTasks(); }

  // Runs the loop on the calling thread until Stop(). Fibers still suspended at that point
  // are abandoned (logged); callers should end their fibers first.
  void Run();
  void Stop();

  void DispatchBrief(std::function<void()> fn);
  void Dispatch(std::function<void()> fn, std::string_view name = "dispatched");

  template <typename F>
  auto Await(F&& fn) -> std::invoke_result_t<F>;
  template <typename F>
  auto AwaitFiber(F&& fn) -> std::invoke_result_t<F>;

  // Owner thread only: sockets park fibers here.
  Poller* poller() { return poller_.get(); }
  // Wakes the parked fibers of `watch` according to readiness.
  void OnReady(IoWatch* watch, bool readable, bool writable);

  size_t live_fibers() const { return scheduler_.live_fibers(); }
  uint64_t loop_iterations() const { return loop_iterations_; }
  // Idle turns that spun before sleeping / that slept in the poller (tests, diagnostics).
  uint64_t spins() const { return spins_; }
  uint64_t sleeps() const { return sleeps_; }
  // Idle turns that would have spun but did not: a recent spin found the machine busy.
  uint64_t spins_skipped() const { return spins_skipped_; }
  // Owner thread only, for tests: replaces the spin's sched_yield (e.g. by a sleep that
  // stands for a contended core).
  void SetYieldForTest(void (*yield)()) { yield_ = yield; }

 private:
  void RunTasks();
  void Wake();
  enum class SpinEnd { kWork, kIdle, kBusy };
  // Before sleeping: spins briefly (yielding the core between polls) until a task arrives or
  // a socket is ready (kWork), the spin time is up (kIdle), or a yield showed that another
  // thread wanted this core (kBusy: spinning pauses for busy_backoff_).
  SpinEnd SpinForWork(const Poller::ReadyFn& on_ready);
  // False while a busy spin's pause lasts (counted in spins_skipped_).
  bool MaySpin();
  // An idle turn begun at `since` ends at `now`: clears idle_, adds the time to idle_ns_.
  void EndIdle(Clock::time_point since, Clock::time_point now);

  // How long an idle loop polls its task queue before sleeping in the poller. Cross-thread
  // request/response (a transaction's hops, a script's flush) answers within tens of
  // microseconds; catching it while awake saves an eventfd wake-up each way. 100 us took a
  // single-connection script benchmark from ~16k to ~18-32k calls/s (2 threads, 2 cores).
  static constexpr int kSpinMicros = 100;
  // Spinning pays only while work keeps arriving quickly. It is skipped after a sleep that
  // ended without work (a timer: the expiry loop) or lasted longer than this: an idle
  // server, or clients that pause between requests, then sleep at once and cost no CPU.
  static constexpr int kSpinAfterSleepMicros = 1000;
  // A spin ends early when sched_yield kept the thread off its core this long: another
  // process wants the CPU (the clients, on a small machine), so polling only steals from it.
  static constexpr int kBusyYieldMicros = 50;
  // After such a busy spin the loop sleeps at once for this long, doubling (up to the max)
  // while the next spin finds the machine busy again; a spin that ends otherwise resets it.
  // Clients and server threads outnumbering the cores (memtier's 2 threads and 2 proactors
  // on 2 cores) made every idle turn yield: 15% of the server's context switches.
  static constexpr std::chrono::milliseconds kBusyBackoffMin{1};
  static constexpr std::chrono::milliseconds kBusyBackoffMax{64};

  int index_;
  PollerKind poller_kind_;
  int wake_fd_;
  std::unique_ptr<Poller> poller_;
  detail::Scheduler scheduler_;
  MpscQueue<std::function<void()>> tasks_;
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> idle_{false};
  std::atomic<int64_t> idle_ns_{0};  // written by the owner thread only
  std::atomic<bool> stop_{false};
  uint64_t loop_iterations_ = 0;
  uint64_t busy_turns_ = 0;
  bool spin_ = true;  // whether the next idle turn spins (see kSpinAfterSleepMicros)
  uint64_t spins_ = 0, sleeps_ = 0, spins_skipped_ = 0;
  Clock::duration busy_backoff_{0};  // zero: no pause (the last spin did not find it busy)
  Clock::time_point spin_resume_at_;
  void (*yield_)() = [] { sched_yield(); };
};

namespace detail {
// Runs `post(on_done)` and waits until on_done() was called, from a fiber or a plain thread.
void AwaitCompletion(const std::function<void(std::function<void()>)>& post);
}  // namespace detail

template <typename F>
auto Proactor::Await(F&& fn) -> std::invoke_result_t<F> {
  using R = std::invoke_result_t<F>;
  if (Current() == this) return fn();
  if constexpr (std::is_void_v<R>) {
    detail::AwaitCompletion([&](std::function<void()> done) {
      DispatchBrief([&fn, done = std::move(done)] {
        fn();
        done();
      });
    });
  } else {
    std::optional<R> result;
    detail::AwaitCompletion([&](std::function<void()> done) {
      DispatchBrief([&fn, &result, done = std::move(done)] {
        result.emplace(fn());
        done();
      });
    });
    return std::move(*result);
  }
}

template <typename F>
auto Proactor::AwaitFiber(F&& fn) -> std::invoke_result_t<F> {
  using R = std::invoke_result_t<F>;
  if constexpr (std::is_void_v<R>) {
    detail::AwaitCompletion([&](std::function<void()> done) {
      Dispatch([&fn, done = std::move(done)] {
        fn();
        done();
      });
    });
  } else {
    std::optional<R> result;
    detail::AwaitCompletion([&](std::function<void()> done) {
      Dispatch([&fn, &result, done = std::move(done)] {
        result.emplace(fn());
        done();
      });
    });
    return std::move(*result);
  }
}

}  // namespace lw::io
