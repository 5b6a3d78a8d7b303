// Transaction: the coordinator's handle on one atomic unit of work over keys on many shards.
//
// A connection fiber (on any thread) creates a Transaction, declares what it locks (keys with
// a lock mode each, or the whole keyspace: "global"), and then either runs one hop
// (ScheduleSingleHop) or schedules and runs several hops (Schedule, Execute..., the last one
// concluding). A hop runs a callback on every involved shard, all shards in parallel, each on
// its own thread; the coordinator fiber suspends until all are done. Concluding releases the
// locks. Conflicting transactions run in the order of their ids on every shard they share, so
// the outcome is serialisable; see README.md for the algorithm and its fast paths.
//
// Multi modes (MULTI/EXEC, Lua) keep one Transaction for many commands: StartMulti, then one
// ExecuteCommand / ExecuteOnShards per command, then UnlockMulti.
//
// Blocking commands: after a hop under locks found nothing, WaitOnKeys registers the
// transaction as a watcher of its keys, releases the locks and sleeps until a shard wakes it
// (exactly once), the deadline passes or CancelBlocking() is called.
//
// Thread-safety: every method is called by the coordinator fiber only, one at a time, except
// CancelBlocking (any thread) and the accessors documented as callable from hop callbacks.
// A coordinator may also be a plain thread outside the pool (tests, tools); then nothing runs
// inline.
// REQUIRES: one coordinator at a time. It may hand the transaction to a fiber on another
// thread between two calls (a pipelined script scheduled on the connection's thread runs on
// another), never while a call is in progress.
// Lifetime: the keys given to Init*/StartMulti/ExecuteCommand are referenced, not copied; they
// must outlive their use. Destroying a scheduled Transaction concludes it first (so locks are
// released on every path, including a coordinator that gives up half way).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "io/blocking_counter.h"
#include "io/fiber.h"
#include "transaction/blocking.h"
#include "transaction/tx_types.h"

namespace lw::tx {

class ShardSet;

class Transaction {
 public:
  explicit Transaction(ShardSet* shard_set);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // ---- Declaration. REQUIRES: not scheduled. Each call replaces the previous one. ----
  void InitByKeys(std::span<const std::string_view> keys, LockMode mode);
  // REQUIRES: modes.size() == keys.size().
  void InitByKeys(std::span<const std::string_view> keys, std::span<const LockMode> modes);
  // The same, for a caller that knows each key's shard (a squashed batch): no hash per key to
  // find it. REQUIRES: shards.size() == keys.size(), shards[i] == ShardOf(keys[i]).
  void InitByKeys(std::span<const std::string_view> keys, std::span<const LockMode> modes,
                  std::span<const ShardId> shards);
  // Locks every shard: exclusively (FLUSHALL, SWAPDB, a script that may touch any key), or,
  // with kShared, against writers only (a read of keys anywhere: SORT ... GET patterns, a
  // read-only script): shared global transactions run alongside each other and alongside
  // keyed readers, never alongside a transaction that writes on the same shard.
  void InitGlobal(LockMode mode = LockMode::kExclusive);
  // Adds shard `sid` to the transaction without locking a key there (it still waits for global
  // transactions). Call after InitByKeys.
  void IncludeShard(ShardId sid);

  // ---- One hop: schedule, run `cb` on every involved shard, conclude. ----
  // Single-shard and uncontended: runs at once with no id and no queue, inline when the shard
  // is the caller's own. Returns the first non-OK status in shard order, else kOk.
  OpStatus ScheduleSingleHop(HopCallback cb);

