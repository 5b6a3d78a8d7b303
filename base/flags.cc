#include "base/flags.h"

#include <limits>

#include "base/str_util.h"

namespace lw {

std::optional<uint64_t> ParseMemorySize(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  struct Unit {
    std::string_view name;
    uint64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},
      {"b", 1},
      {"k", 1000},
      {"kb", 1024},
      {"m", 1000 * 1000},
      {"mb", 1024 * 1024},
      {"g", 1000ULL * 1000 * 1000},
      {"gb", 1024ULL * 1024 * 1024},
  };
  std::string_view unit = text.substr(digits);
  const Unit* found = nullptr;
  for (const Unit& u : kUnits) {
    if (EqualsIgnoreCase(unit, u.name)) found = &u;
  }
  // Redis copies the digits into a 128-byte buffer and refuses longer runs.
  if (found == nullptr || digits >= 128) return std::nullopt;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t value = 0;
  for (size_t i = 0; i < digits; ++i) {
    uint64_t d = uint64_t(text[i] - '0');
    if (value > (kMax - d) / 10) {
      value = kMax;  // strtoull's ERANGE result, which Redis 7.0 keeps
      break;
    }
    value = value * 10 + d;
  }
  return value * found->factor;  // unsigned: wraps as Redis's unsigned long long product
}

}  // namespace lw
