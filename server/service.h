// Service: the command engine without the network. It owns the command registry and the
// shard set and turns one parsed request into one reply: lookup, arity and auth checks, then
// the handler. Connections (server/connection.h) and in-process tests both call Dispatch.
// Thread-safety: Dispatch may run concurrently on every proactor thread, each call from the
// fiber that owns `cntx`.
#pragma once

#include <atomic>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <typeindex>
#include <unordered_map>

#include "io/blocking_counter.h"
#include "io/done.h"
#include "io/proactor_pool.h"
#include "server/command_registry.h"
#include "server/connection_context.h"
#include "server/shard_set.h"

namespace lw {

// Registers one command family's commands (see families.h for the full set).
using FamilyRegistrar = void (*)(CommandRegistry*);

struct ServiceConfig {
  std::string requirepass;  // empty: no AUTH needed
};

class Service {
 public:
  // Registers `families`, then starts the per-shard background fibers (active expiry) on the
  // pool's threads. REQUIRES: the pool is started.
  Service(io::ProactorPool* pool, const ServiceConfig& config,
          std::initializer_list<FamilyRegistrar> families);
  ~Service();  // REQUIRES: Shutdown() was called while the pool still runs

  // Stops the background fibers and waits for them. Idempotent.
  void Shutdown();

  const CommandRegistry& registry() const { return registry_; }
  ShardSet& shards() { return shards_; }
  io::ProactorPool* pool() { return pool_; }
  const ServiceConfig& config() const { return config_; }

  // Executes one request (args[0] = command name) and writes exactly one reply to cntx->rb.
  // REQUIRES: called from a fiber on one of the pool's threads (or any fiber).
  void Dispatch(CmdArgs args, ConnectionContext* cntx);

  // State a command family keeps for the Service's lifetime (the script cache, ...): created
  // on first use, one instance of T per Service. Any thread; T must be thread-safe itself.
  template <typename T>
  T& FamilyState() {
    std::lock_guard<std::mutex> lock(family_state_mu_);
    std::shared_ptr<void>& slot = family_state_[std::type_index(typeid(T))];
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }

  uint64_t NextClientId() { return next_client_id_.fetch_add(1) + 1; }
  uint64_t total_commands() const { return total_commands_.load(std::memory_order_relaxed); }

 private:
  io::ProactorPool* pool_;
  ServiceConfig config_;
  CommandRegistry registry_;
  ShardSet shards_;
  void ActiveExpiryLoop(Shard* shard);

  io::Done stop_background_;
  io::BlockingCounter background_fibers_{0};
  bool shut_down_ = false;
  std::atomic<uint64_t> next_client_id_{0};
  std::atomic<uint64_t> total_commands_{0};
  std::mutex family_state_mu_;
  std::unordered_map<std::type_index, std::shared_ptr<void>> family_state_;
};

}  // namespace lw
