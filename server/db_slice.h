// DbSlice: one shard's part of the keyspace — 16 logical databases (SELECT), each a
// DashTable of keys to CompactObj values plus a second DashTable of expiry deadlines.
//
// Expiry is lazy (every lookup of an expired key deletes it and reports it missing) and
// active (ActiveExpireStep samples the expire table under a budget, so no pause is long).
// Deadlines are absolute Unix milliseconds.
//
// Thread-safety: a DbSlice belongs to its shard's thread; every call runs there.
// Invalidation: AddOrFind/insertions may move entries (the dash table splits segments), so an
// Iterator is valid only until the next insertion into the same database.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "base/op_status.h"
#include "dash_table/dash_table.h"
#include "server/compact_object.h"

namespace lw {

struct KeyPolicy {
  static uint64_t HashFn(std::string_view key);
  static uint64_t HashFn(const CompactObj& key);
  static bool Equal(const CompactObj& stored, std::string_view probe) {
    return stored.EqualsKey(probe);
  }
  static bool Equal(const CompactObj& stored, const CompactObj& probe);
};

class DbSlice {
 public:
  static constexpr int kNumDbs = 16;
  using PrimeTable = DashTable<CompactObj, CompactObj, KeyPolicy>;
  using ExpireTable = DashTable<CompactObj, int64_t, KeyPolicy>;
  using Iterator = PrimeTable::Iterator;

  struct Stats {
    uint64_t expired_keys = 0;
    uint64_t keyspace_hits = 0;
    uint64_t keyspace_misses = 0;
  };

  explicit DbSlice(uint32_t shard_id);
  ~DbSlice();

  uint32_t shard_id() const { return shard_id_; }

  // Current time in Unix ms (what expiry is compared with).
  static int64_t NowMs();

  // Finds a live key. kKeyNotFound if absent or expired (then deleted); kWrongType if `type`
  // is given and differs. Counts hits and misses.
  OpResult<Iterator> Find(int db, std::string_view key, std::optional<ObjType> type = {});
  // Like Find without type check and without touching hit/miss stats.
  std::optional<Iterator> Peek(int db, std::string_view key);

  // Finds a live key or inserts it with an empty string value. Returns {it, inserted}.
  std::pair<Iterator, bool> AddOrFind(int db, std::string_view key);

  bool Del(int db, std::string_view key);
  void Del(int db, Iterator it);

  // Expiry of a live entry: 0 = none.
  int64_t GetExpire(int db, Iterator it);
  void SetExpire(int db, Iterator it, int64_t at_ms);
  // Returns true if the key had an expiry.
  bool RemoveExpire(int db, Iterator it);

  size_t DbSize(int db) const { return dbs_[db]->prime.size(); }
  size_t ExpireCount(int db) const { return dbs_[db]->expire.size(); }
  void FlushDb(int db);
  void FlushAll();

  // Visits one bucket group of db's entries per call (expired ones are skipped). Returns the
  // next cursor; 0 when the traversal is complete. SCAN semantics: every key present for the
  // whole traversal is visited at least once.
  uint64_t Traverse(int db, uint64_t cursor, const std::function<void(Iterator)>& cb);

  // Active expiry: looks at up to `budget` entries of db's expire table from a rotating cursor
  // and deletes the expired ones. Returns how many it deleted.
  size_t ActiveExpireStep(int db, size_t budget);

  // Bytes held by the tables themselves (not the values' heap blocks).
  size_t TableMemory() const;
  const Stats& stats() const { return stats_; }
  void ResetStats() { stats_ = Stats{}; }

  PrimeTable& prime(int db) { return dbs_[db]->prime; }

 private:
  struct Db {
    PrimeTable prime;
    ExpireTable expire;
    uint64_t expire_cursor = 0;
  };

  // True if the entry at `it` is expired; then it is deleted (it becomes invalid).
  bool ExpireIfNeeded(int db, Iterator it, int64_t now_ms);

  uint32_t shard_id_;
  std::array<std::unique_ptr<Db>, kNumDbs> dbs_;
  Stats stats_;
};

}  // namespace lw