  // ---- Several hops. ----
  // Takes an id and queues on every involved shard (retrying internally when a shard refuses a
  // late arrival). Returns with every lock requested; hops may still wait for older ones.
  void Schedule();
  // Schedule in two halves, so the coordinator can work while the requests travel:
  // BeginSchedule sends them and returns at once (the transaction counts as scheduled);
  // AwaitScheduled waits for the answers and retries refusals, as Schedule does. Every hop,
  // Conclude and RunDetached await by themselves; ordering against other transactions is
  // decided by the requests, so it is the same as with Schedule.
  void BeginSchedule();
  // True if a shard refused the first requests, so the transaction took a newer id: then it
  // no longer sits right after what was scheduled before its BeginSchedule — transactions
  // begun after it may now be older.
  bool AwaitScheduled();
  // Runs `cb` on every involved shard. With `conclude`, releases the locks afterwards.
  // REQUIRES: scheduled.
  OpStatus Execute(HopCallback cb, bool conclude);
  // Releases the locks without running anything. No-op when not scheduled.
  void Conclude();

  // ---- Hops over a part of the keys (a transaction of its own: multi mode kNone). ----
  // Runs `cb` on the shards that own the declared keys at positions `keys` (indices into the
  // keys given to InitByKeys); there ShardArgs(sid) lists just those keys, and the hop waits
  // only for older transactions that conflict with *their* locks, not with every lock this
  // transaction holds on the shard (README.md, "Hops over a part of the keys"). The callback
  // must touch only those keys. A shard that owns none of `keys` gets no message.
  // `later`: the positions later hops may still touch. A shard that owns none of them
  // concludes here, at the end of this hop (or at once, if this hop does not touch it); every
  // lock was requested at scheduling, so releasing early keeps two-phase locking.
  // With `conclude`, every shard concludes (`later` must be empty).
  // A transaction not scheduled yet is scheduled by the call; over one remote shard, or over
  // the caller's own and one other, scheduling and this hop then take one round trip (as
  // ScheduleSingleHop's paired path).
  // REQUIRES: declared with InitByKeys, multi mode kNone, not global, not detached.
  OpStatus ExecuteOnKeys(HopCallback cb, std::span<const uint32_t> keys,
                         std::span<const uint32_t> later, bool conclude);

  // ---- Hops over a part of the shards (a global transaction of its own: multi mode kNone). --
  // Runs `cb` on the shards of `run` that still hold the transaction, each waiting as a
  // whole-store hop does. Every shard not in `later` concludes at the end of this hop (or at
  // once, if it does not run it): later hops may run only on shards of `later`. With
  // `conclude`, every shard concludes (`later` must be empty). Releasing a shard after the
  // transaction's last access there keeps two-phase locking, as for ExecuteOnKeys. A
  // transaction not scheduled yet is scheduled by the call; over one remote shard, or over the
  // caller's own and one other, scheduling and this hop then take one round trip (SORT ... GET
  // pattern on two threads: README.md, "Hops over a part of the shards").
  // REQUIRES: declared with InitGlobal, multi mode kNone, not detached.
  OpStatus ExecuteOnShardPart(HopCallback cb, std::span<const ShardId> run,
                              std::span<const ShardId> later, bool conclude);

  // ---- A whole-store read that starts on the caller's shard (InitGlobal(kShared)). ----
  // For a read whose other shards depend on what it finds here (SORT ... GET: the list is
  // here, the GET keys anywhere): one round trip instead of two (README.md, "A read that
  // starts here"). ReadHere runs `cb` on the caller's shard only: the transaction takes an
  // id, queues here alone, runs once no older writer holds this shard, and concludes here; no
  // other shard hears of it. ReadThere then sends each shard of `shards` one message that
  // queues the transaction with the same id, runs `cb` there and concludes; a shard that owns
  // nothing the read needs is never asked at all. A shard refuses the message when a younger
  // writer already ran there (a late arrival): ReadThere then returns false and the caller
  // must drop everything it read and start over in another way (ExecuteOnShardPart, which
  // queues everywhere before it runs anything). Only reads make this safe: the work that ran
  // before the refusal changed nothing, so nobody can have seen it.
  // REQUIRES: InitGlobal(kShared), multi mode kNone, not scheduled, called on a pool thread;
  // ReadThere at most once, right after ReadHere, with shards other than the caller's.
  OpStatus ReadHere(HopCallback cb);
  bool ReadThere(HopCallback cb, std::span<const ShardId> shards);

