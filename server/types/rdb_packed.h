// The packed blobs Redis stores inside RDB strings: listpack (Redis 7, written and read),
// ziplist, zipmap (Redis 6 and older, read only) and intset (written and read).
//
// Redis listpack: [total bytes u32][count u16 (65535: unknown)] entries... [0xFF]; an entry
// is its encoding + data, then its "backlen" (the size of encoding + data, 7 bits a byte,
// read right to left). Encodings: 0xxxxxxx uint7 | 10xxxxxx str6 | 110xxxxx int13 |
// 1110xxxx str12 | F0 str32 | F1 int16 | F2 int24 | F3 int32 | F4 int64.
// Ziplist: [bytes u32][tail u32][count u16] entries... [0xFF]; an entry is prevlen (1 byte,
// or FE + u32), then 00/01/10 string headers (big-endian lengths) or C0 int16, D0 int32,
// E0 int64, F0 int24, FE int8, F1..FD the values 0..12.
// Intset: [width u32: 2, 4 or 8][count u32] sorted little-endian integers.
// Zipmap: [count u8] then (len key, len free value free-bytes)...; len is 1 byte < 254, or
// 254 + u32; 0xFF ends it.
//
// Parsers validate the blob's framing and never read outside it: a corrupt blob is an error,
// never a crash. Integers are handed to callbacks as decimal text.
// Thread-safety: pure functions and a caller-owned builder.
#pragma once

#include <absl/functional/function_ref.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lw::rdb {

// Builds a Redis listpack the way Redis's lpAppend does: a canonical integer is stored as
// the smallest integer encoding, anything else as a string.
class ListpackBuilder {
 public:
  ListpackBuilder();
  void Add(std::string_view s);
  size_t count() const { return count_; }
  // The finished blob. The builder is spent afterwards.
  std::string Finish();

 private:
  void AddInt(int64_t v);
  void AddString(std::string_view s);
  void AddBacklen(size_t len);
  std::string buf_;
  size_t count_ = 0;
};

using EntryFn = absl::FunctionRef<bool(std::string_view)>;

// Each parser calls fn for every entry in order and stops (returning false) when fn does;
// on a malformed blob it returns false with *error set. *error stays empty when fn stopped.
bool ParseListpack(std::string_view blob, EntryFn fn, std::string* error);
bool ParseZiplist(std::string_view blob, EntryFn fn, std::string* error);
bool ParseZipmap(std::string_view blob, EntryFn fn, std::string* error);
bool ParseIntset(std::string_view blob, EntryFn fn, std::string* error);

// REQUIRES: `sorted` is strictly ascending.
std::string BuildIntset(const std::vector<int64_t>& sorted);

}  // namespace lw::rdb
