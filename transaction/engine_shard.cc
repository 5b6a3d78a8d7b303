#include "transaction/engine_shard.h"

#include <algorithm>

#include "base/logging.h"
#include "transaction/shard_set.h"
#include "transaction/transaction.h"

namespace lw::tx {
namespace {
thread_local EngineShard* tl_shard = nullptr;
}  // namespace

EngineShard::EngineShard(ShardId id, ShardSet* shard_set) : id_(id), shard_set_(shard_set) {}

EngineShard::~EngineShard() = default;

EngineShard* EngineShard::Current() { return tl_shard; }
void EngineShard::SetCurrent(EngineShard* shard) { tl_shard = shard; }

void EngineShard::NotifyKeyReady(std::string_view key) {
  if (watchers_.empty()) return;  // nobody blocks on anything here
  if (std::find(notified_.begin(), notified_.end(), key) == notified_.end()) {
    notified_.emplace_back(key);
  }
  if (current_tx_ == nullptr) DrainReadyKeys();
}

void EngineShard::DrainReadyKeys() {
  if (draining_) return;  // a serve callback notified: the loop below picks it up
  draining_ = true;
  while (!notified_.empty()) {
    std::string key = std::move(notified_.back());
    notified_.pop_back();
    stats_.wakes += watchers_.Process(this, key);
  }
  draining_ = false;
}

bool EngineShard::BeginInline(Transaction* tx) {
  if (current_tx_ != nullptr) return false;
  current_tx_ = tx;
  return true;
}

void EngineShard::EndInline() {
  auto& ready = current_tx_->shard_[id_].ready_keys;
  for (auto& key : notified_) ready.push_back(std::move(key));
  notified_.clear();
  current_tx_ = nullptr;
}

// --- Locks. ---

namespace {
// Whether a keyed transaction writes on this shard: it then conflicts with a shared global
// transaction (SORT ... GET reading the whole keyspace), which only readers may overlap.
template <typename Locks>
bool HasExclusive(const Locks& locks) {
  for (const auto& req : locks) {
    if (req.mode == LockMode::kExclusive) return true;
  }
  return false;
}
}  // namespace

void EngineShard::AcquireLocks(Transaction* tx) {
  auto& sd = tx->shard_[id_];
  if (tx->global_) {
    shard_lock_.Acquire(tx->global_shared_ ? LockMode::kShared : LockMode::kExclusive);
    if (tx->global_shared_) ++global_readers_;
    return;
  }
  shard_lock_.Acquire(LockMode::kShared);
  for (const auto& req : sd.locks) locks_.Acquire(req.fingerprint, req.mode);
  if (HasExclusive(sd.locks)) ++keyed_writers_;
}

void EngineShard::ReleaseLocks(Transaction* tx) {
  auto& sd = tx->shard_[id_];
  if (tx->global_) {
    shard_lock_.Release(tx->global_shared_ ? LockMode::kShared : LockMode::kExclusive);
    if (tx->global_shared_) --global_readers_;
    return;
  }
  shard_lock_.Release(LockMode::kShared);
  for (const auto& req : sd.locks) locks_.Release(req.fingerprint, req.mode);
  if (HasExclusive(sd.locks)) --keyed_writers_;
}

std::span<const Transaction::LockRequest> EngineShard::HopLocks(const Transaction* tx) const {
  const auto& sd = tx->shard_[id_];
  if (sd.part) return sd.part_locks;
  return sd.locks;
}

bool EngineShard::LocksFree(Transaction* tx) const {
  if (tx->global_ && tx->global_shared_) return shard_lock_.exclusive == 0 && keyed_writers_ == 0;
  if (tx->global_) return shard_lock_.OnlyHolder(LockMode::kExclusive);
  if (shard_lock_.exclusive != 0) return false;
  const std::span<const Transaction::LockRequest> locks = HopLocks(tx);
  if (global_readers_ != 0 && HasExclusive(locks)) return false;
  for (const auto& req : locks) {
    if (!locks_.OnlyHolder(req.fingerprint, req.mode)) return false;
  }
  return true;
}

bool EngineShard::Conflict(const Transaction* older, const Transaction* tx) const {
  // The older one holds all its locks until it concludes here; `tx` needs only its hop's.
  const auto& la = older->shard_[id_].locks;
  const std::span<const Transaction::LockRequest> lb = HopLocks(tx);
  if (older->global_ || tx->global_) {
    // An exclusive global transaction conflicts with everything; a shared one with writers.
    if ((older->global_ && !older->global_shared_) || (tx->global_ && !tx->global_shared_)) {
      return true;
    }
    if (older->global_ && tx->global_) return false;
    return older->global_ ? HasExclusive(lb) : HasExclusive(la);
  }
  // Both are sorted by fingerprint: walk them together.
  size_t i = 0, j = 0;
  while (i < la.size() && j < lb.size()) {
    if (la[i].fingerprint < lb[j].fingerprint) {
      ++i;
    } else if (lb[j].fingerprint < la[i].fingerprint) {
      ++j;
    } else {
      if (la[i].mode == LockMode::kExclusive || lb[j].mode == LockMode::kExclusive) return true;
      ++i;
      ++j;
    }
  }
  return false;
}

uint64_t EngineShard::LockSummary(const Transaction* tx) const {
  if (tx->global_) return TxQueue::kAllLocks;
  uint64_t summary = 0;
  for (const auto& req : tx->shard_[id_].locks) summary |= TxQueue::LockBit(req.fingerprint);
  return summary;
}

TxId EngineShard::FindBlocker(Transaction* tx) const {
  // Common case: nobody else wants its locks at all.
  if (LocksFree(tx)) return 0;
  // Otherwise it waits only for older transactions that conflict with it; younger ones wait
  // for it (a younger one that shares a lock with it cannot have run: see ScheduleWithId). The walk
  // goes from `tx` towards the head and stops at the nearest conflicting one: transactions queued
  // on the same keys then form a chain in which each departure re-checks one waiter. The lock
  // summaries skip, without opening them, the older transactions that share no lock with `tx`.
  size_t i = queue_.Find(tx->txid_);
  if (i == queue_.size()) {
    LOG(DFATAL) << "armed transaction not queued";
    return 0;
  }
  uint64_t summary = queue_.at(i).summary;
  if (tx->shard_[id_].part) {  // a hop over a part of the keys waits only for theirs
    summary = 0;
    for (const auto& req : HopLocks(tx)) summary |= TxQueue::LockBit(req.fingerprint);
  }
  while (i-- > 0) {
    const TxQueue::Entry& older = queue_.at(i);
    if (TxQueue::MayConflict(older.summary, summary) && Conflict(older.tx, tx)) return older.id;
  }
  return 0;
}

// --- Scheduling. ---

bool EngineShard::TryRunQuick(Transaction* tx, bool inline_call) {
  if (shard_lock_.exclusive != 0) return false;
  auto& sd = tx->shard_[id_];
  if (global_readers_ != 0 && HasExclusive(sd.locks)) return false;
  for (const auto& req : sd.locks) {
    if (!locks_.Compatible(req.fingerprint, req.mode)) return false;
  }
  ++(inline_call ? stats_.quick_inline : stats_.quick_remote);
  NoteAccess(tx);
  current_tx_ = tx;
  sd.status = tx->RunCallback(this);
  current_tx_ = nullptr;
  DrainReadyKeys();
  return true;
}

bool EngineShard::TryRunQuickWithId(Transaction* tx) {
  // A global transaction (a snapshot's cut, FLUSHALL on two threads) waits for every keyed
  // one holding locks here; its locks list is empty, so the check below would not see them.
  if (tx->global_) return false;
  if (tx->txid_ < max_run_txid_ || shard_lock_.exclusive != 0) return false;
  auto& sd = tx->shard_[id_];
  if (global_readers_ != 0 && HasExclusive(sd.locks)) return false;
  for (const auto& req : sd.locks) {
    if (!locks_.Compatible(req.fingerprint, req.mode)) return false;
  }
  ++stats_.quick_paired;
  // As RunHop: it ran here with this id, so a late arrival older than it is refused.
  max_run_txid_ = tx->txid_;
  NoteAccess(tx);
  current_tx_ = tx;
  sd.status = tx->RunCallback(this);
  current_tx_ = nullptr;
  DrainReadyKeys();  // as a conclusion: waiters see the state it left
  return true;
}

void EngineShard::QuickOrQueue(Transaction* tx) {
  if (TryRunQuick(tx, /*inline_call=*/false)) {
    tx->HopDone();  // last touch of tx
    return;
  }
  ScheduleAtTail(tx);
  Arm(tx);
}

void EngineShard::ScheduleAtTail(Transaction* tx) {
  // Every id already queued or run here was handed out earlier, so a fresh one sorts last.
  tx->txid_ = shard_set_->NextTxId();
  max_run_txid_ = std::max(max_run_txid_, tx->txid_);
  // It counts as touching its locks now: it may be a detached hop whose client has its answer
  // already, so an older arrival that conflicts with it must not slip in front (see
  // ScheduleWithId).
  NoteAccess(tx);
  AcquireLocks(tx);
  queue_.Insert(tx->txid_, tx, LockSummary(tx));
  tx->shard_[id_].queued = true;
  ++stats_.scheduled;
}

bool EngineShard::ScheduleWithId(Transaction* tx) {
  // A transaction with a larger id already ran here (or was queued at the tail, see
  // ScheduleAtTail). If it touched a lock of `tx`, it may have run after `tx` on another
  // shard: refuse, so the coordinator retries with a newer id. If none of the younger ones
  // touched them (the access table's bounds, as for LockMore), `tx` conflicts with none of
  // them here and may take its place.
  if (tx->txid_ < max_run_txid_ && !LateArrivalFits(tx)) {
    ++stats_.schedule_conflicts;
    return false;
  }
  if (tx->txid_ < max_run_txid_) ++stats_.late_accepted;
  // Otherwise no younger transaction that shares a lock with it has run here, so entering in
  // the middle of the queue is safe: younger conflicting ones will now wait for this one, as
  // on every other shard.
  AcquireLocks(tx);
  queue_.Insert(tx->txid_, tx, LockSummary(tx));
  tx->shard_[id_].queued = true;
  ++stats_.scheduled;
  return true;
}

void EngineShard::Release(Transaction* tx) {
  auto& sd = tx->shard_[id_];
  if (!sd.queued) return;
  DCHECK(!sd.armed);
  ReleaseLocks(tx);
  queue_.Erase(tx->txid_);
  sd.queued = false;
  for (auto& key : sd.ready_keys) notified_.push_back(std::move(key));
  sd.ready_keys.clear();
  DrainReadyKeys();
  Poll(tx->txid_);
}

// --- Execution. ---

void EngineShard::Arm(Transaction* tx) {
  auto& sd = tx->shard_[id_];
  sd.armed = true;
  if (const TxId blocker = FindBlocker(tx); blocker != 0) {
    waiting_.push_back(Waiter{blocker, tx});
    return;
  }
  const TxId id = tx->txid_;
  if (RunHop(tx)) Poll(id);
}

bool EngineShard::RunHop(Transaction* tx) {
  auto& sd = tx->shard_[id_];
  DCHECK(sd.armed && sd.queued);
  sd.armed = false;
  ++(queue_.Head() == tx ? stats_.head_runs : stats_.ooo_runs);
  max_run_txid_ = std::max(max_run_txid_, tx->txid_);
  NoteAccess(tx);

  current_tx_ = tx;
  sd.status = tx->RunCallback(this);
  current_tx_ = nullptr;

  const bool conclude = tx->conclude_hop_ || sd.part_concludes;
  if (conclude) {
    ReleaseLocks(tx);
    queue_.Erase(tx->txid_);
    sd.queued = false;
    for (auto& key : sd.ready_keys) notified_.push_back(std::move(key));
    sd.ready_keys.clear();
    // Waiters are served now, before anything else can run on this shard: they see the
    // state this transaction left, as if it had served them itself.
    DrainReadyKeys();
  } else {
    // Keep the notifications until the transaction concludes: a later hop may still change
    // the keys, and waiters must not see the middle of a transaction.
    for (auto& key : notified_) sd.ready_keys.push_back(std::move(key));
    notified_.clear();
  }
  tx->HopDone();  // `tx` may be gone from here on
  return conclude;
}

void EngineShard::Poll(TxId departed) {
  if (waiting_.empty()) return;
  std::vector<TxId> departures = {departed};
  std::vector<Transaction*> runnable;
  while (!departures.empty() && !waiting_.empty()) {
    const TxId gone = departures.back();
    departures.pop_back();
    // Only the waiters of `gone` can have become runnable: every other waiter still has its
    // older conflicting transaction in the queue.
    for (size_t i = 0; i < waiting_.size();) {
      Waiter& w = waiting_[i];
      if (w.blocker != gone || (w.blocker = FindBlocker(w.tx)) != 0) {
        ++i;
        continue;
      }
      runnable.push_back(w.tx);
      waiting_[i] = waiting_.back();
      waiting_.pop_back();
    }
    // The runnable ones do not conflict with each other (the younger of a conflicting pair
    // would have found the older as its blocker), so their order does not matter.
    for (Transaction* tx : runnable) {
      const TxId id = tx->txid_;
      if (RunHop(tx)) departures.push_back(id);
    }
    runnable.clear();
  }
}

bool EngineShard::LateArrivalFits(const Transaction* tx) const {
  if (!tx->global_) return Untouched(tx->shard_[id_].locks, tx->txid_);
  // A shared global transaction (a whole-store read) conflicts only with writers: the
  // younger readers that ran here need not come after it.
  return tx->global_shared_ && last_write_run_ <= tx->txid_;
}

bool EngineShard::Untouched(std::span<const Transaction::LockRequest> locks, TxId t) const {
  if (last_global_run_ > t) return false;
  for (const auto& req : locks) {
    if (last_access_.Bound(req.fingerprint) > t) return false;
  }
  return true;
}

void EngineShard::NoteAccess(const Transaction* tx) {
  if (tx->global_) {
    last_global_run_ = std::max(last_global_run_, tx->txid_);
    if (!tx->global_shared_) last_write_run_ = max_run_txid_;
    return;
  }
  const auto& locks = tx->shard_[id_].locks;
  for (const auto& req : locks) last_access_.Stamp(req.fingerprint, max_run_txid_);
  if (HasExclusive(locks)) last_write_run_ = max_run_txid_;
}

// --- Locks learned while running (README.md). ---

bool EngineShard::TryAddLocks(Transaction* tx) {
  auto& sd = tx->shard_[id_];
  const TxId t = tx->txid_;
  // Granting puts `tx` before every transaction that touches these locks from now on, and
  // after every one that did: safe only if all of those are older (or the same).
  if (!Untouched(sd.adding, t)) {
    ++stats_.locks_refused;
    return false;
  }
  ++stats_.locks_learned;
  if (sd.queued) {
    // Re-acquire the whole set, so an upgrade (shared to exclusive) replaces its entry.
    for (const auto& req : sd.locks) locks_.Release(req.fingerprint, req.mode);
    if (HasExclusive(sd.locks)) --keyed_writers_;
  } else {
    // As a late arrival that nobody younger has run against: its place is its id.
    shard_lock_.Acquire(LockMode::kShared);
    queue_.Insert(t, tx, 0);  // its summary is set below, with its locks
    sd.queued = true;
    ++stats_.scheduled;
  }
  Transaction::MergeLocks(&sd.locks, &sd.adding);
  for (const auto& req : sd.locks) locks_.Acquire(req.fingerprint, req.mode);
  if (HasExclusive(sd.locks)) ++keyed_writers_;
  queue_.SetSummary(t, LockSummary(tx));
  return true;
}

// --- Blocking. ---

void EngineShard::AddWatchers(Transaction* tx, BlockingWaiter* waiter) {
  for (const ShardArg& arg : tx->shard_[id_].args) watchers_.Add(arg.key, waiter);
}

void EngineShard::RemoveWatchers(Transaction* tx, BlockingWaiter* waiter) {
  for (const ShardArg& arg : tx->shard_[id_].args) watchers_.Remove(arg.key, waiter);
}

}  // namespace lw::tx
