// EngineShard: the transaction machinery of one shard. Shard i lives on thread i of the pool
// and everything in it is touched only from that thread; other threads send it work through
// the proactor (Transaction does this for you).
//
// It holds:
//   - the intent-lock table of the shard's keys and the shard-wide lock (exclusive for global
//     transactions, shared for every keyed one and for shared global ones, which read the
//     whole keyspace and so conflict with every keyed transaction that writes here),
//   - the queue of scheduled transactions ordered by id,
//   - the watchers of blocking commands,
//   - an opaque user pointer: the server's per-shard keyspace (its DbSlice).
// The scheduling rules themselves are described in README.md; the private methods below are
// their implementation and are called by Transaction only.
//
// Thread-safety: Current() from any thread (answers for the calling thread). Everything else
// only on the shard's own thread, except id()/shard_set(), which are immutable.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "transaction/access_table.h"
#include "transaction/blocking.h"
#include "transaction/lock_table.h"
#include "transaction/transaction.h"
#include "transaction/tx_queue.h"
#include "transaction/tx_types.h"

namespace lw::tx {

class ShardSet;

class EngineShard {
 public:
  // Counters of the paths transactions took on this shard (tests and INFO use them).
  struct Stats {
    uint64_t quick_inline = 0;        // single-shard, uncontended, run on the caller's thread
    uint64_t quick_remote = 0;        // single-shard, uncontended, one message hop
    uint64_t quick_paired = 0;        // a paired hop's remote half, uncontended: run unqueued
    uint64_t scheduled = 0;           // entered the queue
    uint64_t schedule_conflicts = 0;  // refused a late, conflicting arrival (caller retries)
    uint64_t late_accepted = 0;       // a late arrival no younger run touched: queued at its id
    uint64_t head_runs = 0;           // hops run at the head of the queue
    uint64_t ooo_runs = 0;            // hops run ahead of their queue position
    uint64_t wakes = 0;               // blocked waiters woken here
    uint64_t locks_learned = 0;       // Transaction::LockMore requests granted here
    uint64_t locks_refused = 0;       // ... and refused (the caller reruns)
  };

  EngineShard(ShardId id, ShardSet* shard_set);
  ~EngineShard();
  EngineShard(const EngineShard&) = delete;
  EngineShard& operator=(const EngineShard&) = delete;

  // The shard owned by the calling thread, or nullptr.
  static EngineShard* Current();

  ShardId id() const { return id_; }
  ShardSet* shard_set() const { return shard_set_; }

  // The server's per-shard state. Set once at start-up, on this thread.
  void* user_data() const { return user_data_; }
  void set_user_data(void* data) { user_data_ = data; }
  template <typename T>
  T* data() const {
    return static_cast<T*>(user_data_);
  }

  // Called by a hop that made `key` ready for blocked waiters (e.g. pushed to a list). The
  // waiters are served when the calling transaction concludes on this shard, so they never
  // see its intermediate state; outside a hop, at once.
  void NotifyKeyReady(std::string_view key);

  // For a coordinator that runs the commands of a scheduled multi transaction directly on this
  // thread, outside any hop (a single-shard script whose turn a hop has awaited): between
  // BeginInline and EndInline, keys made ready (NotifyKeyReady) are kept until `tx` concludes
  // here, as in a hop, so blocked clients never see the middle of the script. False (and
  // nothing to end) when a hop is running already. REQUIRES: no suspension in between.
  bool BeginInline(Transaction* tx);
  void EndInline();

  const Stats& stats() const { return stats_; }
  const LockTable& lock_table() const { return locks_; }
  IntentLock shard_lock() const { return shard_lock_; }
  size_t queue_size() const { return queue_.size(); }
  size_t watcher_count() const { return watchers_.size(); }
  // The keys blocked clients wait on here (any database).
  std::vector<std::string> BlockedKeys() const { return watchers_.Keys(); }
  // No lock held, no transaction queued, no waiter registered.
  bool IsIdle() const {
    return locks_.size() == 0 && shard_lock_.Free() && queue_.empty() && watchers_.empty();
  }

 private:
  friend class ShardSet;
  friend class Transaction;

  static void SetCurrent(EngineShard* shard);

  // --- Called by Transaction on this thread. ---
  // Runs the pending hop of `tx` at once if its keys meet no lock (no id, no queue).
  bool TryRunQuick(Transaction* tx, bool inline_call);
  // Single-shard path: the quick run if possible, else schedule at the tail and arm. Ends by
  // counting down the transaction's hop counter.
  void QuickOrQueue(Transaction* tx);
  // RunPaired's remote half, which concludes here in this one hop: runs it at once, unqueued,
  // when queueing it would have let it run at once too — nothing younger than its id has run
  // here (else ScheduleWithId refuses) and no queued transaction holds a conflicting lock.
  // Schedule + run + conclude would then leave the locks and queue as they were; only the id
  // is kept, as the refusal floor. False (nothing done) otherwise, and always for a global
  // transaction (it must wait for every keyed holder here, not only conflicting locks).
  bool TryRunQuickWithId(Transaction* tx);
  // Takes a fresh id here and queues at the tail; cannot fail.
  void ScheduleAtTail(Transaction* tx);
  // Queues with the id the coordinator chose. False (and nothing held) when a younger
  // transaction that may share a lock with it already ran here, so the arrival is too late to
  // keep the global order; the coordinator then retries with a new id.
  bool ScheduleWithId(Transaction* tx);
  // The coordinator has a hop for this shard: run it when allowed.
  void Arm(Transaction* tx);
  // Leaves the queue and releases the locks without running anything.
  void Release(Transaction* tx);
  // LockMore: grants the requests in tx->shard_[id].adding when no transaction younger than
  // `tx` has touched their locks here (README.md, "Locks learned while running"); queues
  // `tx` here if it was not. False (nothing changed) otherwise.
  bool TryAddLocks(Transaction* tx);
  void AddWatchers(Transaction* tx, BlockingWaiter* waiter);
  void RemoveWatchers(Transaction* tx, BlockingWaiter* waiter);

