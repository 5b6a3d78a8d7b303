// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP): the
// coordinator side shared by the list and sorted-set families.
//
// A blocking command is one transaction over its keys (BlockingTx):
//   1. a first hop, under the keys' locks, looks at every key; Redis serves the first key in
//      argument order that exists (or fails with WRONGTYPE if that key has another type);
//   2. if every key is empty, Wait() registers the transaction as a watcher of the keys in a
//      last hop of the same transaction (so no push between the look and the registration is
//      missed), releases the locks and sleeps until
//        - a transaction that made one of the keys ready (it called NotifyKeyReady) concludes:
//          that shard then runs the waiter's `serve` on its thread before anything else can
//          touch the key, so the pop is atomic with the push that woke it; a waiter watched on
//          several shards is woken exactly once; waiters of one key are served oldest first
//          (transaction/README.md, "Blocking commands");
//        - the deadline passes (the command replies a null array);
//        - the client goes away (ClientControl::BeginBlocking cancels the wait); the waiter is
//          unregistered from every shard before Wait returns, so nothing leaks.
// Inside a script or MULTI (cntx->multi_tx set) nothing blocks: the command behaves like its
// non-blocking form with an immediate timeout, as Redis does.
//
// Watchers are registered by key name only, for every database; the `ready` predicate checks
// the waiter's own database and type, so a push to another database's key of the same name (or
// a key of another type) is skipped.
// Thread-safety: coordinator fiber only; the callbacks run on shard threads as documented.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/fiber.h"
#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "transaction/transaction.h"

namespace lw {

// Redis's blocking timeout argument: seconds, fractional ("0.1", "1e-1", even "0x1p-3"), 0 =
// forever. On a bad value replies Redis's error and returns false. Values below a millisecond
// truncate to 0 and so block forever, as in Redis.
bool ParseBlockTimeout(std::string_view arg, ReplyBuilder* rb, io::Clock::time_point* deadline);

// LMPOP / BLMPOP / ZMPOP / BZMPOP arguments "numkeys key [key ...] WHERE [COUNT count]" from
// args[numkeys_idx] on, WHERE being `first` or `second` (case-insensitive: LEFT/RIGHT,
// MIN/MAX). Checked in Redis's order; on a bad argument replies the error, returns false.
struct MPopArgs {
  std::span<const std::string_view> keys;
  bool first = true;  // WHERE was `first`
  int64_t count = 1;
};
bool ParseMPopArgs(CmdArgs args, size_t numkeys_idx, std::string_view first,
                   std::string_view second, ReplyBuilder* rb, MPopArgs* out);

// Called inside a hop (an op of op_args.h) that made `key` of the calling shard non-empty for
// blocked clients (a push, ZADD, a move's destination). They are served when the calling
// transaction concludes. Cheap when nobody blocks. No-op off shard threads.
void NotifyKeyReady(std::string_view key);
// Inside a hop: the keys clients blocked on the calling shard wait for (SWAPDB notifies those
// that exist after the swap). Empty off shard threads.
std::vector<std::string> BlockedKeys();

// What a key holds for a blocking pop.
enum class KeyState : uint8_t { kEmpty, kReady, kWrongType };

// The transaction of one blocking command (see the file comment).
class BlockingTx {
 public:
  // Locks `keys` (exclusively: every blocking command writes) until destruction or Wait().
  BlockingTx(ConnectionContext* cntx, std::span<const std::string_view> keys);
  ~BlockingTx();
  BlockingTx(const BlockingTx&) = delete;
  BlockingTx& operator=(const BlockingTx&) = delete;

  // False inside a script, MULTI or a squashed batch: the command must not block.
  bool can_block() const { return own_.has_value(); }
  // All keys live on one shard: one hop can look and serve.
  bool single_shard() const { return single_shard_; }

  // Runs op(const OpArgs&, std::span<const tx::ShardArg> mine) on every shard that owns some
  // of the keys, in parallel; the keys stay locked between runs. False when the enclosing
  // script does not hold every key (nothing ran). REQUIRES: not after Wait().
  template <typename Op>
  bool Run(Op&& op) {
    int db = db_;
    // RunOp: a script's write saves its keys' previous state first (undo_log.h).
    auto cb = [&](tx::Transaction* t, tx::EngineShard* es) {
      std::span<const tx::ShardArg> view = t->ShardArgs(es->id());
      internal::RunOp(cntx_, &ShardSet::Of(es)->db_slice, db, view,
                      [&](const OpArgs& args) { op(args, view); });
      return OpStatus::kOk;
    };
    if (cntx_->direct_shard != nullptr) {
      // A squashed batch (or a single-shard script) already runs on the keys' shard under its
      // locks.
      if (!internal::AllOnDirectShard(cntx_, keys_)) return false;
      std::vector<tx::ShardArg> mine = internal::DirectShardArgs(keys_);
      std::span<const tx::ShardArg> view(mine);
      internal::InlineScope scope(cntx_);
      internal::RunOp(cntx_, &ShardSet::Of(cntx_->direct_shard)->db_slice, db, view,
                      [&](const OpArgs& args) { op(args, view); });
      return true;
    }
    return RunHop(cb);
  }

