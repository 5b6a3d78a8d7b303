// RDB building blocks: CRC-64 and LZF throughput, and DUMP/RESTORE of a 1000-field hash.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "server/types/hash_obj.h"
#include "server/types/rdb_format.h"
#include "server/types/rdb_value.h"

namespace lw::rdb {
namespace {

std::string Text(size_t n) {
  std::mt19937 rng(1);
  std::string s(n, 'a');
  for (char& c : s) c = char('a' + rng() % 8);
  return s;
}

void BM_Crc64(benchmark::State& state) {
  std::string data = Text(1 << 20);
  for (auto _ : state) benchmark::DoNotOptimize(Crc64(0, data));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(data.size()));
}
BENCHMARK(BM_Crc64);

void BM_LzfCompress(benchmark::State& state) {
  std::string data = Text(4096);
  for (auto _ : state) benchmark::DoNotOptimize(LzfCompress(data, data.size()));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(data.size()));
}
BENCHMARK(BM_LzfCompress);

void BM_DumpRestoreHash(benchmark::State& state) {
  auto* h = new HashObj();
  for (int i = 0; i < 1000; ++i) h->Set("field:" + std::to_string(i), Text(20), HashLimits{});
  CompactObj obj;
  obj.SetRobj(ObjType::kHash, h);
  for (auto _ : state) {
    std::string p = DumpPayload(obj);
    CompactObj back;
    bool bad;
    benchmark::DoNotOptimize(RestorePayload(p, LoadLimits{}, &back, &bad));
  }
}
BENCHMARK(BM_DumpRestoreHash);

}  // namespace
}  // namespace lw::rdb
