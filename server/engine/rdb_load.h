// Loading an RDB file (Redis RDB versions 1..10, as written by redis-server up to 7.0, and by
// Lacewing) into the shards.
//
// One pass over the mapped file finds each record's bytes (key, value extent, expiry, db)
// without decoding the value; records go in batches to the shard that owns the key, which
// decodes the value on its own thread (so each shard's memory is counted where it lives).
// FUNCTION2 records go to `load_function`. Keys expired at load time are skipped, as Redis
// does. Any error — truncated file, bad CRC-64, unknown opcode or type, corrupt value,
// duplicate key — makes the load fail with a message naming the file and the byte offset,
// and the caller must not serve what was loaded (LoadRdb flushes it).
// Thread-safety: call from a fiber on a pool thread or from a plain thread outside the pool,
// while nothing else writes to the keyspace.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "server/types/rdb_value.h"

namespace lw {

class Service;

struct LoadStats {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;
  uint64_t functions = 0;
};

// Returns "" on success, else the error text for the caller to log or reply.
// `load_function(code)` returns "" or an error text. A missing file is not an error here:
// the caller checks for it first (Redis starts empty then).
std::string LoadRdb(Service* service, const std::string& path, const rdb::LoadLimits& limits,
                    const std::function<std::string(std::string_view)>& load_function,
                    LoadStats* stats);

// The builder limits of the running configuration.
rdb::LoadLimits LoadLimitsOf(Service* service);

}  // namespace lw
