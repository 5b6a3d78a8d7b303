// Redis RDB (version 10, Redis 7.0) at the byte level: the constants, CRC-64 (Jones), LZF,
// and a Writer / Reader pair for RDB's length and string encodings. rdb_value.h builds the
// per-type value encodings on top; the engine's snapshot writes whole files with them.
//
// Facts of the format used here (all little-endian unless said otherwise):
//   length:  00xxxxxx (6 bits) | 01xxxxxx yyyyyyyy (14 bits, big-endian) |
//            0x80 + u32 big-endian | 0x81 + u64 big-endian |
//            11xxxxxx: a "special" string encoding follows (0 int8, 1 int16, 2 int32, 3 LZF)
//   string:  length + bytes, or C0..C2 + integer, or C3 + compressed len + raw len + LZF data
//   file:    "REDIS0010", opcodes and key records, 0xFF, CRC-64 of everything before (8 bytes)
//   DUMP:    type byte + value, RDB version (u16), CRC-64 of everything before (8 bytes)
//
// Thread-safety: Writer and Reader are plain values owned by one caller; the free functions
// are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lw::rdb {

inline constexpr int kVersion = 10;  // what Lacewing writes (Redis 7.0)
inline constexpr int kMaxLoadVersion = 10;

// Value types (the byte before a key).
enum Type : uint8_t {
  kTypeString = 0,
  kTypeList = 1,
  kTypeSet = 2,
  kTypeZSet = 3,
  kTypeHash = 4,
  kTypeZSet2 = 5,
  kTypeModule = 6,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZSetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZSetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
  kTypeSetListpack = 20,
  kTypeStreamListpacks3 = 21,
};

// Opcodes (a byte where a type could be).
enum Opcode : uint8_t {
  kOpFunction2 = 245,
  kOpFunctionOld = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

// Quicklist 2 node containers.
inline constexpr uint64_t kQuicklistPlain = 1;
inline constexpr uint64_t kQuicklistPacked = 2;

// CRC-64/Jones as Redis computes it (reflected, poly 0xad93d23594c935a9, init 0, no final
// xor): Crc64(0, "123456789") == 0xe9c6d914c4b8d9ca. `crc` continues a previous value.
uint64_t Crc64(uint64_t crc, std::string_view data);

// LZF. Compress returns the compressed bytes, or "" if they would not be shorter than
// `max_out` bytes. Decompress writes exactly `out_len` bytes to *out; false on malformed input.
std::string LzfCompress(std::string_view in, size_t max_out);
bool LzfDecompress(std::string_view in, size_t out_len, std::string* out);

// Redis's d2string: integral doubles below 2^52 as integers, others with %.17g; "inf",
// "-inf", "nan". Used for scores inside listpacks.
std::string FormatScore(double d);

class Writer {
 public:
  void U8(uint8_t v) { buf_.push_back(char(v)); }
  void Raw(std::string_view s) { buf_.append(s); }
  void U16Le(uint16_t v);
  void U32Le(uint32_t v);
  void U64Le(uint64_t v);
  void Len(uint64_t len);
  // A string as Redis writes it: canonical integers of up to 11 bytes as int8/16/32, strings
  // over 20 bytes LZF-compressed when that saves more than 4 bytes, else length + bytes.
  void String(std::string_view s);
  void Int(int64_t v);  // an integer value (int-encoded when it fits 32 bits)
  void BinaryDouble(double d) {
    uint64_t bits;
    static_assert(sizeof(bits) == sizeof(d));
    __builtin_memcpy(&bits, &d, 8);
    U64Le(bits);
  }

  std::string& buffer() { return buf_; }
  size_t size() const { return buf_.size(); }

 private:
  std::string buf_;
};

// Reads from one contiguous buffer. The first failure records an error text and the offset
// where it happened; every later read fails too, so callers may check once at the end of a
// record.
class Reader {
 public:
  explicit Reader(std::string_view data, size_t base_offset = 0)
      : data_(data), base_(base_offset) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // Absolute offset of the failure (base_offset + position in the buffer).
  size_t error_offset() const { return error_offset_; }
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool AtEnd() const { return pos_ >= data_.size(); }

  bool U8(uint8_t* v);
  bool U16Le(uint16_t* v);
  bool U32Le(uint32_t* v);
  bool U64Le(uint64_t* v);
  bool Bytes(size_t n, std::string_view* out);
  // A length; *special is set (and the length is the special's kind) for 11xxxxxx.
  bool Len(uint64_t* len, bool* special = nullptr);
  // A length that must not be special.
  bool PlainLen(uint64_t* len);
  bool String(std::string* out);
  bool BinaryDouble(double* d);
  // Type 3's string-encoded score: length byte, ASCII; 253 nan, 254 +inf, 255 -inf.
  bool StringDouble(double* d);

  // Records an error at the current position (or at `at`, a position in this buffer) and
  // returns false.
  bool Fail(std::string what);
  bool FailAt(size_t at, std::string what);

 private:
  std::string_view data_;
  size_t base_;
  size_t pos_ = 0;
  std::string error_;
  size_t error_offset_ = 0;
};

// DUMP payloads: value bytes (type + encoding), then version and checksum.
std::string WrapDumpPayload(std::string value_bytes);
// Checks the footer: version <= kMaxLoadVersion and the CRC (a zero CRC is accepted, as
// Redis does). On success *value is the type + value part.
bool UnwrapDumpPayload(std::string_view payload, std::string_view* value);

}  // namespace lw::rdb
