// The string family (Redis 7.0 t_string.c / bitops.c): SET SETNX SETEX PSETEX GET GETEX GETDEL
// GETSET APPEND STRLEN GETRANGE SUBSTR SETRANGE INCR DECR INCRBY DECRBY INCRBYFLOAT MGET MSET
// MSETNX (string_family.cc), SETBIT GETBIT BITCOUNT BITPOS (string_bits.cc) and LCS
// (string_lcs.cc). RegisterStringFamily registers them all; call it once at startup.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterStringFamily(CommandRegistry* registry);
}  // namespace lw
