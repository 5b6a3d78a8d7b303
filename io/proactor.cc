#include "io/proactor.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "base/logging.h"
#include "io/done.h"

namespace lw::io {

namespace {
thread_local Proactor* tl_proactor = nullptr;
}  // namespace

Proactor::Proactor(int index, PollerKind kind)
    : index_(index), poller_kind_(kind), scheduler_(this) {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  CHECK_GE(wake_fd_, 0) << "eventfd";
  poller_ = Poller::Create(kind, wake_fd_);
}

Proactor::~Proactor() {
  // Tasks never run are dropped; their closures are destroyed with the queue.
  poller_.reset();
  close(wake_fd_);
}

Proactor* Proactor::Current() { return tl_proactor; }

void Proactor::Wake() {
  // Dekker-style handshake with Run(): our queue push must be visible before we read
  // sleeping_, just as Run() publishes sleeping_ before it re-checks the queue.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (sleeping_.load(std::memory_order_seq_cst) &&
      sleeping_.exchange(false, std::memory_order_seq_cst)) {
    uint64_t one = 1;
    ssize_t n = write(wake_fd_, &one, sizeof(one));
    (void)n;
  }
}

void Proactor::DispatchBrief(std::function<void()> fn) {
  tasks_.Push(std::move(fn));
  Wake();
}

void Proactor::Dispatch(std::function<void()> fn, std::string_view name) {
  std::string owned_name(name);
  DispatchBrief([fn = std::move(fn), owned_name = std::move(owned_name)]() mutable {
    Fiber(owned_name, std::move(fn)).Detach();
  });
}

void Proactor::Stop() {
  stop_.store(true);
  tasks_.Push([] {});
  Wake();
}

void Proactor::RunTasks() {
  // Bounded so that a flood of tasks cannot starve fibers and I/O.
  for (int i = 0; i < 1024; ++i) {
    auto task = tasks_.TryPop();
    if (!task) return;
    (*task)();
  }
}

bool Proactor::MaySpin() {
  if (busy_backoff_ == Clock::duration::zero()) return true;
  if (Clock::now() >= spin_resume_at_) return true;  // a probe: is the machine still busy?
  ++spins_skipped_;
  return false;
}

Proactor::SpinEnd Proactor::SpinForWork(const Poller::ReadyFn& on_ready) {
  // Polite spinning: between polls the thread yields its core, so when the machine is busy
  // (clients on the same cores) whoever is runnable gets the CPU instead of this loop. The
  // sockets are polled too: a client's next request (request/response, a pipeline's next
  // batch) must not wait for the spin to end.
  ++spins_;
  auto now = Clock::now();
  const auto until = now + std::chrono::microseconds(kSpinMicros);
  do {
    for (int i = 0; i < 16; ++i) {
      if (!tasks_.Empty()) return SpinEnd::kWork;
      __builtin_ia32_pause();
    }
    poller_->Wait(Clock::duration::zero(), on_ready);
    scheduler_.NoteIoPolled();
    if (scheduler_.HasReady() || !tasks_.Empty()) return SpinEnd::kWork;
    const auto before_yield = Clock::now();
    yield_();
    now = Clock::now();
    if (now - before_yield > std::chrono::microseconds(kBusyYieldMicros)) {
      // Someone else ran on this core meanwhile: the machine is busy, stop competing, and
      // do not spin again for a while. Every spin on a busy machine costs two process
      // switches (there and back), and the yield keeps the thread off its core for
      // milliseconds while requests wait; sleeping in the poller instead wakes it when one
      // arrives. The pause doubles while probes keep finding the machine busy.
      busy_backoff_ = std::clamp(2 * busy_backoff_, Clock::duration(kBusyBackoffMin),
                                 Clock::duration(kBusyBackoffMax));
      spin_resume_at_ = now + busy_backoff_;
      return SpinEnd::kBusy;
    }
  } while (now < until);
  return SpinEnd::kIdle;
}

void Proactor::EndIdle(Clock::time_point since, Clock::time_point now) {
  idle_.store(false, std::memory_order_relaxed);
  const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - since).count();
  idle_ns_.store(idle_ns_.load(std::memory_order_relaxed) + ns, std::memory_order_relaxed);
}

