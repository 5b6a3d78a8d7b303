// SHA1 (FIPS 180-4) for script identities: SCRIPT LOAD / EVALSHA names a script by the
// lower-case hex SHA1 of its body, and redis.sha1hex exposes the same function to scripts.
// Not for security. Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lw::lua {

std::array<uint8_t, 20> Sha1(std::string_view data);

// 40 lower-case hex characters, written into out[0..39]; out[40] is set to '\0'.
void Sha1Hex(std::string_view data, char out[41]);
std::string Sha1Hex(std::string_view data);

}  // namespace lw::lua
