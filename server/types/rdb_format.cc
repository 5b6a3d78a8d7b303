#include "server/types/rdb_format.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/str_util.h"

namespace lw::rdb {

namespace {

// ---- CRC-64/Jones, slice-by-8 ----

constexpr uint64_t kJonesPoly = 0xad93d23594c935a9ULL;

uint64_t Reflect64(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; ++i) r |= ((v >> i) & 1) << (63 - i);
  return r;
}

struct CrcTables {
  uint64_t t[8][256];
  CrcTables() {
    const uint64_t rpoly = Reflect64(kJonesPoly);
    for (int i = 0; i < 256; ++i) {
      uint64_t c = uint64_t(i);
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ rpoly : c >> 1;
      t[0][i] = c;
    }
    for (int i = 0; i < 256; ++i) {
      for (int k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    }
  }
};

const CrcTables& Tables() {
  static const CrcTables tables;
  return tables;
}

// ---- LZF ----
// A back reference is ctrl = (len-2) << 5 | (distance-1) >> 8 (len-2 of 7 adds a byte), then
// the distance's low byte; a literal run is ctrl = count-1 (< 32) then the bytes.
constexpr size_t kLzfMaxDistance = 8192;
constexpr size_t kLzfMaxMatch = 264;
constexpr size_t kLzfMaxLiteral = 32;

uint32_t Hash3(const unsigned char* p, unsigned bits) {
  uint32_t v = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16;
  return (v * 2654435761u) >> (32 - bits);
}

void FlushLiterals(std::string_view in, size_t from, size_t to, std::string* out) {
  while (from < to) {
    size_t n = std::min(kLzfMaxLiteral, to - from);
    out->push_back(char(n - 1));
    out->append(in.data() + from, n);
    from += n;
  }
}

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) {
  const CrcTables& T = Tables();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    crc ^= w;
    crc = T.t[7][crc & 0xff] ^ T.t[6][(crc >> 8) & 0xff] ^ T.t[5][(crc >> 16) & 0xff] ^
          T.t[4][(crc >> 24) & 0xff] ^ T.t[3][(crc >> 32) & 0xff] ^ T.t[2][(crc >> 40) & 0xff] ^
          T.t[1][(crc >> 48) & 0xff] ^ T.t[0][crc >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = T.t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

std::string LzfCompress(std::string_view in, size_t max_out) {
  const size_t n = in.size();
  std::string out;
  if (n < 4) return out;
  const unsigned bits = std::min(14u, std::max(8u, unsigned(std::bit_width(n))));
  thread_local std::vector<uint32_t> table;
  table.assign(size_t{1} << bits, 0);  // position + 1; 0 = empty
  const unsigned char* p = reinterpret_cast<const unsigned char*>(in.data());
  out.reserve(std::min(n, max_out + 1));
  size_t lit_start = 0, i = 0;
  while (i + 2 < n) {
    uint32_t h = Hash3(p + i, bits);
    size_t ref = table[h];
    table[h] = uint32_t(i + 1);
    if (ref != 0 && i - (ref - 1) <= kLzfMaxDistance && std::memcmp(p + ref - 1, p + i, 3) == 0) {
      --ref;
      size_t len = 3, max_len = std::min(n - i, kLzfMaxMatch);
      while (len < max_len && p[ref + len] == p[i + len]) ++len;
      FlushLiterals(in, lit_start, i, &out);
      size_t dist = i - ref - 1, l = len - 2;
      if (l < 7) {
        out.push_back(char((l << 5) | (dist >> 8)));
      } else {
        out.push_back(char((7 << 5) | (dist >> 8)));
        out.push_back(char(l - 7));
      }
      out.push_back(char(dist & 0xff));
      for (size_t k = i + 1; k < i + len && k + 2 < n; ++k) table[Hash3(p + k, bits)] = k + 1;
      i += len;
      lit_start = i;
    } else {
      ++i;
    }
    if (out.size() > max_out) return std::string();
  }
  FlushLiterals(in, lit_start, n, &out);
  if (out.size() > max_out) return std::string();
  return out;
}

bool LzfDecompress(std::string_view in, size_t out_len, std::string* out) {
  out->resize(out_len);
  char* o = out->data();
  size_t op = 0, ip = 0;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(in.data());
  while (ip < in.size()) {
    unsigned ctrl = p[ip++];
    if (ctrl < 32) {
      size_t n = ctrl + 1;
      if (ip + n > in.size() || op + n > out_len) return false;
      std::memcpy(o + op, p + ip, n);
      ip += n;
      op += n;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (ip >= in.size()) return false;
      len += p[ip++];
    }
    len += 2;
    if (ip >= in.size()) return false;
    size_t dist = ((ctrl & 0x1f) << 8) + p[ip++] + 1;
    if (dist > op || op + len > out_len) return false;
    for (size_t k = 0; k < len; ++k, ++op) o[op] = o[op - dist];  // may overlap
  }
  return op == out_len;
}

std::string FormatScore(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  if (d > -4503599627370495.0 && d < 4503599627370496.0 && d == double(int64_t(d))) {
    return std::to_string(int64_t(d));
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, size_t(n));
}

// ---- Writer ----

void Writer::U16Le(uint16_t v) {
  char b[2] = {char(v), char(v >> 8)};
  buf_.append(b, 2);
}

void Writer::U32Le(uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = char(v >> (8 * i));
  buf_.append(b, 4);
}

void Writer::U64Le(uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = char(v >> (8 * i));
  buf_.append(b, 8);
}

void Writer::Len(uint64_t len) {
  if (len < (1 << 6)) {
    U8(uint8_t(len));
  } else if (len < (1 << 14)) {
    U8(uint8_t(0x40 | (len >> 8)));
    U8(uint8_t(len));
  } else if (len <= UINT32_MAX) {
    U8(0x80);
    for (int i = 3; i >= 0; --i) U8(uint8_t(len >> (8 * i)));
  } else {
    U8(0x81);
    for (int i = 7; i >= 0; --i) U8(uint8_t(len >> (8 * i)));
  }
}

namespace {
// Redis's rdbEncodeInteger: values that fit 32 bits as C0/C1/C2 + little-endian bytes.
bool EncodeInt(Writer* w, int64_t v) {
  if (v >= INT8_MIN && v <= INT8_MAX) {
    w->U8(0xC0);
    w->U8(uint8_t(int8_t(v)));
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    w->U8(0xC1);
    w->U16Le(uint16_t(int16_t(v)));
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    w->U8(0xC2);
    w->U32Le(uint32_t(int32_t(v)));
  } else {
    return false;
  }
  return true;
}
}  // namespace

void Writer::String(std::string_view s) {
  int64_t v;
  if (s.size() <= 11 && ParseRedisInt(s, &v) && EncodeInt(this, v)) return;
  if (s.size() > 20) {
    std::string packed = LzfCompress(s, s.size() - 4);
    if (!packed.empty()) {
      U8(0xC3);
      Len(packed.size());
      Len(s.size());
      Raw(packed);
      return;
    }
  }
  Len(s.size());
  Raw(s);
}

void Writer::Int(int64_t v) {
  if (EncodeInt(this, v)) return;
  std::string digits = std::to_string(v);
  Len(digits.size());
  Raw(digits);
}

// ---- Reader ----

bool Reader::Fail(std::string what) { return FailAt(pos_, std::move(what)); }

bool Reader::FailAt(size_t at, std::string what) {
  if (error_.empty()) {
    error_ = std::move(what);
    error_offset_ = base_ + at;
  }
  pos_ = data_.size();
  return false;
}

bool Reader::Bytes(size_t n, std::string_view* out) {
  if (!ok()) return false;
  if (n > remaining()) return Fail("unexpected end of data");
  *out = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::U8(uint8_t* v) {
  std::string_view b;
  if (!Bytes(1, &b)) return false;
  *v = uint8_t(b[0]);
  return true;
}

bool Reader::U16Le(uint16_t* v) {
  std::string_view b;
  if (!Bytes(2, &b)) return false;
  *v = uint16_t(uint8_t(b[0]) | uint8_t(b[1]) << 8);
  return true;
}

bool Reader::U32Le(uint32_t* v) {
  std::string_view b;
  if (!Bytes(4, &b)) return false;
  *v = 0;
  for (int i = 3; i >= 0; --i) *v = (*v << 8) | uint8_t(b[i]);
  return true;
}

bool Reader::U64Le(uint64_t* v) {
  std::string_view b;
  if (!Bytes(8, &b)) return false;
  *v = 0;
  for (int i = 7; i >= 0; --i) *v = (*v << 8) | uint8_t(b[i]);
  return true;
}

bool Reader::Len(uint64_t* len, bool* special) {
  uint8_t b;
  if (!U8(&b)) return false;
  if (special) *special = false;
  switch (b >> 6) {
    case 0:
      *len = b & 0x3f;
      return true;
    case 1: {
      uint8_t b2;
      if (!U8(&b2)) return false;
      *len = uint64_t(b & 0x3f) << 8 | b2;
      return true;
    }
    case 2: {
      int n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
      if (n == 0) return FailAt(pos_ - 1, "unknown length encoding");
      std::string_view raw;
      if (!Bytes(size_t(n), &raw)) return false;
      *len = 0;
      for (char c : raw) *len = (*len << 8) | uint8_t(c);
      return true;
    }
    default:
      if (special == nullptr) return FailAt(pos_ - 1, "unexpected string encoding");
      *special = true;
      *len = b & 0x3f;
      return true;
  }
}

bool Reader::PlainLen(uint64_t* len) { return Len(len, nullptr); }

bool Reader::String(std::string* out) {
  uint64_t len;
  bool special;
  size_t start = pos_;
  if (!Len(&len, &special)) return false;
  if (!special) {
    std::string_view b;
    if (!Bytes(len, &b)) return false;
    out->assign(b);
    return true;
  }
  std::string_view b;
  switch (len) {
    case 0:
      if (!Bytes(1, &b)) return false;
      *out = std::to_string(int8_t(b[0]));
      return true;
    case 1: {
      uint16_t v;
      if (!U16Le(&v)) return false;
      *out = std::to_string(int16_t(v));
      return true;
    }
    case 2: {
      uint32_t v;
      if (!U32Le(&v)) return false;
      *out = std::to_string(int32_t(v));
      return true;
    }
    case 3: {
      uint64_t clen, rlen;
      if (!PlainLen(&clen) || !PlainLen(&rlen)) return false;
      // LZF expands at most 264 bytes per 2 input bytes: refuse absurd claims before
      // allocating.
      if (rlen > clen * 132 + 64) return FailAt(start, "bad LZF string length");
      if (!Bytes(clen, &b)) return false;
      if (!LzfDecompress(b, rlen, out)) return FailAt(start, "corrupt LZF string");
      return true;
    }
    default:
      return FailAt(start, "unknown string encoding");
  }
}

bool Reader::BinaryDouble(double* d) {
  uint64_t bits;
  if (!U64Le(&bits)) return false;
  std::memcpy(d, &bits, 8);
  return true;
}

bool Reader::StringDouble(double* d) {
  uint8_t len;
  if (!U8(&len)) return false;
  if (len == 253) *d = NAN;
  if (len == 254) *d = INFINITY;
  if (len == 255) *d = -INFINITY;
  if (len >= 253) return true;
  std::string_view b;
  if (!Bytes(len, &b)) return false;
  std::string s(b);
  char* end = nullptr;
  *d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) return Fail("bad double value");
  return true;
}

std::string WrapDumpPayload(std::string value_bytes) {
  Writer w;
  w.buffer() = std::move(value_bytes);
  w.U16Le(kVersion);
  uint64_t crc = Crc64(0, w.buffer());
  w.U64Le(crc);
  return std::move(w.buffer());
}

bool UnwrapDumpPayload(std::string_view payload, std::string_view* value) {
  if (payload.size() < 10) return false;
  const size_t n = payload.size();
  int version = uint8_t(payload[n - 10]) | uint8_t(payload[n - 9]) << 8;
  if (version > kMaxLoadVersion) return false;
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) stored = (stored << 8) | uint8_t(payload[n - 8 + i]);
  if (Crc64(0, payload.substr(0, n - 8)) != stored) return false;
  *value = payload.substr(0, n - 10);
  return true;
}

}  // namespace lw::rdb
