// DbSlice: one shard's part of the keyspace — 16 logical databases (SELECT), each a
// DashTable of keys to CompactObj values plus a second DashTable of expiry deadlines.
//
// Expiry is lazy (every lookup of an expired key deletes it and reports it missing) and
// active (ActiveExpireStep samples the expire table under a budget, so no pause is long).
// Deadlines are absolute Unix milliseconds.
//
// Memory (see SetMemoryConfig): with a maxmemory limit and an evicting maxmemory-policy (cache
// mode), each shard keeps its own heap (mem::ThreadAllocatedBytes of its thread) under its
// share, maxmemory / shard count. The prime tables' policy (PrimePolicy) refuses to split a
// full segment over budget and evicts instead: the coldest candidate of the insert's hotspot
// (stash first, then the highest slots), never a sticky entry and never a key some running
// transaction or script holds (the shard's intent-lock table). Over budget an insert first
// evicts one entry of its hotspot even when the segment has room, so memory stays flat in a
// steady stream of writes. Reads bump hit entries toward the hot end of their bucket; the
// bump is deferred to the next insertion (which invalidates iterators anyway), because moving
// entries inside Find would break a caller that holds another iterator. When nothing can be
// evicted (only sticky or locked data), TryAddOrFind reports kOutOfMemory.
//
// WATCH (watch_registry.h): every operation here that changes a key reports it through
// MarkModified — inserting a key, deleting it (also by expiry or eviction), setting or
// removing its TTL, flushing its database. A caller that changes a value in place through an
// Iterator (SADD of a new member, INCR, LSET...) calls MarkModified itself once it knows it
// changed something; one that changed nothing (SREM of an absent member) does not.
//
// Thread-safety: a DbSlice belongs to its shard's thread; every call runs there.
// Invalidation: AddOrFind/insertions may move entries (the dash table splits segments, and
// evicts in cache mode), so an Iterator is valid only until the next insertion into the same
// database. Find/Peek never move entries.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/op_status.h"
#include "dash_table/dash_table.h"
#include "server/engine/keyspace_events.h"
#include "server/engine/shard_tracking.h"
#include "server/engine/watch_registry.h"
#include "server/types/compact_object.h"

namespace lw {

struct KeyPolicy {
  static uint64_t HashFn(std::string_view key);
  static uint64_t HashFn(const CompactObj& key);
  static bool Equal(const CompactObj& stored, std::string_view probe) {
    return stored.EqualsKey(probe);
  }
  static bool Equal(const CompactObj& stored, const CompactObj& probe);
};

class DbSlice;
class ShardSnapshot;  // rdb_snapshot.h

// The prime table's policy: KeyPolicy plus the cache-mode hooks of DashTable (see dash_table.h),
// forwarded to the owning DbSlice (defined after it, below).
struct PrimePolicy : KeyPolicy {
  DbSlice* slice = nullptr;
  int db = 0;
  template <typename Table>
  bool CanGrow(const Table&) const;
  template <typename Table, typename Hotspot>
  unsigned Evict(Table& table, const Hotspot& hotspot);
  template <typename It>
  bool IsPinned(It it) const;
  // A snapshot in progress serialises the bucket before an insert or erase changes it.
  template <typename Table, typename Bucket>
  void OnBucketChange(Table& table, Bucket bucket);
};

// Where a shard finds its memory limits; shared by every shard of a Service.
struct MemoryConfig {
  // Bytes for the whole server (0: unlimited) and Redis's maxmemory-policy index (RuntimeConfig).
  const std::atomic<int64_t>* maxmemory = nullptr;
  const std::atomic<int64_t>* policy = nullptr;
  uint32_t shard_count = 1;
  // Bytes held outside every shard's thread (main thread, start-up state), taken off maxmemory
  // before it is split, so used_memory (all threads) stays under maxmemory. May be null.
  const std::atomic<int64_t>* outside = nullptr;
  // This shard's flag, set while it is over budget in cache mode with nothing left to evict
  // (only sticky or locked entries), cleared when it gets under budget or evicts again. The
  // Service reads it (any thread) to refuse denyoom commands up front.
  std::atomic<bool>* cannot_evict = nullptr;
  // This shard's heap bytes; defaults to mem::ThreadAllocatedBytes (the shard's thread).
  int64_t (*memory_probe)() = nullptr;
  // Redis's lfu-log-factor and lfu-decay-time (minutes); null: Redis's defaults 10 and 1.
  const std::atomic<int64_t>* lfu_log_factor = nullptr;
  const std::atomic<int64_t>* lfu_decay_time = nullptr;
  // CLIENT PAUSE (Service::pause_mode_/pause_end_ms_; null: never paused). While a pause of
  // either mode lasts the dataset stays as it is, as in Redis 7.0: no active expiry, no
  // eviction, and a lookup that finds an expired key reports it missing without deleting it.
  const std::atomic<int>* pause_mode = nullptr;
  const std::atomic<int64_t>* pause_end_ms = nullptr;
};
// RuntimeConfig::maxmemory_policy index of "noeviction": any other policy is cache mode
// (volatile-* policies too, but they evict only keys with a TTL: IsPinned).
inline constexpr int64_t kNoEvictionPolicy = 7;
// Policies 0..3 (volatile-*) evict only keys that have a TTL.
inline constexpr int64_t kLastVolatilePolicy = 3;
// volatile-ttl: evicts the key whose TTL ends soonest.
inline constexpr int64_t kVolatileTtlPolicy = 3;
// The LFU policies (volatile-lfu, allkeys-lfu): keys carry LFU counters instead of LRU clocks.
inline bool IsLfuPolicy(int64_t policy) { return policy == 1 || policy == 5; }
// The LRU policies (volatile-lru, allkeys-lru): keys carry LRU clocks and evict longest idle.
inline bool IsLruPolicy(int64_t policy) { return policy == 0 || policy == 4; }

class DbSlice {
 public:
  // The number of databases (the `databases` setting, 16 by default). Set once at start-up,
  // before any DbSlice exists (main thread); read-only afterwards, so any thread may read it.
  static int NumDbs() { return num_dbs_; }
  static void SetNumDbs(int n) { num_dbs_ = n; }
  using PrimeTable = DashTable<CompactObj, CompactObj, PrimePolicy>;
  using ExpireTable = DashTable<CompactObj, int64_t, KeyPolicy>;
  using Iterator = PrimeTable::Iterator;

