// MonitorHub: the clients in MONITOR mode and the feed of every executed command to them, in
// redis-server's line format:
//   +1700000000.123456 [0 127.0.0.1:5555] "SET" "a" "1"
// (`[db lua]` for a script's calls, `[db unix:<path>]` for a Unix-socket client; arguments
// quoted and escaped as Redis's sdscatrepr; AUTH / HELLO ... AUTH passwords "(redacted)").
//
// Cost: Service::DispatchSpec reads active() — one relaxed atomic load — per command; only
// while a monitor is connected does it format the line (Feed) and send it to each monitor's
// thread (a brief task per remote monitor, the bytes handed over with mem::HandOver).
// Thread-safety: every method may be called from any thread; the monitor list is guarded by a
// mutex taken only while monitors exist (Feed) or change (Add/Remove).
// Lifetime: owned by the Service; a monitor is removed when its connection unregisters.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lw {

class Service;
struct ConnectionContext;

class MonitorHub {
 public:
  bool active() const { return count_.load(std::memory_order_relaxed) > 0; }
  // `client` (on proactor `thread`) receives every command fed from now on.
  void Add(uint64_t client_id, unsigned thread);
  // No-op for a client that is not a monitor.
  void Remove(uint64_t client_id);
  size_t size() const { return size_t(count_.load(std::memory_order_relaxed)); }

  // Sends the line of `args`, run by `cntx` in database `db`, to every monitor. `addr` is the
  // client's part of the bracket ("127.0.0.1:5555", "lua", "unix:/path").
  void Feed(Service* service, int db, std::string_view addr,
            std::span<const std::string_view> args);

  // The line itself (tests): "+<sec>.<usec> [<db> <addr>] "arg" ...\r\n".
  static std::string FormatLine(int64_t unix_us, int db, std::string_view addr,
                                std::span<const std::string_view> args);

 private:
  struct Monitor {
    uint64_t client_id;
    unsigned thread;
  };
  std::atomic<int> count_{0};
  std::mutex mu_;
  std::vector<Monitor> monitors_;  // guarded by mu_
};

}  // namespace lw
