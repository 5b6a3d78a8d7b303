// ShardSet: the shards of the keyspace, one per thread of an io::ProactorPool (shard i is owned
// by thread i), and the mapping from a key to its shard and to its lock fingerprint.
//
// Key -> shard: a seeded XXH3 of the key's hash tag (HashTagOf: the "{tag}" body, or the whole
// key), modulo the shard count (a mask for a power of two: the same shard), so keys that share
// a tag share a shard. The seed keeps shard choice independent of the unseeded hash the dash
// table uses for its buckets.
// Lock fingerprint: another seeded XXH3, of the whole key, or of its tag when
// `lock_on_hashtags` is set (then one lock covers every key with that tag). Two keys that
// collide on 64 bits merely share a lock: a false conflict, never a missed one.
//
// Thread-safety: construct and destroy from a thread outside the pool (or a fiber of it);
// every const method and NextTxId from any thread. The shards themselves belong to their
// threads (see engine_shard.h).
// REQUIRES: the pool is running for the whole life of the ShardSet; one ShardSet per pool
// (EngineShard::Current() is per thread).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "io/proactor_pool.h"
#include "transaction/tx_types.h"

namespace lw::tx {

struct ShardSetOptions {
  // Lock the `{tag}` body instead of the whole key (see above).
  bool lock_on_hashtags = false;
};

class ShardSet {
 public:
  explicit ShardSet(io::ProactorPool* pool, ShardSetOptions options = {});
  // REQUIRES: no transaction in flight (every shard idle except for user data).
  ~ShardSet();
  ShardSet(const ShardSet&) = delete;
  ShardSet& operator=(const ShardSet&) = delete;

  uint32_t size() const { return uint32_t(shards_.size()); }
  io::ProactorPool* pool() const { return pool_; }
  const ShardSetOptions& options() const { return options_; }
  // The pointer may be used from any thread as an identity; the shard's contents only on its
  // own thread.
  EngineShard* shard(ShardId id) const { return shards_[id].get(); }
  io::Proactor* proactor(ShardId id) const { return pool_->at(id); }

  ShardId ShardOf(std::string_view key) const;
  // The hash ShardOf takes modulo size() (the same for every shard count).
  static uint64_t ShardHash(std::string_view key);
  uint64_t LockFingerprint(std::string_view key) const;

  // A fresh global transaction id, larger than every id handed out before.
  TxId NextTxId() { return next_txid_.fetch_add(1, std::memory_order_relaxed); }

  // True when the calling thread owns shard `id` (work for it may then run inline).
  bool IsLocal(ShardId id) const { return io::Proactor::Current() == pool_->at(id); }
  // Runs fn on shard `id`'s thread, in its loop (inline when IsLocal(id)), and waits.
  // REQUIRES: fn does not suspend.
  void AwaitBrief(ShardId id, const std::function<void(EngineShard*)>& fn);
  // Runs fn(shard) on every shard's thread in parallel and waits for all.
  void AwaitBriefOnAll(const std::function<void(EngineShard*)>& fn);

 private:
  io::ProactorPool* pool_;
  ShardSetOptions options_;
  std::vector<std::unique_ptr<EngineShard>> shards_;
  // shards_.size() - 1 when the count is a power of two (then `& mask` is `% size` without a
  // 64-bit division, tens of cycles per key), else 0.
  uint64_t shard_mask_ = 0;
  std::atomic<TxId> next_txid_{1};
};

}  // namespace lw::tx
