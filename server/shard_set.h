// ShardSet: the keyspace split into one shard per proactor thread (shard i lives on thread
// i). A key belongs to the shard chosen by a seeded hash of its hash tag (see HashTagOf), so
// "{user1}:a" and "{user1}:b" share a shard.
//
// This is the spine's minimal version: a plain hash map per shard and Await() to run a
// callback on the owner thread. The transaction layer (intent locks, multi-shard hops)
// replaces the scheduling part; the per-shard keyspace becomes a DbSlice on the dash table.
// Thread-safety: ShardOf/size from anywhere; a Shard only on its own thread (Await hands the
// callback to it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "io/proactor_pool.h"

namespace lw {

struct Shard {
  uint32_t id = 0;
  absl::flat_hash_map<std::string, std::string> kv;

  // Debian's abseil has its own string_view type; lookups go through these.
  std::string* Find(std::string_view key);
  bool Erase(std::string_view key);
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

  // Runs fn(Shard*) on every shard in parallel and waits.
  void AwaitOnAll(const std::function<void(Shard*)>& fn);

 private:
  io::ProactorPool* pool_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace lw
