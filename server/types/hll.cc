// HyperLogLog representation and estimator; see hll.h for the format.
#include "server/types/hll.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace lw::hll {
namespace {

constexpr size_t kRegBytes = kDenseSize - kHeaderSize;
constexpr int kZeroMaxLen = 64;
constexpr int kValMaxLen = 4;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

inline bool IsZeroOp(uint8_t b) { return (b & 0xc0) == 0; }
inline bool IsXZeroOp(uint8_t b) { return (b & 0xc0) == 0x40; }
inline bool IsValOp(uint8_t b) { return (b & 0x80) != 0; }
inline int ZeroLen(uint8_t b) { return (b & 0x3f) + 1; }
inline int XZeroLen(uint8_t b0, uint8_t b1) { return (((b0 & 0x3f) << 8) | b1) + 1; }
inline int ValValue(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
inline int ValLen(uint8_t b) { return (b & 3) + 1; }
inline uint8_t ValOp(int value, int len) { return uint8_t(0x80 | ((value - 1) << 2) | (len - 1)); }

inline uint8_t* Bytes(std::string* s) { return reinterpret_cast<uint8_t*>(s->data()); }
inline const uint8_t* Bytes(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// The byte at `i`, or 0 past the end: Redis reads an XZERO's second byte even when the
// opcode is the string's last byte (it then sees the sds terminator, 0). Reading 0 here
// gives the same answers without leaving the string.
inline uint8_t At(std::string_view s, size_t i) { return i < s.size() ? uint8_t(s[i]) : 0; }

// One sparse opcode at offset `p`: its register value (0 for ZERO/XZERO), how many registers
// it covers and how many bytes it takes.
struct Op {
  int value;
  int runlen;
  size_t size;
};
inline Op ReadOp(std::string_view s, size_t p) {
  uint8_t b = uint8_t(s[p]);
  if (IsZeroOp(b)) return {0, ZeroLen(b), 1};
  if (IsXZeroOp(b)) return {0, XZeroLen(b, At(s, p + 1)), 2};
  return {ValValue(b), ValLen(b), 1};
}

// Appends the opcodes for `len` (>= 1) zero registers.
inline void PutZeros(std::string* seq, int len) {
  if (len > kZeroMaxLen) {
    seq->push_back(char(0x40 | ((len - 1) >> 8)));
    seq->push_back(char((len - 1) & 0xff));
  } else {
    seq->push_back(char(len - 1));
  }
}

inline void DenseWrite(uint8_t* regs, uint32_t i, uint8_t val) {
  size_t byte = size_t(i) * 6 / 8;
  unsigned fb = (i * 6) & 7;
  regs[byte] = uint8_t((regs[byte] & ~(63u << fb)) | (unsigned(val) << fb));
  // The last register fits in its byte (fb == 2): nothing spills into the next one.
  if (byte + 1 < kRegBytes) {
    unsigned fb8 = 8 - fb;
    regs[byte + 1] = uint8_t((regs[byte + 1] & ~(63u >> fb8)) | (unsigned(val) >> fb8));
  }
}

inline int DenseSet(uint8_t* regs, uint32_t i, uint8_t count) {
  if (count <= DenseGet(regs, i)) return 0;
  DenseWrite(regs, i, count);
  return 1;
}

// Calls fn(i, register i) for every register of a dense register area, unpacking 4
// registers from each 3 bytes (the registers are 6 bits, least significant first).
template <typename Fn>
void ForEachDense(const uint8_t* regs, Fn&& fn) {
  for (uint32_t g = 0; g < kRegisters / 4; ++g) {
    const uint8_t* b = regs + 3 * g;
    fn(4 * g, uint8_t(b[0] & 63));
    fn(4 * g + 1, uint8_t(((b[0] >> 6) | (b[1] << 2)) & 63));
    fn(4 * g + 2, uint8_t(((b[1] >> 4) | (b[2] << 4)) & 63));
    fn(4 * g + 3, uint8_t(b[2] >> 2));
  }
}

// Calls fn(first_register, value, runlen) for each opcode of a sparse string until fn returns
// false; returns the number of registers the visited opcodes covered.
template <typename Fn>
int64_t WalkSparse(std::string_view s, Fn&& fn) {
  int64_t idx = 0;
  for (size_t p = kHeaderSize; p < s.size();) {
    Op op = ReadOp(s, p);
    if (!fn(idx, op.value, op.runlen)) break;
    idx += op.runlen;
    p += op.size;
  }
  return idx;
}

// Fills a register histogram (64 slots) from a string of either encoding.
void Histogram(std::string_view s, int64_t* histo, bool* invalid) {
  if (uint8_t(s[4]) == kDense) {
    ForEachDense(Bytes(s) + kHeaderSize, [&](uint32_t, uint8_t v) { histo[v]++; });
    return;
  }
  int64_t covered = WalkSparse(s, [&](int64_t, int value, int runlen) {
    histo[value] += runlen;
    return true;
  });
  if (covered != kRegisters && invalid != nullptr) *invalid = true;
}

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prev, y = 1, z = x;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z_prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prev, y = 1.0, z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prev != z);
  return z / 3;
}

// Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (arXiv:1702.01284),
// as Redis 7.0 evaluates it, so that rounding matches to the unit.
uint64_t Estimate(const int64_t* histo) {
  double m = kRegisters;
  double z = m * Tau((m - double(histo[kQ + 1])) / m);
  for (int j = kQ; j >= 1; --j) {
    z += double(histo[j]);
    z *= 0.5;
  }
  z += m * Sigma(double(histo[0]) / m);
  return uint64_t(std::llround(kAlphaInf * m * m / z));
}

// The sparse opcodes that replace opcode [first, last] (of value `cur`, 0 for zeros) when
// register `index` becomes `count`: what precedes it, the new VAL, what follows.
std::string SplitSequence(int64_t first, int64_t last, int64_t index, int cur, uint8_t count) {
  std::string seq;
  if (index != first) {
    if (cur == 0) {
      PutZeros(&seq, int(index - first));
    } else {
      seq.push_back(char(ValOp(cur, int(index - first))));
    }
  }
  seq.push_back(char(ValOp(count, 1)));
  if (index != last) {
    if (cur == 0) {
      PutZeros(&seq, int(last - index));
    } else {
      seq.push_back(char(ValOp(cur, int(last - index))));
    }
  }
  return seq;
}

// After a change near `from`, joins adjacent VAL opcodes of equal value whose runs fit one
// opcode, looking at most 5 opcodes ahead (as Redis, so that the bytes stay identical).
void MergeAdjacentVals(std::string* s, size_t from) {
  int scan = 5;
  size_t p = from;
  while (p < s->size() && scan-- != 0) {
    uint8_t b = uint8_t((*s)[p]);
    if (IsXZeroOp(b)) {
      p += 2;
      continue;
    }
    if (IsZeroOp(b)) {
      p++;
      continue;
    }
    if (p + 1 < s->size() && IsValOp(uint8_t((*s)[p + 1]))) {
      uint8_t b2 = uint8_t((*s)[p + 1]);
      int len = ValLen(b) + ValLen(b2);
      if (ValValue(b) == ValValue(b2) && len <= kValMaxLen) {
        (*s)[p + 1] = char(ValOp(ValValue(b), len));
        s->erase(p, 1);
        continue;  // the merged opcode may merge again with the next one
      }
    }
    p++;
  }
}

int Promote(std::string* s, uint32_t index, uint8_t count) {
  if (!SparseToDense(s)) return -1;
  return DenseSet(Bytes(s) + kHeaderSize, index, count);
}

int SparseSet(std::string* s, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
  if (count > kSparseValMax) return Promote(s, index, count);
  // Find the opcode covering `index`.
  size_t p = kHeaderSize, prev = 0;
  bool has_prev = false;
  int64_t first = 0;
  Op op{0, 0, 0};
  while (p < s->size()) {
    op = ReadOp(*s, p);
    if (index <= first + op.runlen - 1) break;
    prev = p;
    has_prev = true;
    p += op.size;
    first += op.runlen;
  }
  if (op.runlen == 0 || p >= s->size()) return -1;
  size_t from = has_prev ? prev : kHeaderSize;
  uint8_t b = uint8_t((*s)[p]);

  if (IsValOp(b)) {
    if (op.value >= count) return 0;
    if (op.runlen == 1) {  // a lone VAL: rewrite its value in place
      (*s)[p] = char(ValOp(count, 1));
      MergeAdjacentVals(s, from);
      InvalidateCache(s);
      return 1;
    }
  } else if (IsZeroOp(b) && op.runlen == 1) {
    (*s)[p] = char(ValOp(count, 1));
    MergeAdjacentVals(s, from);
    InvalidateCache(s);
    return 1;
  }

  std::string seq = SplitSequence(first, first + op.runlen - 1, index, op.value, count);
  int64_t delta = int64_t(seq.size()) - int64_t(op.size);
  if (delta > 0 && s->size() + size_t(delta) > sparse_max_bytes) return Promote(s, index, count);
  size_t old_size = s->size();
  s->replace(p, std::min(op.size, old_size - p), seq);
  // An XZERO cut short by the end of the string counted 2 bytes where only 1 was: Redis's
  // length arithmetic then drops the sequence's last byte, and so does this.
  s->resize(size_t(int64_t(old_size) + delta));
  MergeAdjacentVals(s, from);
  InvalidateCache(s);
  return 1;
}

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const uint8_t* data = static_cast<const uint8_t*>(key);
  uint64_t h = seed ^ (uint64_t(len) * m);
  const uint8_t* end = data + (len - (len & 7));
  for (; data != end; data += 8) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; --i) k = (k << 8) | data[i];  // little-endian on every host
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  size_t rest = len & 7;
  if (rest != 0) {
    for (size_t i = rest; i-- > 0;) h ^= uint64_t(data[i]) << (8 * i);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

uint8_t PatternLength(std::string_view element, uint32_t* index) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kHashSeed);
  *index = uint32_t(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= uint64_t(1) << kQ;  // stops the count at kQ + 1
  uint8_t count = 1;
  for (uint64_t bit = 1; (hash & bit) == 0; bit <<= 1) count++;
  return count;
}

