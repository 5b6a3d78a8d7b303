// Connection and keyspace-generic commands: PING, ECHO, QUIT, AUTH, COMMAND, CONFIG, DEL,
// EXISTS.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterGenericFamily(CommandRegistry* registry);
}  // namespace lw
