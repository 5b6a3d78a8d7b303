// Redis's memory-size grammar, shared by the command-line flags (main.cc's --maxmemory) and
// CONFIG SET (maxmemory, proto-max-bulk-len), so both read "64mb" alike.
// Thread-safety: pure functions. Not for hot paths (settings are parsed once, when set).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lw {

// Parses a byte count as redis-server 7.0's memtoull() does: ASCII digits, then an optional
// unit, case-insensitive: b = 1, k = 1000, kb = 1024, m = 1000^2, mb = 1024^2, g = 1000^3,
// gb = 1024^3. Redis's quirks are kept so CONFIG SET agrees with it byte for byte:
//   * the digits may be empty ("" and "mb" mean 0);
//   * digits beyond 2^64-1 saturate at 2^64-1; digits times unit wraps modulo 2^64;
//   * no sign, space, fraction or hex ("-1", "+1", " 1", "1.5gb", "0x10" are refused).
// Returns nullopt when the text does not follow this grammar.
std::optional<uint64_t> ParseMemorySize(std::string_view text);

}  // namespace lw
