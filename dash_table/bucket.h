// Bucket metadata of a dash table segment: geometry constants, one fingerprint byte per slot
// and the bitmap of busy slots, compared 16 lanes at a time (SSE2 on x86-64).
//
// Internal to dash_table/ (namespace lw::dash_internal); DashTable users never see it.
// Thread-safety: plain data, owned by the segment that holds it.
// Invariants:
//   - bits 0..kSlotsPerBucket-1 of `bits` are the busy bitmap (busy()); bit kStashHintBit is
//     the segment's stash hint for this bucket as a home (see segment.h); bit 15 is zero;
//   - fingerprints of free slots are meaningless: always mask a match with busy().
#pragma once

#include <bit>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Lookups are a few dozen instructions; inlining them into the caller's loop lets the CPU
// overlap the cache misses of consecutive lookups.
#if defined(__GNUC__)
#define LW_DASH_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define LW_DASH_ALWAYS_INLINE inline
#endif

namespace lw::dash_internal {

// 14 slots keep the fingerprints and the busy bitmap inside one 16-byte SIMD load.
inline constexpr unsigned kSlotsPerBucket = 14;
inline constexpr unsigned kRegularBuckets = 56;
inline constexpr unsigned kStashBuckets = 4;
inline constexpr unsigned kTotalBuckets = kRegularBuckets + kStashBuckets;
inline constexpr uint32_t kAllSlotsMask = (1u << kSlotsPerBucket) - 1;
// In a regular bucket's `bits`: set iff some stash bucket holds an item homed here. It sits
// in the same 16 bytes as the fingerprints, so a lookup that misses in the home and neighbour
// buckets learns without touching another cache line whether the stash can hold the key.
inline constexpr unsigned kStashHintBit = kSlotsPerBucket;
inline constexpr uint16_t kStashHint = uint16_t(1u << kStashHintBit);

// The part of a bucket a lookup reads: 16 bytes, aligned, so the home bucket and its
// neighbour usually share one cache line. Other per-bucket fields live in the segment.
struct alignas(16) BucketMeta {
  uint8_t fp[kSlotsPerBucket];  // low byte of the hash of the item in each slot
  uint16_t bits;                // bit s < kSlotsPerBucket: slot s holds an item; kStashHint

  // Bit s: slot s holds an item.
  uint32_t busy() const { return bits & kAllSlotsMask; }
  bool stash_hint() const { return bits & kStashHint; }
  unsigned Count() const { return std::popcount(busy()); }
  bool Full() const { return busy() == kAllSlotsMask; }
  // REQUIRES: !Full().
  unsigned FirstFree() const { return std::countr_one(busy()); }

  // Bitmap of the busy slots whose fingerprint equals `f`.
  uint32_t Match(uint8_t f) const {
#if defined(__SSE2__)
    // Loads fp[0..13] plus the two bytes of `bits`; busy() drops those two lanes.
    __m128i bytes = _mm_load_si128(reinterpret_cast<const __m128i*>(fp));
    __m128i eq = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(static_cast<char>(f)));
    return static_cast<uint32_t>(_mm_movemask_epi8(eq)) & busy();
#else
    uint32_t m = 0;
    for (unsigned s = 0; s < kSlotsPerBucket; ++s) m |= uint32_t(fp[s] == f) << s;
    return m & busy();
#endif
  }
};

static_assert(sizeof(BucketMeta) == 16, "bucket metadata must stay compact");

}  // namespace lw::dash_internal
