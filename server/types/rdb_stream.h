// The stream's RDB encoding, as redis-server 7.0 writes it (RDB_TYPE_STREAM_LISTPACKS_2, type
// 19): the nodes as (16-byte big-endian master ID, Redis listpack) pairs, the stream's
// length, last / first / max-deleted IDs and entries-added counter, then each consumer group
// with its last ID, entries-read, PEL (ID, delivery time, count) and consumers (name, seen
// time, their PEL IDs). Loading also reads type 15 (Redis 5-6) and 21 (Redis 7.2, whose
// consumers carry an active time, ignored here).
// Thread-safety: pure functions over caller-owned objects.
#pragma once

#include <cstdint>

#include "server/types/compact_object.h"
#include "server/types/rdb_format.h"
#include "server/types/stream_obj.h"

namespace lw::rdb {

void SaveStream(const StreamObj& s, Writer* w);
// false with r's error set on malformed input (never crashes); *out holds the stream on true.
bool LoadStream(uint8_t type, Reader* r, CompactObj* out);

}  // namespace lw::rdb