  // ---- Detached: one concluding hop that the coordinator does not wait for. ----
  using OwnedHopCallback = std::function<OpStatus(Transaction* tx, EngineShard* shard)>;
  // Takes ownership of `tx` and of `cb`. A fresh `tx` (declared with InitByKeys, not
  // scheduled, not multi) is scheduled first — waiting only for that, so that every
  // transaction scheduled after this returns, by any coordinator, runs after it wherever they
  // conflict; a single-shard one does not wait at all: its message is queued on the shard's
  // thread before this returns, ahead of anything sent there later. A scheduled multi `tx`
  // (lock-ahead or global) is concluded instead, after awaiting its schedule. Then `cb` runs
  // on every involved shard as one concluding hop, without waiting for it. Statuses are
  // discarded; the transaction and `cb` are destroyed on the coordinator's thread once the
  // last shard is done. Script ends use this: fire and forget, still atomic.
  static void RunDetached(std::unique_ptr<Transaction> tx, OwnedHopCallback cb);
  // The same for the last hop of a scheduled transaction of its own (multi mode none): `cb`
  // runs as a concluding ExecuteOnKeys over the keys at positions `keys`, and every other shard
  // still held concludes without running it. The locks are held already, so every conflicting
  // transaction that comes later waits for it, wherever it conflicts. The callback must not
  // use ShardArgs' keys (they may point into a buffer the coordinator reuses), only its own.
  static void RunDetachedOnKeys(std::unique_ptr<Transaction> tx, OwnedHopCallback cb,
                                std::span<const uint32_t> keys);

  // ---- Multi: one transaction for a sequence of commands. ----
  // kLockAhead: locks `keys` (in `mode`) until UnlockMulti. kGlobal: locks every shard, in
  // `mode` (InitGlobal).
  // kNonAtomic: locks nothing; every command becomes a transaction of its own.
  // REQUIRES: not scheduled, mode != kNone.
  // With `wait` false, the schedule is only begun (BeginSchedule).
  void StartMulti(MultiMode mode, std::span<const std::string_view> keys = {},
                  LockMode lock_mode = LockMode::kExclusive, bool wait = true);
  // Runs one command touching `keys` as a hop on the shards that own them; in the callback,
  // ShardArgs(sid) lists this command's keys. In lock-ahead mode every key must be locked in a
  // mode at least as strong as `mode` (IsKeyLocked), else kInvalidArg and nothing runs.
  OpStatus ExecuteCommand(std::span<const std::string_view> keys, LockMode mode, HopCallback cb);
  // Runs a hop on `shards` (keyless work: DBSIZE, a squashed batch). Lock-ahead / global only;
  // in lock-ahead mode each shard must hold some of the declared keys, else kInvalidArg.
  OpStatus ExecuteOnShards(std::span<const ShardId> shards, HopCallback cb);
  // Ends the multi transaction and releases its locks.
  void UnlockMulti();

  // ---- Locks learned while running (lock-ahead mode; a script with undeclared keys). ----
  // Adds the locks of `keys` (in `mode`) that the transaction does not hold yet, each on its
  // key's shard, keeping the transaction's place in the order of transactions. Before any hop
  // has run, this cannot fail: the transaction simply starts over with a new id and the
  // larger lock set. Afterwards a shard grants a lock only when that is safe (see README.md,
  // "Locks learned while running"): no transaction younger than this one has touched the
  // lock there (or run there in global mode). Returns false when some shard refused (the
  // locks other shards granted stay until the end); the caller must then give up the
  // transaction's work — roll back, and rerun with the keys learned locked up front.
  // REQUIRES: scheduled, multi mode kLockAhead.
  bool LockMore(std::span<const std::string_view> keys, LockMode mode);
  // With `on`, ExecuteCommand locks a key it does not hold through LockMore instead of
  // refusing it at once; a refusal there returns kInvalidArg and sets refused().
  void set_learn_keys(bool on) { learn_keys_ = on; }
  bool refused() const { return refused_; }
  // True when `key` is covered by this transaction's locks in `mode` (or stronger).
  bool IsKeyLocked(std::string_view key, LockMode mode) const;