  // Blocks until one of `watch` (a subset of the keys) is served, the deadline passes
  // (kTimedOut) or the client leaves (kCancelled). ready(const OpArgs&, key) -> bool and
  // serve(const OpArgs&, key) -> OpStatus run on the shard of the key that was made ready, on
  // its thread (they must not suspend); serve runs once, when ready holds, and its status is
  // WakeResult::status. Releases the locks. REQUIRES: can_block(), called once.
  template <typename Ready, typename Serve>
  OpResult<tx::Transaction::WakeResult> Wait(std::span<const std::string_view> watch,
                                             io::Clock::time_point deadline, Ready&& ready,
                                             Serve&& serve) {
    int db = db_;
    auto is_ready = [&](tx::EngineShard* es, std::string_view key) -> bool {
      return ready(OpArgs{&ShardSet::Of(es)->db_slice, db}, key);
    };
    auto serve_fn = [&](tx::EngineShard* es, std::string_view key) -> OpStatus {
      return serve(OpArgs{&ShardSet::Of(es)->db_slice, db}, key);
    };
    return WaitImpl(watch, deadline, is_ready, serve_fn);
  }

 private:
  bool RunHop(tx::HopCallback cb);
  OpResult<tx::Transaction::WakeResult> WaitImpl(std::span<const std::string_view> watch,
                                                 io::Clock::time_point deadline,
                                                 tx::KeyReadyFn ready, tx::ServeFn serve);

  ConnectionContext* cntx_;
  std::span<const std::string_view> keys_;
  int db_;
  bool single_shard_ = true;
  std::optional<tx::Transaction> own_;  // none inside a script / MULTI
};

// The outcome of BlockingPop.
struct PopOutcome {
  // kOk: served `key`; kWrongType; kTimedOut (nothing ready and no blocking, or the deadline
  // passed); kCancelled (the client left); kInvalidArg (the script does not hold the keys).
  OpStatus status = OpStatus::kOk;
  std::string key;
};

// The reply of a BlockingPop that served nothing: WRONGTYPE, the undeclared-key error of a
// script, or a null array (timed out, or the client left). REQUIRES: status != kOk.
void SendPopFailure(ReplyBuilder* rb, OpStatus status);

// The BLPOP / BZPOPMIN / LMPOP pattern over `keys`: the first key in argument order whose
// probe(const OpArgs&, key) -> KeyState is not kEmpty decides: kWrongType fails the command,
// kReady is served by take(const OpArgs&, key) on the key's shard. If every key is empty and
// `may_block` (and not in a script), waits until a key is made ready; `take` then runs on that
// key's shard thread, right after the push. `take` runs at most once; it copies what the reply
// needs into the caller's memory.
template <typename Probe, typename Take>
PopOutcome BlockingPop(ConnectionContext* cntx, std::span<const std::string_view> keys,
                       bool may_block, io::Clock::time_point deadline, Probe&& probe, Take&& take) {
  BlockingTx btx(cntx, keys);
  std::vector<KeyState> states(keys.size(), KeyState::kEmpty);
  const bool single = btx.single_shard();
  std::optional<size_t> served;
  bool ran = btx.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) states[a.index] = probe(op, a.key);
    if (!single) return;
    // One shard holds every key, in argument order: serve in this very hop.
    for (const tx::ShardArg& a : mine) {
      if (states[a.index] == KeyState::kEmpty) continue;
      if (states[a.index] == KeyState::kReady) {
        take(op, a.key);
        served = a.index;
      }
      return;
    }
  });
  if (!ran) return {OpStatus::kInvalidArg, {}};
  if (served) return {OpStatus::kOk, std::string(keys[*served])};
  for (size_t i = 0; i < keys.size(); ++i) {
    if (states[i] == KeyState::kEmpty) continue;
    if (states[i] == KeyState::kWrongType) return {OpStatus::kWrongType, {}};
    // Several shards: the first ready key is known only now; the keys are still locked.
    btx.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
      for (const tx::ShardArg& a : mine) {
        if (a.index == i) take(op, a.key);
      }
    });
    return {OpStatus::kOk, std::string(keys[i])};
  }
  if (!may_block || !btx.can_block()) return {OpStatus::kTimedOut, {}};
  auto woke = btx.Wait(
      keys, deadline,
      [&](const OpArgs& op, std::string_view key) { return probe(op, key) == KeyState::kReady; },
      [&](const OpArgs& op, std::string_view key) {
        take(op, key);
        return OpStatus::kOk;
      });
  if (!woke.ok()) return {woke.status(), {}};
  return {woke->status, std::move(woke->key)};
}

}  // namespace lw
