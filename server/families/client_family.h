// CLIENT ID/GETNAME/SETNAME/INFO/LIST/KILL/HELP.
// See client_family.cc for the contract of each subcommand. Registration runs at start-up;
// the handler runs on the client's fiber.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterClientFamily(CommandRegistry* registry);
}  // namespace lw
