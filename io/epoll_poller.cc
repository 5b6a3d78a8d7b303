// Poller on epoll, edge-triggered: every socket is registered once for in/out/hang-up edges,
// so parking a fiber costs no system call.
#include <sys/epoll.h>
#include <unistd.h>
#include <algorithm>

#include <cerrno>
#include <ctime>

#include "base/logging.h"
#include "io/poller.h"

namespace lw::io {

std::unique_ptr<Poller> CreateUringPoller(int wake_fd);

namespace {

class EpollPoller final : public Poller {
 public:
  explicit EpollPoller(int wake_fd) : wake_fd_(wake_fd) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    CHECK_GE(epfd_, 0) << "epoll_create1";
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.ptr = nullptr;
    CHECK_EQ(epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev), 0);
  }
  ~EpollPoller() override { close(epfd_); }

  bool Register(IoWatch* watch) override {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = watch;
    return epoll_ctl(epfd_, EPOLL_CTL_ADD, watch->fd, &ev) == 0;
  }

  void Unregister(IoWatch* watch) override {
    epoll_event ev{};
    epoll_ctl(epfd_, EPOLL_CTL_DEL, watch->fd, &ev);
  }

  int Wait(Clock::duration timeout, const ReadyFn& on_ready) override {
    timespec ts{};
    timespec* tsp = nullptr;
    if (timeout != Clock::duration::max()) {
      if (timeout < Clock::duration::zero()) timeout = Clock::duration::zero();
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
      ts.tv_sec = ns / 1000000000;
      ts.tv_nsec = ns % 1000000000;
      tsp = &ts;
    }
    int n = -1;
    if (have_pwait2_) {
      n = epoll_pwait2(epfd_, events_, kMaxEvents, tsp, nullptr);
      // Kernels before 5.11 (and valgrind) lack it: fall back to millisecond timeouts.
      if (n < 0 && errno == ENOSYS) have_pwait2_ = false;
    }
    if (!have_pwait2_) {
      int ms = -1;
      if (tsp != nullptr) {  // round up, so a short timeout does not become a busy poll
        ms = int(std::min<int64_t>(
            INT32_MAX, (int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec + 999999) / 1000000));
      }
      n = epoll_wait(epfd_, events_, kMaxEvents, ms);
    }
    if (n < 0) {
      CHECK_EQ(errno, EINTR) << "epoll_wait";
      return 0;
    }
    for (int i = 0; i < n; ++i) {
      auto* watch = static_cast<IoWatch*>(events_[i].data.ptr);
      uint32_t e = events_[i].events;
      if (watch == nullptr) {
        DrainWakeFd(wake_fd_);
        continue;
      }
      bool hangup = e & (EPOLLERR | EPOLLHUP);
      on_ready(watch, hangup || (e & (EPOLLIN | EPOLLRDHUP)), hangup || (e & EPOLLOUT));
    }
    return n;
  }

 private:
  static constexpr int kMaxEvents = 256;
  bool have_pwait2_ = true;
  int epfd_;
  int wake_fd_;
  epoll_event events_[kMaxEvents];
};

}  // namespace

std::unique_ptr<Poller> Poller::Create(PollerKind kind, int wake_fd) {
  if (kind == PollerKind::kUring) return CreateUringPoller(wake_fd);
  return std::make_unique<EpollPoller>(wake_fd);
}

void DrainWakeFd(int wake_fd) {
  uint64_t counter;
  ssize_t n = read(wake_fd, &counter, sizeof(counter));
  (void)n;  // EAGAIN: another read took it (a spurious report), nothing to reset
}

}  // namespace lw::io
