// Transaction: the coordinator side of blocking commands (see blocking.h).
#include "base/logging.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"
#include "transaction/transaction.h"

namespace lw::tx {

OpResult<Transaction::WakeResult> Transaction::WaitOnKeys(std::span<const std::string_view> keys,
                                                          io::Clock::time_point deadline,
                                                          KeyReadyFn is_ready, ServeFn serve) {
  CHECK(scheduled_ && multi_ == MultiMode::kNone);
  AwaitScheduled();
  waiter_.done.Reset();
  waiter_.is_ready = &is_ready;
  waiter_.serve = &serve;
  waiter_.woken_shard = kInvalidShard;
  waiter_.woken_key.clear();
  uint8_t idle = BlockingWaiter::kIdle;
  if (!waiter_.state.compare_exchange_strong(idle, BlockingWaiter::kWaiting)) {
    // Cancelled before it blocked.
    Conclude();
    waiter_.state.store(BlockingWaiter::kIdle);
    return OpStatus::kCancelled;
  }

  std::vector<ShardId> watch_shards;
  SetCommandArgs(keys, &watch_shards);
  for (ShardId sid : watch_shards) CHECK(shard_[sid].queued) << "watching an undeclared key";

  // Register under the locks, in the concluding hop: a push is ordered either before the
  // previous hops (which then saw it) or after this one (which then finds the watcher).
  std::vector<ShardId> shards = active_;
  RunHop(
      [this](Transaction*, EngineShard* shard) {
        shard->AddWatchers(this, &waiter_);
        return OpStatus::kOk;
      },
      shards, /*conclude=*/true);

  if (!waiter_.done.WaitUntil(deadline)) {
    // Timed out, unless a shard or CancelBlocking finished the wait first; then its
    // Notify is imminent (a waking shard notifies once serve has run).
    if (!waiter_.Finish(BlockingWaiter::kTimedOut)) waiter_.done.Wait();
  }

  // The shards hold pointers to waiter_: take them all back before returning.
  io::BlockingCounter removed{int64_t(watch_shards.size())};
  for (ShardId sid : watch_shards) {
    PostToShard(sid, [this, sid, &removed] {
      shard_set_->shard(sid)->RemoveWatchers(this, &waiter_);
      removed.Dec();
    });
  }
  removed.Wait();

  uint8_t final_state = waiter_.state.exchange(BlockingWaiter::kIdle);
  waiter_.is_ready = nullptr;
  waiter_.serve = nullptr;
  switch (final_state) {
    case BlockingWaiter::kWoken:
      return WakeResult{waiter_.woken_shard, waiter_.woken_key, waiter_.serve_status};
    case BlockingWaiter::kTimedOut:
      return OpStatus::kTimedOut;
    default:
      return OpStatus::kCancelled;
  }
}

void Transaction::CancelBlocking() {
  if (waiter_.Finish(BlockingWaiter::kCancelled)) {
    waiter_.done.Notify();
    return;
  }
  uint8_t idle = BlockingWaiter::kIdle;
  waiter_.state.compare_exchange_strong(idle, BlockingWaiter::kCancelled);
}

}  // namespace lw::tx