  // ---- Blocking (BLPOP-like). ----
  struct WakeResult {
    ShardId shard;
    std::string key;
    OpStatus status;  // what `serve` returned
  };
  // REQUIRES: scheduled, not multi, every key among the declared ones.
  // In one concluding hop registers the transaction as a watcher of `keys` (atomic with the
  // previous hops, so no push in between is missed) and releases the locks; then waits until:
  //  - a shard where one of `keys` became ready (NotifyKeyReady) wakes it: that shard has run
  //    `serve` on the key, on its thread, right after the transaction that made it ready.
  //    Returns which key and serve's status. This happens once: other shards skip the waiter;
  //  - `deadline` passes: kTimedOut;  - CancelBlocking(): kCancelled.
  // Always unregisters from every shard before returning.
  OpResult<WakeResult> WaitOnKeys(std::span<const std::string_view> keys,
                                  io::Clock::time_point deadline, KeyReadyFn is_ready,
                                  ServeFn serve);
  // Any thread. Ends a WaitOnKeys in progress with kCancelled; if none is in progress, the
  // next WaitOnKeys returns kCancelled at once (the client left before it blocked).
  void CancelBlocking();

  // ---- Accessors; callable from hop callbacks on shard threads too. ----
  // This command's keys that live on `sid`, in their original order, with their indices.
  std::span<const ShardArg> ShardArgs(ShardId sid) const;
  ShardSet* shard_set() const { return shard_set_; }
  TxId txid() const { return txid_; }
  bool IsGlobal() const { return global_; }
  // True when every shard is locked in `mode` or stronger (a global transaction's mode).
  bool HoldsGlobal(LockMode mode) const {
    return global_ && (!global_shared_ || mode == LockMode::kShared);
  }
  MultiMode multi_mode() const { return multi_; }
  // Coordinator only: the shards this transaction locks / runs on, ascending.
  const std::vector<ShardId>& active_shards() const { return active_; }
  bool scheduled() const { return scheduled_; }
  // Coordinator only, after a hop: what the callback returned on `sid`.
  OpStatus shard_status(ShardId sid) const { return shard_[sid].status; }

 private:
  friend class EngineShard;

  struct Detached;  // the owner of a detached transaction and its callback

  struct LockRequest {
    uint64_t fingerprint;
    LockMode mode;
  };
  // What this transaction has on one shard. Written by the coordinator while no message is in
  // flight, and by the shard's thread while one is (the hop counter orders the two).
  struct PerShard {
    std::vector<ShardArg> args;           // the current command's keys here
    std::vector<LockRequest> locks;       // sorted by fingerprint, one entry per fingerprint
    bool active = false;                  // locks / runs here
    bool queued = false;                  // holds its locks here
    bool armed = false;                   // a hop waits to run here
    OpStatus status = OpStatus::kOk;      // last hop's result
    std::vector<std::string> ready_keys;  // NotifyKeyReady'd, served at conclusion
    std::vector<LockRequest> adding;      // LockMore: the requests sent to the shard
    bool granted = false;                 // LockMore: the shard's answer
    bool late_refused = false;            // ReadThere: the shard refused the late arrival
    // ExecuteOnKeys: the hop in flight touches only `part_args`, under `part_locks` (the held
    // requests of those keys), and concludes here when `part_concludes`.
    bool part = false;
    bool part_concludes = false;
    // Inline: a part hop of a multi-key command (BITOP's sources) allocates nothing here.
    absl::InlinedVector<ShardArg, 4> part_args;
    absl::InlinedVector<LockRequest, 4> part_locks;
  };

