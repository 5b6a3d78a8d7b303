// ShardSet: the keyspace split into one shard per proactor thread (shard i lives on thread
// i). A key belongs to the shard chosen by a seeded hash of its hash tag (see HashTagOf), so
// "{user1}:a" and "{user1}:b" share a shard.
//
// Each shard holds its DbSlice (keyspace). Await() runs a callback on the owner thread; the
// transaction layer (intent locks, multi-shard hops) replaces this scheduling part.
// Thread-safety: ShardOf/size from anywhere; a Shard only on its own thread (Await hands the
// callback to it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/proactor_pool.h"
#include "server/db_slice.h"

namespace lw {

struct Shard {
  explicit Shard(uint32_t shard_id) : id(shard_id), db_slice(shard_id) {}
  uint32_t id;
  DbSlice db_slice;
};

class ShardSet {
 public:
  explicit ShardSet(io::ProactorPool* pool);

  uint32_t size() const { return uint32_t(shards_.size()); }
  uint32_t ShardOf(std::string_view key) const;

  // Runs fn(Shard*) on the shard's thread (inline if the caller is already there) and returns
  // its result. REQUIRES: called from a fiber or a plain thread; fn must not suspend.
  template <typename F>
  auto Await(uint32_t shard_id, F&& fn) {
    Shard* shard = shards_[shard_id].get();
    return pool_->at(shard_id)->Await([&] { return fn(shard); });
  }

  // REQUIRES: called on the shard's own thread.
  Shard* shard(uint32_t shard_id) { return shards_[shard_id].get(); }

  // Runs fn(Shard*) on every shard in parallel and waits.
  void AwaitOnAll(const std::function<void(Shard*)>& fn);

 private:
  io::ProactorPool* pool_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace lw
