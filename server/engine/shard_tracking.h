// ShardTracking: one shard's half of client-side caching (CLIENT TRACKING, Redis 7.0).
//
// Default mode: a tracking client that reads a key is remembered here, on the key's shard,
// as (client id, thread). The first change of the key afterwards sends that client one
// invalidation and forgets it (Redis's one-shot rule: the client reads the key again to be
// told again). Keys are tracked by name whatever their database, as in Redis.
//
// Registration comes *before* the read: the client's thread posts it to the shard (or calls
// it inline on its own shard) ahead of the command's hop, and messages from one thread to a
// shard arrive in order. So a write ordered after the read always finds the reader here; a
// write between registration and read only costs a spurious invalidation. Registering after
// the read, as single-threaded Redis does, would leave a window where a write is missed and
// the client keeps a stale value.
//
// BCAST mode: a client registers prefixes on every shard; each change of a key with one of
// them is collected per prefix and sent in one message per prefix when the shard's thread
// finishes its current turn (Redis collects until its event loop sleeps). A change that
// spans shards (MSET) sends one message per shard.
//
// Delivery is not done here: the Service installs a function (SetDeliver) that formats the
// message and hands it to the client's connection on its thread (tracking.h).
//
// Thread-safety: none; a ShardTracking belongs to its shard's thread (it lives in the shard's
// DbSlice). The hot path (DbSlice::MarkModified) tests empty() only. Lifetime: the DbSlice's.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

namespace lw {

struct TrackingClientRef {
  uint64_t client = 0;
  uint32_t thread = 0;
};

class ShardTracking {
 public:
  // Sends an invalidation of `keys` (null: everything, a flush) to `to`; `modifier` is the
  // client whose command changed them (0: none, an expiry or an eviction).
  using DeliverFn = void (*)(void* ctx, TrackingClientRef to, uint64_t modifier,
                             std::vector<std::string> keys);
  // Runs fn on this shard's thread after its current turn (the BCAST flush).
  using DeferFn = void (*)(void* ctx, std::function<void()> fn);

  void SetDeliver(DeliverFn deliver, DeferFn defer, void* ctx) {
    deliver_ = deliver;
    defer_ = defer;
    ctx_ = ctx;
  }

  // tracking-table-max-keys: the table holds at most *max_keys / shards keys (0: no limit).
  void SetLimit(const std::atomic<int64_t>* max_keys, uint32_t shards) {
    max_keys_ = max_keys;
    shards_ = shards;
  }

  // True while no client tracks anything on this shard (the hot path's only test).
  bool empty() const { return readers_.empty() && bcast_.empty(); }

  // Default mode: `reader` will be told of the next change of `key`. Past the limit, other
  // keys are forgotten first, their readers told as if the keys changed (Redis's rule).
  void Remember(std::string_view key, TrackingClientRef reader);
  // BCAST mode: `reader` is told of every change of a key starting with one of `prefixes`
  // (an empty prefix matches every key). Replaces the client's earlier prefixes.
  void SetPrefixes(TrackingClientRef reader, bool noloop, const std::vector<std::string>& prefixes);
  void RemovePrefixes(uint64_t client);

  // `key` changed, by a command of client `modifier` (0: none).
  void Invalidate(std::string_view key, uint64_t modifier);
  // FLUSHDB/FLUSHALL: nothing tracked here survives (the flush command itself sends each
  // tracking client one null invalidation).
  void Clear() { readers_.clear(); }

  // INFO: keys tracked, (key, client) pairs, and BCAST prefixes registered here.
  size_t keys() const { return readers_.size(); }
  size_t items() const { return items_; }
  size_t prefixes() const { return bcast_.size(); }

 private:
  struct Bcast {
    TrackingClientRef reader;
    bool noloop = false;
    std::string prefix;
    // Keys changed this turn, sorted and each once as in Redis's message; the modifier is 0
    // once two clients changed the key (NOLOOP then skips it for neither).
    std::map<std::string, uint64_t, std::less<>> pending;
  };
  void FlushBcast();
  void EnforceLimit(std::string_view keep);

  absl::flat_hash_map<std::string, absl::InlinedVector<TrackingClientRef, 2>> readers_;
  size_t items_ = 0;
  std::vector<Bcast> bcast_;
  bool flush_scheduled_ = false;
  const std::atomic<int64_t>* max_keys_ = nullptr;
  uint32_t shards_ = 1;
  DeliverFn deliver_ = nullptr;
  DeferFn defer_ = nullptr;
  void* ctx_ = nullptr;
};

}  // namespace lw
