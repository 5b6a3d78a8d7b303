// ASCII case helpers and Redis's strict integer grammar (string2ll), shared by the RESP parser
// (multibulk and bulk lengths) and every command's argument parsing.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lw {

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string AsciiUpper(std::string_view s);
std::string AsciiLower(std::string_view s);

// Redis's string2ll: optional '-', then digits with no leading zero (except "0" itself), no
// spaces or '+', within int64. Returns false otherwise.
bool ParseRedisInt(std::string_view s, int64_t* out);

}  // namespace lw