  void Reset();
  void AddKeys(std::span<const std::string_view> keys, std::span<const LockMode> modes,
               LockMode default_mode, std::span<const ShardId> known_shards = {});
  void SetCommandArgs(std::span<const std::string_view> keys, std::vector<ShardId>* shards);
  // Runs `fn` on shard `sid`'s thread: inline when local, else as a brief task.
  void PostToShard(ShardId sid, std::function<void()> fn);
  // Takes an id (or lets the one shard take it) and asks every active shard to queue the
  // transaction; the answers count down schedule_acks_.
  void RequestSchedule();
  // Posts `fn(sid)` to every shard of `shards`: the remote ones first, then the caller's own
  // (inline), so the local part of a hop overlaps with the remote ones.
  template <typename Fn>
  void PostToShards(std::span<const ShardId> shards, Fn fn);
  // A shard finished this transaction's hop: counts down the coordinator's wait, or, when
  // detached, destroys the transaction after the last shard. The caller's last touch of `this`.
  void HopDone();
  // Part hops, on `shard`'s thread: runs the armed part there when `run`, else releases the
  // transaction there (a shard no part touches); either way counts the hop done.
  void ArmOrRelease(EngineShard* shard, bool run);
  OpStatus RunHop(HopCallback cb, std::span<const ShardId> shards, bool conclude);
  // ScheduleSingleHop over the caller's own shard and one other: one round trip.
  OpStatus RunPaired(HopCallback cb, ShardId local, ShardId remote);
  OpStatus FirstError(std::span<const ShardId> shards) const;
  OpStatus RunCallback(EngineShard* shard) { return (*cb_)(this, shard); }
  // ExecuteOnKeys: sets the part fields of every queued shard; returns the shards that run the
  // hop and, in `release`, those that conclude without running it.
  // `fresh`: not scheduled yet, every active shard counts as queued.
  std::vector<ShardId> PreparePart(std::span<const uint32_t> keys, std::span<const uint32_t> later,
                                   bool conclude, bool fresh, std::vector<ShardId>* release);
  // ExecuteOnKeys on a transaction not scheduled yet, over one remote shard or the caller's
  // own and one other: the schedule request and the hop travel in one message.
  OpStatus StartWithPart(HopCallback cb, std::span<const uint32_t> keys,
                         std::span<const uint32_t> later, bool conclude);
  // StartWithPart's scheduling and first hop, for the shards PreparePart/PrepareShards chose.
  OpStatus StartWith(HopCallback cb, const std::vector<ShardId>& run,
                     const std::vector<ShardId>& release, bool conclude);
  // ExecuteOnShardPart: sets part_concludes on the shards that run; returns them, and the
  // shards that only conclude in `release`.
  std::vector<ShardId> PrepareShards(std::span<const ShardId> run_on,
                                     std::span<const ShardId> later, bool conclude, bool fresh,
                                     std::vector<ShardId>* release);
  // LockMore before any hop ran: withdraws, merges `add` into the locks and schedules again.
  void Restart(std::vector<std::vector<LockRequest>>& add);
  static void MergeLocks(std::vector<LockRequest>* locks, std::vector<LockRequest>* add);

  ShardSet* shard_set_;
  std::vector<PerShard> shard_;  // indexed by shard id
  std::vector<ShardId> active_;  // ascending
  bool global_ = false;
  bool global_shared_ = false;  // with global_: InitGlobal(kShared)
  MultiMode multi_ = MultiMode::kNone;
  bool scheduled_ = false;
  TxId txid_ = 0;
  bool ran_ = false;             // a hop has run since scheduling (LockMore can no longer restart)
  bool learn_keys_ = false;      // see set_learn_keys
  bool refused_ = false;         // a LockMore was refused
  bool paired_refused_ = false;  // RunPaired: the remote shard refused the id (a late arrival)

  // The hop in flight.
  std::optional<HopCallback> cb_;
  bool conclude_hop_ = false;
  io::BlockingCounter* pending_ = nullptr;
  // Answers still due to a BeginSchedule; null once awaited.
  std::unique_ptr<io::BlockingCounter> schedule_acks_;
  Detached* detached_ = nullptr;  // set by RunDetached; owns this transaction

  BlockingWaiter waiter_;
};

}  // namespace lw::tx