bool IsValid(std::string_view s) {
  if (s.size() < kHeaderSize || s.substr(0, 4) != "HYLL") return false;
  uint8_t enc = uint8_t(s[4]);
  if (enc > kSparse) return false;
  return enc != kDense || s.size() == kDenseSize;
}

std::string NewSparse() {
  std::string s(kHeaderSize, '\0');
  std::memcpy(s.data(), "HYLL", 4);
  s[4] = char(kSparse);
  PutZeros(&s, int(kRegisters));
  return s;
}

uint64_t CachedCard(std::string_view s) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | uint8_t(s[8 + i]);
  return card;
}

void SetCachedCard(std::string* s, uint64_t card) {
  for (int i = 0; i < 8; ++i) (*s)[8 + i] = char((card >> (8 * i)) & 0xff);
}

int SetRegister(std::string* s, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
  if (uint8_t((*s)[4]) == kDense) return DenseSet(Bytes(s) + kHeaderSize, index, count);
  return SparseSet(s, index, count, sparse_max_bytes);
}

int Add(std::string* s, std::string_view element, size_t sparse_max_bytes) {
  uint32_t index;
  uint8_t count = PatternLength(element, &index);
  return SetRegister(s, index, count, sparse_max_bytes);
}

int AddDense(uint8_t* dense, std::string_view element) {
  uint32_t index;
  uint8_t count = PatternLength(element, &index);
  return DenseSet(dense + kHeaderSize, index, count);
}

