// Keys command family. See keys_family.cc for the commands it registers.
#pragma once

#include "server/command_registry.h"

namespace lw {
void RegisterKeysFamily(CommandRegistry* registry);
}  // namespace lw
