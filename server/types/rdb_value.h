// RDB value encodings of the keyspace's types: what follows a key in an RDB file, and what a
// DUMP payload holds before its footer.
//
// Written (what redis-server 7.0 writes for the same value):
//   string            type 0: int-encoded or (LZF-compressed) bytes
//   list              type 18 (quicklist 2): nodes of Redis listpacks of at most ~8 KB, as
//                     with Redis's default list-max-listpack-size -2
//   set               type 11 (intset) for the intset encoding, else type 2 (members)
//   sorted set        type 17 (listpack: member, score text) or type 5 (binary doubles)
//   hash              type 16 (listpack: field, value) or type 4 (pairs)
//   stream            type 19 (listpacks 2: nodes, metadata, consumer groups)
// Read: all of the above plus Redis 6's and older forms: list 1/10/14, zset 3/12, hash 9/13,
// set listpack 20 (Redis 7.2). Streams: written as type 19, read as 15, 19 and 21
// (rdb_stream.h). Modules are refused with a clear error.
//
// Loading builds each container through its own API with the configured limits, so a loaded
// value takes the encoding Redis would give it (e.g. a 1000-field hash written as a listpack
// becomes a hash table). Corrupt input (bad framing, duplicate members, NaN scores, counts
// that do not match) fails with an error and never crashes.
// Thread-safety: pure functions over caller-owned objects.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/types/compact_object.h"
#include "server/types/hash_obj.h"
#include "server/types/rdb_format.h"
#include "server/types/set_obj.h"
#include "server/types/zset_obj.h"

namespace lw::rdb {

// Encoding thresholds for loaded values (from the runtime configuration).
struct LoadLimits {
  int list_fill = 128;
  HashLimits hash;
  SetLimits set;
  ZSetLimits zset;
};

// The RDB type byte SaveValue writes for `obj`.
uint8_t TypeOf(const CompactObj& obj);
// Writes the value of `obj` (without the type byte).
void SaveValue(const CompactObj& obj, Writer* w);

enum class LoadResult { kOk, kEmpty, kError };
// Reads a value of RDB type `type` into *out. kEmpty: a well-formed but empty container
// (Redis skips such keys in files and refuses them in RESTORE); kError: r has the error.
LoadResult LoadValue(uint8_t type, Reader* r, const LoadLimits& limits, CompactObj* out);

// DUMP's payload for `obj`: type, value, RDB version, CRC-64.
std::string DumpPayload(const CompactObj& obj);
// RESTORE: false if the footer (version, checksum) is wrong; then *bad_format is false.
// false with *bad_format true if the value itself does not parse (or is empty).
bool RestorePayload(std::string_view payload, const LoadLimits& limits, CompactObj* out,
                    bool* bad_format);

}  // namespace lw::rdb
