// The bit-field arithmetic of BITFIELD / BITFIELD_RO (Redis 7.0 bitops.c): integers of 1..64
// bits (signed) or 1..63 bits (unsigned) at any bit offset of a byte string, most significant
// bit first, with Redis's WRAP / SAT / FAIL overflow rules (its exact bounds arithmetic).
// The families parse the command (server/families/string_bitfield.cc); this is the part a
// benchmark and a test can run without a server.
// Thread-safety: pure functions over caller-owned bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lw::bitfield {

enum class Overflow : uint8_t { kWrap, kSat, kFail };
enum class FieldOp : uint8_t { kGet, kSet, kIncrBy };

struct FieldCmd {
  FieldOp op;
  Overflow overflow;
  bool is_signed;
  uint32_t bits;
  uint64_t offset;
  int64_t value;  // SET's value or INCRBY's increment
};

// The `bits`-wide field at bit `offset` of `p`, as an unsigned number. REQUIRES: in bounds.
uint64_t GetField(const uint8_t* p, uint64_t offset, uint32_t bits);
void SetField(uint8_t* p, uint64_t offset, uint32_t bits, uint64_t v);
int64_t SignExtend(uint64_t v, uint32_t bits);
// The field as the reply shows it (signed fields sign-extended).
int64_t FieldValue(const uint8_t* p, uint64_t offset, const FieldCmd& c);
// value + incr in a field of `bits`: the stored result in *out; returns true on overflow
// (then *out is what WRAP or SAT would store). Unsigned fields are at most 63 bits wide.
bool AddUnsigned(uint64_t value, int64_t incr, uint32_t bits, Overflow ow, uint64_t* out);
bool AddSigned(int64_t value, int64_t incr, uint32_t bits, Overflow ow, int64_t* out);
// One SET or INCRBY on the (long enough) string at p. Returns the reply, nullopt for FAIL.
std::optional<int64_t> WriteField(uint8_t* p, const FieldCmd& c);
// A GET: the field read through a zero-padded 9-byte window, so it may reach past the end.
int64_t ReadField(std::string_view s, const FieldCmd& c);

}  // namespace lw::bitfield
