// The blocking sorted-set pops: BZPOPMIN, BZPOPMAX, BZMPOP
// (server/engine/blocking_cmd.h explains blocking). Part of the zset family: RegisterZsetFamily
// calls RegisterZsetBlockingCommands; ZADD/ZINCRBY call NotifyKeyReady so blocked clients wake.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterZsetBlockingCommands(CommandRegistry* registry);
}  // namespace lw
