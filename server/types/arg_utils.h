// Small helpers every command family uses to read its arguments the way Redis does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/str_util.h"  // case helpers and ParseRedisInt (string2ll)

namespace lw {

// Redis's string2ld/strtod rules for float arguments: "inf", "-inf", "+inf" accepted,
// "nan" and trailing garbage rejected.
bool ParseRedisDouble(std::string_view s, double* out);

}  // namespace lw
