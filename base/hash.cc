#include "base/hash.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace lw {

uint64_t HashBytes(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

uint64_t HashBytes(std::string_view bytes, uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

namespace {

// The first '{' of p[0, n), or npos. Every command's keys come here for their shard (on every
// thread count but one), so a 16-byte key costs one SSE2 compare instead of 16 byte tests
// (the byte loop was 107 of ~3000 instructions per SET of a 16-byte key on two threads), and
// no call to memchr (2% of a script fan-out's CPU on two threads when it was used for all).
size_t FindOpenBrace(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i brace = _mm_set1_epi8('{');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const unsigned hits = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(v, brace)));
    if (hits != 0) return i + size_t(__builtin_ctz(hits));
  }
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  // 8 bytes at a time: a byte of w ^ "{{{{{{{{" is zero where w holds '{'. The lowest flagged
  // byte is exact (a borrow only flags bytes above a zero byte), and the lowest is the first.
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    const uint64_t x = w ^ (kOnes * uint8_t('{'));
    const uint64_t zero_bytes = (x - kOnes) & ~x & (kOnes << 7);
    if (zero_bytes != 0) return i + size_t(__builtin_ctzll(zero_bytes) >> 3);
  }
#endif
  for (; i < n; ++i) {
    if (p[i] == '{') return i;
  }
  return std::string_view::npos;
}

// The rest of HashTagOf once a '{' was found at `open`: out of line, so that the common case
// (no brace) saves no registers and calls nothing.
[[gnu::noinline]] std::string_view TagAfter(std::string_view key, size_t open) {
  size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

}  // namespace

std::string_view HashTagOf(std::string_view key) {
  const size_t open = FindOpenBrace(key.data(), key.size());
  if (open == std::string_view::npos) [[likely]]
    return key;
  return TagAfter(key, open);
}

}  // namespace lw
