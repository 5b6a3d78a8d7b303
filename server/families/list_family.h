// List command family. See list_family.cc for the commands it registers.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterListFamily(CommandRegistry* registry);
}  // namespace lw
