// BITFIELD costs, as one request of tools/bench's row runs them on a shard: INCRBY of an u8
// field at a random "#n" offset of a 100,000-byte string, then GET of the u4 at offset 0;
// and a signed i64 INCRBY with SAT overflow at an unaligned offset (the widest field).
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "server/types/bitfield.h"

namespace lw::bitfield {
namespace {

void BM_IncrByU8ThenGetU4(benchmark::State& state) {
  std::string s(100000, '\0');
  std::mt19937_64 rng(16);
  FieldCmd incr{FieldOp::kIncrBy, Overflow::kWrap, false, 8, 0, 1};
  FieldCmd get{FieldOp::kGet, Overflow::kWrap, false, 4, 0, 0};
  for (auto _ : state) {
    incr.offset = (rng() % s.size()) * 8;
    benchmark::DoNotOptimize(WriteField(reinterpret_cast<uint8_t*>(s.data()), incr));
    benchmark::DoNotOptimize(ReadField(s, get));
  }
}
BENCHMARK(BM_IncrByU8ThenGetU4);

void BM_IncrByI64Sat(benchmark::State& state) {
  std::string s(1024, '\0');
  FieldCmd incr{FieldOp::kIncrBy, Overflow::kSat, true, 64, 13, 1234567};
  for (auto _ : state) {
    benchmark::DoNotOptimize(WriteField(reinterpret_cast<uint8_t*>(s.data()), incr));
  }
}
BENCHMARK(BM_IncrByI64Sat);

}  // namespace
}  // namespace lw::bitfield
