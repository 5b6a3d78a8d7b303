// Persistence commands: DUMP and RESTORE (Redis's payload: RDB value encoding, RDB version,
// CRC-64), and the snapshot commands SAVE, BGSAVE [SCHEDULE], LASTSAVE (engine/snapshot.h
// does the work). Replies and errors are Redis 7.0's byte for byte.
// Thread-safety: handlers run on the connection fiber; RegisterPersistFamily once at startup.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterPersistFamily(CommandRegistry* registry);
}  // namespace lw
