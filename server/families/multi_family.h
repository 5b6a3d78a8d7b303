// MULTI / EXEC / DISCARD / WATCH / UNWATCH with Redis 7.0 semantics, atomic across shards.
//
// Between MULTI and EXEC, Service::Dispatch validates each command (unknown command, arity,
// OOM... are answered at once and make EXEC fail with EXECABORT) and queues it (+QUEUED);
// commands flagged kNotQueued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET) run immediately.
// EXEC locks every key of every queued command (and every WATCHed key) up front as one
// lock-ahead multi transaction — or every shard (global mode) when some queued command
// touches keys its legacy key positions do not name (kMovableKeys: EVAL, ZUNIONSTORE...) or
// reaches the keyspace without naming keys (keyless, not kNoKeyspace: FLUSHDB, KEYS...) —
// then checks the watches and runs
// the commands one by one with cntx->multi_tx set, replying with the array of their replies
// (errors inside, no rollback), or a null array if a watched key changed since WATCH
// (server/engine/watch_registry.h). RESET and disconnecting discard the MULTI state and unwatch.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {

void RegisterMultiFamily(CommandRegistry* registry);

}  // namespace lw
