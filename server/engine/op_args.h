// OpArgs, RunOnKeyShard and RunOnKeys: how a command family reaches the keyspace.
//
// A family writes its data operations as functions of OpArgs (the shard's DbSlice and the
// client's database) that run on the shard's thread, and its handler calls one of these from
// the connection fiber. Both run a transaction (transaction/): the keys are locked (shared for
// commands flagged readonly, else exclusive) for the duration of the hop, so a command never
// sees another command — or a script — half done. Inside a script or MULTI (cntx->multi_tx
// set) the command runs as one step of that transaction, under the locks it already holds;
// in a squashed batch (cntx->direct_shard set) it already runs on its shard's thread under
// the batch's locks, so data access is a plain call.
#pragma once

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/logging.h"
#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"
#include "server/engine/db_slice.h"
#include "server/engine/service.h"
#include "server/engine/undo_log.h"
#include "transaction/engine_shard.h"
#include "transaction/transaction.h"

namespace lw {

struct OpArgs {
  DbSlice* slice;
  int db;
  // Set while a script that keeps undo records runs a write command (undo_log.h): the keys
  // of the command are saved already; an op that writes a key in another database (COPY ...
  // DB n) must Record it there first.
  UndoLog* undo = nullptr;
};

namespace internal {
inline tx::LockMode LockModeOf(const ConnectionContext* cntx) {
  // A kWritesCache command asks an enclosing transaction only for what its flags say (a
  // read-only script holds shared locks); on its own it locks exclusively.
  if ((cntx->cmd_flags & cmd::kWritesCache) && cntx->multi_tx == nullptr) {
    return tx::LockMode::kExclusive;
  }
  return (cntx->cmd_flags & cmd::kReadOnly) ? tx::LockMode::kShared : tx::LockMode::kExclusive;
}

// Whether the running command's lookups are Redis's lookupKeyWrite: a write command's, unless
// it reads its sources as Redis does with lookupKeyRead (cmd::kReadLookups: GETSET, COPY,
// the *STORE commands...).
inline bool WriteLookups(const ConnectionContext* cntx) {
  return (cntx->cmd_flags & cmd::kWrite) && !(cntx->cmd_flags & cmd::kReadLookups);
}

// True if every key lives on cntx->direct_shard (a squashed command may touch only those).
inline bool AllOnDirectShard(ConnectionContext* cntx, std::span<const std::string_view> keys) {
  ShardSet& shards = cntx->service->shards();
  for (std::string_view k : keys) {
    // The same view as a classified key (a squashed pipeline's): no hash needed.
    bool known = false;
    for (std::string_view d : cntx->direct_keys) {
      if (d.data() == k.data() && d.size() == k.size()) known = true;
    }
    if (!known && shards.ShardOf(k) != cntx->direct_shard->id()) return false;
  }
  return true;
}

// The ShardArgs of `keys` for a direct (squashed) run: every key, in order.
inline std::vector<tx::ShardArg> DirectShardArgs(std::span<const std::string_view> keys) {
  std::vector<tx::ShardArg> out;
  out.reserve(keys.size());
  for (uint32_t i = 0; i < keys.size(); ++i) out.push_back(tx::ShardArg{keys[i], i});
  return out;
}

// A single-shard script runs its commands on the shard's thread outside any hop: what its
// writes make ready for blocked clients waits for its transaction's conclusion (see
// tx::EngineShard::BeginInline). A squashed batch runs inside a hop already.
class InlineScope {
 public:
  explicit InlineScope(const ConnectionContext* cntx) {
    if (cntx->multi_tx != nullptr && cntx->direct_shard != nullptr &&
        cntx->direct_shard->BeginInline(cntx->multi_tx)) {
      shard_ = cntx->direct_shard;
    }
  }
  ~InlineScope() {
    if (shard_ != nullptr) shard_->EndInline();
  }
  InlineScope(const InlineScope&) = delete;
  InlineScope& operator=(const InlineScope&) = delete;

