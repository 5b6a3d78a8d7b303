// INFO: the server's figures in Redis 7.0's sections and field names.
// See info_family.cc for the contract of each subcommand. Registration runs at start-up;
// the handler runs on the client's fiber.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterInfoFamily(CommandRegistry* registry);
}  // namespace lw
