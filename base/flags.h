// Flag helpers on top of abseil flags: human-readable sizes ("64mb", "1gb", "512k").
// Flags are read once at start-up into config structs; never call these in hot paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lw {

// Parses "123", "10k", "10kb", "64mb", "2gb" (case-insensitive, Redis's units: k=1000,
// kb=1024, m=1e6, mb=1024^2, g=1e9, gb=1024^3). Returns nullopt for anything else.
std::optional<uint64_t> ParseMemorySize(std::string_view text);

// Wraps a byte count for an absl flag: `ABSL_FLAG(lw::MemorySize, maxmemory, {}, "...")`.
struct MemorySize {
  uint64_t bytes = 0;
};

bool AbslParseFlag(std::string_view text, MemorySize* out, std::string* error);
std::string AbslUnparseFlag(MemorySize size);

}  // namespace lw
