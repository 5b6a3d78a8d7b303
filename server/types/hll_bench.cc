// HyperLogLog costs: PFADD of fresh elements into a sparse and into a dense HLL, and the
// register merge + estimate of PFCOUNT over 16 dense keys.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "server/types/hll.h"

namespace {

using namespace lw;

std::string Element(uint64_t i) { return "element:" + std::to_string(i); }

void BM_AddDense(benchmark::State& state) {
  std::string s = hll::NewSparse();
  hll::SparseToDense(&s);
  uint64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(hll::Add(&s, Element(i++), 3000));
  state.SetItemsProcessed(int64_t(i));
}
BENCHMARK(BM_AddDense);

// Adds into a sparse HLL, starting over whenever it has been promoted.
void BM_AddSparse(benchmark::State& state) {
  std::string s = hll::NewSparse();
  uint64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hll::Add(&s, Element(i++), 3000));
    if (uint8_t(s[4]) == hll::kDense) s = hll::NewSparse();
  }
  state.SetItemsProcessed(int64_t(i));
}
BENCHMARK(BM_AddSparse);

void BM_CountMerge16(benchmark::State& state) {
  std::vector<std::string> keys(16);
  for (size_t k = 0; k < keys.size(); ++k) {
    keys[k] = hll::NewSparse();
    for (uint64_t i = 0; i < 20000; ++i) hll::Add(&keys[k], Element(k * 1000000 + i), 3000);
  }
  std::vector<uint8_t> max(hll::kRegisters);
  for (auto _ : state) {
    std::fill(max.begin(), max.end(), 0);
    for (const std::string& s : keys) hll::MergeInto(s, max.data());
    benchmark::DoNotOptimize(hll::CountRaw(max.data()));
  }
}
BENCHMARK(BM_CountMerge16);

}  // namespace