  struct Stats {
    uint64_t expired_keys = 0;
    uint64_t keyspace_hits = 0;
    uint64_t keyspace_misses = 0;
    uint64_t evicted_keys = 0;
    // Active expiry (INFO expired_stale_perc, expired_time_cap_reached_count): a running
    // average of the share of sampled keys found expired (Redis's 5% weight per pass), and the
    // passes that stopped at their budget with the table not yet covered.
    double expired_stale = 0;
    uint64_t expire_cap_reached = 0;
  };

  explicit DbSlice(uint32_t shard_id);
  ~DbSlice();

  uint32_t shard_id() const { return shard_id_; }

  // Current time in Unix ms (what expiry is compared with).
  static int64_t NowMs();

  // Finds a live key. kKeyNotFound if absent or expired (then deleted); kWrongType if `type`
  // is given and differs. A read (Redis's lookupKeyRead: outside a write command's scope, see
  // ModifierScope) counts a hit or a miss, and a miss notifies "keymiss" (class m); a write
  // command's lookup (lookupKeyWrite) does neither.
  OpResult<Iterator> Find(int db, std::string_view key, std::optional<ObjType> type = {});
  // Like Find, but leaves the key's access bits alone (Redis's LOOKUP_NOTOUCH: TYPE, TTL,
  // EXISTS); `notify_miss` false is Redis's LOOKUP_NONOTIFY (OBJECT).
  OpResult<Iterator> FindNoTouch(int db, std::string_view key, bool notify_miss = true);
  // Like Find without type check, without touching hit/miss stats or access bits.
  std::optional<Iterator> Peek(int db, std::string_view key);

