// What the keys family's files share (keys_family.cc, db_family.cc): moving a value with its
// expiry between keys or databases of one shard, and the handlers db_family.cc defines.
// Thread-safety: TakeValue/PutValue run on the shard that owns the keys, inside an op
// (op_args.h); the handlers on the connection fiber.
#pragma once

#include <cstdint>
#include <string_view>

#include "server/engine/command_registry.h"
#include "server/engine/db_slice.h"
#include "server/types/compact_object.h"

namespace lw {

// A value in transit between keys, with its absolute expiry (0: none). The cell carries the
// sticky bit along; its has_expire bit is always clear (the deadline travels apart).
struct ValueInTransit {
  bool found = false;
  CompactObj value;
  int64_t expire_at = 0;
};

// Takes the value of `key` in `db` out of the keyspace (the key is deleted).
ValueInTransit TakeValue(DbSlice* slice, int db, std::string_view key);
// Stores the value at `key` in `db`, replacing whatever is there (and its expiry); wakes
// clients blocked on the key (Redis's dbAdd).
void PutValue(DbSlice* slice, int db, std::string_view key, ValueInTransit* v);

// Defined in db_family.cc.
void Move(CmdArgs args, ConnectionContext* cntx);
void SwapDb(CmdArgs args, ConnectionContext* cntx);

}  // namespace lw