bool SparseToDense(std::string* s) {
  if (uint8_t((*s)[4]) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), s->data(), kHeaderSize);
  dense[4] = char(kDense);
  uint8_t* regs = Bytes(&dense) + kHeaderSize;
  bool overflow = false;
  int64_t covered = WalkSparse(*s, [&](int64_t first, int value, int runlen) {
    if (value == 0) return true;
    // A run past the last register is corrupt even where the zeros before it end exactly
    // at the last register (as redis-server 7.0.15 answers).
    overflow = first + runlen > kRegisters;
    if (overflow) return false;
    for (int i = 0; i < runlen; ++i) DenseWrite(regs, uint32_t(first + i), uint8_t(value));
    return true;
  });
  if (overflow || covered != kRegisters) return false;
  s->swap(dense);
  return true;
}

bool MergeInto(std::string_view s, uint8_t* max) {
  if (uint8_t(s[4]) == kDense) {
    ForEachDense(Bytes(s) + kHeaderSize, [&](uint32_t i, uint8_t v) {
      if (v > max[i]) max[i] = v;
    });
    return true;
  }
  bool overflow = false;
  int64_t covered = WalkSparse(s, [&](int64_t first, int value, int runlen) {
    if (value == 0) return true;
    overflow = first + runlen > kRegisters;
    if (overflow) return false;
    for (int64_t i = first; i < first + runlen; ++i) {
      if (value > max[i]) max[i] = uint8_t(value);
    }
    return true;
  });
  return !overflow && covered == kRegisters;
}

