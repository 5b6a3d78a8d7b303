// The string family's bit commands: SETBIT GETBIT BITCOUNT BITPOS BITOP (Redis 7.0 bitops.c).
// Bits are numbered from the most significant bit of the first byte; ranges follow Redis's
// negative-from-the-end rules, in bytes or (with BIT) in bits. BITFIELD is in
// string_bitfield.cc.
// BITOP is in string_bitop.cc.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "server/engine/connection_context.h"
#include "server/families/string_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

// Redis's getBitOffsetFromArgument (without BITFIELD's '#' form): 0 <= offset < 512MB*8.
bool ParseBitOffset(std::string_view arg, int64_t* offset) {
  return ParseRedisInt(arg, offset) && *offset >= 0 && (*offset >> 3) < kMaxStringLen;
}

// Parses the optional BYTE|BIT unit. Returns false on a syntax error.
bool ParseBitUnit(std::string_view arg, bool* is_bit) {
  if (EqualsIgnoreCase(arg, "BIT")) {
    *is_bit = true;
  } else if (EqualsIgnoreCase(arg, "BYTE")) {
    *is_bit = false;
  } else {
    return false;
  }
  return true;
}

// Bit `i` (0 = most significant bit of the first byte) of `s`.
inline bool BitAt(std::string_view s, int64_t i) {
  return (uint8_t(s[size_t(i >> 3)]) >> (7 - (i & 7))) & 1;
}

// Set bits in the inclusive bit range [from, to] of `s`.
int64_t CountBits(std::string_view s, int64_t from, int64_t to) {
  int64_t count = 0;
  // Partial edge bytes bit by bit, whole bytes with popcount.
  while (from <= to && (from & 7) != 0) count += BitAt(s, from++);
  while (from <= to && ((to + 1) & 7) != 0) count += BitAt(s, to--);
  int64_t b = from >> 3, end_byte = (to + 1) >> 3;
  for (; b + 8 <= end_byte; b += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + b, sizeof(word));
    count += __builtin_popcountll(word);
  }
  for (; b < end_byte; ++b) count += __builtin_popcount(uint8_t(s[size_t(b)]));
  return count;
}

// First bit equal to `bit` in the inclusive bit range [from, to] of `s`, or -1.
int64_t FindBit(std::string_view s, int64_t from, int64_t to, bool bit) {
  uint8_t skip = bit ? 0x00 : 0xff;  // a whole byte that cannot hold the bit
  while (from <= to) {
    if ((from & 7) == 0 && from + 7 <= to && uint8_t(s[size_t(from >> 3)]) == skip) {
      from += 8;
      continue;
    }
    if (BitAt(s, from) == bit) return from;
    ++from;
  }
  return -1;
}

// BITCOUNT/BITPOS's reply: the position or count, else the error their op reported.
void SendBitResult(const OpResult<int64_t>& res, ReplyBuilder* rb) {
  if (res.ok()) return rb->SendLong(*res);
  switch (res.status()) {
    case OpStatus::kWrongType:
      return rb->SendError(errors::kWrongType);
    case OpStatus::kInvalidInt:
      return rb->SendError(errors::kNotInteger);
    default:
      return rb->SendError(errors::kSyntax);
  }
}

}  // namespace

void SetBit(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t offset, bit;
  if (!ParseBitOffset(args[2], &offset)) return rb->SendError(errors::kBitOffset);
  if (!ParseRedisInt(args[3], &bit) || (bit & ~int64_t(1))) {
    return rb->SendError(errors::kBitValue);
  }
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    size_t byte = size_t(offset >> 3);
    auto found = op.slice->Find(op.db, key, ObjType::kString);
    if (found.status() == OpStatus::kWrongType) return OpStatus::kWrongType;
    CompactObj* v;
    bool grew = !found.ok();
    if (found.ok()) {
      v = &found->value();
    } else {
      auto added = op.slice->TryAddOrFind(op.db, key);
      if (!added.ok()) return added.status();
      v = &added->first.value();
    }
    // Redis always leaves a "raw" string here, grown with zeros to cover the bit.
    grew = grew || v->StringSize() < byte + 1;
    char* p = v->ResizeRawString(std::max(v->StringSize(), byte + 1));
    uint8_t mask = uint8_t(1 << (7 - (offset & 7)));
    int64_t old = (uint8_t(p[byte]) & mask) ? 1 : 0;
    p[byte] = char(bit ? (uint8_t(p[byte]) | mask) : (uint8_t(p[byte]) & ~mask));
    // Redis 7.0: only a new or longer string or a flipped bit counts as a modification.
    if (grew || old != bit) {
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kString, "setbit", op.db, key);
    }
    return old;
  });
  if (!res.ok()) {
    return rb->SendError(res.status() == OpStatus::kOutOfMemory ? errors::kOom
                                                                : errors::kWrongType);
  }
  rb->SendLong(*res);
}

