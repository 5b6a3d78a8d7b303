#include "server/types/rdb_packed.h"

#include <charconv>
#include <cstring>

#include "base/str_util.h"

namespace lw::rdb {

namespace {

uint64_t LoadLe(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Sign-extends the low `bits` bits of v.
int64_t SignExtend(uint64_t v, int bits) {
  uint64_t m = uint64_t(1) << (bits - 1);
  v &= (bits == 64) ? ~uint64_t(0) : ((uint64_t(1) << bits) - 1);
  return int64_t((v ^ m) - m);
}

// Formats v into buf and returns the view.
std::string_view IntText(int64_t v, char* buf) {
  auto res = std::to_chars(buf, buf + 24, v);
  return std::string_view(buf, size_t(res.ptr - buf));
}

size_t BacklenSize(size_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

bool Bad(std::string* error, const char* what) {
  *error = what;
  return false;
}

}  // namespace

// ---- listpack ----

ListpackBuilder::ListpackBuilder() { buf_.assign(6, '\0'); }

void ListpackBuilder::Add(std::string_view s) {
  int64_t v;
  if (!s.empty() && s.size() <= 20 && ParseRedisInt(s, &v)) {
    AddInt(v);
  } else {
    AddString(s);
  }
  ++count_;
}

void ListpackBuilder::AddBacklen(size_t l) {
  size_t n = BacklenSize(l);
  char b[5];
  for (size_t i = 0; i < n; ++i) {
    // b[n-1] holds the low 7 bits; every byte but the first (leftmost) has the high bit set.
    size_t shift = 7 * (n - 1 - i);
    b[i] = char(((l >> shift) & 127) | (i == 0 ? 0 : 128));
  }
  buf_.append(b, n);
}

void ListpackBuilder::AddInt(int64_t v) {
  char b[9];
  size_t n;
  if (v >= 0 && v <= 127) {
    b[0] = char(v);
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    uint64_t u = uint64_t(v) & 0x1fff;
    b[0] = char(0xC0 | (u >> 8));
    b[1] = char(u & 0xff);
    n = 2;
  } else {
    int width = (v >= INT16_MIN && v <= INT16_MAX)   ? 2
                : (v >= -8388608 && v <= 8388607)    ? 3
                : (v >= INT32_MIN && v <= INT32_MAX) ? 4
                                                     : 8;
    b[0] = char(width == 2 ? 0xF1 : width == 3 ? 0xF2 : width == 4 ? 0xF3 : 0xF4);
    for (int i = 0; i < width; ++i) b[1 + i] = char(uint64_t(v) >> (8 * i));
    n = size_t(1 + width);
  }
  buf_.append(b, n);
  AddBacklen(n);
}

void ListpackBuilder::AddString(std::string_view s) {
  size_t len = s.size(), hdr;
  if (len < 64) {
    buf_.push_back(char(0x80 | len));
    hdr = 1;
  } else if (len < 4096) {
    buf_.push_back(char(0xE0 | (len >> 8)));
    buf_.push_back(char(len & 0xff));
    hdr = 2;
  } else {
    buf_.push_back(char(0xF0));
    for (int i = 0; i < 4; ++i) buf_.push_back(char(len >> (8 * i)));
    hdr = 5;
  }
  buf_.append(s);
  AddBacklen(hdr + len);
}

std::string ListpackBuilder::Finish() {
  buf_.push_back(char(0xFF));
  uint32_t total = uint32_t(buf_.size());
  uint16_t count = count_ < 65535 ? uint16_t(count_) : uint16_t(65535);
  for (int i = 0; i < 4; ++i) buf_[i] = char(total >> (8 * i));
  buf_[4] = char(count);
  buf_[5] = char(count >> 8);
  return std::move(buf_);
}

bool ParseListpack(std::string_view blob, EntryFn fn, std::string* error) {
  error->clear();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t size = blob.size();
  if (size < 7 || LoadLe(p, 4) != size || p[size - 1] != 0xFF) {
    return Bad(error, "bad listpack header");
  }
  const uint64_t declared = LoadLe(p + 4, 2);
  size_t pos = 6, count = 0;
  char num[24];
  while (pos < size - 1) {
    const unsigned b = p[pos];
    size_t hdr = 1, len = 0;
    int int_bytes = -1;  // >= 0: an integer of that many bytes follows the header byte
    int64_t value = 0;
    if ((b & 0x80) == 0) {
      value = b & 0x7f;
      int_bytes = 0;
    } else if ((b & 0xC0) == 0x80) {
      len = b & 0x3f;
    } else if ((b & 0xE0) == 0xC0) {
      if (pos + 2 > size) return Bad(error, "truncated listpack entry");
      value = SignExtend(uint64_t(b & 0x1f) << 8 | p[pos + 1], 13);
      hdr = 2;
      int_bytes = 0;
    } else if ((b & 0xF0) == 0xE0) {
      if (pos + 2 > size) return Bad(error, "truncated listpack entry");
      len = size_t(b & 0x0f) << 8 | p[pos + 1];
      hdr = 2;
    } else if (b == 0xF0) {
      if (pos + 5 > size) return Bad(error, "truncated listpack entry");
      len = LoadLe(p + pos + 1, 4);
      hdr = 5;
    } else if (b >= 0xF1 && b <= 0xF4) {
      int_bytes = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
    } else {
      return Bad(error, "bad listpack entry encoding");
    }
    size_t body = int_bytes > 0 ? size_t(int_bytes) : len;
    if (int_bytes > 0) {
      if (pos + 1 + body > size) return Bad(error, "truncated listpack entry");
      value = SignExtend(LoadLe(p + pos + 1, int_bytes), int_bytes * 8);
    }
    size_t entry = hdr + body;
    size_t next = pos + entry + BacklenSize(entry);
    if (next > size - 1) return Bad(error, "listpack entry past the end");
    ++count;
    std::string_view s =
        int_bytes >= 0 ? IntText(value, num) : std::string_view(blob.data() + pos + hdr, len);
    if (!fn(s)) return false;
    pos = next;
  }
  if (declared != 65535 && declared != count) return Bad(error, "listpack count mismatch");
  return true;
}

// ---- ziplist ----

bool ParseZiplist(std::string_view blob, EntryFn fn, std::string* error) {
  error->clear();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t size = blob.size();
  if (size < 11 || LoadLe(p, 4) != size || p[size - 1] != 0xFF) {
    return Bad(error, "bad ziplist header");
  }
  size_t pos = 10;
  char num[24];
  while (pos < size - 1) {
    pos += p[pos] == 0xFE ? 5 : 1;  // prevlen
    if (pos >= size - 1) return Bad(error, "truncated ziplist entry");
    const unsigned b = p[pos];
    size_t hdr = 1, len = 0;
    int int_bytes = -1;
    int64_t value = 0;
    switch (b >> 6) {
      case 0:
        len = b & 0x3f;
        break;
      case 1:
        if (pos + 2 > size) return Bad(error, "truncated ziplist entry");
        len = size_t(b & 0x3f) << 8 | p[pos + 1];
        hdr = 2;
        break;
      case 2:
        if (pos + 5 > size) return Bad(error, "truncated ziplist entry");
        len = size_t(p[pos + 1]) << 24 | size_t(p[pos + 2]) << 16 | size_t(p[pos + 3]) << 8 |
              p[pos + 4];
        hdr = 5;
        break;
      default:
        if (b == 0xC0)
          int_bytes = 2;
        else if (b == 0xD0)
          int_bytes = 4;
        else if (b == 0xE0)
          int_bytes = 8;
        else if (b == 0xF0)
          int_bytes = 3;
        else if (b == 0xFE)
          int_bytes = 1;
        else if (b >= 0xF1 && b <= 0xFD) {
          int_bytes = 0;
          value = int64_t(b & 0x0f) - 1;
        } else {
          return Bad(error, "bad ziplist entry encoding");
        }
    }
    size_t body = int_bytes > 0 ? size_t(int_bytes) : int_bytes == 0 ? 0 : len;
    if (pos + hdr + body > size - 1) return Bad(error, "ziplist entry past the end");
    if (int_bytes > 0) value = SignExtend(LoadLe(p + pos + 1, int_bytes), int_bytes * 8);
    std::string_view s =
        int_bytes >= 0 ? IntText(value, num) : std::string_view(blob.data() + pos + hdr, len);
    if (!fn(s)) return false;
    pos += hdr + body;
  }
  return true;
}

// ---- zipmap ----

bool ParseZipmap(std::string_view blob, EntryFn fn, std::string* error) {
  error->clear();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t size = blob.size();
  if (size < 2) return Bad(error, "bad zipmap");
  size_t pos = 1;
  auto read_len = [&](size_t* len) {
    if (pos >= size) return false;
    if (p[pos] < 254) {
      *len = p[pos++];
      return true;
    }
    if (p[pos] == 255 || pos + 5 > size) return false;
    *len = LoadLe(p + pos + 1, 4);
    pos += 5;
    return true;
  };
  while (pos < size && p[pos] != 0xFF) {
    size_t klen, vlen;
    if (!read_len(&klen) || pos + klen > size) return Bad(error, "corrupt zipmap");
    std::string_view key(blob.data() + pos, klen);
    pos += klen;
    if (!read_len(&vlen) || pos + 1 + vlen > size) return Bad(error, "corrupt zipmap");
    size_t free = p[pos++];
    std::string_view val(blob.data() + pos, vlen);
    pos += vlen + free;
    if (pos > size) return Bad(error, "corrupt zipmap");
    if (!fn(key) || !fn(val)) return false;
  }
  if (pos != size - 1) return Bad(error, "corrupt zipmap end");
  return true;
}

// ---- intset ----

bool ParseIntset(std::string_view blob, EntryFn fn, std::string* error) {
  error->clear();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(blob.data());
  if (blob.size() < 8) return Bad(error, "bad intset header");
  uint64_t width = LoadLe(p, 4), count = LoadLe(p + 4, 4);
  if (width != 2 && width != 4 && width != 8) return Bad(error, "bad intset encoding");
  if (blob.size() != 8 + width * count) return Bad(error, "intset size mismatch");
  char num[24];
  int64_t prev = 0;
  for (uint64_t i = 0; i < count; ++i) {
    int64_t v = SignExtend(LoadLe(p + 8 + i * width, int(width)), int(width) * 8);
    if (i > 0 && v <= prev) return Bad(error, "intset not sorted");
    prev = v;
    if (!fn(IntText(v, num))) return false;
  }
  return true;
}

std::string BuildIntset(const std::vector<int64_t>& sorted) {
  int width = 2;
  for (int64_t v : sorted) {
    if (v < INT32_MIN || v > INT32_MAX) {
      width = 8;
      break;
    }
    if (v < INT16_MIN || v > INT16_MAX) width = 4;
  }
  std::string out(8 + width * sorted.size(), '\0');
  auto store = [&](size_t at, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out[at + i] = char(v >> (8 * i));
  };
  store(0, uint64_t(width), 4);
  store(4, sorted.size(), 4);
  for (size_t i = 0; i < sorted.size(); ++i) store(8 + i * width, uint64_t(sorted[i]), width);
  return out;
}

}  // namespace lw::rdb
