// Poller: the readiness backend of a Proactor. Two implementations share this interface:
// epoll (default) and io_uring (multishot poll requests), chosen by PollerKind.
//
// A socket registers an IoWatch once; the poller reports readiness edges on it and the
// Proactor wakes the fibers parked in the watch. The proactor's wake-up eventfd is watched by
// the poller itself and reported as `woken`.
// Thread-safety: owner thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "io/fiber.h"

namespace lw::io {

namespace detail {
class FiberImpl;
}

enum class PollerKind { kEpoll, kUring };

// Per-fd state the poller points at. Owned by the socket; lives while it is registered.
struct IoWatch {
  int fd = -1;
  detail::FiberImpl* reader = nullptr;
  uint64_t reader_epoch = 0;
  detail::FiberImpl* writer = nullptr;
  uint64_t writer_epoch = 0;
  // Set by every readable edge the poller reports (a fiber waits or not), cleared by
  // FiberSocket::ClearReadEdge before a read: while it is clear, nothing arrived since that
  // read that the poller has reported yet (and what it has not reported yet will wake a
  // reader). Lets a reader that drained the socket park without a read that fails EAGAIN.
  bool read_edge = false;
  void* backend_cookie = nullptr;  // used by the io_uring backend
};

class Poller {
 public:
  virtual ~Poller() = default;

  static std::unique_ptr<Poller> Create(PollerKind kind, int wake_fd);

  virtual bool Register(IoWatch* watch) = 0;
  virtual void Unregister(IoWatch* watch) = 0;

  // Waits up to `timeout` (max() = forever, zero = poll) and calls `on_ready(watch, readable,
  // writable)` per ready watch. Returns the number of events seen.
  using ReadyFn = std::function<void(IoWatch*, bool readable, bool writable)>;
  virtual int Wait(Clock::duration timeout, const ReadyFn& on_ready) = 0;
};

// Resets the wake-up eventfd after the poller reported it. One read suffices: a (non
// semaphore) eventfd read returns the whole counter and zeroes it, so a loop's second read
// only failed with EAGAIN, one wasted system call per wake-up; a write after this read makes
// the fd readable again and is reported as a new edge.
void DrainWakeFd(int wake_fd);

}  // namespace lw::io
