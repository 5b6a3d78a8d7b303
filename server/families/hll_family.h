// HyperLogLog command family: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST (Redis 7.0), over
// plain string keys in Redis's exact HLL representation (server/types/hll.h).
// Thread-safety: Register is start-up only; the handlers run like every command (op_args.h).
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterHllFamily(CommandRegistry* registry);
}  // namespace lw
