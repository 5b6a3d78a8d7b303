// The hash family (Redis 7.0 t_hash.c): HSET HSETNX HMSET HGET HMGET HDEL HLEN HSTRLEN HEXISTS
// HGETALL HKEYS HVALS HINCRBY HINCRBYFLOAT HSCAN HRANDFIELD, over HashObj values.
// Thread-safety: handlers run on the connection fiber; RegisterHashFamily once at startup.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterHashFamily(CommandRegistry* registry);
}  // namespace lw
