// BITFIELD and BITFIELD_RO (Redis 7.0 bitops.c): integers of 1..64 bits (signed, i1..i64) or
// 1..63 bits (unsigned, u1..u63) at any bit offset of a string, most significant bit first;
// an offset "#n" means n times the type's width. SET and INCRBY apply the OVERFLOW policy in
// force when they were parsed (WRAP by default, SAT saturates, FAIL skips the write and
// replies nil).
// The whole argument list is parsed before the key is touched, so a bad argument fails the
// command without changing anything; a command with a write grows the string to cover the
// farthest written bit first (even if every write then fails), as Redis does. One hop on the
// key's shard runs every operation in order, so a GET sees the writes before it.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "server/engine/connection_context.h"
#include "server/families/string_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/bitfield.h"

namespace lw {

namespace {

using namespace bitfield;  // NOLINT: FieldCmd, Overflow, the field arithmetic

// "i1".."i64" or "u1".."u63".
bool ParseFieldType(std::string_view arg, bool* is_signed, uint32_t* bits) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) return false;
  *is_signed = arg[0] == 'i';
  int64_t n;
  if (!ParseRedisInt(arg.substr(1), &n) || n < 1) return false;
  if (n > (*is_signed ? 64 : 63)) return false;
  *bits = uint32_t(n);
  return true;
}

// A bit offset, or "#n" for n * bits; below 512 MB worth of bits.
bool ParseFieldOffset(std::string_view arg, uint32_t bits, uint64_t* offset) {
  bool by_width = !arg.empty() && arg[0] == '#';
  int64_t n;
  if (!ParseRedisInt(arg.substr(by_width ? 1 : 0), &n)) return false;
  if (by_width && __builtin_mul_overflow(n, int64_t(bits), &n)) return false;
  if (n < 0 || (n >> 3) >= kMaxStringLen) return false;
  *offset = uint64_t(n);
  return true;
}

// Parses args[2..] into *cmds. Returns the error to reply, empty if none.
std::string_view ParseFieldCmds(CmdArgs args, std::vector<FieldCmd>* cmds) {
  Overflow overflow = Overflow::kWrap;
  for (size_t j = 2; j < args.size(); ++j) {
    size_t rest = args.size() - j - 1;
    std::string_view sub = args[j];
    FieldCmd c{};
    if (EqualsIgnoreCase(sub, "GET") && rest >= 2) {
      c.op = FieldOp::kGet;
    } else if (EqualsIgnoreCase(sub, "SET") && rest >= 3) {
      c.op = FieldOp::kSet;
    } else if (EqualsIgnoreCase(sub, "INCRBY") && rest >= 3) {
      c.op = FieldOp::kIncrBy;
    } else if (EqualsIgnoreCase(sub, "OVERFLOW") && rest >= 1) {
      std::string_view kind = args[++j];
      if (EqualsIgnoreCase(kind, "WRAP")) {
        overflow = Overflow::kWrap;
      } else if (EqualsIgnoreCase(kind, "SAT")) {
        overflow = Overflow::kSat;
      } else if (EqualsIgnoreCase(kind, "FAIL")) {
        overflow = Overflow::kFail;
      } else {
        return errors::kBitfieldOverflow;
      }
      continue;
    } else {
      return errors::kSyntax;
    }
    if (!ParseFieldType(args[j + 1], &c.is_signed, &c.bits)) return errors::kBitfieldType;
    if (!ParseFieldOffset(args[j + 2], c.bits, &c.offset)) return errors::kBitOffset;
    if (c.op != FieldOp::kGet && !ParseRedisInt(args[j + 3], &c.value)) {
      return errors::kNotInteger;
    }
    c.overflow = overflow;
    cmds->push_back(c);
    j += c.op == FieldOp::kGet ? 2 : 3;
  }
  return {};
}

// What one BITFIELD replies: an error status, or one entry per operation (nullopt = nil).
using FieldReplies = std::vector<std::optional<int64_t>>;

OpResult<FieldReplies> RunFields(const OpArgs& op, std::string_view key,
                                 const std::vector<FieldCmd>& cmds) {
  bool writes = false;
  uint64_t highest = 0;
  for (const FieldCmd& c : cmds) {
    if (c.op == FieldOp::kGet) continue;
    writes = true;
    highest = std::max(highest, c.offset + c.bits - 1);
  }
  auto found = op.slice->Find(op.db, key, ObjType::kString);
  if (found.status() == OpStatus::kWrongType) return OpStatus::kWrongType;
  if (!writes) {
    std::string scratch;
    std::string_view s = found.ok() ? found->value().GetSlice(&scratch) : std::string_view();
    FieldReplies out;
    for (const FieldCmd& c : cmds) out.push_back(ReadField(s, c));
    return out;
  }
  CompactObj* v;
  if (found.ok()) {
    v = &found->value();
  } else {
    auto added = op.slice->TryAddOrFind(op.db, key);
    if (!added.ok()) return added.status();
    v = &added->first.value();
  }
  size_t need = size_t(highest >> 3) + 1;
  size_t len = std::max(v->StringSize(), need);
  uint8_t* p = reinterpret_cast<uint8_t*>(v->ResizeRawString(len));
  FieldReplies out;
  for (const FieldCmd& c : cmds) {
    std::string_view s(reinterpret_cast<const char*>(p), len);
    out.push_back(c.op == FieldOp::kGet ? std::optional<int64_t>(ReadField(s, c))
                                        : WriteField(p, c));
  }
  op.slice->MarkModified(op.db, key);  // Redis signals any SET/INCRBY, even a failed one
  op.slice->Notify(notify::kString, "setbit", op.db, key);
  return out;
}

void BitFieldGeneric(CmdArgs args, ConnectionContext* cntx, bool read_only) {
  ReplyBuilder* rb = cntx->rb;
  std::vector<FieldCmd> cmds;
  std::string_view err = ParseFieldCmds(args, &cmds);
  if (!err.empty()) return rb->SendError(err);
  if (read_only) {
    for (const FieldCmd& c : cmds) {
      if (c.op != FieldOp::kGet) return rb->SendError(errors::kBitfieldRoGetOnly);
    }
  }
  std::string_view key = args[1];
  // Redis looks the key up for reading when every subcommand is a GET (a hit or a keymiss).
  bool gets_only = std::all_of(cmds.begin(), cmds.end(),
                               [](const FieldCmd& c) { return c.op == FieldOp::kGet; });
  OpResult<FieldReplies> res =
      RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<FieldReplies> {
        std::optional<DbSlice::LookupScope> reads;
        if (gets_only) reads.emplace(op.slice, false);
        return RunFields(op, key, cmds);
      });
  if (!res.ok()) {
    switch (res.status()) {
      case OpStatus::kOutOfMemory:
        return rb->SendError(errors::kOom);
      case OpStatus::kInvalidArg:
        return rb->SendError(errors::kUndeclaredKeys);
      default:
        return rb->SendError(errors::kWrongType);
    }
  }
  rb->StartArray(res->size());
  for (const std::optional<int64_t>& r : *res) {
    if (r) {
      rb->SendLong(*r);
    } else {
      rb->SendNull();
    }
  }
}

}  // namespace

// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
//          [OVERFLOW WRAP|SAT|FAIL] ...
void BitField(CmdArgs args, ConnectionContext* cntx) { BitFieldGeneric(args, cntx, false); }

// BITFIELD_RO key [GET type offset] ...
void BitFieldRo(CmdArgs args, ConnectionContext* cntx) { BitFieldGeneric(args, cntx, true); }

}  // namespace lw
