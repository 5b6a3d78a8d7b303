// The set family (Redis 7.0 t_set.c): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
// SRANDMEMBER SSCAN SMOVE SINTER SUNION SDIFF SINTERCARD SINTERSTORE SUNIONSTORE SDIFFSTORE,
// over SetObj values. Thread-safety: handlers run on the connection fiber; RegisterSetFamily
// once at startup.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterSetFamily(CommandRegistry* registry);
}  // namespace lw
