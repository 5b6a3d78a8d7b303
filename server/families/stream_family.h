// Stream family (Redis 7.0): XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XREAD XREADGROUP
// XGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO (see stream_family.cc for the file layout).
// Thread-safety: start-up only.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterStreamFamily(CommandRegistry* registry);
}  // namespace lw
