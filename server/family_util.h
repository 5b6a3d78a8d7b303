// Helpers the container families (lists, hashes, sets, sorted sets) share, for use inside
// their shard operations (op_args.h).
#pragma once

#include <cstdint>
#include <random>
#include <string_view>

#include "base/op_status.h"
#include "server/compact_object.h"
#include "server/db_slice.h"
#include "server/op_args.h"

namespace lw {

// The container of `type` stored at `key`, or kKeyNotFound / kWrongType.
template <typename T>
OpResult<T*> FindContainer(const OpArgs& op, std::string_view key, ObjType type) {
  auto it = op.slice->Find(op.db, key, type);
  if (!it.ok()) return it.status();
  return it->value().template GetRobj<T>();
}

// Deletes `key` if its container became empty: an empty container never stays in the
// keyspace (Redis semantics).
template <typename T>
void DeleteIfEmpty(const OpArgs& op, std::string_view key, const T* container) {
  if (container->size() == 0) op.slice->Del(op.db, key);
}

// A per-thread random generator (SPOP, SRANDMEMBER, HRANDFIELD, RANDOMKEY...).
inline std::mt19937_64& ThreadRng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace lw
