// Transaction: multi modes (lock-ahead, global, non-atomic) and per-command arguments.
#include <algorithm>

#include "base/logging.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"
#include "transaction/transaction.h"

namespace lw::tx {

void Transaction::SetCommandArgs(std::span<const std::string_view> keys,
                                 std::vector<ShardId>* shards) {
  for (auto& sd : shard_) sd.args.clear();
  shards->clear();
  for (uint32_t i = 0; i < keys.size(); ++i) {
    ShardId sid = shard_set_->ShardOf(keys[i]);
    if (shard_[sid].args.empty()) shards->push_back(sid);
    shard_[sid].args.push_back(ShardArg{keys[i], i});
  }
  std::sort(shards->begin(), shards->end());
}

void Transaction::StartMulti(MultiMode mode, std::span<const std::string_view> keys,
                             LockMode lock_mode, bool wait) {
  CHECK(mode != MultiMode::kNone);
  CHECK(!scheduled_);
  switch (mode) {
    case MultiMode::kLockAhead:
      InitByKeys(keys, lock_mode);
      break;
    case MultiMode::kGlobal:
      InitGlobal(lock_mode);
      break;
    default:
      Reset();
      break;
  }
  multi_ = mode;
  if (mode == MultiMode::kNonAtomic) return;
  if (wait) {
    Schedule();
  } else {
    BeginSchedule();
  }
}

bool Transaction::IsKeyLocked(std::string_view key, LockMode mode) const {
  if (!scheduled_) return false;
  if (global_) return HoldsGlobal(mode);
  const PerShard& sd = shard_[shard_set_->ShardOf(key)];
  uint64_t fp = shard_set_->LockFingerprint(key);
  auto it = std::lower_bound(sd.locks.begin(), sd.locks.end(), fp,
                             [](const LockRequest& r, uint64_t f) { return r.fingerprint < f; });
  if (it == sd.locks.end() || it->fingerprint != fp) return false;
  return mode == LockMode::kShared || it->mode == LockMode::kExclusive;
}

OpStatus Transaction::ExecuteCommand(std::span<const std::string_view> keys, LockMode mode,
                                     HopCallback cb) {
  CHECK(multi_ != MultiMode::kNone) << "StartMulti first";
  if (multi_ == MultiMode::kNonAtomic) {
    Transaction command(shard_set_);
    command.InitByKeys(keys, mode);
    return command.ScheduleSingleHop(cb);
  }
  if (multi_ == MultiMode::kGlobal && !HoldsGlobal(mode)) return OpStatus::kInvalidArg;
  if (multi_ == MultiMode::kLockAhead) {
    for (std::string_view key : keys) {
      if (IsKeyLocked(key, mode)) continue;
      if (!learn_keys_) return OpStatus::kInvalidArg;
      if (!LockMore(keys, mode)) return OpStatus::kInvalidArg;
      break;
    }
  }
  std::vector<ShardId> shards;
  SetCommandArgs(keys, &shards);
  return RunHop(cb, shards, /*conclude=*/false);
}

OpStatus Transaction::ExecuteOnShards(std::span<const ShardId> shards, HopCallback cb) {
  CHECK(multi_ != MultiMode::kNone) << "StartMulti first";
  if (multi_ == MultiMode::kNonAtomic) {
    Transaction command(shard_set_);
    command.InitByKeys({}, LockMode::kShared);
    for (ShardId sid : shards) command.IncludeShard(sid);
    return command.ScheduleSingleHop(cb);
  }
  AwaitScheduled();
  for (ShardId sid : shards) {
    if (sid >= shard_.size() || !shard_[sid].queued) return OpStatus::kInvalidArg;
  }
  for (auto& sd : shard_) sd.args.clear();
  return RunHop(cb, shards, /*conclude=*/false);
}

void Transaction::UnlockMulti() {
  CHECK(multi_ != MultiMode::kNone);
  Conclude();
  multi_ = MultiMode::kNone;
}

}  // namespace lw::tx
