// Connection and keyspace-generic commands: PING, ECHO, QUIT, AUTH, COMMAND, DEL, EXISTS
// (CONFIG lives in config_family). Thread-safety: handlers run on the connection fiber;
// RegisterGenericFamily once at startup.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterGenericFamily(CommandRegistry* registry);
}  // namespace lw
