// The sorted-set family (Redis 7.0 t_zset.c). RegisterZsetFamily (zset_family.cc) registers
// every sorted-set command; their handlers are spread over zset_family.cc (single-key
// commands), zset_range.cc, zset_algebra.cc and zset_blocking.cc (see zset_util.h).
// Thread-safety: handlers run on the connection fiber; RegisterZsetFamily once at startup.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterZsetFamily(CommandRegistry* registry);
}  // namespace lw
