// WATCH's shared state: Watcher (one client's current round of watches) and ShardWatches (one
// shard's table of watched keys). MULTI/EXEC lives in server/families/multi_family.cc.
//
// How a watched key becomes "modified" (Redis 7.0's rule: only an operation that changed the
// key counts; DEL of a missing key, SREM of an absent member, SET NX on an existing key... do
// not): every DbSlice operation that changes a key reports it on the spot (db_slice.h,
// DbSlice::MarkModified), on the shard's thread, under the key's lock. Structural changes
// (a key created, deleted, expired, evicted, its TTL set or removed, its database flushed)
// report themselves inside DbSlice; a command that changes a value in place reports it
// right after the change. MarkModified looks the key up here and sets its watchers' `dirty`.
// Nothing is judged from a command's name or reply.
//
// Why that is enough for EXEC: EXEC locks the watched keys and runs a hop over them before
// checking `dirty`. A write ordered before EXEC on a watched key has run (and marked) by then;
// one ordered after runs after EXEC, as in Redis. A key that existed at WATCH with a deadline
// that has passed by EXEC also counts as modified (multi_family.cc checks that itself).
//
// Thread-safety: a ShardWatches belongs to its shard's thread (it lives in the shard's
// DbSlice); Add/Remove/Touch run there, so the hot path takes no lock and, while nobody
// watches a key on the shard, costs one emptiness test per change. Watcher::dirty is atomic:
// shard threads set it, the client's thread reads it after a hop (which orders the two).
// Lifetime: the tables hold shared_ptrs, so a Watcher outlives its client's round until every
// shard has dropped it (ShardWatches::Remove, posted by the client when it unwatches).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace lw {

// One client's watches since its last UNWATCH/EXEC/DISCARD (a new one each round, so nothing
// from an earlier round leaks into the next).
struct Watcher {
  std::atomic<bool> dirty{false};
};

class ShardWatches {
 public:
  // True while nobody watches any key of this shard (the hot path's only test).
  bool empty() const { return by_key_.empty(); }
  // Registrations (watcher, key) on this shard, for tests and INFO-like figures.
  size_t size() const { return registrations_; }

  // Registers `w` on `key` of `db`; false if it already watches it.
  bool Add(const std::shared_ptr<Watcher>& w, int db, std::string_view key);
  // Drops `w` from `key` of `db` (a no-op if it is not registered).
  void Remove(const Watcher* w, int db, std::string_view key);

  // Marks every watcher of `key` in `db` dirty.
  void Touch(int db, std::string_view key);
  // FLUSHDB/FLUSHALL: for each key watched in `db`, marks its watchers dirty if
  // still_there(key) says the flush removes something (Redis dirties only watched keys that
  // existed in the emptied database).
  template <typename Pred>
  void TouchIf(int db, Pred&& still_there) {
    for (auto& [map_key, watchers] : by_key_) {
      if (map_key[0] != char(db)) continue;
      if (!still_there(std::string_view(map_key).substr(1))) continue;
      for (const auto& w : watchers) w->dirty.store(true, std::memory_order_relaxed);
    }
  }

 private:
  // db byte + key: one map for every database (FLUSHDB scans it; flushes are rare).
  static std::string MapKey(int db, std::string_view key);

  absl::flat_hash_map<std::string, std::vector<std::shared_ptr<Watcher>>> by_key_;
  size_t registrations_ = 0;
};

}  // namespace lw
