// Keys command family: commands about keys whatever their type, and about the keyspace as a
// whole (Redis 7.0 semantics, byte-identical replies):
//   per key:       TYPE, TOUCH, UNLINK, EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT [NX|XX|GT|LT],
//                  TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST, OBJECT ENCODING/REFCOUNT/
//                  IDLETIME/FREQ/HELP
//   whole keyspace: SCAN, KEYS, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL
//   connection:    SELECT
//   debugging:     DEBUG POPULATE, DEBUG SLEEP, DEBUG HELP
//
// SCAN's cursor names a shard and a position in that shard's table: the shard index sits in
// the low kScanShardBits bits and the shard's DashTable cursor (its directory bits and bucket
// index, packed together) above. Shards are walked in order, so every key present for the
// whole scan is returned at least once (the DashTable guarantee, shard by shard). Cursor 0
// starts and ends a scan.
//
// Multi-key commands (UNLINK, TOUCH) and the whole-keyspace commands visit shards one hop at
// a time, without atomicity across shards (that belongs to the transaction layer).
#pragma once

#include <cstdint>

#include "server/engine/command_registry.h"

namespace lw {

inline constexpr unsigned kScanShardBits = 8;  // up to 256 shards

void RegisterKeysFamily(CommandRegistry* registry);

}  // namespace lw
