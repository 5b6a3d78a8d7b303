// Hash command family. See hash_family.cc for the commands it registers.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterHashFamily(CommandRegistry* registry);
}  // namespace lw
