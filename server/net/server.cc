#include "server/net/server.h"

#include <unistd.h>

#include <atomic>

#include "base/logging.h"
#include "io/done.h"
#include "server/net/connection.h"

namespace lw {

Server::Server(const ServerConfig& config) : config_(config), pool_(config.threads, config.poller) {
  connections_.resize(pool_.size());
}

Server::~Server() { Stop(); }

int Server::Start() {
  int fd = io::ListenTcp(config_.bind, config_.port, &port_);
  if (fd < 0) return fd;
  pool_.Start(config_.pin_threads);
  config_.service.bind = config_.bind;
  config_.service.port = port_;
  config_.service.multiplexing_api =
      config_.poller == io::PollerKind::kUring ? "io_uring" : "epoll";
  service_ = std::make_unique<Service>(&pool_, config_.service, config_.families);
  started_ = true;
  pool_.at(0)->Dispatch([this, fd] { AcceptLoop(fd); }, "acceptor");
  return 0;
}

void Server::AcceptLoop(int listen_fd) {
  io::FiberAcceptor acceptor(listen_fd);
  acceptor_ = &acceptor;
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
    target->Dispatch([this, fd] { ServeConnection(fd); }, "connection");
  }
  acceptor_ = nullptr;
  accept_done_.Notify();
}

void Server::ServeConnection(int fd) {
  auto& mine = connections_[io::Proactor::Current()->index()];
  Connection conn(io::FiberSocket(fd), service_.get());
  mine.insert(&conn);
  // Stop() sweeps connections on this thread after setting stopping_, so a connection that
  // starts after the sweep sees the flag here.
  if (!stopping_.load()) conn.Run();
  mine.erase(&conn);
  live_connections_.Dec();
}

void Server::Stop() {
  if (!started_) return;
  started_ = false;
  pool_.at(0)->Await([this] {
    if (acceptor_) acceptor_->Cancel();
  });
  accept_done_.Wait();
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
