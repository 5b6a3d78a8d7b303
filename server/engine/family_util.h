// Helpers the container families (lists, hashes, sets, sorted sets) share, for use inside
// their shard operations (op_args.h).
// Thread-safety: call them on the shard that owns the key, inside an op; ThreadRng is
// per-thread.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string_view>

#include "base/op_status.h"
#include "server/engine/db_slice.h"
#include "server/engine/op_args.h"
#include "server/types/compact_object.h"

namespace lw {

// The container of `type` stored at `key`, or kKeyNotFound / kWrongType.
template <typename T>
OpResult<T*> FindContainer(const OpArgs& op, std::string_view key, ObjType type) {
  auto it = op.slice->Find(op.db, key, type);
  if (!it.ok()) return it.status();
  return it->value().template GetRobj<T>();
}

// Deletes `key` if its container became empty: an empty container never stays in the
// keyspace (Redis semantics), and Redis notifies "del" for it.
template <typename T>
void DeleteIfEmpty(const OpArgs& op, std::string_view key, const T* container) {
  if (container->size() != 0) return;
  op.slice->Del(op.db, key);
  op.slice->Notify(notify::kGeneric, "del", op.db, key);
}

// SCARD/ZCARD: the size of the container of `type` at `key`; 0 if there is none.
template <typename T>
OpResult<int64_t> ContainerSize(const OpArgs& op, std::string_view key, ObjType type) {
  OpResult<T*> c = FindContainer<T>(op, key, type);
  if (!c.ok()) return c.status() == OpStatus::kKeyNotFound ? 0 : OpResult<int64_t>(c.status());
  return int64_t((*c)->size());
}

// SREM/ZREM: removes `members` from the container of `type` at `key`, `remove(container,
// member)` returning how many it removed (0 or 1); notifies `event` (of class `notify_type`)
// if any was; deletes the key once empty. Returns the count; 0 if there is no such key.
template <typename T, typename Remove>
OpResult<int64_t> RemoveMembers(const OpArgs& op, std::string_view key, ObjType type,
                                std::span<const std::string_view> members, Remove remove,
                                uint32_t notify_type, std::string_view event) {
  OpResult<T*> c = FindContainer<T>(op, key, type);
  if (!c.ok()) return c.status() == OpStatus::kKeyNotFound ? 0 : OpResult<int64_t>(c.status());
  int64_t removed = 0;
  for (std::string_view m : members) {
    removed += remove(*c, m);
    if ((*c)->size() == 0) break;
  }
  if (removed > 0) {
    op.slice->MarkModified(op.db, key);  // WATCH: only a real removal counts
    op.slice->Notify(notify_type, event, op.db, key);
  }
  DeleteIfEmpty(op, key, *c);
  return removed;
}

// A per-thread random generator (SPOP, SRANDMEMBER, HRANDFIELD, RANDOMKEY...).
inline std::mt19937_64& ThreadRng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace lw
