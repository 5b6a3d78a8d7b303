// String commands: SET, GET.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterStringFamily(CommandRegistry* registry);
}  // namespace lw
