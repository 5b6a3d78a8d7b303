// BITOP's kernel: whole 64-bit words (four per step, which the compiler turns into vector
// operations) with a byte tail. The byte-at-a-time loop this replaces reloaded both pointers
// on every byte (char stores may alias anything) and took 46% of a one-thread BITOP AND
// of 4 x 1 KB (tools/bench row) in perf.
#include "server/types/bitop.h"

#include <algorithm>
#include <cstring>

namespace lw {

namespace {

struct AndOp {
  static uint64_t Apply(uint64_t a, uint64_t b) { return a & b; }
};
struct OrOp {
  static uint64_t Apply(uint64_t a, uint64_t b) { return a | b; }
};
struct XorOp {
  static uint64_t Apply(uint64_t a, uint64_t b) { return a ^ b; }
};

// out[i] = Op(out[i], src[i]) for i < n. `out` and `src` do not overlap.
template <typename Op>
void FoldInto(uint8_t* __restrict out, const uint8_t* __restrict src, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t a[4], b[4];
    std::memcpy(a, out + i, 32);
    std::memcpy(b, src + i, 32);
    for (int j = 0; j < 4; ++j) a[j] = Op::Apply(a[j], b[j]);
    std::memcpy(out + i, a, 32);
  }
  for (; i + 8 <= n; i += 8) {
    uint64_t a, b;
    std::memcpy(&a, out + i, 8);
    std::memcpy(&b, src + i, 8);
    a = Op::Apply(a, b);
    std::memcpy(out + i, &a, 8);
  }
  for (; i < n; ++i) out[i] = uint8_t(Op::Apply(out[i], src[i]));
}

void FoldAny(BitOpKind op, uint8_t* out, const uint8_t* src, size_t n) {
  switch (op) {
    case BitOpKind::kAnd:
      return FoldInto<AndOp>(out, src, n);
    case BitOpKind::kOr:
      return FoldInto<OrOp>(out, src, n);
    default:
      return FoldInto<XorOp>(out, src, n);
  }
}

void NotInto(uint8_t* __restrict out, const uint8_t* __restrict src, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t a;
    std::memcpy(&a, src + i, 8);
    a = ~a;
    std::memcpy(out + i, &a, 8);
  }
  for (; i < n; ++i) out[i] = uint8_t(~src[i]);
}

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

}  // namespace

void InvertBytes(std::string* s) {
  uint8_t* p = reinterpret_cast<uint8_t*>(s->data());
  size_t i = 0, n = s->size();
  for (; i + 8 <= n; i += 8) {
    uint64_t a;
    std::memcpy(&a, p + i, 8);
    a = ~a;
    std::memcpy(p + i, &a, 8);
  }
  for (; i < n; ++i) p[i] = uint8_t(~p[i]);
}

void FoldBitOp(BitOpKind op, std::string_view src, bool first, std::string* acc) {
  if (first) {
    acc->assign(src.data(), src.size());
    return;
  }
  size_t n = std::min(acc->size(), src.size());
  // Past the shorter of the two, AND gives zeros (one side is padding); OR and XOR give the
  // longer side's bytes (x op 0 == x), which for a longer src are copied in.
  if (op == BitOpKind::kAnd) {
    std::memset(acc->data() + n, 0, acc->size() - n);
    acc->resize(std::max(acc->size(), src.size()), '\0');
  } else if (src.size() > acc->size()) {
    acc->append(src.data() + n, src.size() - n);
  }
  uint8_t* out = reinterpret_cast<uint8_t*>(acc->data());  // after any reallocation
  FoldAny(op, out, Bytes(src), n);
}

std::string ComputeBitOp(BitOpKind op, std::span<const std::string_view> srcs) {
  size_t len = 0;
  for (std::string_view s : srcs) len = std::max(len, s.size());
  std::string out;
  if (len == 0) return out;
  out.resize(len);
  uint8_t* p = reinterpret_cast<uint8_t*>(out.data());
  if (op == BitOpKind::kNot) {
    NotInto(p, Bytes(srcs[0]), len);
    return out;
  }
  // Start from the first source (zero-padded), then fold the rest in over their own lengths;
  // AND zeroes everything past the shortest source instead of folding padding.
  std::memcpy(p, srcs[0].data(), srcs[0].size());
  std::memset(p + srcs[0].size(), 0, len - srcs[0].size());
  size_t live = srcs[0].size();  // AND: bytes past `live` are already zero
  for (size_t k = 1; k < srcs.size(); ++k) {
    size_t n = srcs[k].size();
    if (op == BitOpKind::kAnd) {
      if (n < live) std::memset(p + n, 0, live - n);
      live = std::min(live, n);
      n = live;
    }
    FoldAny(op, p, Bytes(srcs[k]), n);
  }
  return out;
}

}  // namespace lw
