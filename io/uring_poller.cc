// Poller on io_uring: one multishot POLL_ADD request per socket (re-armed if the kernel ends
// it). Watches are named in requests by registration id, never by pointer, so a completion
// that arrives after Unregister is recognised and dropped.
#include <liburing.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <unordered_map>

#include "base/logging.h"
#include "io/poller.h"

namespace lw::io {
namespace {

constexpr uint64_t kWakeId = 0;

class UringPoller final : public Poller {
 public:
  explicit UringPoller(int wake_fd) : wake_fd_(wake_fd) {
    int rc = io_uring_queue_init(1024, &ring_, 0);
    CHECK_EQ(rc, 0) << "io_uring_queue_init: " << strerror(-rc);
    Arm(wake_fd_, kWakeId);
    io_uring_submit(&ring_);
  }
  ~UringPoller() override { io_uring_queue_exit(&ring_); }

  bool Register(IoWatch* watch) override {
    uint64_t id = next_id_++;
    watches_[id] = watch;
    watch->backend_cookie = reinterpret_cast<void*>(id);
    Arm(watch->fd, id);
    return true;
  }

  void Unregister(IoWatch* watch) override {
    uint64_t id = reinterpret_cast<uint64_t>(watch->backend_cookie);
    if (watches_.erase(id) == 0) return;
    io_uring_sqe* sqe = GetSqe();
    io_uring_prep_poll_remove(sqe, id);
    io_uring_sqe_set_data64(sqe, kRemoveTag);
    io_uring_submit(&ring_);
  }

  int Wait(Clock::duration timeout, const ReadyFn& on_ready) override {
    io_uring_submit(&ring_);
    io_uring_cqe* cqe = nullptr;
    int rc;
    if (timeout == Clock::duration::max()) {
      rc = io_uring_wait_cqe(&ring_, &cqe);
    } else {
      if (timeout < Clock::duration::zero()) timeout = Clock::duration::zero();
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
      __kernel_timespec ts{ns / 1000000000, ns % 1000000000};
      rc = io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
    }
    if (rc < 0) return 0;  // timeout or EINTR
    int seen = 0;
    unsigned head;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      uint64_t id = io_uring_cqe_get_data64(cqe);
      bool more = cqe->flags & IORING_CQE_F_MORE;
      int res = cqe->res;
      if (id == kRemoveTag) continue;
      if (id == kWakeId) {
        DrainWakeFd(wake_fd_);
        if (!more) Arm(wake_fd_, kWakeId);
        continue;
      }
      auto it = watches_.find(id);
      if (it == watches_.end()) continue;
      IoWatch* watch = it->second;
      if (!more) Arm(watch->fd, id);
      if (res < 0) {
        on_ready(watch, true, true);
        continue;
      }
      bool hangup = res & (POLLERR | POLLHUP);
      on_ready(watch, hangup || (res & (POLLIN | POLLRDHUP)), hangup || (res & POLLOUT));
    }
    io_uring_cq_advance(&ring_, seen);
    return seen;
  }

 private:
  static constexpr uint64_t kRemoveTag = ~uint64_t(0);

  io_uring_sqe* GetSqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    CHECK(sqe != nullptr);
    return sqe;
  }

  void Arm(int fd, uint64_t id) {
    io_uring_sqe* sqe = GetSqe();
    io_uring_prep_poll_multishot(sqe, fd, POLLIN | POLLOUT | POLLRDHUP);
    io_uring_sqe_set_data64(sqe, id);
  }

  io_uring ring_;
  int wake_fd_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, IoWatch*> watches_;
};

}  // namespace

std::unique_ptr<Poller> CreateUringPoller(int wake_fd) {
  return std::make_unique<UringPoller>(wake_fd);
}

}  // namespace lw::io