 private:
  tx::EngineShard* shard_ = nullptr;
};

// Runs op(OpArgs) for a command of `cntx` on `slice`, over `keys` of this shard. When the
// command is a write of a script that keeps undo records (cntx->undo), the previous state of
// each key is saved first (on the script's first write to it) and the command's WATCH touches
// are held back until the script's outcome (undo_log.h).
template <typename Op>
void RunOp(const ConnectionContext* cntx, DbSlice* slice, int db,
           std::span<const tx::ShardArg> keys, Op&& op) {
  // CLIENT TRACKING's NOLOOP; a write command's lookups count no hits/misses (Redis).
  DbSlice::ModifierScope modifier(slice, cntx->client_id, WriteLookups(cntx));
  UndoLog* undo = cntx->undo;
  if (undo == nullptr || !(cntx->cmd_flags & cmd::kWrite)) return op(OpArgs{slice, db});
  for (const tx::ShardArg& a : keys) undo->Record(slice, db, a.key, cntx->cmd_args);
  UndoLog::WriteScope scope(undo, slice);
  op(OpArgs{slice, db, undo});
}

// Runs `cb` over `keys` as a transaction, or as a step of cntx->multi_tx. Returns false if the
// multi transaction refused (a key it does not hold).
// `own_mode`, when set, replaces LockModeOf for a transaction of the command's own.
template <typename Cb>
bool RunHop(ConnectionContext* cntx, std::span<const std::string_view> keys, Cb&& cb,
            std::optional<tx::LockMode> own_mode = std::nullopt) {
  tx::LockMode mode = LockModeOf(cntx);
  if (cntx->multi_tx != nullptr) {
    return cntx->multi_tx->ExecuteCommand(keys, mode, cb) != OpStatus::kInvalidArg;
  }
  tx::Transaction t(cntx->service->shards().tx());
  t.InitByKeys(keys, own_mode.value_or(mode));
  t.ScheduleSingleHop(cb);
  return true;
}
}  // namespace internal

// Runs op(const OpArgs&) on the shard that owns `key`, under the key's lock, and returns its
// result. REQUIRES: called from the connection fiber; op must not suspend.
// If the enclosing script does not hold the key, an OpResult-returning op yields kInvalidArg.
template <typename Op>
auto RunOnKeyShard(ConnectionContext* cntx, std::string_view key, Op&& op) {
  using R = std::invoke_result_t<Op, const OpArgs&>;
  std::optional<R> result;
  int db = cntx->db_index;
  std::string_view keys[] = {key};
  tx::ShardArg mine[] = {{key, 0}};
  if (cntx->direct_shard != nullptr) {
    if (internal::AllOnDirectShard(cntx, keys)) {
      internal::InlineScope scope(cntx);
      if (cntx->undo == nullptr) {
        DbSlice* slice = &ShardSet::Of(cntx->direct_shard)->db_slice;
        DbSlice::ModifierScope modifier(slice, cntx->client_id, internal::WriteLookups(cntx));
        return op(OpArgs{slice, db});
      }
      internal::RunOp(cntx, &ShardSet::Of(cntx->direct_shard)->db_slice, db, mine,
                      [&](const OpArgs& args) { result.emplace(op(args)); });
      return std::move(*result);
    }
    if constexpr (std::is_constructible_v<R, OpStatus>) return R(OpStatus::kInvalidArg);
    LOG(FATAL) << "a squashed command touched a key of another shard: " << key;
  }
  bool ran = internal::RunHop(cntx, keys, [&](tx::Transaction*, tx::EngineShard* es) {
    internal::RunOp(cntx, &ShardSet::Of(es)->db_slice, db, mine,
                    [&](const OpArgs& args) { result.emplace(op(args)); });
    return OpStatus::kOk;
  });
  if constexpr (std::is_constructible_v<R, OpStatus>) {
    if (!ran) return R(OpStatus::kInvalidArg);
  }
  CHECK(result.has_value()) << "a key the running script does not hold: " << key;
  return std::move(*result);
}

// Runs op(const OpArgs&, std::span<const tx::ShardArg>) once on every shard that owns some of
// `keys`, all shards in parallel and atomically (the keys are locked together); each call gets
// its shard's keys with their positions in `keys`. op runs on shard threads concurrently, so
// it may only write to per-position or per-shard results.
// Returns false if the enclosing script does not hold every key.
// `own_mode`: the lock mode of a transaction of the command's own, when it differs from what
// the command's flags say (a multi-key PFCOUNT only reads, unlike the one-key form).
template <typename Op>
bool RunOnKeys(ConnectionContext* cntx, std::span<const std::string_view> keys, Op&& op,
               std::optional<tx::LockMode> own_mode = std::nullopt) {
  int db = cntx->db_index;
  if (cntx->direct_shard != nullptr) {
    if (!internal::AllOnDirectShard(cntx, keys)) return false;
    std::vector<tx::ShardArg> mine = internal::DirectShardArgs(keys);
    std::span<const tx::ShardArg> view(mine);
    internal::InlineScope scope(cntx);
    internal::RunOp(cntx, &ShardSet::Of(cntx->direct_shard)->db_slice, db, view,
                    [&](const OpArgs& args) { op(args, view); });
    return true;
  }
  return internal::RunHop(
      cntx, keys,
      [&](tx::Transaction* t, tx::EngineShard* es) {
        std::span<const tx::ShardArg> view = t->ShardArgs(es->id());
        internal::RunOp(cntx, &ShardSet::Of(es)->db_slice, db, view,
                        [&](const OpArgs& args) { op(args, view); });
        return OpStatus::kOk;
      },
      own_mode);
}

// Runs op(const OpArgs&, std::string_view key) for every key of `keys` on its shard, all
// shards in parallel under one transaction, and returns the sum of the results (DEL, EXISTS,
// TOUCH, UNLINK). Returns -1 if the enclosing script does not hold every key.
template <typename Op>
int64_t SumOverKeys(ConnectionContext* cntx, std::span<const std::string_view> keys, Op&& op) {
  std::atomic<int64_t> total{0};
  bool ran = RunOnKeys(cntx, keys, [&](const OpArgs& args, std::span<const tx::ShardArg> mine) {
    int64_t n = 0;
    for (const tx::ShardArg& a : mine) n += op(args, a.key);
    total.fetch_add(n, std::memory_order_relaxed);
  });
  return ran ? total.load() : -1;
}

// Several hops over the same keys under one transaction, for commands that must look before
// they write across shards (MSETNX, RENAME, SMOVE...): the keys stay locked from construction
// to destruction, so nothing can change between the hops.
//   KeyHops hops(cntx, keys);
//   hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) { ...look... });
//   if (ok) hops.Run(...write...);
// Inside a script or MULTI each hop is a step of the enclosing transaction.
//
// Commands that read sources and write a destination (BITOP, the *STORE commands) lock each
// key in its own mode and run each hop over the keys it touches only:
//   KeyHops hops(cntx, keys, KeyHops::DestinationModes(keys.size(), 0));
//   hops.RunPart(sources, dest, ...read...);   // shared locks; waits only for their writers
//   hops.NextIsLast();
//   hops.RunPart(dest, {}, ...write...);        // waits only for the destination's holders
// so an older command that still holds the destination does not hold up this one's reads, and
// a shard that holds only sources is released after the read (transaction/README.md, "Hops
// over a part of the keys"). Inside a script or MULTI the enclosing transaction's rules
// apply: every key in the command's mode.
class KeyHops {
 public:
  KeyHops(ConnectionContext* cntx, std::span<const std::string_view> keys)
      : KeyHops(cntx, keys, {}) {}
  // REQUIRES: modes empty (the command's mode for every key) or one per key.
  KeyHops(ConnectionContext* cntx, std::span<const std::string_view> keys,
          std::span<const tx::LockMode> modes)
      : cntx_(cntx), keys_(keys), db_(cntx->db_index) {
    if (cntx->multi_tx == nullptr && cntx->direct_shard == nullptr) {
      own_ = std::make_unique<tx::Transaction>(cntx->service->shards().tx());
      if (modes.empty()) {
        own_->InitByKeys(keys, internal::LockModeOf(cntx));
        own_->Schedule();
      } else {
        // Scheduled by the first Run; a first RunPart then schedules and runs in one round
        // trip per remote shard (tx::Transaction::ExecuteOnKeys).
        own_->InitByKeys(keys, modes);
      }
    }
  }
  // Every key shared but the destination at `dest`, exclusive. A key that is both a source
  // and the destination gets the stronger mode (the transaction keeps one lock per key).
  static std::vector<tx::LockMode> DestinationModes(size_t n, size_t dest) {
    std::vector<tx::LockMode> modes(n, tx::LockMode::kShared);
    modes[dest] = tx::LockMode::kExclusive;
    return modes;
  }
  // The key positions [begin, end), for RunPart.
  static std::vector<uint32_t> Positions(uint32_t begin, uint32_t end) {
    std::vector<uint32_t> out;
    for (uint32_t i = begin; i < end; ++i) out.push_back(i);
    return out;
  }
  ~KeyHops() {
    if (own_) own_->Conclude();
  }
  KeyHops(const KeyHops&) = delete;
  KeyHops& operator=(const KeyHops&) = delete;

