// CLIENT ID/GETNAME/SETNAME/INFO/LIST/KILL/HELP.
// See client_family.cc for the contract of each subcommand. Registration runs at start-up;
// the handler runs on the client's fiber.
#pragma once

#include <string>

#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"

namespace lw {
void RegisterClientFamily(CommandRegistry* registry);
// CLIENT LIST's line for `cntx` without its trailing newline (ACL LOG's client-info).
// REQUIRES: on the client's thread.
std::string ClientInfoLine(const ConnectionContext* cntx);
}  // namespace lw
