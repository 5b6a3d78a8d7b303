// Hashing for keys: XXH3 64-bit, stable across runs and machines, so key -> shard mapping and
// any persisted layout never depend on process state.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace lw {

uint64_t HashBytes(std::string_view bytes);
uint64_t HashBytes(std::string_view bytes, uint64_t seed);

// Redis cluster-style hash tag: if `key` contains "{...}" with a non-empty body, returns that
// body; otherwise the whole key.
std::string_view HashTagOf(std::string_view key);

// Mixes a 64-bit integer (for integer keys in tables and tests).
inline uint64_t HashU64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace lw
