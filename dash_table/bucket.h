// Bucket metadata of a dash table segment: geometry constants and one 16-byte block per bucket
// that holds a fingerprint byte per slot, compared 16 lanes at a time (SSE2 on x86-64).
//
// Internal to dash_table/ (namespace lw::dash_internal); DashTable users never see it.
// Thread-safety: plain data, owned by the segment that holds it.
// Invariants:
//   - fp[s] is 0 when slot s is free and 0x80 | (7 hash bits) when it is busy, so bit 7 of
//     each fingerprint byte is the busy bitmap and a free slot never matches a fingerprint;
//   - `hint` (the stash hint, see segment.h) is 0 or kStashHint and `pad` is 0: both stay below
//     0x80, so these two lanes never match a fingerprint and never read as busy either.
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
#define LW_DASH_NOINLINE __attribute__((noinline))
#else
#define LW_DASH_ALWAYS_INLINE inline
#define LW_DASH_NOINLINE
#endif

namespace lw::dash_internal {

// 14 slots keep the fingerprints and two flag bytes inside one 16-byte SIMD load.
inline constexpr unsigned kSlotsPerBucket = 14;
// Home buckets (logical buckets) per segment: a power of two, so the home is a mask of the hash.
inline constexpr unsigned kHomeBuckets = 64;
// Regular buckets: every home bucket h, plus one last bucket that is only the neighbour of the
// last home. The neighbour of home h is always h + 1, with no wrap-around.
inline constexpr unsigned kRegularBuckets = kHomeBuckets + 1;
inline constexpr unsigned kStashBuckets = 4;
inline constexpr unsigned kTotalBuckets = kRegularBuckets + kStashBuckets;
inline constexpr uint32_t kAllSlotsMask = (1u << kSlotsPerBucket) - 1;
inline constexpr uint8_t kBusyBit = 0x80;  // set in the fingerprint byte of every busy slot
// In a home bucket's `hint`: set iff some stash bucket holds an item homed here. It sits in the
// same 16 bytes as the fingerprints, so a lookup that misses in the home and neighbour buckets
// learns without touching another cache line whether the stash can hold the key.
inline constexpr uint8_t kStashHint = 1;

// The part of a bucket a lookup reads: 16 bytes, aligned, so the home bucket and its
// neighbour usually share one cache line. Other per-bucket fields live in the segment.
struct alignas(16) BucketMeta {
  uint8_t fp[kSlotsPerBucket];  // 0 = free; kBusyBit | 7 hash bits = busy
  uint8_t hint;                 // kStashHint or 0
  uint8_t pad;                  // always 0

  // Bit s: slot s holds an item.
  uint32_t busy() const {
#if defined(__SSE2__)
    // The sign bit of every lane; `hint` and `pad` are below 0x80.
    return static_cast<uint32_t>(_mm_movemask_epi8(Load()));
#else
    uint32_t m = 0;
    for (unsigned s = 0; s < kSlotsPerBucket; ++s) m |= uint32_t(fp[s] >> 7) << s;
    return m;
#endif
  }
  bool stash_hint() const { return hint != 0; }
  unsigned Count() const { return std::popcount(busy()); }
  bool Full() const { return busy() == kAllSlotsMask; }
  // REQUIRES: !Full().
  unsigned FirstFree() const { return std::countr_one(busy()); }

  // Bitmap of the busy slots whose fingerprint equals `f`. REQUIRES: f has kBusyBit set
  // (free slots hold 0 and the flag lanes stay below 0x80, so neither needs masking).
  uint32_t Match(uint8_t f) const {
#if defined(__SSE2__)
    __m128i eq = _mm_cmpeq_epi8(Load(), _mm_set1_epi8(static_cast<char>(f)));
    return static_cast<uint32_t>(_mm_movemask_epi8(eq));
#else
    uint32_t m = 0;
    for (unsigned s = 0; s < kSlotsPerBucket; ++s) m |= uint32_t(fp[s] == f) << s;
    return m;
#endif
  }

 private:
#if defined(__SSE2__)
  __m128i Load() const { return _mm_load_si128(reinterpret_cast<const __m128i*>(fp)); }
#endif
};

static_assert(sizeof(BucketMeta) == 16, "bucket metadata must stay compact");
static_assert(kHomeBuckets <= 64 && std::has_single_bit(kHomeBuckets),
              "a home bucket is 6 bits of the hash and of a cursor");

}  // namespace lw::dash_internal
