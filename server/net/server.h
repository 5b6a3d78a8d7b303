// Server: the network around a Service. Owns the proactor pool (one thread per core by
// default), the listening socket, and every live connection; Start() serves, Stop() stops
// accepting, closes every connection, waits for their fibers and joins the threads.
// Thread-safety: Start/Stop from the main thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "io/blocking_counter.h"
#include "io/done.h"
#include "io/proactor_pool.h"
#include "io/socket.h"
#include "server/engine/service.h"
#include "server/net/tls_context.h"

namespace lw {

class Connection;

struct ServerConfig {
  // Addresses to listen on, separated by spaces or commas ("127.0.0.1 ::1"), all on `port`.
  std::string bind = "127.0.0.1";
  // A Unix-domain socket to listen on as well (empty: none), its file mode (0: umask's).
  std::string unixsocket;
  uint32_t unixsocketperm = 0;
  uint16_t port = 6379;
  size_t threads = 0;  // 0: one per core
  io::PollerKind poller = io::PollerKind::kEpoll;
  bool pin_threads = false;  // one proactor per CPU (io::ProactorPool::Start)
  // tls-port & co.: with tls.port, every `bind` address also serves TLS on that port.
  TlsConfig tls;
  // The admin listener (0: none), on `admin_bind`'s addresses: the same RESP commands and
  // HTTP GET /metrics as the main port, for connections maxclients never refuses (an operator
  // gets in when the main port is full).
  uint16_t admin_port = 0;
  std::string admin_bind = "127.0.0.1";
  ServiceConfig service;
  // The command families to serve (server/families.h has the binary's list).
  std::vector<FamilyRegistrar> families;
};

class Server {
 public:
  explicit Server(const ServerConfig& config);
  ~Server();

  // Binds every address (and the Unix socket) and starts serving. Returns 0, or -errno if
  // one cannot be bound; failed_address() then names it. -EPROTO: the TLS settings are
  // unusable; tls_error() says why.
  int Start();
  const std::string& failed_address() const { return failed_address_; }
  const std::string& tls_error() const { return tls_error_; }
  uint16_t tls_port() const { return tls_port_; }
  uint16_t admin_port() const { return admin_port_; }
  void Stop();

  uint16_t port() const { return port_; }
  Service& service() { return *service_; }
  io::ProactorPool& pool() { return pool_; }

 private:
  void AcceptLoop(size_t index);  // serves listen_fds_[index]
  // Binds every configured listener into listen_fds_; on failure closes them and returns -errno.
  int Listen();
  void ServeConnection(int fd, bool tls, bool admin);
  // Runs `conn` on the calling thread until it closes, or hands it to the thread it migrates
  // to (Connection::RunResult::kMigrate), where it is served the same way on a new fiber.
  void Serve(std::unique_ptr<Connection> conn);
  // Service::ReloadTls's hook (CONFIG SET tls-*): rebinds the TLS port if it changed and
  // rebuilds the context; "" or Redis's reason, nothing changed. Runs on proactor 0.
  std::string ApplyTlsSettings();
  // A context from the runtime tls-* settings into tls_; "" or Redis's reason (logged).
  std::string BuildTlsContext();
  // Binds `port` on every `bind` address into listen_fds_ (port 0: a free one, stored back).
  // `bind`: other addresses than config_.bind's (the admin listener's).
  int ListenTcpAll(uint16_t* port, bool tls, const std::string* bind = nullptr);

  ServerConfig config_;
  io::ProactorPool pool_;
  std::unique_ptr<Service> service_;
  uint16_t port_ = 0;
  std::vector<int> listen_fds_;   // -1: a TLS listener retired by CONFIG SET tls-port
  std::vector<bool> listen_tls_;  // per listen_fds_ entry: a TLS port
  // Indices of listen_fds_ that are admin listeners (set by Listen, read-only afterwards).
  std::vector<size_t> admin_listeners_;
  uint16_t admin_port_ = 0;
  // The TLS context new connections get; CONFIG SET tls-* swaps it (ReloadTls). A session
  // keeps its own reference to the OpenSSL context, so swapping never disturbs a connection.
  std::mutex tls_mu_;
  std::shared_ptr<TlsContext> tls_;
  std::string tls_error_;
  uint16_t tls_port_ = 0;
  std::string failed_address_;
  // One accept fiber per listener, all on proactor 0; each acceptor lives in its fiber.
  std::vector<io::FiberAcceptor*> acceptors_;
  io::BlockingCounter accept_loops_{0};
  io::BlockingCounter live_connections_{0};
  // Per proactor: its live connections (touched only by that proactor's thread). A migrating
  // connection is on none for the one task that carries it to its new thread.
  std::vector<absl::flat_hash_set<Connection*>> connections_;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
};

}  // namespace lw
