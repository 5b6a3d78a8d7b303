// Server command family. See server_family.cc for the commands it registers.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterServerFamily(CommandRegistry* registry);
}  // namespace lw
