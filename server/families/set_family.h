// Set command family. See set_family.cc for the commands it registers.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterSetFamily(CommandRegistry* registry);
}  // namespace lw
