// Small helpers every command family uses to read its arguments the way Redis does.
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

// Redis's string2ld/strtod rules for float arguments: "inf", "-inf", "+inf" accepted,
// "nan" and trailing garbage rejected.
bool ParseRedisDouble(std::string_view s, double* out);

}  // namespace lw
