// base_bench: cost of the hash used for key -> shard mapping and of the histogram.
#include <benchmark/benchmark.h>

#include <string>

#include "base/hash.h"
#include "base/histogram.h"

namespace lw {
namespace {

void BM_HashBytes(benchmark::State& state) {
  std::string key(state.range(0), 'k');
  for (auto _ : state) benchmark::DoNotOptimize(HashBytes(key));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HashBytes)->Arg(8)->Arg(32)->Arg(256);

void BM_HistogramAdd(benchmark::State& state) {
  Histogram h;
  uint64_t v = 1;
  for (auto _ : state) {
    h.Add(v);
    v = v * 6364136223846793005ULL + 1;
    v &= 0xFFFFF;
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramAdd);

}  // namespace
}  // namespace lw