  // Declares that the next Run is the last: a transaction of its own then releases its locks
  // in that hop instead of in one more round trip to the shards at destruction.
  // REQUIRES: no Run after the next one.
  void NextIsLast() { last_ = true; }

  // Returns false if the enclosing script does not hold every key (nothing ran).
  template <typename Op>
  bool Run(Op&& op) {
    auto cb = [&](tx::Transaction* t, tx::EngineShard* es) {
      std::span<const tx::ShardArg> view = t->ShardArgs(es->id());
      internal::RunOp(cntx_, &ShardSet::Of(es)->db_slice, db_, view,
                      [&](const OpArgs& args) { op(args, view); });
      return OpStatus::kOk;
    };
    if (own_) {
      if (!own_->scheduled()) own_->Schedule();
      own_->Execute(cb, last_);
      if (last_) own_.reset();  // concluded by that hop
      return true;
    }
    if (cntx_->direct_shard != nullptr) {
      if (!internal::AllOnDirectShard(cntx_, keys_)) return false;
      std::vector<tx::ShardArg> mine = internal::DirectShardArgs(keys_);
      std::span<const tx::ShardArg> view(mine);
      internal::InlineScope scope(cntx_);
      internal::RunOp(cntx_, &ShardSet::Of(cntx_->direct_shard)->db_slice, db_, view,
                      [&](const OpArgs& args) { op(args, view); });
      return true;
    }
    return cntx_->multi_tx->ExecuteCommand(keys_, internal::LockModeOf(cntx_), cb) !=
           OpStatus::kInvalidArg;
  }

