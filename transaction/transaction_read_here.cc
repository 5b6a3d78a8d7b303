// Transaction: a whole-store read that starts on the caller's shard (ReadHere, ReadThere). See
// README.md, "A read that starts here".
#include "base/logging.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"
#include "transaction/transaction.h"

namespace lw::tx {

OpStatus Transaction::ReadHere(HopCallback cb) {
  CHECK(global_ && global_shared_ && multi_ == MultiMode::kNone && !scheduled_ &&
        detached_ == nullptr);
  ShardId local = kInvalidShard;
  for (ShardId sid : active_) {
    if (shard_set_->IsLocal(sid)) local = sid;
  }
  CHECK(local != kInvalidShard) << "ReadHere from a thread that owns no shard";
  EngineShard* here = shard_set_->shard(local);
  // A fresh id queued inline is never late here; the loop only mirrors the other paths.
  do {
    txid_ = shard_set_->NextTxId();
  } while (!here->ScheduleWithId(this));
  ran_ = true;
  cb_.emplace(cb);
  conclude_hop_ = true;
  io::BlockingCounter done(1);
  pending_ = &done;
  here->Arm(this);  // runs now, or once the older writers queued here concluded
  done.Wait();
  pending_ = nullptr;
  cb_.reset();
  conclude_hop_ = false;
  return shard_[local].status;
}

bool Transaction::ReadThere(HopCallback cb, std::span<const ShardId> shards) {
  CHECK(global_shared_ && ran_ && !scheduled_ && txid_ != 0);
  if (shards.empty()) return true;
  cb_.emplace(cb);
  conclude_hop_ = true;
  io::BlockingCounter done{int64_t(shards.size())};
  pending_ = &done;
  for (ShardId sid : shards) {
    CHECK(!shard_set_->IsLocal(sid) && shard_[sid].active);
    shard_[sid].late_refused = false;
    EngineShard* there = shard_set_->shard(sid);
    // Two words of capture: std::function holds them without an allocation.
    shard_set_->proactor(sid)->DispatchBrief([this, there] {
      if (there->ScheduleWithId(this)) return there->Arm(this);  // counts down once run
      shard_[there->id()].late_refused = true;
      HopDone();
    });
  }
  done.Wait();
  pending_ = nullptr;
  cb_.reset();
  conclude_hop_ = false;
  bool accepted = true;
  for (ShardId sid : shards) accepted = accepted && !shard_[sid].late_refused;
  return accepted;
}

}  // namespace lw::tx
