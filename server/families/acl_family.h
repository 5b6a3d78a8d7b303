// The ACL command (acl_family.cc): Redis 7.0's ACL subcommands over Service::acl().
// Registration runs at start-up; the handler runs on the client's fiber.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterAclFamily(CommandRegistry* registry);
}  // namespace lw
