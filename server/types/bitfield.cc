#include "server/types/bitfield.h"

namespace lw::bitfield {

// The `bits`-wide field at bit `offset` of `p`, as an unsigned number. REQUIRES: in bounds.
uint64_t GetField(const uint8_t* p, uint64_t offset, uint32_t bits) {
  uint64_t v = 0;
  for (uint32_t j = 0; j < bits; ++j, ++offset) {
    v = (v << 1) | ((p[offset >> 3] >> (7 - (offset & 7))) & 1);
  }
  return v;
}

void SetField(uint8_t* p, uint64_t offset, uint32_t bits, uint64_t v) {
  for (uint32_t j = 0; j < bits; ++j, ++offset) {
    uint8_t mask = uint8_t(1 << (7 - (offset & 7)));
    if ((v >> (bits - 1 - j)) & 1) {
      p[offset >> 3] |= mask;
    } else {
      p[offset >> 3] &= uint8_t(~mask);
    }
  }
}

int64_t SignExtend(uint64_t v, uint32_t bits) {
  if (bits < 64 && (v >> (bits - 1)) & 1) v |= ~uint64_t(0) << bits;
  return int64_t(v);
}

// The field as the reply shows it (signed fields sign-extended).
int64_t FieldValue(const uint8_t* p, uint64_t offset, const FieldCmd& c) {
  uint64_t v = GetField(p, offset, c.bits);
  return c.is_signed ? SignExtend(v, c.bits) : int64_t(v);
}

// value + incr in a field of `bits`: the stored result in *out; returns true on overflow
// (then *out is what WRAP or SAT would store). Unsigned fields are at most 63 bits wide.
bool AddUnsigned(uint64_t value, int64_t incr, uint32_t bits, Overflow ow, uint64_t* out) {
  uint64_t max = (uint64_t(1) << bits) - 1;
  bool over = value > max || (incr > 0 && uint64_t(incr) > max - value);
  bool under = !over && incr < 0 && uint64_t(-(incr + 1)) + 1 > value;
  if (!over && !under) {
    *out = value + uint64_t(incr);
    return false;
  }
  if (ow == Overflow::kSat) {
    *out = over ? max : 0;
  } else {
    *out = (value + uint64_t(incr)) & max;
  }
  return true;
}

bool AddSigned(int64_t value, int64_t incr, uint32_t bits, Overflow ow, int64_t* out) {
  int64_t max = bits == 64 ? INT64_MAX : int64_t((uint64_t(1) << (bits - 1)) - 1);
  int64_t min = -max - 1;
  // Redis's bounds on the increment, in its wrapping arithmetic: for a SET of a value far
  // outside the field (incr 0) they wrap, so e.g. SAT stores the maximum for i8 -2^63.
  int64_t max_incr = int64_t(uint64_t(max) - uint64_t(value));
  int64_t min_incr = int64_t(uint64_t(min) - uint64_t(value));
  bool over =
      value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr);
  bool under = !over && (value < min || (bits != 64 && incr < min_incr) ||
                         (value < 0 && incr < 0 && incr < min_incr));
  if (!over && !under) {
    *out = int64_t(uint64_t(value) + uint64_t(incr));
    return false;
  }
  if (ow == Overflow::kSat) {
    *out = over ? max : min;
  } else {
    *out = SignExtend((uint64_t(value) + uint64_t(incr)) &
                          (bits == 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1),
                      bits);
  }
  return true;
}

// One SET or INCRBY on the (long enough) string at p. Returns the reply, nullopt for FAIL.
std::optional<int64_t> WriteField(uint8_t* p, const FieldCmd& c) {
  uint64_t old = GetField(p, c.offset, c.bits);
  bool incr = c.op == FieldOp::kIncrBy;
  bool overflow;
  uint64_t stored;
  int64_t reply;
  if (c.is_signed) {
    int64_t oldv = SignExtend(old, c.bits), next;
    overflow = incr ? AddSigned(oldv, c.value, c.bits, c.overflow, &next)
                    : AddSigned(c.value, 0, c.bits, c.overflow, &next);
    stored = uint64_t(next);
    reply = incr ? next : oldv;
  } else {
    uint64_t next;
    overflow = incr ? AddUnsigned(old, c.value, c.bits, c.overflow, &next)
                    : AddUnsigned(uint64_t(c.value), 0, c.bits, c.overflow, &next);
    stored = next;
    reply = incr ? int64_t(next) : int64_t(old);
  }
  if (overflow && c.overflow == Overflow::kFail) return std::nullopt;
  SetField(p, c.offset, c.bits, stored);
  return reply;
}

// A GET: the field read through a zero-padded 9-byte window, so it may reach past the end.
int64_t ReadField(std::string_view s, const FieldCmd& c) {
  uint8_t buf[9] = {0};
  uint64_t byte = c.offset >> 3;
  for (uint64_t i = 0; i < 9 && byte + i < s.size(); ++i) buf[i] = uint8_t(s[byte + i]);
  return FieldValue(buf, c.offset - byte * 8, c);
}

}  // namespace lw::bitfield
