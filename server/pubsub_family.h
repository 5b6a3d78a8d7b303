// Pubsub command family. See pubsub_family.cc for the commands it registers.
#pragma once

#include "server/command_registry.h"

namespace lw {
void RegisterPubsubFamily(CommandRegistry* registry);
}  // namespace lw
