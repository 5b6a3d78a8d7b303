#include "transaction/squasher.h"

#include <algorithm>

#include "base/logging.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"
#include "transaction/transaction.h"

namespace lw::tx {

size_t Squasher::Add(std::span<const std::string_view> keys, LockMode mode, Op op) {
  CHECK(!keys.empty());
  return Add(shard_set_->ShardOf(keys[0]), keys, mode, std::move(op));
}

size_t Squasher::Add(ShardId sid, std::span<const std::string_view> keys, LockMode mode, Op op) {
  CHECK(!keys.empty());
  Entry entry{sid, mode, uint32_t(keys_.size()), uint32_t(keys.size()), std::move(op)};
  for (std::string_view key : keys) {
    DCHECK_EQ(shard_set_->ShardOf(key), sid) << "a squashed op spans shards";
    if (borrow_keys_) {
      keys_.push_back(key);
    } else {
      if (owned_keys_ == nullptr) owned_keys_ = std::make_unique<std::deque<std::string>>();
      keys_.push_back(owned_keys_->emplace_back(key));
    }
  }
  ops_.push_back(std::move(entry));
  return ops_.size() - 1;
}

size_t Squasher::AddOnShard(ShardId sid, Op op) {
  CHECK_LT(sid, shard_set_->size());
  ops_.push_back(Entry{sid, LockMode::kShared, uint32_t(keys_.size()), 0, std::move(op)});
  return ops_.size() - 1;
}

OpStatus Squasher::RunShard(Transaction* tx, EngineShard* shard, std::vector<OpStatus>* results) {
  for (size_t index : by_shard_[shard->id()]) {
    // Each op writes only its own slot; slots of other shards are written concurrently.
    if ((*results)[index] == OpStatus::kOk) (*results)[index] = ops_[index].op(tx, shard);
  }
  return OpStatus::kOk;
}

std::vector<OpStatus> Squasher::Run(Transaction* tx) {
  CHECK(tx->multi_mode() == MultiMode::kLockAhead || tx->multi_mode() == MultiMode::kGlobal);
  std::vector<OpStatus> results(ops_.size(), OpStatus::kOk);
  by_shard_.resize(shard_set_->size());
  for (auto& mine : by_shard_) mine.clear();
  std::vector<ShardId> shards;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const Entry& entry = ops_[i];
    for (std::string_view key : KeysOf(entry)) {
      if (!tx->IsKeyLocked(key, entry.mode)) results[i] = OpStatus::kInvalidArg;
    }
    if (results[i] != OpStatus::kOk) continue;
    if (by_shard_[entry.shard].empty()) shards.push_back(entry.shard);
    by_shard_[entry.shard].push_back(i);
  }
  std::sort(shards.begin(), shards.end());
  OpStatus status = tx->ExecuteOnShards(
      shards, [&](Transaction* t, EngineShard* shard) { return RunShard(t, shard, &results); });
  if (status != OpStatus::kOk) {  // a shard the transaction does not hold: nothing ran
    for (auto& r : results) {
      if (r == OpStatus::kOk) r = status;
    }
  }
  Clear();
  return results;
}

void Squasher::Clear() {
  ops_.clear();
  keys_.clear();
  owned_keys_.reset();
}

void Squasher::DeclareOwn(Transaction* tx) const {
  // The shards are known from Add: the transaction need not hash the keys again.
  own_modes_.clear();
  own_shards_.clear();
  for (const Entry& entry : ops_) {
    for (uint32_t k = 0; k < entry.key_count; ++k) {  // mostly one: cheaper than a fill insert
      own_modes_.push_back(entry.mode);
      own_shards_.push_back(entry.shard);
    }
  }
  tx->InitByKeys(keys_, own_modes_, own_shards_);
  for (ShardId sid = 0; sid < by_shard_.size(); ++sid) {
    if (!by_shard_[sid].empty()) tx->IncludeShard(sid);
  }
}

std::unique_ptr<Transaction> Squasher::OwnTransaction() const {
  auto tx = std::make_unique<Transaction>(shard_set_);
  DeclareOwn(tx.get());
  return tx;
}

void Squasher::GroupByShard() {
  by_shard_.resize(shard_set_->size());
  for (auto& mine : by_shard_) mine.clear();
  for (size_t i = 0; i < ops_.size(); ++i) {
    auto& mine = by_shard_[ops_[i].shard];
    // One allocation per shard instead of one per doubling (none when reused).
    if (mine.empty() && mine.capacity() < ops_.size() - i) mine.reserve(ops_.size() - i);
    mine.push_back(i);
  }
}

std::vector<OpStatus> Squasher::Run() {
  std::vector<OpStatus> results(ops_.size(), OpStatus::kOk);
  GroupByShard();
  std::unique_ptr<Transaction> tx = OwnTransaction();
  tx->ScheduleSingleHop(
      [&](Transaction* t, EngineShard* shard) { return RunShard(t, shard, &results); });
  Clear();
  return results;
}

void Squasher::RunReusing() {
  if (ops_.empty()) return;
  results_.assign(ops_.size(), OpStatus::kOk);
  GroupByShard();
  if (own_tx_ == nullptr) own_tx_ = std::make_unique<Transaction>(shard_set_);
  DeclareOwn(own_tx_.get());
  own_tx_->ScheduleSingleHop(
      [this](Transaction* t, EngineShard* shard) { return RunShard(t, shard, &results_); });
  Clear();
}

void Squasher::RunDetached(std::shared_ptr<const void> keep_alive,
                           std::unique_ptr<Transaction> held) {
  if (ops_.empty() && held == nullptr) return;
  // The batch moves into the hop's callback, which the transaction owns: the keys the
  // transaction references and the ops stay alive until the last shard is done.
  CHECK(!borrow_keys_) << "a detached batch outlives borrowed keys";
  auto batch = std::make_shared<Squasher>(shard_set_);
  batch->ops_ = std::move(ops_);
  batch->keys_ = std::move(keys_);
  batch->owned_keys_ = std::move(owned_keys_);  // a move keeps the strings where they are
  batch->keep_alive_ = std::move(keep_alive);
  Clear();
  batch->by_shard_.assign(shard_set_->size(), {});
  for (size_t i = 0; i < batch->ops_.size(); ++i) {
    const Entry& entry = batch->ops_[i];
    auto& mine = batch->by_shard_[entry.shard];
    if (mine.empty()) mine.reserve(batch->ops_.size() - i);
    for (std::string_view key : batch->KeysOf(entry)) {
      DCHECK(held == nullptr || held->IsKeyLocked(key, entry.mode)) << "not locked: " << key;
    }
    mine.push_back(i);
  }
  // Each shard writes only its own ops' slots.
  batch->detached_results_.assign(batch->ops_.size(), OpStatus::kOk);
  std::unique_ptr<Transaction> tx = held ? std::move(held) : batch->OwnTransaction();
  Transaction::RunDetached(std::move(tx), [batch](Transaction* t, EngineShard* shard) {
    return batch->RunShard(t, shard, &batch->detached_results_);
  });
}

}  // namespace lw::tx
