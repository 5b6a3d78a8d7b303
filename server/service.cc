#include "server/service.h"

#include "base/logging.h"
#include "server/error_strings.h"

namespace lw {

Service::Service(io::ProactorPool* pool, const ServiceConfig& config,
                 std::initializer_list<FamilyRegistrar> families)
    : pool_(pool), config_(config), shards_(pool) {
  for (FamilyRegistrar r : families) r(&registry_);
  for (uint32_t i = 0; i < shards_.size(); ++i) {
    background_fibers_.Add(1);
    pool_->at(i)->Dispatch(
        [this, i] {
          ActiveExpiryLoop(shards_.shard(i));
          background_fibers_.Dec();
        },
        "active-expiry");
  }
}

Service::~Service() { CHECK(shut_down_) << "Service destroyed without Shutdown()"; }

void Service::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  stop_background_.Notify();
  background_fibers_.Wait();
}

void Service::ActiveExpiryLoop(Shard* shard) {
  // Every 100 ms, each database with expiring keys gets a bounded sampling pass, so expired
  // keys nobody reads are reclaimed without a long pause.
  constexpr size_t kBudgetPerDb = 200;
  while (!stop_background_.WaitFor(std::chrono::milliseconds(100))) {
    for (int db = 0; db < DbSlice::kNumDbs; ++db) {
      if (shard->db_slice.ExpireCount(db) > 0) {
        shard->db_slice.ActiveExpireStep(db, kBudgetPerDb);
      }
    }
  }
}

void Service::Dispatch(CmdArgs args, ConnectionContext* cntx) {
  total_commands_.fetch_add(1, std::memory_order_relaxed);
  const CommandSpec* spec = registry_.Find(args[0]);
  if (spec == nullptr) {
    cntx->rb->SendError(errors::UnknownCommand(args));
    return;
  }
  if (!cntx->authenticated && !(spec->flags & cmd::kNoAuth)) {
    cntx->rb->SendError(errors::kNoAuth);
    return;
  }
  if (!spec->ArityOk(args.size())) {
    cntx->rb->SendError(errors::WrongArity(spec->name));
    return;
  }
  spec->handler(args, cntx);
}

}  // namespace lw
