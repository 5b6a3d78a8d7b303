// BITOP's byte kernel (Redis 7.0 bitops.c semantics): AND / OR / XOR of any number of byte
// strings, and NOT of one; the result is as long as the longest source and a shorter source
// counts as padded with zero bytes. The families parse the command and gather the sources
// (server/families/string_bits.cc); this is the part a benchmark and a test can run alone.
// AND/OR/XOR are associative and commutative under that padding, so a caller may combine the
// sources of each shard first (AppendBitOp) and then the partial results (FoldBitOp).
// Thread-safety: pure functions over caller-owned bytes. Lifetime: nothing is kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace lw {

enum class BitOpKind : uint8_t { kAnd, kOr, kXor, kNot };

// The result of `op` over `srcs` (NOT: exactly one source). An empty vector of sources, or
// only empty sources, gives "".
std::string ComputeBitOp(BitOpKind op, std::span<const std::string_view> srcs);
// The same, appended to `*out`; returns its length. Lets a caller keep many results in one
// buffer. REQUIRES: no source points into *out.
size_t AppendBitOp(BitOpKind op, std::span<const std::string_view> srcs, std::string* out);

// Folds `src` into `acc`, a partial result of the same AND/OR/XOR (not NOT) at least as long:
// in place, as a caller that keeps results in one buffer needs. REQUIRES: src.size() <=
// acc.size(), no overlap.
void FoldBitOp(BitOpKind op, std::string_view src, std::span<char> acc);

}  // namespace lw
