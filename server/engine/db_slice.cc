#include "server/engine/db_slice.h"

#include <algorithm>
#include <chrono>

#include "base/clock.h"
#include "base/hash.h"
#include "base/logging.h"
#include "base/malloc_accounting.h"
#include "server/engine/rdb_snapshot.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"

namespace lw {

uint64_t KeyPolicy::HashFn(std::string_view key) { return HashBytes(key); }

uint64_t KeyPolicy::HashFn(const CompactObj& key) {
  std::string scratch;
  return HashBytes(key.GetSlice(&scratch));
}

bool KeyPolicy::Equal(const CompactObj& stored, const CompactObj& probe) {
  std::string scratch;
  return stored.EqualsKey(probe.GetSlice(&scratch));
}

namespace {
// Deferred bump-ups kept between insertions; more hits than this in one read burst are
// dropped (bump-up is a heuristic, and the next burst samples again).
constexpr size_t kMaxPendingBumps = 256;
// Buckets EvictStep may scan for an insert whose own hotspot holds nothing evictable.
constexpr size_t kInsertFallbackBuckets = 16;
}  // namespace

DbSlice::DbSlice(uint32_t shard_id) : shard_id_(shard_id) {
  UpdateClock();
  lfu_rand_ ^= uint64_t(shard_id + 1) * 0xbf58476d1ce4e5b9ULL;
  dbs_.resize(num_dbs_);
  for (int db = 0; db < num_dbs_; ++db) dbs_[db] = std::make_unique<Db>(this, db);
}

DbSlice::~DbSlice() = default;

int64_t DbSlice::NowMs() { return UnixNowMs(); }

bool DbSlice::ExpireIfNeeded(int db, Iterator it, int64_t now_ms, bool writing) {
  if (!it.value().has_expire()) return false;
  Db& d = *dbs_[db];
  std::string scratch;
  auto exp = d.expire.Find(it.key().GetSlice(&scratch));
  if (exp.IsEnd()) return false;
  if (exp.value() > now_ms) return false;
  if (!writing && Frozen(now_ms)) return true;  // CLIENT PAUSE: gone to readers, still stored
  MarkModified(db, it);
  std::string key;
  if (notifier_.Wants(notify::kExpired)) key = it.key().GetSlice(&scratch);
  d.expire.Erase(exp);
  d.prime.Erase(it);
  ++stats_.expired_keys;
  Notify(notify::kExpired, "expired", db, key);
  return true;
}

OpResult<DbSlice::Iterator> DbSlice::Find(int db, std::string_view key,
                                          std::optional<ObjType> type) {
  auto it = Peek(db, key);
  if (!it) {
    if (!write_lookups_) CountMiss(db, key, /*notify=*/true);
    return OpStatus::kKeyNotFound;
  }
  if (!write_lookups_) ++stats_.keyspace_hits;
  Touch(*it);
  if (type && (*it).value().type() != *type) return OpStatus::kWrongType;
  if (pending_bumps_.size() < kMaxPendingBumps && CacheMode()) {
    pending_bumps_.emplace_back(db, std::string(key));
  }
  return *it;
}

OpResult<DbSlice::Iterator> DbSlice::FindNoTouch(int db, std::string_view key, bool notify_miss) {
  auto it = Peek(db, key);
  if (!it) {
    if (!write_lookups_) CountMiss(db, key, notify_miss);
    return OpStatus::kKeyNotFound;
  }
  if (!write_lookups_) ++stats_.keyspace_hits;
  return *it;
}

void DbSlice::CountMiss(int db, std::string_view key, bool notify) {
  ++stats_.keyspace_misses;
  if (notify) Notify(notify::kKeyMiss, "keymiss", db, key);
}

// --- access tracking (Redis's LRU clock and LFU counter; see the header) ---
namespace {
constexpr uint32_t kLruClockMax = (1u << 24) - 1;
constexpr unsigned kLfuInitVal = 5;
}  // namespace

void DbSlice::UpdateClock() { now_s_ = UnixNowMs() / 1000; }

uint32_t DbSlice::InitialAccessBits() const {
  if (LfuMode()) return LfuBits(kLfuInitVal);
  return uint32_t(now_s_) & kLruClockMax;
}

unsigned DbSlice::LfuCounter(Iterator it) const {
  uint32_t bits = it.key().access_bits();
  unsigned counter = bits & 255;
  uint32_t then = bits >> 8, now = LfuMinutes();
  uint32_t elapsed = now >= then ? now - then : 65535 - then + now;
  int64_t decay = mem_.lfu_decay_time ? mem_.lfu_decay_time->load(std::memory_order_relaxed) : 1;
  uint64_t periods = decay > 0 ? elapsed / uint64_t(decay) : 0;
  return periods >= counter ? 0 : unsigned(counter - periods);
}

int64_t DbSlice::IdleMs(Iterator it) const {
  uint32_t lru = it.key().access_bits(), now = uint32_t(now_s_) & kLruClockMax;
  return int64_t(now >= lru ? now - lru : now + (kLruClockMax - lru)) * 1000;
}

void DbSlice::SetAccessHint(Iterator it, int64_t idle_s, int freq) {
  CompactObj& key = const_cast<CompactObj&>(it.key());
  if (LfuMode()) {
    if (freq >= 0) key.set_access_bits(LfuBits(unsigned(freq & 255)));
    return;
  }
  if (idle_s < 0) return;
  // The clock wraps: an access before the wrap reads as a large clock value (IdleMs unwraps).
  int64_t at = (int64_t(now_s_) & kLruClockMax) - idle_s;
  if (at < 0) at += kLruClockMax;
  key.set_access_bits(uint32_t(at) & kLruClockMax);
}

void DbSlice::Touch(Iterator it) {
  CompactObj& key = const_cast<CompactObj&>(it.key());
  if (!LfuMode()) {
    key.set_access_bits(uint32_t(now_s_) & kLruClockMax);
    return;
  }
  unsigned counter = LfuCounter(it);
  if (counter < 255) {
    // Redis's LFULogIncr: the higher the counter, the less likely an access increments it.
    int64_t factor =
        mem_.lfu_log_factor ? mem_.lfu_log_factor->load(std::memory_order_relaxed) : 10;
    lfu_rand_ ^= lfu_rand_ << 13;
    lfu_rand_ ^= lfu_rand_ >> 7;
    lfu_rand_ ^= lfu_rand_ << 17;
    double r = double(lfu_rand_ >> 11) / double(1ull << 53);
    double base = counter > kLfuInitVal ? double(counter - kLfuInitVal) : 0.0;
    if (r < 1.0 / (base * double(factor) + 1.0)) ++counter;
  }
  key.set_access_bits(LfuBits(counter));
}

std::optional<DbSlice::Iterator> DbSlice::Peek(int db, std::string_view key) {
  return PeekImpl(db, key, /*writing=*/false);
}

std::optional<DbSlice::Iterator> DbSlice::PeekImpl(int db, std::string_view key, bool writing) {
  ++lookups_;
  PrimeTable& prime = dbs_[db]->prime;
  Iterator it = prime.Find(key);
  if (it.IsEnd()) return std::nullopt;
  if (snapshot_ != nullptr) [[unlikely]]
    snapshot_->SerializeEntry(db, it);
  // Most keys have no TTL: no clock read for them.
  if (it.value().has_expire() && ExpireIfNeeded(db, it, NowMs(), writing)) return std::nullopt;
  return it;
}

OpResult<std::pair<DbSlice::Iterator, bool>> DbSlice::TryAddOrFind(int db, std::string_view key) {
  if (auto it = PeekImpl(db, key, /*writing=*/true)) {
    Touch(*it);
    return std::pair{*it, false};
  }
  // From here on an insertion follows, which invalidates iterators anyway: the deferred
  // bump-ups may move entries now.
  ApplyBumps();
  PrimeTable& prime = dbs_[db]->prime;
  if (EvictionAllowed() && ShardUsed() > ShardBudget()) {
    // Over budget with room in the segment: make room in memory first, coldest first from
    // the hotspot this insert uses, else from anywhere on the shard.
    unsigned evicted = EvictOneFromHotspot(db, prime.HotspotOf(key));
    if (evicted == 0 && EvictStep(kInsertFallbackBuckets) == 0) {
      SetCannotEvict(true);
      return OpStatus::kOutOfMemory;
    }
  }
  auto [it, inserted] = prime.Insert(CompactObj::MakeKey(key), CompactObj());
  if (!inserted) {
    // The segment is full, may not grow, and holds only pinned entries.
    SetCannotEvict(true);
    return OpStatus::kOutOfMemory;
  }
  const_cast<CompactObj&>(it.key()).set_access_bits(InitialAccessBits());
  MarkModified(db, key);
  Notify(notify::kNew, "new", db, key);
  return std::pair{it, true};
}

std::pair<DbSlice::Iterator, bool> DbSlice::AddOrFind(int db, std::string_view key) {
  OpResult<std::pair<Iterator, bool>> res = TryAddOrFind(db, key);
  if (res.ok()) return *res;
  // No room within the budget: grow past it rather than fail a caller that cannot say OOM.
  force_grow_ = true;
  auto [it, inserted] = dbs_[db]->prime.Insert(CompactObj::MakeKey(key), CompactObj());
  force_grow_ = false;
  CHECK(inserted) << "prime table refused an insert it was allowed to grow for";
  const_cast<CompactObj&>(it.key()).set_access_bits(InitialAccessBits());
  MarkModified(db, key);
  Notify(notify::kNew, "new", db, key);
  return {it, true};
}

void DbSlice::SetMemoryConfig(const MemoryConfig& config) {
  mem_ = config;
  if (mem_.shard_count == 0) mem_.shard_count = 1;
}

bool DbSlice::CacheMode() const {
  return mem_.maxmemory != nullptr && mem_.maxmemory->load(std::memory_order_relaxed) > 0 &&
         mem_.policy->load(std::memory_order_relaxed) != kNoEvictionPolicy;
}

int64_t DbSlice::ShardBudget() const {
  if (mem_.maxmemory == nullptr) return 0;
  int64_t limit = mem_.maxmemory->load(std::memory_order_relaxed);
  if (limit <= 0) return 0;
  int64_t outside = mem_.outside ? mem_.outside->load(std::memory_order_relaxed) : 0;
  // At least one byte: a limit below what the server holds outside the shards evicts all.
  int64_t shared = std::max<int64_t>(limit - std::max<int64_t>(outside, 0), 1);
  return shared / int64_t(mem_.shard_count);
}

int64_t DbSlice::ShardUsed() const {
  return mem_.memory_probe ? mem_.memory_probe() : mem::ThreadAllocatedBytes();
}

void DbSlice::SetCannotEvict(bool v) {
  if (mem_.cannot_evict && mem_.cannot_evict->load(std::memory_order_relaxed) != v) {
    mem_.cannot_evict->store(v, std::memory_order_relaxed);
  }
}

bool DbSlice::CanGrowPrime() const {
  if (force_grow_ || !EvictionAllowed()) return true;
  // A split allocates one segment: grow only if that still fits in the budget.
  return ShardUsed() + int64_t(PrimeTable::kSegmentBytes) <= ShardBudget();
}

unsigned DbSlice::EvictFromHotspot(int db, const PrimeTable::Hotspot& hotspot) {
  if (force_grow_ || !EvictionAllowed()) return 0;
  unsigned n = EvictOneFromHotspot(db, hotspot);
  if (n > 0) SetCannotEvict(false);
  return n;
}

uint64_t DbSlice::EvictionScore(int db, Iterator it, int64_t policy) {
  // The longest idle first, the least used first, the nearest deadline first.
  if (IsLruPolicy(policy)) return ~uint64_t(IdleMs(it));
  if (IsLfuPolicy(policy)) return LfuCounter(it);
  if (policy == kVolatileTtlPolicy) return uint64_t(GetExpire(db, it));
  return kRankless;  // the *-random policies
}

unsigned DbSlice::EvictOneFromHotspot(int db, const PrimeTable::Hotspot& hotspot) {
  PrimeTable& prime = dbs_[db]->prime;
  int64_t policy = mem_.policy ? mem_.policy->load(std::memory_order_relaxed) : 0;
  std::optional<Iterator> best;
  uint64_t best_score = 0;
  hotspot.ForEachCandidate([&](Iterator it) {
    if (best && best_score == kRankless) return;  // the coldest evictable slot will do
    if (IsPinned(it)) return;
    uint64_t score = EvictionScore(db, it, policy);
    if (!best || score < best_score) best = it, best_score = score;
  });
  if (!best) return 0;
  OnEvict(db, *best);
  prime.Erase(*best);
  return 1;
}

bool DbSlice::IsPinned(Iterator it) const {
  if (it.value().sticky()) return true;
  // volatile-lru, -lfu, -random and -ttl (policies 0..3) evict only keys with a TTL.
  if (!it.value().has_expire() && mem_.policy != nullptr &&
      mem_.policy->load(std::memory_order_relaxed) <= kLastVolatilePolicy) {
    return true;
  }
  // A key held by a running transaction (a script, MULTI/EXEC, or the command inserting right
  // now) must not vanish under it.
  tx::EngineShard* es = tx::EngineShard::Current();
  if (es == nullptr) return false;
  // A global transaction (a script with undeclared keys) may touch any key of the shard.
  if (es->shard_lock().exclusive > 0) return true;
  if (es->lock_table().size() == 0) return false;
  std::string scratch;
  uint64_t fp = es->shard_set()->LockFingerprint(it.key().GetSlice(&scratch));
  return !es->lock_table().Get(fp).Free();
}

void DbSlice::OnEvict(int db, Iterator it) {
  MarkModified(db, it);
  if (notifier_.Wants(notify::kEvicted)) {
    std::string scratch;
    Notify(notify::kEvicted, "evicted", db, it.key().GetSlice(&scratch));
  }
  Db& d = *dbs_[db];
  // A running snapshot takes the bucket while the victim still has its TTL.
  if (snapshot_ != nullptr) SnapshotBucket(db, d.prime.BucketOf(it));
  if (it.value().has_expire()) {
    std::string scratch;
    d.expire.Erase(it.key().GetSlice(&scratch));
  }
  ++stats_.evicted_keys;
}

void DbSlice::ApplyBumps() {
  for (const auto& [db, key] : pending_bumps_) {
    PrimeTable& prime = dbs_[db]->prime;
    Iterator it = prime.Find(std::string_view(key));
    if (!it.IsEnd()) prime.BumpUp(it);
  }
  pending_bumps_.clear();
}

size_t DbSlice::EvictStep(size_t max_buckets) {
  ApplyBumps();
  if (!EvictionAllowed()) return 0;
  size_t evicted = 0, buckets = 0;
  int64_t budget = ShardBudget();
  int64_t policy = mem_.policy->load(std::memory_order_relaxed);
  // One full lap over every database at most, so a keyspace of pinned entries ends the step.
  for (int dbs_seen = 0; dbs_seen <= NumDbs() && buckets < max_buckets;) {
    Db& d = *dbs_[evict_db_];
    if (d.prime.empty()) {
      d.evict_cursor = 0;
      evict_db_ = (evict_db_ + 1) % NumDbs();
      ++dbs_seen;
      continue;
    }
    if (ShardUsed() <= budget) break;
    int db = evict_db_;
    // Ranked policies (LRU, LFU, TTL) take the best victim of each bucket group; the random
    // ones take every evictable entry.
    std::optional<Iterator> best;
    uint64_t best_score = 0;
    d.evict_cursor = d.prime.Traverse(d.evict_cursor, [&](Iterator it) {
      if (IsPinned(it)) return;
      uint64_t score = EvictionScore(db, it, policy);
      if (score != kRankless) {
        if (!best || score < best_score) best = it, best_score = score;
        return;
      }
      OnEvict(db, it);
      d.prime.Erase(it);
      ++evicted;
    });
    if (best) {
      OnEvict(db, *best);
      d.prime.Erase(*best);
      ++evicted;
    }
    ++buckets;
    if (d.evict_cursor == 0) {
      evict_db_ = (evict_db_ + 1) % NumDbs();
      ++dbs_seen;
    }
  }
  if (evicted > 0 || ShardUsed() <= budget) SetCannotEvict(false);
  return evicted;
}

bool DbSlice::Del(int db, std::string_view key) {
  auto it = Peek(db, key);
  if (!it) return false;
  Del(db, *it);
  return true;
}

void DbSlice::Del(int db, Iterator it) {
  MarkModified(db, it);
  Db& d = *dbs_[db];
  if (it.value().has_expire()) {
    std::string scratch;
    d.expire.Erase(it.key().GetSlice(&scratch));
  }
  d.prime.Erase(it);
}

void DbSlice::MarkModifiedSlow(int db, Iterator it) {
  std::string scratch;
  std::string_view key = it.key().GetSlice(&scratch);
  if (!watches_.empty() || !tracking_.empty()) MarkModifiedSlow(db, key);
  if (HasBlockedWaiters()) NotifyBlocked(key);
}

void DbSlice::MarkModifiedSlow(int db, std::string_view key) {
  if (touch_sink_ != nullptr) {
    touch_sink_->emplace_back(db, std::string(key));
  } else {
    if (!watches_.empty()) watches_.Touch(db, key);
    if (!tracking_.empty()) tracking_.Invalidate(key, modifier_);
  }
}

bool DbSlice::HasBlockedWaiters() {
  tx::EngineShard* es = tx::EngineShard::Current();
  return es != nullptr && es->watcher_count() > 0;
}

void DbSlice::NotifyBlocked(std::string_view key) {
  if (tx::EngineShard* es = tx::EngineShard::Current()) es->NotifyKeyReady(key);
}

int64_t DbSlice::GetExpire(int db, Iterator it) {
  if (!it.value().has_expire()) return 0;
  Db& d = *dbs_[db];
  std::string scratch;
  auto exp = d.expire.Find(it.key().GetSlice(&scratch));
  return exp.IsEnd() ? 0 : exp.value();
}

void DbSlice::SetExpire(int db, Iterator it, int64_t at_ms) {
  Db& d = *dbs_[db];
  std::string scratch;
  std::string_view key = it.key().GetSlice(&scratch);
  MarkModified(db, key);
  it.value().set_has_expire(true);
  // Inserting into the expire table never moves prime-table entries.
  auto [exp, inserted] = d.expire.Insert(CompactObj(key), at_ms);
  if (!inserted) exp.value() = at_ms;
}

bool DbSlice::RemoveExpire(int db, Iterator it) {
  if (!it.value().has_expire()) return false;
  it.value().set_has_expire(false);
  std::string scratch;
  std::string_view key = it.key().GetSlice(&scratch);
  MarkModified(db, key);
  return dbs_[db]->expire.Erase(key);
}

void DbSlice::SnapshotBucket(int db, PrimeTable::BucketRef bucket) {
  snapshot_->SerializeBucket(db, bucket);
}

void DbSlice::FlushDb(int db) {
  // A running snapshot takes what the database held at its cut before it goes.
  if (snapshot_ != nullptr) snapshot_->FinishDb(db);
  // Redis dirties the watched keys the flush removes, not those absent already.
  PrimeTable& prime = dbs_[db]->prime;
  if (!watches_.empty() && !prime.empty()) {
    watches_.TouchIf(db, [&](std::string_view key) { return !prime.Find(key).IsEnd(); });
  }
  std::erase_if(pending_bumps_, [db](const auto& b) { return b.first == db; });
  // Redis forgets every tracked key on a flush (keys are tracked by name, in any database);
  // the flush command sends each tracking client one null invalidation.
  tracking_.Clear();
  // Clients blocked on keys the flush removes are told, as Redis 7.0's signalFlushedDb: a
  // blocked XREADGROUP answers -UNBLOCKED; other waiters find nothing to take.
  std::vector<std::string> gone;
  if (HasBlockedWaiters() && !prime.empty()) {
    for (std::string& key : tx::EngineShard::Current()->BlockedKeys()) {
      if (!prime.Find(key).IsEnd()) gone.push_back(std::move(key));
    }
  }
  dbs_[db] = std::make_unique<Db>(this, db);
  for (const std::string& key : gone) NotifyBlocked(key);
}

void DbSlice::SwapDbs(int a, int b) {
  // A running snapshot takes both databases as they were at its cut before they trade places.
  if (snapshot_ != nullptr) {
    snapshot_->FinishDb(a);
    snapshot_->FinishDb(b);
  }
  if (!watches_.empty()) {
    auto in_either = [&](std::string_view key) {
      return !dbs_[a]->prime.Find(key).IsEnd() || !dbs_[b]->prime.Find(key).IsEnd();
    };
    watches_.TouchIf(a, in_either);
    watches_.TouchIf(b, in_either);
  }
  // Deferred bump-ups name a database by index: drop those of the two swapped.
  std::erase_if(pending_bumps_, [&](const auto& p) { return p.first == a || p.first == b; });
  std::swap(dbs_[a], dbs_[b]);
  dbs_[a]->prime.policy().db = a;
  dbs_[b]->prime.policy().db = b;
}

void DbSlice::FlushAll() {
  for (int db = 0; db < NumDbs(); ++db) FlushDb(db);
}

uint64_t DbSlice::Traverse(int db, uint64_t cursor, const std::function<void(Iterator)>& cb) {
  PrimeTable& prime = dbs_[db]->prime;
  int64_t now = NowMs();
  return prime.Traverse(cursor, [&](Iterator it) {
    if (snapshot_ != nullptr) [[unlikely]]
      SnapshotBucket(db, prime.BucketOf(it));
    if (ExpireIfNeeded(db, it, now)) return;
    cb(it);
  });
}

size_t DbSlice::ActiveExpireStep(int db, size_t budget) {
  Db& d = *dbs_[db];
  if (d.expire.empty()) return 0;
  int64_t now = NowMs();
  if (Frozen(now)) return 0;  // CLIENT PAUSE: expired keys wait for the pause to end
  size_t deleted = 0, seen = 0;
  std::vector<std::string> expired;
  while (seen < budget) {
    d.expire_cursor = d.expire.Traverse(d.expire_cursor, [&](ExpireTable::Iterator it) {
      ++seen;
      if (it.value() <= now) {
        std::string scratch;
        expired.emplace_back(it.key().GetSlice(&scratch));
      }
    });
    if (d.expire_cursor == 0) break;
  }
  if (d.expire_cursor != 0) ++stats_.expire_cap_reached;
  if (seen > 0) {
    double stale = double(expired.size()) / double(seen);
    stats_.expired_stale = stale * 0.05 + stats_.expired_stale * 0.95;
  }
  for (const std::string& key : expired) {
    auto it = d.prime.Find(std::string_view(key));
    if (!it.IsEnd()) {
      MarkModified(db, std::string_view(key));
      d.prime.Erase(it);
      ++deleted;
      ++stats_.expired_keys;
      Notify(notify::kExpired, "expired", db, key);
    }
    d.expire.Erase(std::string_view(key));
  }
  return deleted;
}

size_t DbSlice::TableMemory() const {
  size_t total = 0;
  for (const auto& db : dbs_) total += db->prime.mem_usage() + db->expire.mem_usage();
  return total;
}

}  // namespace lw
