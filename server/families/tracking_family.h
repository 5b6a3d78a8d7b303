// CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO (client-side caching, Redis 7.0).
// Thread-safety: called on the client's own thread, from the CLIENT command.
#pragma once

#include <string_view>

#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"

namespace lw {

// Runs CLIENT `sub` (upper case) if it is one of the tracking subcommands; false otherwise.
bool TrackingSubcommand(std::string_view sub, CmdArgs args, ConnectionContext* cntx);

}  // namespace lw
