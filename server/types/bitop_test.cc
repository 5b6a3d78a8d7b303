// BITOP's kernel against a byte-at-a-time model of Redis's rule (the result as long as the
// longest source, shorter ones padded with zeros), over random lengths around the word and
// 32-byte block edges, and the per-shard partial fold in every split of the sources.
#include "server/types/bitop.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace lw {
namespace {

std::string Model(BitOpKind op, const std::vector<std::string>& srcs) {
  size_t len = 0;
  for (const std::string& s : srcs) len = std::max(len, s.size());
  std::string out(len, '\0');
  for (size_t i = 0; i < len; ++i) {
    auto at = [&](size_t k) { return i < srcs[k].size() ? uint8_t(srcs[k][i]) : uint8_t(0); };
    uint8_t v = at(0);
    if (op == BitOpKind::kNot) v = uint8_t(~v);
    for (size_t k = 1; k < srcs.size(); ++k) {
      if (op == BitOpKind::kAnd) v &= at(k);
      if (op == BitOpKind::kOr) v |= at(k);
      if (op == BitOpKind::kXor) v ^= at(k);
    }
    out[i] = char(v);
  }
  return out;
}

std::string RandomBytes(std::mt19937* rng, size_t n) {
  std::string s(n, '\0');
  // Mostly-set bytes for AND, so a wrongly zeroed or kept byte shows.
  for (char& c : s) c = char((*rng)() % 4 == 0 ? (*rng)() : 0xff);
  return s;
}

TEST(BitOpTest, MatchesByteModel) {
  std::mt19937 rng(18);
  const BitOpKind ops[] = {BitOpKind::kAnd, BitOpKind::kOr, BitOpKind::kXor, BitOpKind::kNot};
  for (int round = 0; round < 3000; ++round) {
    BitOpKind op = ops[round % 4];
    size_t count = op == BitOpKind::kNot ? 1 : 1 + rng() % 5;
    std::vector<std::string> srcs;
    for (size_t k = 0; k < count; ++k) {
      size_t len = rng() % 3 == 0 ? rng() % 8 : rng() % 200;
      srcs.push_back(RandomBytes(&rng, len));
    }
    std::vector<std::string_view> views(srcs.begin(), srcs.end());
    std::string want = Model(op, srcs);
    ASSERT_EQ(ComputeBitOp(op, views), want) << "round " << round;
    std::string prefix = RandomBytes(&rng, rng() % 300);  // kept, the result after it
    std::string appended = prefix;
    ASSERT_EQ(AppendBitOp(op, views, &appended), want.size());
    ASSERT_EQ(appended, prefix + want) << "round " << round;
    if (op == BitOpKind::kNot) continue;
    // Partials over a random split (as two shards would make them), then folded together.
    std::vector<std::string_view> parts[2];
    for (const std::string& s : srcs) parts[rng() % 2].push_back(s);
    std::string partial[2];
    for (int side = 0; side < 2; ++side) AppendBitOp(op, parts[side], &partial[side]);
    // Into the longer partial (each behind a prefix, as in a buffer of several results).
    int base = partial[0].size() >= partial[1].size() ? 0 : 1;
    if (parts[base].empty()) base = 1 - base;
    std::string all = prefix + partial[base];
    if (!parts[1 - base].empty()) {
      FoldBitOp(op, partial[1 - base], std::span<char>(all).subspan(prefix.size()));
    }
    ASSERT_EQ(all.substr(0, prefix.size()), prefix) << "round " << round;
    all.erase(0, prefix.size());
    ASSERT_EQ(all, want) << "round " << round;
  }
}

TEST(BitOpTest, EmptySources) {
  std::vector<std::string_view> none = {"", ""};
  EXPECT_EQ(ComputeBitOp(BitOpKind::kAnd, none), "");
  std::vector<std::string_view> one_empty = {"", "\xff\xff"};
  EXPECT_EQ(ComputeBitOp(BitOpKind::kAnd, one_empty), std::string(2, '\0'));
  EXPECT_EQ(ComputeBitOp(BitOpKind::kOr, one_empty), "\xff\xff");
}

}  // namespace
}  // namespace lw