void Proactor::PollIoNow() {
  poller_->Wait(Clock::duration::zero(),
                [this](IoWatch* w, bool r, bool wr) { OnReady(w, r, wr); });
}

void Proactor::OnReady(IoWatch* watch, bool readable, bool writable) {
  if (readable) watch->read_edge = true;
  if (readable && watch->reader) {
    detail::FiberImpl* f = std::exchange(watch->reader, nullptr);
    scheduler_.MakeReady(f, watch->reader_epoch, /*io_readable=*/true);
  }
  if (writable && watch->writer) {
    detail::FiberImpl* f = std::exchange(watch->writer, nullptr);
    scheduler_.MakeReady(f, watch->writer_epoch);
  }
}

void Proactor::Run() {
  CHECK(tl_proactor == nullptr) << "one proactor per thread";
  tl_proactor = this;
  detail::Scheduler::SetCurrent(&scheduler_);
  auto on_ready = [this](IoWatch* w, bool r, bool wr) { OnReady(w, r, wr); };

  while (!stop_.load(std::memory_order_relaxed)) {
    ++loop_iterations_;
    RunTasks();
    Clock::time_point next_timer = scheduler_.FireTimers(Clock::now());
    if (scheduler_.HasReady()) {
      scheduler_.RunReadyBatch();
      // Poll I/O between batches, but not on every turn: a system call per fiber switch
      // would dominate the cost of yielding.
      // (Within a long batch the scheduler also polls between fibers once a slice passed.)
      if (++busy_turns_ % 8 == 0) {
        poller_->Wait(Clock::duration::zero(), on_ready);
        scheduler_.NoteIoPolled();
      }
      continue;
    }
    // About to sleep: first spin briefly on the task queue. Cross-thread request/response
    // hops usually answer within microseconds, and an eventfd wake-up costs far more.
    idle_.store(true, std::memory_order_relaxed);
    const auto idle_since = Clock::now();
    if (spin_ && MaySpin()) {
      const SpinEnd end = SpinForWork(on_ready);
      if (end != SpinEnd::kBusy) busy_backoff_ = Clock::duration::zero();
      if (end == SpinEnd::kWork) {
        EndIdle(idle_since, Clock::now());
        continue;
      }
    }
    // Nothing runnable: sleep in the poller until I/O, a task (eventfd) or the next timer.
    sleeping_.store(true, std::memory_order_seq_cst);
    if (!tasks_.Empty() || stop_.load()) {
      sleeping_.store(false, std::memory_order_relaxed);
      EndIdle(idle_since, Clock::now());
      continue;
    }
    Clock::duration timeout =
        next_timer == Clock::time_point::max() ? Clock::duration::max() : next_timer - Clock::now();
    ++sleeps_;
    const auto slept_at = Clock::now();
    poller_->Wait(timeout, on_ready);
    scheduler_.NoteIoPolled();
    // Spin next time only if this sleep ended soon and with work: a busy request/response
    // flow, where catching the next message awake saves a wake-up.
    const auto woke_at = Clock::now();
    spin_ = (scheduler_.HasReady() || !tasks_.Empty()) &&
            woke_at - slept_at < std::chrono::microseconds(kSpinAfterSleepMicros);
    sleeping_.store(false, std::memory_order_relaxed);
    EndIdle(idle_since, woke_at);
  }
  RunTasks();
  if (scheduler_.live_fibers() > 0) {
    VLOG(1) << "proactor " << index_ << " stopped with " << scheduler_.live_fibers()
            << " fibers still suspended";
  }
  detail::Scheduler::SetCurrent(nullptr);
  tl_proactor = nullptr;
}

namespace detail {

void AwaitCompletion(const std::function<void(std::function<void()>)>& post) {
  FiberImpl* self = CurrentFiber();
  if (self != nullptr) {
    // Fast path: the completion wakes this fiber directly, no lock involved.
    std::atomic<bool> ready{false};
    uint64_t epoch = self->NextWaitEpoch();
    post([self, epoch, &ready] {
      self->AddRef();
      ready.store(true, std::memory_order_release);
      WakeFiber(self, epoch);
      self->Release();
    });
    while (!ready.load(std::memory_order_acquire)) self->scheduler()->Suspend();
    return;
  }
  Done done;
  post([&done] { done.Notify(); });
  done.Wait();
}

}  // namespace detail
}  // namespace lw::io
