// Squasher: runs a batch of single-shard operations as one parallel hop per shard.
//
// Lua's asynchronous calls (redis.acall) and the bodies of MULTI/EXEC produce many small
// commands, each touching one shard. Sent one by one they cost a round trip each; the squasher
// groups them by shard and runs each shard's group in one hop, all shards in parallel, keeping
// the order in which operations were added within each shard (operations on different shards
// commute: they touch disjoint data). Results come back in input order.
//
// Two ways to run a batch:
//   Run(tx)  inside a lock-ahead or global multi transaction that already locks the keys;
//   Run()    as one transaction of its own that locks every key given to Add (non-atomic
//            scripts: the batch is isolated from other transactions, and atomic as a whole);
//   RunDetached()  as Run(), but fire and forget: it returns once the batch holds its place in
//            the order of transactions (Transaction::RunDetached) and discards the results.
//
// Thread-safety: a Squasher belongs to one coordinator fiber. Operations run on shard threads
// and must not suspend; each may write only its own output.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "transaction/tx_types.h"

namespace lw::tx {

class ShardSet;

class Squasher {
 public:
  using Op = std::function<OpStatus(Transaction* tx, EngineShard* shard)>;

  // With `borrow_keys`, Add keeps views of the keys instead of copies: the caller guarantees
  // they stay valid until Run() returns (a pipeline's keys, in the connection's input
  // buffer). Saves an allocation per operation. RunDetached needs owned keys.
  explicit Squasher(ShardSet* shard_set, bool borrow_keys = false)
      : shard_set_(shard_set), borrow_keys_(borrow_keys) {}

  // Adds an operation on the keys `keys` (all on one shard), locked in `mode` by Run().
  // Returns its index in the results. REQUIRES: !keys.empty(), all keys on one shard.
  size_t Add(std::span<const std::string_view> keys, LockMode mode, Op op);
  // The same, for a caller that knows the keys' shard already. REQUIRES: sid == ShardOf(keys).
  size_t Add(ShardId sid, std::span<const std::string_view> keys, LockMode mode, Op op);
  // Adds a keyless operation bound to shard `sid`.
  size_t AddOnShard(ShardId sid, Op op);

  // Room for `ops` operations over `keys` keys in all, so Add does not regrow.
  void Reserve(size_t ops, size_t keys) {
    ops_.reserve(ops);
    keys_.reserve(keys);
  }

  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }

  // Runs every queued operation and empties the batch; returns their statuses in input order.
  // REQUIRES: `tx` is in lock-ahead or global multi mode and covers the keys of every op
  // (ops whose keys it does not cover get kInvalidArg and do not run).
  std::vector<OpStatus> Run(Transaction* tx);
  std::vector<OpStatus> Run();
  // As Run(), for ops that report through outputs of their own: returns no statuses, and keeps
  // its buffers and its transaction for the next batch, so a squasher reused batch after batch
  // (a connection's pipeline) allocates nothing once warm.
  void RunReusing();
  // The ops run after this returns, on shard threads: what they reference must be owned by
  // them or by `keep_alive`, which is destroyed after the last op has run.
  // With `held` (a scheduled lock-ahead or global multi transaction, given away), the batch
  // is its concluding hop instead of a transaction of its own. REQUIRES: `held` locks the
  // keys of every op and holds the shard of every keyless one (the caller checked them).
  void RunDetached(std::shared_ptr<const void> keep_alive = nullptr,
                   std::unique_ptr<Transaction> held = nullptr);

 private:
  struct Entry {
    ShardId shard;
    LockMode mode;
    uint32_t first_key;  // its keys are keys_[first_key, first_key + key_count)
    uint32_t key_count;
    Op op;
  };

  std::span<const std::string_view> KeysOf(const Entry& e) const {
    return std::span<const std::string_view>(keys_).subspan(e.first_key, e.key_count);
  }

  // Runs the hop body on `shard`: that shard's operations in order.
  OpStatus RunShard(Transaction* tx, EngineShard* shard, std::vector<OpStatus>* results);
  // A transaction of its own over the keys of every op (the ops must outlive it).
  std::unique_ptr<Transaction> OwnTransaction() const;
  // Declares `tx` (new, or reused after a completed hop) over the keys of every op.
  void DeclareOwn(Transaction* tx) const;
  // Fills by_shard_, keeping the vectors' capacity.
  void GroupByShard();
  void Clear();  // empties the batch

  ShardSet* shard_set_;
  bool borrow_keys_;
  std::vector<Entry> ops_;
  // Every op's keys, in order: views of the caller's keys (borrow_keys) or of owned_keys_,
  // whose elements never move (a deque only appends).
  std::vector<std::string_view> keys_;
  // Created at the first owned key: an empty std::deque allocates (twice).
  std::unique_ptr<std::deque<std::string>> owned_keys_;
  std::vector<std::vector<size_t>> by_shard_;  // op indices per shard, in input order
  std::vector<OpStatus> detached_results_;     // RunDetached: written, never read
  // RunReusing: kept between batches.
  std::vector<OpStatus> results_;
  std::unique_ptr<Transaction> own_tx_;
  mutable std::vector<LockMode> own_modes_;
  mutable std::vector<ShardId> own_shards_;
  std::shared_ptr<const void> keep_alive_;  // RunDetached: what the ops reference
};

}  // namespace lw::tx