uint64_t Count(std::string_view s, bool* invalid) {
  int64_t histo[64] = {0};
  bool bad = false;
  Histogram(s, histo, &bad);
  if (invalid != nullptr) *invalid = bad;
  if (bad) return 0;
  return Estimate(histo);
}

uint64_t CountRaw(const uint8_t* registers) {
  int64_t histo[64] = {0};
  for (uint32_t i = 0; i < kRegisters; ++i) histo[registers[i] & 63]++;
  return Estimate(histo);
}

uint8_t DenseGet(const uint8_t* registers, uint32_t i) {
  size_t byte = size_t(i) * 6 / 8;
  unsigned fb = (i * 6) & 7;
  unsigned b0 = registers[byte];
  unsigned b1 = byte + 1 < kRegBytes ? registers[byte + 1] : 0;
  return uint8_t(((b0 >> fb) | (b1 << (8 - fb))) & 63);
}

std::string DecodeSparse(std::string_view s) {
  std::string out;
  for (size_t p = kHeaderSize; p < s.size();) {
    Op op = ReadOp(s, p);
    uint8_t b = uint8_t(s[p]);
    if (IsZeroOp(b)) {
      out += "z:" + std::to_string(op.runlen) + " ";
    } else if (IsXZeroOp(b)) {
      out += "Z:" + std::to_string(op.runlen) + " ";
    } else {
      out += "v:" + std::to_string(op.value) + "," + std::to_string(op.runlen) + " ";
    }
    p += op.size;
  }
  if (!out.empty()) out.pop_back();
  return out;
}

std::string SelfTest() {
  // Register packing: every value in every slot, read back, neighbours untouched.
  std::vector<uint8_t> regs(kRegBytes, 0);
  for (int round = 0; round < 64; ++round) {
    for (uint32_t i = 0; i < kRegisters; ++i) DenseWrite(regs.data(), i, uint8_t((i + round) & 63));
    for (uint32_t i = 0; i < kRegisters; ++i) {
      if (DenseGet(regs.data(), i) != ((i + round) & 63)) {
        return "TESTFAILED Register error at " + std::to_string(i);
      }
    }
  }
  // The estimator within 5 standard errors (1.04/sqrt(m)), sparse and dense from the same
  // elements giving the same count.
  std::string sparse = NewSparse(), dense = NewSparse();
  SparseToDense(&dense);
  const double relerr = 1.04 / std::sqrt(double(kRegisters));
  for (uint64_t n = 1; n <= 200000; ++n) {
    std::string ele(reinterpret_cast<const char*>(&n), sizeof(n));
    Add(&sparse, ele, kDenseSize);
    Add(&dense, ele, kDenseSize);
    if (n % 1000 != 0 && n > 100) continue;
    uint64_t a = Count(sparse, nullptr), b = Count(dense, nullptr);
    if (a != b) return "TESTFAILED sparse/dense count mismatch " + std::to_string(a);
    double err = std::fabs(double(a) - double(n)) / double(n);
    if (n > 100 && err > relerr * 5) {
      return "TESTFAILED Too big error. card:" + std::to_string(n) +
             " error:" + std::to_string(std::fabs(double(a) - double(n)));
    }
  }
  return "";
}

}  // namespace lw::hll
