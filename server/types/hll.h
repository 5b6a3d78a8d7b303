// HyperLogLog in Redis 7.0's exact string representation, so that the bytes PFADD leaves in a
// key (and GET returns) are the ones redis-server leaves, and a string written by redis-server
// counts the same here.
//
// Layout: a 16-byte header — "HYLL", the encoding byte (0 dense, 1 sparse), 3 unused bytes,
// the cached cardinality as 8 little-endian bytes whose top bit (bit 7 of byte 15) marks the
// cache invalid — then the registers. 16384 registers (P = 14) of 6 bits:
//   dense:  12288 bytes, register i at bit offset 6*i, least significant bits first;
//   sparse: run-length opcodes — ZERO 00xxxxxx (1..64 zero registers), XZERO 01xxxxxx
//           yyyyyyyy (1..16384 zero registers), VAL 1vvvvvxx (1..4 registers of value 1..32).
// A sparse string is promoted to dense when a register needs a value over 32 or when it would
// grow past `sparse_max_bytes` (CONFIG hll-sparse-max-bytes).
//
// Every function here treats its input as untrusted bytes: a malformed string (opcodes that
// cover more or fewer than 16384 registers, a truncated XZERO) is reported, never read or
// written out of bounds. Callers check IsValid() first (magic, encoding, dense length), as
// Redis's isHLLObjectOrReply does, and only then call the others.
//
// Thread-safety: pure functions over caller-owned bytes; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lw::hll {

inline constexpr int kP = 14;
inline constexpr int kQ = 64 - kP;  // hash bits left for the run of zeros
inline constexpr uint32_t kRegisters = 1u << kP;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;  // 12304
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
inline constexpr uint8_t kSparseValMax = 32;
inline constexpr uint64_t kHashSeed = 0xadc83b19ULL;

// Austin Appleby's MurmurHash64A (little-endian block reads, as Redis on any host).
uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);

// The register an element maps to (*index) and the value it proposes for it: 1 + the number
// of trailing zero bits of the hash above the index bits (1..kQ+1).
uint8_t PatternLength(std::string_view element, uint32_t* index);

// Magic "HYLL", an encoding of 0 or 1, at least a header, and exactly kDenseSize if dense.
bool IsValid(std::string_view s);

// A new, empty HLL: sparse, one XZERO opcode over every register, cached cardinality 0.
std::string NewSparse();

// The cached cardinality. REQUIRES: IsValid.
inline bool CacheValid(std::string_view s) { return (uint8_t(s[15]) & 0x80) == 0; }
uint64_t CachedCard(std::string_view s);
void SetCachedCard(std::string* s, uint64_t card);
// Marks the cached cardinality stale, on a header's bytes (a value changed in place) or a copy.
inline void InvalidateCache(uint8_t* header) { header[15] |= 0x80; }
inline void InvalidateCache(std::string* s) {
  InvalidateCache(reinterpret_cast<uint8_t*>(s->data()));
}

// Adds an element. Returns 1 if a register changed (the cache is then invalid), 0 if not, -1
// if the sparse opcodes are corrupt. REQUIRES: IsValid.
int Add(std::string* s, std::string_view element, size_t sparse_max_bytes);

// Adds an element to a dense HLL's bytes in place (PFADD without copying 12 KB out and
// back). Returns 1 if a register changed, 0 if not; the caller invalidates the cache.
// REQUIRES: `dense` is kDenseSize bytes that pass IsValid, with encoding kDense.
int AddDense(uint8_t* dense, std::string_view element);

// Raises register `index` to `count` if it is lower (Redis's hllSparseSet / hllDenseSet).
// Returns 1 if it changed, 0 if not, -1 on corrupt sparse opcodes. REQUIRES: IsValid.
int SetRegister(std::string* s, uint32_t index, uint8_t count, size_t sparse_max_bytes);

// Rewrites a sparse HLL as dense (header kept, encoding byte set). Returns false, leaving *s
// as it was, if the opcodes do not cover exactly 16384 registers. A dense one stays as is.
bool SparseToDense(std::string* s);

// max[i] = MAX(max[i], register i) over kRegisters bytes of `max`. Returns false on corrupt
// sparse opcodes (max may then be partly updated). REQUIRES: IsValid.
bool MergeInto(std::string_view s, uint8_t* max);

// Redis 7.0's estimate (Ertl's improved estimator) of the registers of `s`. *invalid is set
// if sparse opcodes do not cover exactly 16384 registers (the estimate is then meaningless).
uint64_t Count(std::string_view s, bool* invalid);
// The same over one byte per register (PFCOUNT of several keys).
uint64_t CountRaw(const uint8_t* registers);

// Register i of a dense string's register area (kDenseSize - kHeaderSize bytes).
uint8_t DenseGet(const uint8_t* registers, uint32_t i);

// PFDEBUG DECODE's text ("z:3 Z:16000 v:5,1 ..."). REQUIRES: a sparse, IsValid string.
std::string DecodeSparse(std::string_view s);

// PFSELFTEST: checks register packing and the estimator's error bounds. Returns an empty
// string on success, else what failed.
std::string SelfTest();

}  // namespace lw::hll