  // Access tracking, as Redis's `lru` field: every key carries 24 access bits
  // (CompactObj::access_bits) — under an LFU policy the time in minutes (16 bits) and a
  // logarithmic counter (8 bits, lfu-log-factor, decayed by lfu-decay-time), otherwise an LRU
  // clock in seconds. Find and TryAddOrFind touch the key they find (Redis's lookupKey); a new
  // key starts at the clock, or at counter 5 (LFU_INIT_VAL). The clock is cached per shard and
  // refreshed by UpdateClock (each background tick), so a touch is a load, a compare and a
  // store. A policy switch reinterprets the bits, as in Redis.
  void Touch(Iterator it);
  // Refreshes the cached clock (the background tick; also at construction).
  void UpdateClock();
  // OBJECT IDLETIME's milliseconds (from the LRU clock) and OBJECT FREQ's counter (decayed,
  // not incremented).
  int64_t IdleMs(Iterator it) const;
  unsigned LfuCounter(Iterator it) const;
  // RESTORE's IDLETIME/FREQ and an RDB key's idle/freq records, as Redis applies them: under
  // an LFU policy `freq` (when >= 0) becomes the counter, stamped now; under any other policy
  // `idle_s` (when >= 0) sets the LRU clock that many seconds back. The other is ignored.
  void SetAccessHint(Iterator it, int64_t idle_s, int freq);
  // Whether the policy evicts by LRU clock (volatile-lru, allkeys-lru): RDB files then carry
  // each key's idle time, as Redis writes them.
  bool LruPolicy() const {
    return mem_.policy != nullptr && IsLruPolicy(mem_.policy->load(std::memory_order_relaxed));
  }
  bool LfuMode() const {
    return mem_.policy != nullptr && IsLfuPolicy(mem_.policy->load(std::memory_order_relaxed));
  }

  // Finds a live key or inserts it with an empty string value. Returns {it, inserted}, or
  // kOutOfMemory when the key is new and cache mode could not make room (nothing evictable).
  OpResult<std::pair<Iterator, bool>> TryAddOrFind(int db, std::string_view key);
  // Like TryAddOrFind, for callers that cannot report OOM: never fails. Where TryAddOrFind
  // would report OOM it grows past the budget instead and flags the shard (cannot_evict), so
  // the next denyoom commands are refused up front.
  std::pair<Iterator, bool> AddOrFind(int db, std::string_view key);

  // Memory limits (see the header comment). Call on the shard's thread before use; without
  // it there is no limit.
  void SetMemoryConfig(const MemoryConfig& config);
  // Cache mode with a limit set: evictions allowed (unless Frozen).
  bool CacheMode() const;
  // A CLIENT PAUSE is in force (see MemoryConfig::pause_mode): keys neither expire nor evict.
  bool Frozen(int64_t now_ms) const {
    return mem_.pause_mode != nullptr && mem_.pause_mode->load(std::memory_order_relaxed) != 0 &&
           mem_.pause_end_ms->load(std::memory_order_relaxed) > now_ms;
  }
  // CacheMode() and not Frozen: eviction may run now.
  bool EvictionAllowed() const { return CacheMode() && !Frozen(NowMs()); }
  // This shard's share of maxmemory, (maxmemory - outside) / shard_count (0: unlimited), and
  // its current heap bytes.
  int64_t ShardBudget() const;
  int64_t ShardUsed() const;
  // Background eviction (cache mode): while the shard is over budget, evicts every
  // evictable entry of up to `max_buckets` logical buckets, continuing from a rotating cursor
  // over all databases. Returns how many keys it evicted. Also applies deferred bump-ups.
  size_t EvictStep(size_t max_buckets);
  // True if eviction must not touch this entry: sticky, its key held by a transaction, or
  // (under a volatile-* policy) without a TTL.
  bool IsPinned(Iterator it) const;

  bool Del(int db, std::string_view key);
  void Del(int db, Iterator it);

  // Keyspace notifications (keyspace_events.h): Service sets the notifier on the shard's
  // thread before serving. Notify is what a write command calls where Redis calls
  // notifyKeyspaceEvent: one relaxed load unless notify-keyspace-events selects `type`.
  // DbSlice itself notifies "expired", "evicted" and "new".
  void SetNotifier(const KeyspaceNotifier& notifier) { notifier_ = notifier; }
  void Notify(uint32_t type, std::string_view event, int db, std::string_view key) const {
    if (notifier_.Wants(type)) notifier_.Publish(event, db, key);
  }

