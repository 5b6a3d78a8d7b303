// DefaultDashPolicy: the minimal policy a DashTable needs — a hash and an equality — for
// integer keys and string-like keys (std::string, std::string_view, const char*), with
// heterogeneous lookup between the string kinds.
//
// A policy is any type with
//   static/member  uint64_t HashFn(const Q& key)          for the key and every lookup type Q
//   static/member  bool Equal(const Key& stored, const Q& probe)
// and, optionally, the hooks documented in dash_table.h (CanGrow, GarbageCollect, Evict,
// IsPinned, OnBucketChange, kBumpUpOnFind). Derive from DefaultDashPolicy to reuse its hash.
// HashFn(a) == HashFn(b) whenever Equal(a, b): lookups by another type must hash alike.
// Thread-safety: stateless.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/hash.h"  // HashBytes

namespace lw {

struct DefaultDashPolicy {
  // One 64x64->128 multiply, folded: cheaper than HashU64 on the lookup path and mixes well
  // enough for the directory (top bits), the bucket (middle bits) and the fingerprint.
  static uint64_t HashFn(uint64_t key) {
    unsigned __int128 product =
        static_cast<unsigned __int128>(key ^ 0x243f6a8885a308d3ULL) * 0x9e3779b97f4a7c15ULL;
    return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
  }
  static uint64_t HashFn(std::string_view key) { return HashBytes(key); }

  template <typename A, typename B>
  static bool Equal(const A& stored, const B& probe) {
    return stored == probe;
  }
};

}  // namespace lw
