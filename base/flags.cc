#include "base/flags.h"

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>

namespace lw {

std::optional<uint64_t> ParseMemorySize(std::string_view text) {
  std::string lower = absl::AsciiStrToLower(absl::string_view(text.data(), text.size()));
  struct Unit {
    const char* suffix;
    uint64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"kb", 1024ULL}, {"mb", 1024ULL * 1024}, {"gb", 1024ULL * 1024 * 1024},
      {"k", 1000ULL},  {"m", 1000ULL * 1000},  {"g", 1000ULL * 1000 * 1000},
      {"b", 1ULL},
  };
  uint64_t factor = 1;
  std::string_view digits = lower;
  for (const Unit& unit : kUnits) {
    std::string_view suffix = unit.suffix;
    if (digits.size() > suffix.size() && digits.substr(digits.size() - suffix.size()) == suffix) {
      factor = unit.factor;
      digits.remove_suffix(suffix.size());
      break;
    }
  }
  uint64_t value = 0;
  if (digits.empty() || !absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &value))
    return std::nullopt;
  if (value != 0 && factor > UINT64_MAX / value) return std::nullopt;
  return value * factor;
}

bool AbslParseFlag(std::string_view text, MemorySize* out, std::string* error) {
  auto bytes = ParseMemorySize(text);
  if (!bytes) {
    *error = "expected a byte count such as 1000000, 64mb or 2gb";
    return false;
  }
  out->bytes = *bytes;
  return true;
}

std::string AbslUnparseFlag(MemorySize size) { return std::to_string(size.bytes); }

}  // namespace lw
