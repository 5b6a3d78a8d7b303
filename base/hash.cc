#include "base/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace lw {

uint64_t HashBytes(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

uint64_t HashBytes(std::string_view bytes, uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

std::string_view HashTagOf(std::string_view key) {
  // Most keys are short and have no tag: a plain scan beats a call to memchr there (every
  // command's keys come here at least once, for their shard; memchr was 2% of a script
  // fan-out's CPU on two threads).
  size_t open = std::string_view::npos;
  if (key.size() <= 32) {
    for (size_t i = 0; i < key.size(); ++i) {
      if (key[i] == '{') {
        open = i;
        break;
      }
    }
  } else {
    open = key.find('{');
  }
  if (open == std::string_view::npos) return key;
  size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

}  // namespace lw