void GetBit(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t offset;
  if (!ParseBitOffset(args[2], &offset)) return rb->SendError(errors::kBitOffset);
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    auto found = op.slice->Find(op.db, key, ObjType::kString);
    if (!found.ok()) return found.status();
    std::string scratch;
    std::string_view s = found->value().GetSlice(&scratch);
    size_t byte = size_t(offset >> 3);
    if (byte >= s.size()) return 0;
    return (uint8_t(s[byte]) >> (7 - (offset & 7))) & 1;
  });
  if (res.status() == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  rb->SendLong(res.ok() ? *res : 0);
}

// BITCOUNT key [start end [BYTE|BIT]]. As in Redis 7.0, the key is looked up before the
// range is parsed, so a missing key answers 0 whatever the arguments.
void BitCount(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    auto found = op.slice->Find(op.db, key, ObjType::kString);
    if (found.status() == OpStatus::kKeyNotFound) return 0;
    if (!found.ok()) return found.status();
    std::string scratch;
    std::string_view s = found->value().GetSlice(&scratch);
    int64_t len = int64_t(s.size());
    if (args.size() == 2) return CountBits(s, 0, len * 8 - 1);
    if (args.size() != 4 && args.size() != 5) return OpStatus::kSyntaxError;
    int64_t start, end;
    if (!ParseRedisInt(args[2], &start) || !ParseRedisInt(args[3], &end)) {
      return OpStatus::kInvalidInt;
    }
    bool is_bit = false;
    if (args.size() == 5 && !ParseBitUnit(args[4], &is_bit)) return OpStatus::kSyntaxError;
    if (!ClampRange(is_bit ? len * 8 : len, &start, &end)) return 0;
    return is_bit ? CountBits(s, start, end) : CountBits(s, start * 8, end * 8 + 7);
  });
  SendBitResult(res, cntx->rb);
}

// BITPOS key bit [start [end [BYTE|BIT]]].
void BitPos(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t bit;
  if (!ParseRedisInt(args[2], &bit)) return rb->SendError(errors::kNotInteger);
  if (bit != 0 && bit != 1) return rb->SendError(errors::kBitposBit);
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    auto found = op.slice->Find(op.db, key, ObjType::kString);
    // A missing key is an endless run of zero bits.
    if (found.status() == OpStatus::kKeyNotFound) return bit ? -1 : 0;
    if (!found.ok()) return found.status();
    std::string scratch;
    std::string_view s = found->value().GetSlice(&scratch);
    int64_t len = int64_t(s.size());
    if (args.size() > 6) return OpStatus::kSyntaxError;
    int64_t start = 0, end = len - 1;
    bool is_bit = false, end_given = args.size() >= 5;
    if (args.size() >= 4) {
      if (!ParseRedisInt(args[3], &start)) return OpStatus::kInvalidInt;
      if (args.size() == 6 && !ParseBitUnit(args[5], &is_bit)) return OpStatus::kSyntaxError;
      if (end_given) {
        if (!ParseRedisInt(args[4], &end)) return OpStatus::kInvalidInt;
      } else {
        end = is_bit ? len * 8 - 1 : len - 1;
      }
    }
    int64_t units = is_bit ? len * 8 : len;
    if (start < 0) start += units;
    if (end < 0) end += units;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= units) end = units - 1;
    if (start > end) return -1;
    int64_t from = is_bit ? start : start * 8, to = is_bit ? end : end * 8 + 7;
    int64_t pos = FindBit(s, from, to, bit);
    // Looking for a 0 with no explicit end, the string counts as padded with zeros, so the
    // answer is the first bit past the range's last byte.
    if (pos == -1 && bit == 0 && !end_given) return ((to >> 3) + 1) * 8;
    return pos;
  });
  SendBitResult(res, rb);
}

}  // namespace lw
