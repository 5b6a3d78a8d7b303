// Geo command family (Redis 7.0): GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE
// GEORADIUS GEORADIUSBYMEMBER and the _RO forms, on sorted sets scored by 52-bit geohashes
// (server/types/geohash.h).
// Thread-safety: Register is start-up only; the handlers run like every command (op_args.h).
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterGeoFamily(CommandRegistry* registry);
}  // namespace lw
