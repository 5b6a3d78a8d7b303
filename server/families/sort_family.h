// SORT and SORT_RO (Redis 7.0): sorting lists, sets and sorted sets, with BY/GET patterns that
// read other keys (then under the whole-store lock) and STORE.
// Thread-safety: Register is start-up only; the handlers run like every command (op_args.h).
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterSortFamily(CommandRegistry* registry);
}  // namespace lw
