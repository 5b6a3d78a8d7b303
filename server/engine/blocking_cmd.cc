#include "server/engine/blocking_cmd.h"

#include <cmath>

#include <chrono>

#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "transaction/engine_shard.h"

namespace lw {

namespace {
// Deadlines further than this (~100 years) mean "forever": steady_clock would overflow.
constexpr int64_t kForeverMs = int64_t(100) * 365 * 24 * 3600 * 1000;
}  // namespace

bool ParseBlockTimeout(std::string_view arg, ReplyBuilder* rb, io::Clock::time_point* deadline) {
  long double seconds;
  if (!ParseLongDouble(arg, &seconds)) {
    rb->SendError(errors::kTimeoutNotFloat);
    return false;
  }
  // Redis computes (long long)ceill(seconds * 1000), so a fraction of a millisecond waits 1 ms
  // rather than forever (0.001 parses just under 1 ms). Out of range that conversion yields
  // LLONG_MIN on x86-64 (Redis's reference build), so "inf" and huge values are "negative".
  long double ms = ceill(seconds * 1000.0L);
  int64_t tval =
      (ms < 9223372036854775807.0L && ms > -9223372036854775808.0L) ? int64_t(ms) : INT64_MIN;
  if (tval < 0) {
    rb->SendError(errors::kTimeoutNegative);
    return false;
  }
  if (tval == 0 || tval > kForeverMs) {
    *deadline = io::Clock::time_point::max();
  } else {
    *deadline = io::Clock::now() + std::chrono::milliseconds(tval);
  }
  return true;
}

bool ParseMPopArgs(CmdArgs args, size_t numkeys_idx, std::string_view first,
                   std::string_view second, ReplyBuilder* rb, MPopArgs* out) {
  int64_t numkeys;
  if (!ParseRedisInt(args[numkeys_idx], &numkeys) || numkeys < 1) {
    rb->SendError(errors::kNumkeysPositive);
    return false;
  }
  // WHERE must follow the keys.
  if (uint64_t(numkeys) >= args.size() - numkeys_idx - 1) {
    rb->SendError(errors::kSyntax);
    return false;
  }
  size_t where_idx = numkeys_idx + size_t(numkeys) + 1;
  if (EqualsIgnoreCase(args[where_idx], first)) {
    out->first = true;
  } else if (EqualsIgnoreCase(args[where_idx], second)) {
    out->first = false;
  } else {
    rb->SendError(errors::kSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t j = where_idx + 1; j < args.size(); ++j) {
    if (!has_count && EqualsIgnoreCase(args[j], "COUNT") && j + 1 < args.size()) {
      has_count = true;
      if (!ParseRedisInt(args[++j], &out->count) || out->count < 1) {
        rb->SendError(errors::kCountPositive);
        return false;
      }
    } else {
      rb->SendError(errors::kSyntax);
      return false;
    }
  }
  if (!has_count) out->count = 1;
  out->keys = args.subspan(numkeys_idx + 1, size_t(numkeys));
  return true;
}

void SendPopFailure(ReplyBuilder* rb, OpStatus status) {
  switch (status) {
    case OpStatus::kWrongType:
      return rb->SendError(errors::kWrongType);
    case OpStatus::kInvalidArg:
      return rb->SendError(errors::kUndeclaredKeys);
    case OpStatus::kCancelled:  // CLIENT UNBLOCK ... ERROR (or the client left: no one reads)
      return rb->SendError(errors::kUnblockedByClient);
    default:
      return rb->SendNullArray();
  }
}

std::vector<std::string> BlockedKeys() {
  tx::EngineShard* es = tx::EngineShard::Current();
  return es != nullptr ? es->BlockedKeys() : std::vector<std::string>();
}

void NotifyKeyReady(std::string_view key) {
  if (tx::EngineShard* es = tx::EngineShard::Current()) es->NotifyKeyReady(key);
}

BlockingTx::BlockingTx(ConnectionContext* cntx, std::span<const std::string_view> keys)
    : cntx_(cntx), keys_(keys), db_(cntx->db_index) {
  ShardSet& shards = cntx->service->shards();
  for (std::string_view k : keys) {
    if (shards.ShardOf(k) != shards.ShardOf(keys.front())) single_shard_ = false;
  }
  if (cntx->multi_tx == nullptr && cntx->direct_shard == nullptr) {
    own_.emplace(shards.tx());
    own_->InitByKeys(keys, tx::LockMode::kExclusive);
    own_->Schedule();
  }
}

BlockingTx::~BlockingTx() {
  if (own_) own_->Conclude();  // no-op after Wait()
}

bool BlockingTx::RunHop(tx::HopCallback cb) {
  if (own_) {
    own_->Execute(cb, /*conclude=*/false);
    return true;
  }
  return cntx_->multi_tx->ExecuteCommand(keys_, tx::LockMode::kExclusive, cb) !=
         OpStatus::kInvalidArg;
}

OpResult<tx::Transaction::WakeResult> BlockingTx::WaitImpl(std::span<const std::string_view> watch,
                                                           io::Clock::time_point deadline,
                                                           tx::KeyReadyFn ready,
                                                           tx::ServeFn serve) {
  tx::Transaction* t = &*own_;
  ClientControl* control = cntx_->control;
  // A client that leaves while blocked ends the wait at once (its waiter is then unregistered
  // everywhere by WaitOnKeys), so a later push is not consumed by a dead client.
  if (control != nullptr) control->BeginBlocking([t] { t->CancelBlocking(); });
  auto res = t->WaitOnKeys(watch, deadline, ready, serve);
  if (control != nullptr) control->EndBlocking();
  // CLIENT UNBLOCK ... TIMEOUT reads as a timeout; ERROR stays kCancelled (SendWaitFailure).
  if (!res.ok() && res.status() == OpStatus::kCancelled && !cntx_->unblock_error) {
    return OpStatus::kTimedOut;
  }
  cntx_->unblock_error = false;
  return res;
}

}  // namespace lw
