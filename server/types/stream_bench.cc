// The stream type alone: XADD-like appends, XRANGE pages, appends with MAXLEN trims (exact and
// `~`), XDEL, and memory per entry at 1M entries of 5 small fields (the same data as the
// redis-server comparison in README.md).
//   bazel run --config=opt //server/types:stream_bench
#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

#include "base/malloc_accounting.h"
#include "server/types/stream_obj.h"

namespace lw {
namespace {

// Entry i: field1 <i> field2 x field3 yy field4 <i%7> field5 zzz, IDs as a fast XADD * loop
// produces them (a few hundred per millisecond).
void AppendEntry(StreamObj* s, uint64_t i) {
  std::string a = std::to_string(i), b = std::to_string(i % 7);
  std::string_view fv[] = {"field1", a,        "field2", "x",      "field3",
                           "yy",     "field4", b,        "field5", "zzz"};
  s->Append({1'700'000'000'000 + i / 200, i % 200}, fv);
}

void BM_Append(benchmark::State& state) {
  auto* s = new StreamObj();
  uint64_t i = 0;
  for (auto _ : state) AppendEntry(s, i++);
  delete s;
}
BENCHMARK(BM_Append);

// XRANGE - + COUNT 10 from a random point of a 1M-entry stream.
void BM_Range10(benchmark::State& state) {
  static StreamObj* s = [] {
    auto* s = new StreamObj();
    for (uint64_t i = 0; i < 1'000'000; ++i) AppendEntry(s, i);
    return s;
  }();
  uint64_t x = 1;
  size_t fields = 0;
  for (auto _ : state) {
    x = x * 6364136223846793005ULL + 1;
    uint64_t i = (x >> 33) % 1'000'000;
    int left = 10;
    s->Range({1'700'000'000'000 + i / 200, 0}, StreamID::Max(), false,
             [&](const StreamID&, std::span<const std::string_view> fv) {
               fields += fv.size();
               return --left > 0;
             });
  }
  benchmark::DoNotOptimize(fields);
}
BENCHMARK(BM_Range10);

// XADD ... MAXLEN [~] 10000: a capped stream, one append and one trim per iteration (arg 1:
// approximate, whole nodes with Redis's default LIMIT of 10000 entries; arg 0: exact).
void BM_AppendTrimMaxLen(benchmark::State& state) {
  auto* s = new StreamObj();
  StreamObj::TrimArgs trim;
  trim.strategy = StreamObj::TrimArgs::kMaxLen;
  trim.maxlen = 10'000;
  trim.approx = state.range(0) != 0;
  trim.limit = trim.approx ? 10'000 : 0;
  uint64_t i = 0;
  for (; i < 10'000; ++i) AppendEntry(s, i);
  int64_t removed = 0;
  for (auto _ : state) {
    AppendEntry(s, i++);
    removed += s->Trim(trim);
  }
  state.counters["removed_per_op"] = benchmark::Counter(double(removed) / state.iterations());
  delete s;
}
BENCHMARK(BM_AppendTrimMaxLen)->Arg(0)->Arg(1);

// XDEL of every entry of a 100k-entry stream in a random order, then the stream is refilled
// (outside the timing).
void BM_Delete(benchmark::State& state) {
  constexpr uint64_t kN = 100'000;
  std::vector<uint64_t> order(kN);
  uint64_t x = 7;
  for (uint64_t i = 0; i < kN; ++i) order[i] = i;
  for (uint64_t i = kN - 1; i > 0; --i) {
    x = x * 6364136223846793005ULL + 1;
    std::swap(order[i], order[(x >> 33) % (i + 1)]);
  }
  StreamObj* s = nullptr;
  size_t next = kN;
  for (auto _ : state) {
    if (next == kN) {
      state.PauseTiming();
      delete s;
      s = new StreamObj();
      for (uint64_t i = 0; i < kN; ++i) AppendEntry(s, i);
      next = 0;
      state.ResumeTiming();
    }
    uint64_t i = order[next++];
    benchmark::DoNotOptimize(s->Delete({1'700'000'000'000 + i / 200, i % 200}));
  }
  delete s;
}
BENCHMARK(BM_Delete);

// Heap bytes per entry for 1M entries (counter "bytes_per_entry"); the whole fill is timed.
void BM_Memory1M(benchmark::State& state) {
  for (auto _ : state) {
    int64_t before = mem::ThreadAllocatedBytes();
    auto* s = new StreamObj();
    for (uint64_t i = 0; i < 1'000'000; ++i) AppendEntry(s, i);
    int64_t used = mem::ThreadAllocatedBytes() - before;
    state.counters["heap_bytes"] = double(used);
    state.counters["bytes_per_entry"] = double(used) / 1e6;
    state.counters["MallocUsed"] = double(s->MallocUsed());
    delete s;
  }
}
BENCHMARK(BM_Memory1M)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lw
