#include "server/net/server.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>

#include <absl/strings/str_split.h>

#include "base/logging.h"

#include "io/done.h"
#include "server/net/connection.h"

namespace lw {

Server::Server(const ServerConfig& config) : config_(config), pool_(config.threads, config.poller) {
  connections_.resize(pool_.size());
}

Server::~Server() { Stop(); }

int Server::ListenTcpAll(uint16_t* port, bool tls, const std::string* bind) {
  std::vector<std::string> addrs =
      absl::StrSplit(bind ? *bind : config_.bind, absl::ByAnyChar(" ,"), absl::SkipEmpty());
  if (addrs.empty()) addrs.push_back("");  // no address: every interface
  for (std::string addr : addrs) {
    // Redis's spellings: "*" every IPv4 address, "::*" every IPv6 one; a leading "-" marks an
    // address that may be missing (skipped if it cannot be bound).
    bool optional = addr.size() > 1 && addr[0] == '-';
    if (optional) addr.erase(0, 1);
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    // Port 0 picks a free port for the first address; the others share it.
    int fd = io::ListenTcp(addr, *port, port);
    if (fd < 0 && optional) continue;
    if (fd < 0) {
      failed_address_ = addr + ":" + std::to_string(*port);
      return fd;
    }
    listen_fds_.push_back(fd);
    listen_tls_.push_back(tls);
  }
  return 0;
}

int Server::Listen() {
  port_ = config_.port;
  int rc = ListenTcpAll(&port_, false);
  if (rc == 0 && config_.tls.port > 0) {
    tls_port_ = uint16_t(config_.tls.port);
    rc = ListenTcpAll(&tls_port_, true);
  }
  if (rc == 0 && config_.admin_port > 0) {
    admin_port_ = config_.admin_port;
    size_t first = listen_fds_.size();
    rc = ListenTcpAll(&admin_port_, false, &config_.admin_bind);
    for (size_t i = first; i < listen_fds_.size(); ++i) admin_listeners_.push_back(i);
  }
  if (rc == 0 && !config_.unixsocket.empty()) {
    rc = io::ListenUnix(config_.unixsocket, config_.unixsocketperm);
    if (rc >= 0) {
      listen_fds_.push_back(rc);
      listen_tls_.push_back(false);
      rc = 0;
    } else {
      failed_address_ = config_.unixsocket;
    }
  }
  if (rc < 0) {
    for (int fd : listen_fds_) close(fd);
    listen_fds_.clear();
    listen_tls_.clear();
  }
  return rc;
}

int Server::Start() {
  if (config_.tls.port > 0) {
    tls_ = TlsContext::Create(config_.tls, &tls_error_);
    if (!tls_) return -EPROTO;
  }
  if (int rc = Listen(); rc < 0) return rc;
  pool_.Start(config_.pin_threads);
  config_.service.bind = config_.bind;
  config_.service.port = port_;
  config_.service.multiplexing_api =
      config_.poller == io::PollerKind::kUring ? "io_uring" : "epoll";
  service_ = std::make_unique<Service>(&pool_, config_.service, config_.families);
  service_->set_tls_reload_hook([this] { return ApplyTlsSettings(); });
  started_ = true;
  acceptors_.assign(listen_fds_.size(), nullptr);
  for (size_t i = 0; i < listen_fds_.size(); ++i) {
    accept_loops_.Add(1);
    pool_.at(0)->Dispatch([this, i] { AcceptLoop(i); }, "acceptor");
  }
  return 0;
}

void Server::AcceptLoop(size_t index) {
  if (listen_fds_[index] < 0) {  // retired before this fiber started
    accept_loops_.Dec();
    return;
  }
  io::FiberAcceptor acceptor(listen_fds_[index]);
  acceptors_[index] = &acceptor;
  size_t next = 0;
  while (true) {
    int fd = acceptor.Accept();
    if (fd < 0) {
      if (fd == -ECANCELED) break;
      if (fd == -EMFILE || fd == -ENFILE) {
        LOG(WARNING) << "accept: out of file descriptors";
        io::this_fiber::SleepFor(std::chrono::milliseconds(10));
        continue;
      }
      LOG(ERROR) << "accept failed: " << strerror(-fd);
      break;
    }
    live_connections_.Add(1);
    io::Proactor* target = pool_.at(next++ % pool_.size());
    bool tls = listen_tls_[index];
    bool admin = std::find(admin_listeners_.begin(), admin_listeners_.end(), index) !=
                 admin_listeners_.end();
    target->Dispatch([this, fd, tls, admin] { ServeConnection(fd, tls, admin); }, "connection");
  }
  acceptors_[index] = nullptr;
  accept_loops_.Dec();
}

std::string Server::BuildTlsContext() {
  RuntimeConfig& rt = service_->runtime();
  TlsConfig config;
  {
    std::lock_guard<std::mutex> lock(rt.mu);
    config.cert_file = rt.tls_cert_file;
    config.key_file = rt.tls_key_file;
    config.ca_cert_file = rt.tls_ca_cert_file;
  }
  config.auth_clients = std::string(kTlsAuthClients[rt.tls_auth_clients.load()]);
  std::string error;
  std::shared_ptr<TlsContext> fresh = TlsContext::Create(config, &error);
  if (!fresh) {
    LOG(WARNING) << error;
    return "Unable to update TLS configuration. Check server logs.";
  }
  std::lock_guard<std::mutex> lock(tls_mu_);
  tls_ = std::move(fresh);
  return "";
}

std::string Server::ApplyTlsSettings() {
  std::string error;
  // Listeners and acceptors belong to proactor 0, where the accept fibers run.
  pool_.at(0)->Await([&] {
    uint16_t port = uint16_t(service_->runtime().tls_port.load());
    // With no TLS port the files are only recorded, as in Redis.
    if (port == 0 && tls_port_ == 0) return;
    std::shared_ptr<TlsContext> previous;
    {
      std::lock_guard<std::mutex> lock(tls_mu_);
      previous = tls_;
    }
    // As Redis: the context is rebuilt while TLS is served; a port opened again uses the
    // last context (files recorded meanwhile wait for the next change), or a first one.
    bool build = port != 0 && (tls_port_ != 0 || previous == nullptr);
    if (build && !(error = BuildTlsContext()).empty()) return;
    if (port == tls_port_) return;
    // A new port is bound before the old one is let go: a failure changes nothing.
    size_t first = listen_fds_.size();
    if (int rc = port != 0 ? ListenTcpAll(&port, true) : 0; rc < 0) {
      LOG(WARNING) << "Failed to bind TLS port " << failed_address_ << ": " << strerror(-rc);
      for (size_t i = first; i < listen_fds_.size(); ++i) close(listen_fds_[i]);
      listen_fds_.resize(first);
      listen_tls_.resize(first);
      std::lock_guard<std::mutex> lock(tls_mu_);
      tls_ = std::move(previous);
      error = "Unable to listen on this port. Check server logs.";
      return;
    }
    for (size_t i = 0; i < first; ++i) {
      // The old TLS listeners: their accept loops end (closing them); -1 marks them retired.
      if (!listen_tls_[i] || listen_fds_[i] < 0) continue;
      if (acceptors_[i] != nullptr) {
        acceptors_[i]->Cancel();
      } else {
        close(listen_fds_[i]);  // its accept fiber has not started: it will see -1 and end
      }
      listen_fds_[i] = -1;
    }
    acceptors_.resize(listen_fds_.size(), nullptr);
    for (size_t i = first; i < listen_fds_.size(); ++i) {
      accept_loops_.Add(1);
      pool_.at(0)->Dispatch([this, i] { AcceptLoop(i); }, "acceptor");
    }
    tls_port_ = port;
  });
  return error;
}

void Server::ServeConnection(int fd, bool tls, bool admin) {
  std::shared_ptr<TlsContext> context;
  if (tls) {
    std::lock_guard<std::mutex> lock(tls_mu_);
    context = tls_;
  }
  Serve(std::make_unique<Connection>(io::FiberSocket(fd), service_.get(), context.get(), admin));
}

void Server::Serve(std::unique_ptr<Connection> conn) {
  auto& mine = connections_[io::Proactor::Current()->index()];
  mine.insert(conn.get());
  // Stop() sweeps connections on this thread after setting stopping_, so a connection that
  // starts (or arrives from another thread) after the sweep sees the flag here.
  Connection::RunResult result = Connection::RunResult::kClosed;
  if (!stopping_.load()) result = conn->Run();
  mine.erase(conn.get());
  if (result == Connection::RunResult::kMigrate) {
    // The connection fiber cannot move: a new one continues the client on its new thread. The
    // object is owned by the task meanwhile (nothing else can reach it: it is on no thread's
    // list, and sweeps of the client lists wait for the move, Service::BeginClientMove).
    io::Proactor* target = pool_.at(conn->migrate_target());
    Connection* moving = conn.release();
    target->Dispatch(
        [this, moving] {
          std::unique_ptr<Connection> arrived(moving);
          arrived->AttachAfterMove();
          Serve(std::move(arrived));
        },
        "connection");
    return;
  }
  conn.reset();  // unregisters the client, on its thread
  live_connections_.Dec();
}

void Server::Stop() {
  if (!started_) return;
  started_ = false;
  pool_.at(0)->Await([this] {
    for (io::FiberAcceptor* a : acceptors_) {
      if (a) a->Cancel();
    }
  });
  accept_loops_.Wait();
  if (!config_.unixsocket.empty()) unlink(config_.unixsocket.c_str());
  stopping_.store(true);
  service_->BeginShutdown();  // running scripts end at their next hook
  pool_.AwaitBriefOnAll([this](io::Proactor* p) {
    for (Connection* c : connections_[p->index()]) c->Shutdown();
  });
  live_connections_.Wait();
  service_->Shutdown();
  pool_.Stop();
}

}  // namespace lw
