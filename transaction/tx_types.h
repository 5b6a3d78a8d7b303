// Vocabulary shared by every file of the transaction layer: shard and transaction ids, lock
// modes, multi modes, the per-shard view of a command's keys and the hop callback type.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "base/op_status.h"

namespace lw::tx {

class EngineShard;
class Transaction;

using ShardId = uint32_t;
// Global transaction ids grow monotonically; 0 means "no id" (the single-shard fast path).
using TxId = uint64_t;

inline constexpr ShardId kInvalidShard = UINT32_MAX;

enum class LockMode : uint8_t { kShared, kExclusive };

// How a sequence of commands under one Transaction is isolated (see README.md).
enum class MultiMode : uint8_t {
  kNone,       // a plain transaction: one command
  kLockAhead,  // the declared keys stay locked from StartMulti to UnlockMulti
  kGlobal,     // every shard is locked from StartMulti to UnlockMulti
  kNonAtomic,  // every command is a transaction of its own
};

// One key of a command as seen by the shard that owns it: the key and its position among the
// command's keys, so that a multi-key read (MGET) can put its answers in place.
struct ShardArg {
  std::string_view key;
  uint32_t index;
};

// The work of one hop on one shard. Runs on that shard's thread, in its loop: it must not
// suspend. It may touch only the data of `shard` (and the coordinator's memory that it was
// given, at indices no other shard writes).
using HopCallback = absl::FunctionRef<OpStatus(Transaction* tx, EngineShard* shard)>;

}  // namespace lw::tx