  // Runs op(const OpArgs&, std::span<const tx::ShardArg>) over the keys at positions `part`
  // only (op sees just those); `later`: the positions later Runs may touch (empty with
  // NextIsLast): a shard with none of them is released after this hop, so every later hop
  // must be a RunPart within `later`. Returns false if the enclosing script does not hold
  // every key.
  template <typename Op>
  bool RunPart(std::span<const uint32_t> part, std::span<const uint32_t> later, Op&& op) {
    if (own_) {
      own_->ExecuteOnKeys(
          [&](tx::Transaction* t, tx::EngineShard* es) {
            std::span<const tx::ShardArg> view = t->ShardArgs(es->id());
            internal::RunOp(cntx_, &ShardSet::Of(es)->db_slice, db_, view,
                            [&](const OpArgs& args) { op(args, view); });
            return OpStatus::kOk;
          },
          part, later, last_);
      if (last_) own_.reset();  // concluded by that hop
      return true;
    }
    return Run([&](const OpArgs& args, std::span<const tx::ShardArg> view) {
      std::vector<tx::ShardArg> mine;
      for (const tx::ShardArg& a : view) {
        if (std::find(part.begin(), part.end(), a.index) != part.end()) mine.push_back(a);
      }
      if (!mine.empty()) op(args, std::span<const tx::ShardArg>(mine));
    });
  }

  // The last hop, over the keys at positions `part`, without waiting for it (a transaction of
  // its own: tx::Transaction::RunDetachedOnKeys): the command may reply at once, and every
  // conflicting command that comes later waits for the write, whose locks are held already.
  // op(const OpArgs&) runs once on each shard owning some of `part`; it must own what it uses
  // (the command's arguments and this context may be reused by then). Inside a script, MULTI
  // or a squashed batch it is a RunPart that waits. Returns false if the enclosing script
  // does not hold every key.
  template <typename Op>
  bool RunLastPartDetached(std::span<const uint32_t> part, Op op) {
    if (!own_) {
      last_ = true;
      return RunPart(part, {},
                     [&](const OpArgs& args, std::span<const tx::ShardArg>) { op(args); });
    }
    const uint64_t client_id = cntx_->client_id;
    const bool write_lookups = internal::WriteLookups(cntx_);
    const int db = db_;
    tx::Transaction::RunDetachedOnKeys(
        std::move(own_),
        [op = std::move(op), client_id, write_lookups, db](tx::Transaction*, tx::EngineShard* es) {
          DbSlice* slice = &ShardSet::Of(es)->db_slice;
          DbSlice::ModifierScope modifier(slice, client_id, write_lookups);
          op(OpArgs{slice, db});
          return OpStatus::kOk;
        },
        part);
    return true;
  }

