// Bucket metadata of a dash table segment: geometry constants and one 16-byte block per bucket
// that holds a fingerprint byte per slot, compared 16 lanes at a time (SSE2 on x86-64).
//
// Internal to dash_table/ (namespace lw::dash_internal); DashTable users never see it.
// Thread-safety: plain data, owned by the segment that holds it.
// Invariants:
//   - fp[s] is 0 when slot s is free and the item's fingerprint (1..255, never 0) when it is
//     busy, so a free slot never matches a fingerprint;
//   - a bucket has exactly 16 slots, one per SIMD lane, so Match() needs no masking.
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

// 16 slots: the fingerprints fill one 16-byte SIMD load, and a bucket's slots are 256 bytes
// for 16-byte items, so the lookup computes slot addresses with shifts only.
inline constexpr unsigned kSlotsPerBucket = 16;
// Home buckets (logical buckets) per segment: a power of two, so the home is a mask of the hash.
inline constexpr unsigned kHomeBuckets = 64;
// Regular buckets: every home bucket h, plus one last bucket that is only the neighbour of the
// last home. The neighbour of home h is always h + 1, with no wrap-around.
inline constexpr unsigned kRegularBuckets = kHomeBuckets + 1;
inline constexpr unsigned kStashBuckets = 4;
inline constexpr unsigned kTotalBuckets = kRegularBuckets + kStashBuckets;
inline constexpr uint32_t kAllSlotsMask = (1u << kSlotsPerBucket) - 1;

// A slot's fingerprint: the low byte of the hash, with 0 (which marks a free slot) read as 1.
inline uint8_t FingerprintOf(uint64_t hash) {
  uint8_t f = static_cast<uint8_t>(hash);
  return f + (f == 0);
}

// A key's home bucket: hash bits 8..13 (bits 0..7 are its fingerprint, the top bits pick the
// segment).
inline unsigned HomeBucketOf(uint64_t hash) {
  return static_cast<unsigned>(hash >> 8) & (kHomeBuckets - 1);
}

// The part of a bucket a lookup reads: 16 bytes, aligned, so the home bucket and its
// neighbour usually share one cache line. Other per-bucket fields live in the segment.
struct alignas(16) BucketMeta {
  uint8_t fp[kSlotsPerBucket];  // 0 = free, else the item's fingerprint

  // Bit s: slot s holds an item.
  uint32_t busy() const {
#if defined(__SSE2__)
    __m128i free = _mm_cmpeq_epi8(Load(), _mm_setzero_si128());
    return ~static_cast<uint32_t>(_mm_movemask_epi8(free)) & kAllSlotsMask;
#else
    uint32_t m = 0;
    for (unsigned s = 0; s < kSlotsPerBucket; ++s) m |= uint32_t(fp[s] != 0) << s;
    return m;
#endif
  }
  unsigned Count() const { return std::popcount(busy()); }
  bool Full() const { return busy() == kAllSlotsMask; }
  // REQUIRES: !Full().
  unsigned FirstFree() const { return std::countr_one(busy()); }

  // Bitmap of the busy slots whose fingerprint equals `f`. REQUIRES: f != 0 (free slots hold
  // 0, so they never match).
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

static_assert(sizeof(BucketMeta) == 16 && kSlotsPerBucket == 16,
              "one fingerprint per SIMD lane, no lane left over");
static_assert(kHomeBuckets <= 64 && std::has_single_bit(kHomeBuckets),
              "a home bucket is 6 bits of the hash and of a cursor");

}  // namespace lw::dash_internal