  // WATCH: `key` of `db` was changed by the running command (see the header comment). Costs
  // one emptiness test while nobody on this shard watches anything.
  // Blocked clients are told too (EngineShard::NotifyKeyReady): a blocked XREADGROUP must wake
  // when its stream is deleted or replaced, as in Redis 7.0; the other waiters' predicates just
  // find nothing to take.
  void MarkModified(int db, std::string_view key) {
    if (!watches_.empty() || !tracking_.empty()) MarkModifiedSlow(db, key);
    if (HasBlockedWaiters()) NotifyBlocked(key);
  }
  void MarkModified(int db, Iterator it) {
    if (!watches_.empty() || !tracking_.empty() || HasBlockedWaiters()) MarkModifiedSlow(db, it);
  }
  // Undo records (undo_log.h): while set, MarkModified appends (db, key) here instead of
  // dirtying the watchers, so a script's write that may still be undone is not seen by WATCH.
  // Returns the previous sink.
  std::vector<std::pair<int, std::string>>* set_touch_sink(
      std::vector<std::pair<int, std::string>>* sink) {
    std::swap(sink, touch_sink_);
    return sink;
  }
  // This shard's watched keys (WATCH registers there, in a hop over the key).
  ShardWatches& watches() { return watches_; }
  // Client-side caching (shard_tracking.h): MarkModified invalidates the key for its readers.
  ShardTracking& tracking() { return tracking_; }
  // The client whose command is changing keys here (CLIENT TRACKING's NOLOOP), set around
  // each command's operation on this shard (op_args.h); 0 outside commands. `write_lookups`:
  // the command's lookups are Redis's lookupKeyWrite (no hit/miss counts, no keymiss).
  class ModifierScope {
   public:
    ModifierScope(DbSlice* slice, uint64_t client, bool write_lookups = false)
        : slice_(slice),
          previous_(std::exchange(slice->modifier_, client)),
          previous_write_(std::exchange(slice->write_lookups_, write_lookups)) {}
    ~ModifierScope() {
      slice_->modifier_ = previous_;
      slice_->write_lookups_ = previous_write_;
    }
    ModifierScope(const ModifierScope&) = delete;
    ModifierScope& operator=(const ModifierScope&) = delete;

   private:
    DbSlice* slice_;
    uint64_t previous_;
    bool previous_write_;
  };

  // Sets how lookups count for the scope's duration (see ModifierScope), for a command that
  // mixes both as Redis does: PFMERGE's destination is a write lookup, BITFIELD with GETs only
  // reads.
  class LookupScope {
   public:
    LookupScope(DbSlice* slice, bool write_lookups)
        : slice_(slice), previous_(std::exchange(slice->write_lookups_, write_lookups)) {}
    ~LookupScope() { slice_->write_lookups_ = previous_; }
    LookupScope(const LookupScope&) = delete;
    LookupScope& operator=(const LookupScope&) = delete;

   private:
    DbSlice* slice_;
    bool previous_;
  };
  // A write command's read of `key` that went through Peek (SET ... GET, GETSET, COPY's
  // source: Redis's lookupKeyRead): counts the hit or the miss; a miss notifies "keymiss".
  void CountRead(int db, std::string_view key, bool hit) {
    if (hit) {
      ++stats_.keyspace_hits;
    } else {
      CountMiss(db, key, /*notify=*/true);
    }
  }

  // Expiry of a live entry: 0 = none.
  int64_t GetExpire(int db, Iterator it);
  void SetExpire(int db, Iterator it, int64_t at_ms);
  // Returns true if the key had an expiry.
  bool RemoveExpire(int db, Iterator it);

  size_t DbSize(int db) const { return dbs_[db]->prime.size(); }
  size_t ExpireCount(int db) const { return dbs_[db]->expire.size(); }
  // Empties the database; dirties the WATCHers of the keys it held and tells the clients
  // blocked on them (a blocked XREADGROUP answers -UNBLOCKED, as in Redis 7.0).
  void FlushDb(int db);
  void FlushAll();
  // SWAPDB: databases a and b trade their keys (and expiries). WATCHers of a key that exists
  // in either database, watching in either, are marked dirty (Redis's rule).
  void SwapDbs(int a, int b);

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

  // Snapshots (rdb_snapshot.h): while one runs, every lookup (Peek, and so Find and the
  // AddOrFind family), traversal, insert, erase and flush first serialises the touched
  // bucket's entries as they were at the snapshot's cut, if that bucket is not serialised yet.
  // Null: no snapshot (one branch per lookup). REQUIRES: on the shard's thread.
  void set_snapshot(ShardSnapshot* s) { snapshot_ = s; }
  ShardSnapshot* snapshot() const { return snapshot_; }
  // Key lookups so far (every key command makes at least one): a snapshot's pass tells from
  // it whether the shard is serving.
  uint64_t lookups() const { return lookups_; }
  // The version a new snapshot gives the buckets it has serialised (greater than any before).
  uint32_t NextSnapshotVersion() { return ++snapshot_version_; }
  void SnapshotBucket(int db, PrimeTable::BucketRef bucket);

  // PrimePolicy's hooks.
  bool CanGrowPrime() const;
  unsigned EvictFromHotspot(int db, const PrimeTable::Hotspot& hotspot);

