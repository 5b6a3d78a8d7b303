// Server: the network around a Service. Owns the proactor pool (one thread per core by
// default), the listening socket, and every live connection; Start() serves, Stop() stops
// accepting, closes every connection, waits for their fibers and joins the threads.
// Thread-safety: Start/Stop from the main thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "io/blocking_counter.h"
#include "io/done.h"
#include "io/proactor_pool.h"
#include "io/socket.h"
#include "server/engine/service.h"

namespace lw {

class Connection;

struct ServerConfig {
  std::string bind = "127.0.0.1";
  uint16_t port = 6379;
  size_t threads = 0;  // 0: one per core
  io::PollerKind poller = io::PollerKind::kEpoll;
  bool pin_threads = true;  // one proactor per CPU (io::ProactorPool::Start)
  ServiceConfig service;
  // The command families to serve (server/families.h has the binary's list).
  std::vector<FamilyRegistrar> families;
};

class Server {
 public:
  explicit Server(const ServerConfig& config);
  ~Server();

  // Binds and starts serving. Returns 0, or -errno if the port cannot be bound.
  int Start();
  void Stop();

  uint16_t port() const { return port_; }
  Service& service() { return *service_; }
  io::ProactorPool& pool() { return pool_; }

 private:
  void AcceptLoop(int listen_fd);
  void ServeConnection(int fd);

  ServerConfig config_;
  io::ProactorPool pool_;
  std::unique_ptr<Service> service_;
  uint16_t port_ = 0;
  io::FiberAcceptor* acceptor_ = nullptr;  // lives in the accept fiber on proactor 0
  io::Done accept_done_;
  io::BlockingCounter live_connections_{0};
  // Per proactor: its live connections (touched only by that proactor's thread).
  std::vector<absl::flat_hash_set<Connection*>> connections_;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
};

}  // namespace lw
