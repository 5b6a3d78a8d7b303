#include "io/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/logging.h"
#include "io/fiber_internal.h"
#include "io/proactor.h"

namespace lw::io {

namespace {

void SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

}  // namespace

FiberSocket::FiberSocket(int fd) {
  watch_.fd = fd;
  SetNonBlocking(fd);
}

FiberSocket::FiberSocket(FiberSocket&& other) noexcept {
  CHECK(other.registered_on_ == nullptr) << "moving a registered socket";
  watch_.fd = std::exchange(other.watch_.fd, -1);
}

FiberSocket& FiberSocket::operator=(FiberSocket&& other) noexcept {
  CHECK(other.registered_on_ == nullptr) << "moving a registered socket";
  Close();
  watch_.fd = std::exchange(other.watch_.fd, -1);
  return *this;
}

FiberSocket::~FiberSocket() { Close(); }

bool FiberSocket::EnsureRegistered() {
  if (registered_on_) return true;
  Proactor* p = Proactor::Current();
  CHECK(p != nullptr) << "socket used outside a proactor thread";
  if (!p->poller()->Register(&watch_)) return false;
  registered_on_ = p;
  return true;
}

bool FiberSocket::WaitReadable() {
  if (!EnsureRegistered()) return false;
  detail::FiberImpl* self = detail::CurrentFiber();
  CHECK(self != nullptr) << "blocking socket call outside a fiber";
  watch_.reader = self;
  watch_.reader_epoch = self->NextWaitEpoch();
  self->scheduler()->Suspend();
  return true;
}

bool FiberSocket::WaitWritable() {
  if (!EnsureRegistered()) return false;
  detail::FiberImpl* self = detail::CurrentFiber();
  CHECK(self != nullptr) << "blocking socket call outside a fiber";
  watch_.writer = self;
  watch_.writer_epoch = self->NextWaitEpoch();
  self->scheduler()->Suspend();
  return true;
}

void FiberSocket::WakeWaiters() {
  if (registered_on_) registered_on_->OnReady(&watch_, true, true);
}

void FiberSocket::Deregister() {
  if (registered_on_ == nullptr) return;
  CHECK(registered_on_ == Proactor::Current()) << "socket deregistered on a foreign thread";
  CHECK(watch_.reader == nullptr && watch_.writer == nullptr) << "deregistering a waited socket";
  registered_on_->poller()->Unregister(&watch_);
  registered_on_ = nullptr;
}

int FiberSocket::Connect(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port_str = std::to_string(port);
  if (getaddrinfo(host.c_str(), port_str.c_str(), &hints, &res) != 0 || res == nullptr) {
    return -EHOSTUNREACH;
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return -errno;
  }
  Close();
  watch_.fd = fd;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int rc = connect(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc == 0) return 0;
  if (errno != EINPROGRESS) return -errno;
  while (true) {
    if (!WaitWritable()) return -errno;
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == 0) return 0;
    if (err != EINPROGRESS && err != EALREADY) return -err;
  }
}

ssize_t FiberSocket::Recv(void* buf, size_t len) {
  while (true) {
    ssize_t n = recv(watch_.fd, buf, len, 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return -errno;
    if (!WaitReadable()) return -errno;
  }
}

int FiberSocket::SendAll(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(watch_.fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return -errno;
    if (!WaitWritable()) return -errno;
  }
  return 0;
}

void FiberSocket::ShutdownBoth() {
  if (watch_.fd >= 0) shutdown(watch_.fd, SHUT_RDWR);
}

void FiberSocket::Close() {
  if (watch_.fd < 0) return;
  if (registered_on_) {
    CHECK(registered_on_ == Proactor::Current()) << "socket closed on a foreign thread";
    registered_on_->poller()->Unregister(&watch_);
    registered_on_ = nullptr;
  }
  close(watch_.fd);
  watch_.fd = -1;
  watch_.reader = watch_.writer = nullptr;
}

namespace {

// "ip:port" of an address from getpeername/getsockname.
std::string FormatAddress(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

std::string FiberSocket::PeerAddress() const {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getpeername(watch_.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
  return FormatAddress(addr);
}

std::string FiberSocket::LocalAddress() const {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(watch_.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
  return FormatAddress(addr);
}

int ListenTcp(const std::string& bind_addr, uint16_t port, uint16_t* bound_port, int backlog) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port_str = std::to_string(port);
  const char* host = bind_addr.empty() ? nullptr : bind_addr.c_str();
  if (getaddrinfo(host, port_str.c_str(), &hints, &res) != 0 || res == nullptr) {
    return -EADDRNOTAVAIL;
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return -errno;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  // An IPv6 address serves IPv6 only, so "0.0.0.0 ::" or "127.0.0.1 ::1" can share a port.
  if (res->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, backlog) != 0) {
    int err = errno;
    freeaddrinfo(res);
    close(fd);
    return -err;
  }
  freeaddrinfo(res);
  if (bound_port) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    *bound_port = addr.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                      : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  }
  return fd;
}

int ListenUnix(const std::string& path, uint32_t perm, int backlog) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return -ENAMETOOLONG;
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  unlink(path.c_str());  // a stale socket file of an earlier run, as Redis removes it
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (perm != 0 && chmod(path.c_str(), perm) != 0) || listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

FiberAcceptor::FiberAcceptor(int listen_fd) : socket_(listen_fd) {}
FiberAcceptor::~FiberAcceptor() = default;

int FiberAcceptor::Accept() {
  while (!cancelled_) {
    int fd = accept4(socket_.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      return fd;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN) return -errno;
    // A listening socket reports "readable" when a peer is queued.
    if (!socket_.WaitReadable()) return -errno;
  }
  return -ECANCELED;
}

void FiberAcceptor::Cancel() {
  cancelled_ = true;
  socket_.WakeWaiters();
}

}  // namespace lw::io
