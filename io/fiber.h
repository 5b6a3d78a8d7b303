// Fibers: cooperative threads of execution on Boost.Context, scheduled by the Proactor of the
// thread that launched them. A fiber never migrates between threads.
//
// A fiber runs until it suspends: on a fiber-aware primitive (Done, EventCount, Mutex,
// sockets, SleepFor) or this_fiber::Yield(). Suspending switches to the thread's dispatcher
// loop (Proactor::Run), which runs other ready fibers, cross-thread tasks and I/O.
//
// Thread-safety: Fiber handles are owned by one thread at a time. Join() may be called from a
// fiber of any thread, or from a plain thread (it then blocks the thread).
// REQUIRES: launching a fiber happens on a thread that runs a Proactor (Proactor::Current()
// is non-null), or through Proactor::LaunchFiber from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lw::io {

class Proactor;
namespace detail {
class FiberImpl;
}

using Clock = std::chrono::steady_clock;

class Fiber {
 public:
  Fiber() = default;
  // Launches `fn` as a new fiber on the current thread's proactor. It first runs when the
  // launching fiber next suspends (or, from dispatcher context, on the next loop turn).
  Fiber(std::string_view name, std::function<void()> fn);
  Fiber(Fiber&& other) noexcept;
  Fiber& operator=(Fiber&& other) noexcept;
  ~Fiber();  // REQUIRES: !joinable() (Join or Detach first)

  bool joinable() const { return impl_ != nullptr; }
  // Waits for the fiber to finish.
  void Join();
  // Lets the fiber run to completion on its own.
  void Detach();

  static constexpr size_t kDefaultStackSize = 256 * 1024;

 private:
  friend class Proactor;
  explicit Fiber(detail::FiberImpl* impl) : impl_(impl) {}
  detail::FiberImpl* impl_ = nullptr;
};

namespace this_fiber {

// True when the caller runs inside a fiber (not in a dispatcher loop or a plain thread).
bool InFiber();
// Lets every other ready fiber of this thread run once. REQUIRES: InFiber().
void Yield();
// REQUIRES: InFiber().
void SleepFor(Clock::duration duration);
void SleepUntil(Clock::time_point deadline);
// The cooperative time slice: yields (to the back of the thread's ready queue) if the calling
// fiber's current run began at least 100 us before `now_ns` (steady clock in ns, as
// base/clock.h's SteadyNowNs; pass a reading the caller already has: nothing is read here).
// Call it between requests of a pipeline, so the loop polls sockets and runs interactive
// fibers meanwhile. A no-op outside fibers.
void MaybeYield(int64_t now_ns);
// The name given at launch ("" outside fibers).
std::string_view Name();

}  // namespace this_fiber
}  // namespace lw::io
