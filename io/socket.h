// FiberSocket: a non-blocking TCP socket whose reads and writes suspend only the calling
// fiber. Listener helpers create listening sockets and accept from them.
//
// Errors are values: calls return a byte count (>= 0) or -errno.
// Thread-safety: a FiberSocket is used by fibers of the thread that first waits on it (it is
// registered with that thread's proactor); hand it to another thread only before first use, or
// after Deregister() on the owner thread (connection migration: the next wait registers it
// with the new thread's proactor).
// ShutdownBoth() is the exception: it may be called from any fiber of the owner thread to wake
// a reader blocked in Recv (which then returns 0).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "io/poller.h"

namespace lw::io {

class Proactor;

class FiberSocket {
 public:
  FiberSocket() = default;
  explicit FiberSocket(int fd);  // takes ownership; makes the fd non-blocking
  FiberSocket(FiberSocket&& other) noexcept;
  FiberSocket& operator=(FiberSocket&& other) noexcept;
  ~FiberSocket();

  bool is_open() const { return watch_.fd >= 0; }
  int fd() const { return watch_.fd; }

  // Connects to host:port (numeric IPv4/IPv6 or "localhost"). Returns 0 or -errno.
  int Connect(const std::string& host, uint16_t port);

  // Reads up to `len` bytes; suspends until at least one byte or EOF. Returns > 0 bytes,
  // 0 at EOF, or -errno.
  ssize_t Recv(void* buf, size_t len);
  // Writes all of `data`, suspending while the socket buffer is full. Returns 0 or -errno.
  int SendAll(std::string_view data);

  // Shuts down both directions: a fiber parked in Recv wakes and sees EOF.
  void ShutdownBoth();
  void Close();

  // "ip:port" of the peer / of this end ("?" if unknown).
  std::string PeerAddress() const;
  std::string LocalAddress() const;

  // Parks the calling fiber until the socket reports readable (or WakeWaiters()).
  // Returns false if the socket could not be registered with this thread's poller.
  bool WaitReadable();
  bool WaitWritable();
  // Edge tracking for a reader that reads with its own recv (MSG_DONTWAIT): call
  // ClearReadEdge() just before each read. After a read that returned less than asked (the
  // socket was drained then), DrainedSinceRead() true means no readable edge was reported
  // since: the reader may park in WaitReadable at once instead of reading EAGAIN first, since
  // any byte that arrived after the read reaches the poller as an edge that wakes it. False
  // while the socket is not registered with this thread's poller (edges are not tracked).
  // Owner thread only.
  void ClearReadEdge() { watch_.read_edge = false; }
  bool DrainedSinceRead() const { return registered_on_ != nullptr && !watch_.read_edge; }
  // Wakes fibers parked in WaitReadable/WaitWritable. Owner thread only.
  void WakeWaiters();
  // Leaves the owner thread's poller, so that another thread may take the socket over: its next
  // wait registers it there. Readiness is level-checked on registration (epoll reports a
  // socket that is already readable; the io_uring poll fires at once), so no input is lost.
  // REQUIRES: the owner thread; no fiber parked on the socket. A no-op if not registered.
  void Deregister();
  bool registered() const { return registered_on_ != nullptr; }

 private:
  bool EnsureRegistered();

  IoWatch watch_;
  Proactor* registered_on_ = nullptr;
};

// Creates a listening TCP socket bound to bind_addr:port (port 0 picks a free one).
// Returns the fd or -errno. `bound_port` receives the actual port.
int ListenTcp(const std::string& bind_addr, uint16_t port, uint16_t* bound_port,
              int backlog = 1024);

// Creates a listening Unix-domain socket at `path` (an old socket file there is removed first),
// with file mode `perm` when non-zero. Returns the fd or -errno.
int ListenUnix(const std::string& path, uint32_t perm, int backlog = 1024);

// Accepts one connection on a non-blocking listening fd, suspending the fiber until one
// arrives. Returns the new fd, or -errno (-EBADF/-EINVAL once the listener is shut down).
class FiberAcceptor {
 public:
  explicit FiberAcceptor(int listen_fd);
  ~FiberAcceptor();
  int Accept();
  // Wakes a fiber parked in Accept (which then returns -ECANCELED). Owner thread only.
  void Cancel();

 private:
  FiberSocket socket_;
  bool cancelled_ = false;
};

}  // namespace lw::io
