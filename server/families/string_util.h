// What the string family's files share (string_family.cc, string_bits.cc, string_bitop.cc,
// string_lcs.cc): the size limit, Redis's range clamping, reading a string value, and the
// handlers that RegisterStringFamily (string_family.cc) registers from the other files.
// Thread-safety: handlers and ReadString run on the connection fiber; ClampRange is pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/op_status.h"
#include "server/engine/command_registry.h"
#include "server/engine/op_args.h"

namespace lw {

// Redis's proto-max-bulk-len default: no string may grow past 512 MB.
inline constexpr int64_t kMaxStringLen = int64_t(512) << 20;

// Clamps Redis's inclusive [start, end] (negative from the end) to a string of `len` units.
// Returns false when the range is empty.
bool ClampRange(int64_t len, int64_t* start, int64_t* end);

// The string value at `key` (one hop to its shard), or kKeyNotFound / kWrongType.
OpResult<std::string> ReadString(ConnectionContext* cntx, std::string_view key);

// Defined in string_bits.cc.
void SetBit(CmdArgs args, ConnectionContext* cntx);
void GetBit(CmdArgs args, ConnectionContext* cntx);
void BitCount(CmdArgs args, ConnectionContext* cntx);
void BitPos(CmdArgs args, ConnectionContext* cntx);

// Defined in string_bitop.cc: BITOP, and its batch handler (pipelined BITOPs as groups).
void BitOp(CmdArgs args, ConnectionContext* cntx);
void BitOpBatch(std::span<const CmdArgs> requests, ConnectionContext* cntx);

// Defined in string_bitfield.cc.
void BitField(CmdArgs args, ConnectionContext* cntx);
void BitFieldRo(CmdArgs args, ConnectionContext* cntx);

// Defined in string_lcs.cc.
void Lcs(CmdArgs args, ConnectionContext* cntx);

}  // namespace lw
