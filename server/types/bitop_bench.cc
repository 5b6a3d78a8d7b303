// BITOP's kernel at tools/bench's size: AND / OR / XOR of four 1 KB strings, NOT of one, and
// AND of sources of unequal lengths (the zero-padding path). The byte-at-a-time loop it
// replaced ran one byte per iteration with both pointers reloaded each time.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "server/types/bitop.h"

namespace lw {
namespace {

std::vector<std::string> Sources(std::vector<size_t> lens) {
  std::mt19937_64 rng(18);
  std::vector<std::string> out;
  for (size_t n : lens) {
    std::string s(n, '\0');
    for (char& c : s) c = char(rng());
    out.push_back(std::move(s));
  }
  return out;
}

void RunOp(benchmark::State& state, BitOpKind op, std::vector<size_t> lens) {
  std::vector<std::string> srcs = Sources(lens);
  std::vector<std::string_view> views(srcs.begin(), srcs.end());
  size_t bytes = 0;
  for (size_t n : lens) bytes += n;
  for (auto _ : state) benchmark::DoNotOptimize(ComputeBitOp(op, views));
  state.SetBytesProcessed(int64_t(state.iterations() * bytes));
}

void BM_And4x1K(benchmark::State& state) {
  RunOp(state, BitOpKind::kAnd, {1024, 1024, 1024, 1024});
}
BENCHMARK(BM_And4x1K);

void BM_Or4x1K(benchmark::State& state) { RunOp(state, BitOpKind::kOr, {1024, 1024, 1024, 1024}); }
BENCHMARK(BM_Or4x1K);

void BM_Xor4x1K(benchmark::State& state) {
  RunOp(state, BitOpKind::kXor, {1024, 1024, 1024, 1024});
}
BENCHMARK(BM_Xor4x1K);

void BM_Not1K(benchmark::State& state) { RunOp(state, BitOpKind::kNot, {1024}); }
BENCHMARK(BM_Not1K);

void BM_AndUnequal(benchmark::State& state) {
  RunOp(state, BitOpKind::kAnd, {1024, 700, 1000, 333});
}
BENCHMARK(BM_AndUnequal);

}  // namespace
}  // namespace lw
