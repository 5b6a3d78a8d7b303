#include "io/fiber.h"

#include <boost/context/protected_fixedsize_stack.hpp>

#include <algorithm>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "io/fiber_internal.h"
#include "io/proactor.h"

namespace lw::io {
namespace detail {

namespace {
thread_local Scheduler* tl_scheduler = nullptr;

// Fiber stacks (mmap'd, with a guard page) are kept per thread for reuse: mapping and
// unmapping one per fiber costs page faults and, on unmap, a TLB shootdown on every core.
// A fiber is created and destroyed on its scheduler's thread, so no locking is needed.
class StackCache {
 public:
  static constexpr size_t kMaxCached = 32;
  ~StackCache() {
    for (auto& [size, sc] : free_) boost::context::protected_fixedsize_stack(size).deallocate(sc);
  }
  boost::context::stack_context Take(size_t size) {
    for (size_t i = free_.size(); i-- > 0;) {
      if (free_[i].first == size) {
        boost::context::stack_context sc = free_[i].second;
        free_[i] = free_.back();
        free_.pop_back();
        return sc;
      }
    }
    return boost::context::protected_fixedsize_stack(size).allocate();
  }
  void Give(size_t size, boost::context::stack_context& sc) {
    if (free_.size() < kMaxCached) {
      free_.emplace_back(size, sc);
    } else {
      boost::context::protected_fixedsize_stack(size).deallocate(sc);
    }
  }

 private:
  std::vector<std::pair<size_t, boost::context::stack_context>> free_;
};

thread_local StackCache tl_stacks;

// A Boost.Context stack allocator over the calling thread's cache.
class CachedStack {
 public:
  explicit CachedStack(size_t size) : size_(size) {}
  boost::context::stack_context allocate() { return tl_stacks.Take(size_); }
  void deallocate(boost::context::stack_context& sc) { tl_stacks.Give(size_, sc); }

 private:
  size_t size_;
};
}  // namespace

FiberImpl::FiberImpl(std::string name, std::function<void()> fn, Scheduler* scheduler, size_t stack)
    : name_(std::move(name)), fn_(std::move(fn)), scheduler_(scheduler) {
  context_ = boost::context::fiber(std::allocator_arg, CachedStack(stack),
                                   [this](boost::context::fiber&& caller) {
                                     caller_ = std::move(caller);
                                     fn_();
                                     fn_ = nullptr;
                                     state_ = State::kDone;
                                     {
                                       std::lock_guard<std::mutex> lock(join_mu_);
                                       finished_ = true;
                                       join_waiters_.NotifyAll();
                                     }
                                     return std::move(caller_);
                                   });
}

Scheduler* Scheduler::Current() { return tl_scheduler; }
void Scheduler::SetCurrent(Scheduler* scheduler) { tl_scheduler = scheduler; }

FiberImpl* CurrentFiber() {
  Scheduler* s = tl_scheduler;
  return s ? s->current() : nullptr;
}

FiberImpl* Scheduler::Launch(std::string_view name, std::function<void()> fn, size_t stack_size) {
  auto* f = new FiberImpl(std::string(name), std::move(fn), this, stack_size);
  ++live_fibers_;
  ready_.push_back(f);
  return f;
}

void Scheduler::MakeReady(FiberImpl* f, uint64_t epoch, bool io_readable) {
  DCHECK_EQ(f->scheduler_, this);
  if (f->state_ != FiberImpl::State::kSuspended || f->epoch_ != epoch) return;
  ++f->epoch_;
  f->state_ = FiberImpl::State::kReady;
  if (io_readable) {
    // A new request: the client is interactive if serving its previous one took little CPU.
    f->interactive_ = f->ran_ns_ < interactive_ns_;
    f->ran_ns_ = 0;
  }
  Enqueue(f);
}

void Scheduler::Enqueue(FiberImpl* f) {
  if (f->interactive_ && f->ran_ns_ < interactive_ns_) {
    urgent_.push_back(f);
  } else {
    ready_.push_back(f);
  }
}

void Scheduler::Suspend() {
  FiberImpl* f = current_;
  DCHECK(f != nullptr) << "Suspend outside a fiber";
  f->state_ = FiberImpl::State::kSuspended;
  f->caller_ = std::move(f->caller_).resume();
}

void Scheduler::SuspendUntil(Clock::time_point deadline) {
  FiberImpl* f = current_;
  f->AddRef();  // released when the timer is popped
  timers_.push_back(Timer{deadline, f, f->epoch_});
  std::push_heap(timers_.begin(), timers_.end(), std::greater<Timer>());
  Suspend();
}

void Scheduler::Yield() {
  FiberImpl* f = current_;
  // Resume() queues it once it has switched out and its run time is known.
  f->state_ = FiberImpl::State::kReady;
  f->caller_ = std::move(f->caller_).resume();
}

void Scheduler::MaybeYield(int64_t now_ns) {
  FiberImpl* f = current_;
  if (f != nullptr && now_ns - f->run_start_ns_ >= kSliceNs) Yield();
}

void Scheduler::Resume(FiberImpl* f) {
  current_ = f;
  f->state_ = FiberImpl::State::kRunning;
  f->run_start_ns_ = now_ns_;
  f->context_ = std::move(f->context_).resume();
  current_ = nullptr;
  // One clock read per run: its end is the next run's start.
  now_ns_ = SteadyNowNs();
  f->ran_ns_ += now_ns_ - f->run_start_ns_;
  if (f->state_ == FiberImpl::State::kReady) {
    Enqueue(f);  // it yielded
  } else if (f->state_ == FiberImpl::State::kDone) {
    --live_fibers_;
    f->Release();  // the scheduler's reference
  }
}

void Scheduler::RunUrgent() {
  if (urgent_.empty()) return;
  // What other threads sent first: a reply an urgent fiber waits for, or a message that must
  // precede its next reply (a connection yields until its thread's task queue is drained).
  if (proactor_ != nullptr && proactor_->HasTasks()) {
    proactor_->RunTasksNow();
    now_ns_ = SteadyNowNs();
  }
  const int64_t start = now_ns_;
  urgent_batch_.swap(urgent_);
  size_t i = 0;
  // Bounded: fibers that stay interactive cannot keep the normal queue waiting for more than
  // a slice at a time.
  for (; i < urgent_batch_.size() && now_ns_ - start < kSliceNs; ++i) {
    ++urgent_runs_;
    Resume(urgent_batch_[i]);
    MaybePollBetweenFibers();
  }
  // Those not run stay first in line, ahead of the ones queued meanwhile.
  urgent_.insert(urgent_.begin(), urgent_batch_.begin() + i, urgent_batch_.end());
  urgent_batch_.clear();
}

void Scheduler::MaybePollBetweenFibers() {
  if (now_ns_ - last_poll_ns_ < kSliceNs || proactor_ == nullptr) return;
  ++batch_polls_;
  proactor_->PollIoNow();  // readable sockets' fibers become ready (interactive: urgent)
  io_polled_ = false;
  if (proactor_->HasTasks()) proactor_->RunTasksNow();
  now_ns_ = SteadyNowNs();
  last_poll_ns_ = now_ns_;
}

void Scheduler::RunReadyBatch() {
  // Fibers made ready while this batch runs wait for the next turn, so I/O and cross-thread
  // tasks are polled between turns even when fibers keep yielding. Urgent fibers run between
  // any two of the batch, and sockets are polled between two once a slice has passed.
  now_ns_ = SteadyNowNs();
  if (io_polled_) {
    last_poll_ns_ = now_ns_;  // the loop polled just before this batch
    io_polled_ = false;
  }
  // Swap first: a fiber that yields to the normal queue while the urgent ones run must wait
  // for the next turn (and the task queue before it), as every yielding fiber does.
  running_batch_.swap(ready_);
  RunUrgent();
  for (FiberImpl* f : running_batch_) {
    Resume(f);
    MaybePollBetweenFibers();
    RunUrgent();
  }
  running_batch_.clear();
}

Clock::time_point Scheduler::FireTimers(Clock::time_point now) {
  while (!timers_.empty() && timers_.front().deadline <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), std::greater<Timer>());
    Timer t = timers_.back();
    timers_.pop_back();
    MakeReady(t.fiber, t.epoch);
    t.fiber->Release();
  }
  return timers_.empty() ? Clock::time_point::max() : timers_.front().deadline;
}

