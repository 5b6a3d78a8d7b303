// ShardSet: the keyspace split into one shard per proactor thread (shard i lives on thread
// i), on top of the transaction layer's shard set: key -> shard mapping, intent locks and
// transactions come from transaction/; this class adds what the server keeps per shard (the
// DbSlice) and attaches it to each EngineShard as its user data.
//
// Commands reach shards through op_args.h (RunOnKeyShard, RunOnKeys), which run transactions.
// Await/AwaitOnAll below hop without taking locks: only for work that needs no isolation
// (statistics, background passes, whole-keyspace administration).
// Thread-safety: ShardOf/size from anywhere; a Shard only on its own thread.
// REQUIRES: constructed while the pool runs; Shutdown() before the pool stops.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "io/proactor_pool.h"
#include "server/engine/db_slice.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"

namespace lw {

struct Shard {
  explicit Shard(uint32_t shard_id) : id(shard_id), db_slice(shard_id) {}
  uint32_t id;
  DbSlice db_slice;
};

class ShardSet {
 public:
  explicit ShardSet(io::ProactorPool* pool, tx::ShardSetOptions options = {});
  ~ShardSet();

  // Releases the transaction layer's per-thread state. REQUIRES: the pool still runs, no
  // transaction in flight. Idempotent.
  void Shutdown();

  uint32_t size() const { return uint32_t(shards_.size()); }
  uint32_t ShardOf(std::string_view key) const { return tx_->ShardOf(key); }
  tx::ShardSet* tx() { return tx_.get(); }

  // The Shard of an EngineShard (on its thread, inside a hop).
  static Shard* Of(tx::EngineShard* es) { return es->data<Shard>(); }

  // Runs fn(Shard*) on the shard's thread (inline if already there) without locks and
  // returns its result. REQUIRES: fn does not suspend.
  template <typename F>
  auto Await(uint32_t shard_id, F&& fn) {
    Shard* shard = shards_[shard_id].get();
    return pool_->at(shard_id)->Await([&] { return fn(shard); });
  }

  // Runs fn(Shard*) on every shard in parallel and waits (no locks).
  void AwaitOnAll(const std::function<void(Shard*)>& fn);

  // Runs fn(Shard*) on the shard's thread later, without locks and without waiting: work
  // whose outcome nobody awaits (a client dropping its watches). Any thread; tasks posted to
  // one shard run in the order posted, and before a later AwaitOnAll.
  void Post(uint32_t shard_id, std::function<void(Shard*)> fn);

  // REQUIRES: called on the shard's own thread.
  Shard* shard(uint32_t shard_id) { return shards_[shard_id].get(); }

 private:
  io::ProactorPool* pool_;
  std::unique_ptr<tx::ShardSet> tx_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace lw
