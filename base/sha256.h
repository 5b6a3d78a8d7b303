// SHA-256 (FIPS 180-4) of a byte string, as lower-case hex: ACL password hashes are stored and
// shown this way (Redis's `#<hash>` form). Pure function; any thread. Lifetime: none.
#pragma once

#include <string>
#include <string_view>

namespace lw {

// The 64-character lower-case hex digest of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace lw
