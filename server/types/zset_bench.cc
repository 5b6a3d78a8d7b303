// ZSetObj at leaderboard scale: rank lookups and rank-range reads on 1M members must cost
// O(log n) (order-statistic skiplist), not O(n).
//   bazel run --config=opt //server:zset_bench
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "server/types/zset_obj.h"

namespace lw {
namespace {

constexpr size_t kMembers = 1'000'000;

std::string Member(size_t i) { return "player:" + std::to_string(i); }

ZSetObj& Board() {
  static ZSetObj* board = [] {
    auto* z = new ZSetObj(kMembers, 16, ZSetLimits{});
    std::mt19937_64 gen(42);
    for (size_t i = 0; i < kMembers; ++i)
      z->Insert(Member(i), double(gen() % 10'000'000), ZSetLimits{});
    return z;
  }();
  return *board;
}

void BM_ZRank(benchmark::State& state) {
  ZSetObj& z = Board();
  std::mt19937_64 gen(7);
  for (auto _ : state) {
    benchmark::DoNotOptimize(z.Rank(Member(gen() % kMembers)));
  }
}
BENCHMARK(BM_ZRank);

// ZRANGE key r r+9: the page of 10 at a random rank.
void BM_ZRangeByRank10(benchmark::State& state) {
  ZSetObj& z = Board();
  std::mt19937_64 gen(9);
  for (auto _ : state) {
    size_t start = gen() % (kMembers - 10);
    double sum = 0;
    z.Visit(start, start + 10, false, [&](std::string_view, double s) { sum += s; });
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_ZRangeByRank10);

// ZREVRANGE key 0 9: the top 10.
void BM_ZRevRangeTop10(benchmark::State& state) {
  ZSetObj& z = Board();
  for (auto _ : state) {
    double sum = 0;
    z.Visit(kMembers - 10, kMembers, true, [&](std::string_view, double s) { sum += s; });
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_ZRevRangeTop10);

// ZINCRBY-like score change of a random member (relinks in the skiplist).
void BM_ZUpdateScore(benchmark::State& state) {
  ZSetObj& z = Board();
  std::mt19937_64 gen(11);
  for (auto _ : state) {
    std::string m = Member(gen() % kMembers);
    double old = *z.Score(m);
    z.UpdateScore(m, old, double(gen() % 10'000'000));
  }
}
BENCHMARK(BM_ZUpdateScore);

}  // namespace
}  // namespace lw
