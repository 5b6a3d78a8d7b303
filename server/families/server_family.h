// Connection and server commands: HELLO, RESET, TIME, SHUTDOWN, SLOWLOG.
// INFO, CONFIG and CLIENT are families of their own (info_family.h, config_family.h,
// client_family.h). Registration runs at start-up; the handlers run on the client's fiber.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterServerFamily(CommandRegistry* registry);
}  // namespace lw
