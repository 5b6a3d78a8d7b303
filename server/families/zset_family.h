// Zset command family. See zset_family.cc for the commands it registers.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterZsetFamily(CommandRegistry* registry);
}  // namespace lw
