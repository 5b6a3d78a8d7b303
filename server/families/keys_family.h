// Keys command family: commands about keys whatever their type, and about the keyspace as a
// whole (Redis 7.0 semantics, byte-identical replies):
//   per key:        TYPE, EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT [NX|XX|GT|LT], TTL, PTTL,
//                   EXPIRETIME, PEXPIRETIME, PERSIST, OBJECT ENCODING/REFCOUNT/IDLETIME/FREQ/HELP
//   several keys:   UNLINK, TOUCH, RENAME, RENAMENX, COPY
//   whole keyspace: SCAN, KEYS, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL
//   connection:     SELECT
//   debugging:      DEBUG POPULATE, DEBUG SLEEP, DEBUG HELP
//
// SCAN's cursor names a shard and a position in that shard's table: the shard index sits in
// the low kScanShardBits bits and the shard's DashTable cursor (its directory bits and bucket
// index, packed together) above. Shards are walked in order, so every key present for the
// whole scan is returned at least once (the DashTable guarantee, shard by shard). Cursor 0
// starts and ends a scan. Its cursor and options are parsed by types/arg_utils.h and
// engine/scan_args.h, shared with HSCAN/SSCAN/ZSCAN.
//
// The several-key commands run as one transaction over their keys (UNLINK and TOUCH in one
// hop; RENAME, RENAMENX and COPY across two hops with both keys locked). The whole-keyspace
// commands visit the shards without a transaction, so they are not atomic across shards (as
// SCAN, they may see a concurrent write on one shard and not on another).
// Thread-safety: handlers run on the connection fiber; RegisterKeysFamily once at startup.
#pragma once

#include <cstdint>

#include "server/engine/command_registry.h"

namespace lw {

inline constexpr unsigned kScanShardBits = 8;  // up to 256 shards

void RegisterKeysFamily(CommandRegistry* registry);

}  // namespace lw
