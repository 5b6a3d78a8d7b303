// MEMORY USAGE/STATS/DOCTOR/MALLOC-STATS/PURGE/HELP (see memory_family.cc: sizes from the
// allocator's usable sizes). Registration runs at start-up; handlers on the client's fiber.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterMemoryFamily(CommandRegistry* registry);
}  // namespace lw