 private:
  ConnectionContext* cntx_;
  std::span<const std::string_view> keys_;
  int db_;
  bool last_ = false;
  std::unique_ptr<tx::Transaction> own_;  // a unique_ptr: RunLastPartDetached hands it over
};

// Hops over every shard under the whole-store lock, for commands that reach keys no argument
// names (SORT's BY/GET patterns) or every database (SWAPDB): a global transaction of its own,
// or steps of an enclosing transaction that locked every shard (MULTI/EXEC locks them all for
// such commands; a script only in global mode). The lock is held from construction to
// destruction.
class GlobalHops {
 public:
  // kShared: the hops only read (a shared global lock: other readers run alongside).
  explicit GlobalHops(ConnectionContext* cntx, tx::LockMode mode = tx::LockMode::kExclusive)
      : cntx_(cntx), db_(cntx->db_index), mode_(mode) {
    if (cntx->multi_tx == nullptr && cntx->direct_shard == nullptr) {
      own_.emplace(cntx->service->shards().tx());
      own_->InitGlobal(mode);
      own_->Schedule();
    }
  }
  ~GlobalHops() {
    if (own_) own_->Conclude();
  }
  // A transaction of its own scheduled by its first RunPart instead of here (one round trip
  // for the schedule and that hop on two threads). Use RunPart only.
  // REQUIRES: no enclosing transaction (cntx->multi_tx and direct_shard null).
  struct ScheduleWithFirstHop {};
  GlobalHops(ConnectionContext* cntx, tx::LockMode mode, ScheduleWithFirstHop)
      : cntx_(cntx), db_(cntx->db_index), mode_(mode) {
    DCHECK(cntx->multi_tx == nullptr && cntx->direct_shard == nullptr);
    own_.emplace(cntx->service->shards().tx());
    own_->InitGlobal(mode);
  }
  GlobalHops(const GlobalHops&) = delete;
  GlobalHops& operator=(const GlobalHops&) = delete;

  // With ScheduleWithFirstHop: runs op(const OpArgs&) on the shards of `run` only; every shard
  // not in `later` is done with this hop (its lock released: Transaction::ExecuteOnShardPart),
  // so later calls may name only shards of `later`; an empty `later` ends the transaction
  // (a call after that is a no-op).
  template <typename Op>
  void RunPart(std::span<const tx::ShardId> run, std::span<const tx::ShardId> later, Op&& op) {
    if (!own_) return;
    auto cb = [&](tx::Transaction*, tx::EngineShard* es) {
      op(OpArgs{&ShardSet::Of(es)->db_slice, db_});
      return OpStatus::kOk;
    };
    own_->ExecuteOnShardPart(cb, run, later, later.empty());
    if (later.empty()) own_.reset();
  }

  // With ScheduleWithFirstHop and kShared, instead of RunPart: a read that starts on the
  // caller's shard (Transaction::ReadHere / ReadThere). ReadHere runs op there alone and
  // releases it; ReadThere runs op on `shards` (none the caller's) and ends the transaction.
  // False when a shard refused (a writer younger than the transaction ran there first):
  // nothing is held any more, and the caller must discard what op read and start over with a
  // new GlobalHops and RunPart.
  template <typename Op>
  void ReadHere(Op&& op) {
    own_->ReadHere(Callback(op));
  }
  template <typename Op>
  bool ReadThere(std::span<const tx::ShardId> shards, Op&& op) {
    const bool accepted = own_->ReadThere(Callback(op), shards);
    own_.reset();
    return accepted;
  }

  // As KeyHops::NextIsLast.
  void NextIsLast() { last_ = true; }

  // Runs op(const OpArgs&) on every shard in parallel. Returns false (nothing ran) if the
  // enclosing transaction does not hold every shard (a lock-ahead script, a squashed batch).
  template <typename Op>
  bool Run(Op&& op) {
    auto cb = [&](tx::Transaction*, tx::EngineShard* es) {
      op(OpArgs{&ShardSet::Of(es)->db_slice, db_});
      return OpStatus::kOk;
    };
    if (own_) {
      own_->Execute(cb, last_);
      if (last_) own_.reset();  // concluded by that hop
      return true;
    }
    if (cntx_->multi_tx == nullptr || !cntx_->multi_tx->HoldsGlobal(mode_)) return false;
    std::vector<tx::ShardId> all(cntx_->service->shards().size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = tx::ShardId(i);
    return cntx_->multi_tx->ExecuteOnShards(all, cb) == OpStatus::kOk;
  }

 private:
  // The hop callback running op(const OpArgs&) on a shard.
  template <typename Op>
  auto Callback(Op& op) {
    return [this, &op](tx::Transaction*, tx::EngineShard* es) {
      op(OpArgs{&ShardSet::Of(es)->db_slice, db_});
      return OpStatus::kOk;
    };
  }

  ConnectionContext* cntx_;
  int db_;
  tx::LockMode mode_;
  bool last_ = false;
  std::optional<tx::Transaction> own_;
};

}  // namespace lw
