// The blocking sorted-set pops: BZPOPMIN, BZPOPMAX, BZMPOP, and ZMPOP, which is BZMPOP that
// never blocks (server/engine/blocking_cmd.h explains blocking). Part of the zset family:
// RegisterZsetFamily registers ZMPOP and calls RegisterZsetBlockingCommands; every write that
// leaves a sorted set non-empty calls NotifyKeyReady so blocked clients wake.
// Thread-safety: handlers run on the connection fiber.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterZsetBlockingCommands(CommandRegistry* registry);
// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void ZMPop(CmdArgs args, ConnectionContext* cntx);
}  // namespace lw
