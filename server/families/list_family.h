// The list family (Redis 7.0 t_list.c): the LPUSH/LPOP/LRANGE... commands, LMOVE, LMPOP and
// the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP (list_family.cc lists them all).
// Thread-safety: handlers run on the connection fiber; RegisterListFamily once at startup.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterListFamily(CommandRegistry* registry);
}  // namespace lw