void WakeFiber(FiberImpl* f, uint64_t epoch) {
  Scheduler* owner = f->scheduler();
  if (owner == tl_scheduler) {
    owner->MakeReady(f, epoch);
    return;
  }
  f->AddRef();
  owner->proactor()->DispatchBrief([f, epoch] {
    f->scheduler()->MakeReady(f, epoch);
    f->Release();
  });
}

}  // namespace detail

Fiber::Fiber(std::string_view name, std::function<void()> fn) {
  detail::Scheduler* s = detail::Scheduler::Current();
  CHECK(s != nullptr) << "Fiber launched on a thread without a Proactor";
  impl_ = s->Launch(name, std::move(fn), kDefaultStackSize);
  impl_->AddRef();
}

Fiber::Fiber(Fiber&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)) {}

Fiber& Fiber::operator=(Fiber&& other) noexcept {
  CHECK(!joinable()) << "assigning over a joinable fiber";
  impl_ = std::exchange(other.impl_, nullptr);
  return *this;
}

Fiber::~Fiber() { CHECK(!joinable()) << "fiber handle destroyed while joinable"; }

void Fiber::Join() {
  CHECK(joinable());
  {
    std::unique_lock<std::mutex> lock(impl_->join_mu_);
    while (!impl_->finished_) {
      detail::Waiter w;
      detail::BlockOn(lock, impl_->join_waiters_, w);
    }
  }
  std::exchange(impl_, nullptr)->Release();
}

void Fiber::Detach() {
  CHECK(joinable());
  std::exchange(impl_, nullptr)->Release();
}

namespace this_fiber {

bool InFiber() { return detail::CurrentFiber() != nullptr; }

void Yield() {
  CHECK(InFiber());
  detail::Scheduler::Current()->Yield();
}

void SleepUntil(Clock::time_point deadline) {
  CHECK(InFiber());
  auto* s = detail::Scheduler::Current();
  while (Clock::now() < deadline) {
    detail::CurrentFiber()->NextWaitEpoch();
    s->SuspendUntil(deadline);
  }
}

void SleepFor(Clock::duration duration) { SleepUntil(Clock::now() + duration); }

void MaybeYield(int64_t now_ns) {
  if (detail::Scheduler* s = detail::Scheduler::Current()) s->MaybeYield(now_ns);
}

std::string_view Name() {
  detail::FiberImpl* f = detail::CurrentFiber();
  return f ? std::string_view(f->name()) : std::string_view();
}

}  // namespace this_fiber
}  // namespace lw::io
