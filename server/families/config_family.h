// CONFIG GET/SET/RESETSTAT/REWRITE/HELP over the settings table.
// See config_family.cc for the contract of each subcommand. Registration runs at start-up;
// the handler runs on the client's fiber.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterConfigFamily(CommandRegistry* registry);
}  // namespace lw
