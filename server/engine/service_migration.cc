// Service: connection migration's client bookkeeping (service.h, "Connection migration").
#include <thread>

#include "io/fiber.h"
#include "io/proactor.h"
#include "server/engine/service.h"

namespace lw {

bool Service::BeginClientMove(ConnectionContext* cntx) {
  clients_moving_.fetch_add(1);
  if (client_sweeps_.load() > 0) {  // a sweep is listing the clients: stay put
    clients_moving_.fetch_sub(1);
    return false;
  }
  clients_[cntx->thread].erase(cntx->client_id);
  return true;
}

void Service::EndClientMove(ConnectionContext* cntx) {
  cntx->thread = uint32_t(io::Proactor::Current()->index());
  clients_[cntx->thread][cntx->client_id] = cntx;
  migrated_.fetch_add(1, std::memory_order_relaxed);
  clients_moving_.fetch_sub(1);
}

void Service::AwaitBriefOnAllClients(const std::function<void(io::Proactor*)>& fn) {
  client_sweeps_.fetch_add(1);
  // A move in flight ends with one task on its new thread (microseconds); new ones are refused
  // from now on.
  while (clients_moving_.load() > 0) {
    if (io::Proactor::Current() != nullptr) {
      io::this_fiber::Yield();
    } else {
      std::this_thread::yield();
    }
  }
  pool_->AwaitBriefOnAll(fn);
  client_sweeps_.fetch_sub(1);
}

}  // namespace lw