 private:
  struct Db {
    Db(DbSlice* slice, int db) : prime(PrimePolicy{{}, slice, db}) {}
    PrimeTable prime;
    ExpireTable expire;
    uint64_t expire_cursor = 0;
    uint64_t evict_cursor = 0;
  };

  // Erases an evicted entry's expiry and counts it. REQUIRES: `it` is about to be erased.
  void OnEvict(int db, Iterator it);
  // Evicts the best victim of `hotspot` under the policy (the longest idle, the lowest LFU
  // counter, the nearest expiry; under *-random the coldest slot). Returns 0 or 1.
  unsigned EvictOneFromHotspot(int db, const PrimeTable::Hotspot& hotspot);
  // Eviction order under the current policy: the entry with the lowest score goes first.
  // kRankless for the random policies (any entry will do).
  static constexpr uint64_t kRankless = 0;
  uint64_t EvictionScore(int db, Iterator it, int64_t policy);
  // The access bits a new key starts with.
  uint32_t InitialAccessBits() const;
  // LFU access bits: the current minute (16 bits, wrapping) above `counter` (0..255).
  uint32_t LfuMinutes() const { return uint32_t(now_s_ / 60) & 0xffff; }
  uint32_t LfuBits(unsigned counter) const { return LfuMinutes() << 8 | counter; }
  // Moves the keys read since the last insertion one step toward the hot end.
  void ApplyBumps();
  void SetCannotEvict(bool v);

  void MarkModifiedSlow(int db, Iterator it);
  void MarkModifiedSlow(int db, std::string_view key);
  // Whether this thread's shard has blocked clients, and telling them `key` changed.
  static bool HasBlockedWaiters();
  static void NotifyBlocked(std::string_view key);
  // True if the entry at `it` is expired; then it is deleted (it becomes invalid) unless the
  // dataset is Frozen and the caller only reads (`writing` false): Redis 7.0 then keeps the
  // key until the pause ends but answers as if it were gone.
  bool ExpireIfNeeded(int db, Iterator it, int64_t now_ms, bool writing = false);
  // Peek for a caller about to write the key (TryAddOrFind): an expired key is deleted even
  // while Frozen, since the insert that follows needs its slot.
  std::optional<Iterator> PeekImpl(int db, std::string_view key, bool writing);

  uint32_t shard_id_;
  static inline int num_dbs_ = 16;
  std::vector<std::unique_ptr<Db>> dbs_;
  Stats stats_;
  MemoryConfig mem_;
  // Set while AddOrFind forces an insert past the budget (the legacy never-failing path).
  bool force_grow_ = false;
  int evict_db_ = 0;  // EvictStep's current database
  // Keys hit by Find since the last insertion, bumped then (bounded: extra hits are dropped).
  std::vector<std::pair<int, std::string>> pending_bumps_;
  ShardWatches watches_;
  ShardTracking tracking_;
  uint64_t modifier_ = 0;       // see ModifierScope
  bool write_lookups_ = false;  // see ModifierScope
  // A read lookup missed `key`: counts it and notifies "keymiss" (unless `notify`).
  void CountMiss(int db, std::string_view key, bool notify);
  ShardSnapshot* snapshot_ = nullptr;
  uint64_t lookups_ = 0;
  // Unix seconds as of the last UpdateClock, and the LFU's random source (xorshift64).
  int64_t now_s_ = 0;
  uint64_t lfu_rand_ = 0x9e3779b97f4a7c15ULL;
  uint32_t snapshot_version_ = 0;
  std::vector<std::pair<int, std::string>>* touch_sink_ = nullptr;
  KeyspaceNotifier notifier_;
};

template <typename Table>
bool PrimePolicy::CanGrow(const Table&) const {
  return slice == nullptr || slice->CanGrowPrime();
}

template <typename Table, typename Hotspot>
unsigned PrimePolicy::Evict(Table&, const Hotspot& hotspot) {
  return slice == nullptr ? 0 : slice->EvictFromHotspot(db, hotspot);
}

template <typename Table, typename Bucket>
void PrimePolicy::OnBucketChange(Table&, Bucket bucket) {
  if (slice != nullptr && slice->snapshot() != nullptr) slice->SnapshotBucket(db, bucket);
}

template <typename It>
bool PrimePolicy::IsPinned(It it) const {
  return slice != nullptr && slice->IsPinned(it);
}

}  // namespace lw