  // --- Internals. ---
  void AcquireLocks(Transaction* tx);
  void ReleaseLocks(Transaction* tx);
  // The locks the armed hop of `tx` needs: all it holds here, or those of the keys of a hop
  // over a part of them (Transaction::ExecuteOnKeys).
  std::span<const Transaction::LockRequest> HopLocks(const Transaction* tx) const;
  bool LocksFree(Transaction* tx) const;  // only `tx` holds its hop's locks
  // The TxQueue summary of the locks `tx` holds here.
  uint64_t LockSummary(const Transaction* tx) const;
  // Whether queued `older` holds a lock that the armed hop of `tx` needs, in conflicting modes.
  bool Conflict(const Transaction* older, const Transaction* tx) const;
  // The id of the youngest queued transaction that conflicts with `tx` and is older, or 0
  // when there is none (`tx` may run). REQUIRES: `tx` is queued.
  TxId FindBlocker(Transaction* tx) const;
  // Runs the armed hop of `tx`; true when it concluded here (locks released).
  bool RunHop(Transaction* tx);
  // Transaction `departed` left the queue: re-checks the armed transactions it blocked (and,
  // in turn, those blocked by any that conclude now) and runs those that may run.
  void Poll(TxId departed);
  // Whether no transaction younger than `t` (nor a global one) can have touched `locks` here:
  // every access table bound is at most t.
  bool Untouched(std::span<const Transaction::LockRequest> locks, TxId t) const;
  // ScheduleWithId, for an arrival older than max_run_txid_: whether no younger transaction
  // that conflicts with `tx` can have run here. A keyed one: Untouched. An exclusive global
  // one: never. A shared global one (a read of the whole store): no writer ran here since a
  // transaction younger than it did (last_write_run_).
  bool LateArrivalFits(const Transaction* tx) const;
  // A hop of `tx` runs now (or ran quick): stamps its locks in the access table with the shard's
  // clock, max_run_txid_ (which includes tx's own id).
  void NoteAccess(const Transaction* tx);
  // After a concluding hop: serves the waiters of keys made ready.
  void DrainReadyKeys();

  ShardId id_;
  ShardSet* shard_set_;
  void* user_data_ = nullptr;

  LockTable locks_;
  IntentLock shard_lock_;
  // Shared global transactions holding the shard lock, and keyed transactions holding some
  // exclusive lock here: the two kinds conflict with each other (and each with an exclusive
  // global one, through shard_lock_), never among themselves.
  uint32_t global_readers_ = 0;
  uint32_t keyed_writers_ = 0;
  TxQueue queue_;
  // Arrivals with a smaller id are refused (the coordinator retries with a newer one) when
  // the access table says a younger transaction may have touched one of their locks. It is
  // the highest id that ran a hop here — a smaller arrival could be ordered before a
  // transaction that already ran — or that was queued at the tail with an id taken here: that
  // transaction may have answered its client already (a detached hop), and whatever the
  // client does next must come after it, even with an id taken before this one.
  TxId max_run_txid_ = 0;
  // Per lock fingerprint, a bound of max_run_txid_ as it was when a hop last ran here holding
  // that lock (or a transaction holding it was queued at the tail); and the largest id of a
  // global transaction that ran here. A learned lock (LockMore), or a late arrival's lock
  // (ScheduleWithId), is refused when either exceeds the transaction's id.
  AccessTable last_access_;
  TxId last_global_run_ = 0;
  // The shard's clock (max_run_txid_) when a writer last ran here or was queued at the tail:
  // a keyed transaction with an exclusive lock here, or an exclusive global one. A shared
  // global arrival older than it is refused (LateArrivalFits); readers alone never refuse one.
  TxId last_write_run_ = 0;
  // Armed transactions that could not run yet, each waiting for the departure of its blocker.
  // A departure re-checks only its own waiters: with many clients' scripts queued on the same
  // keys, rescanning the queue for every waiter after every conclusion (quadratic) took a
  // third of the server's CPU. The blocker id sits beside the pointer, so that scan reads one
  // array and touches no other transaction.
  struct Waiter {
    TxId blocker;
    Transaction* tx;
  };
  std::vector<Waiter> waiting_;

  Transaction* current_tx_ = nullptr;  // whose hop runs now
  std::vector<std::string> notified_;  // keys made ready by the running hop
  bool draining_ = false;
  WatcherTable watchers_;

  Stats stats_;
};

}  // namespace lw::tx
