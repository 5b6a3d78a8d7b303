// DashTable against absl::flat_hash_map and std::unordered_map: insert and find throughput,
// bytes per entry (the table's own allocations, counted exactly), and per-insert latency while
// growing from empty (the slowest single insert is the rehash pause Dash avoids).
//
// Run: bazel run -c opt --config=opt //dash_table:dash_table_bench
// Counters: bytes/entry = table allocations / entries; overhead/entry = the same minus
// sizeof(Key) + sizeof(Value), i.e. metadata plus empty slots; load = entries / slots.
#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/histogram.h"
#include "dash_table/dash_table.h"

namespace lw {
namespace {

// Bytes currently allocated through CountingAllocator (all benchmarks run on one thread).
size_t g_allocated = 0;

template <typename T>
struct CountingAllocator {
  using value_type = T;
  CountingAllocator() = default;
  template <typename U>
  CountingAllocator(const CountingAllocator<U>&) {}
  T* allocate(size_t n) {
    g_allocated += n * sizeof(T);
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) {
    g_allocated -= n * sizeof(T);
    std::allocator<T>().deallocate(p, n);
  }
  template <typename U>
  bool operator==(const CountingAllocator<U>&) const {
    return true;
  }
};

template <typename K>
struct DashAdapter {
  DashTable<K, uint64_t> table;
  void Insert(const K& k, uint64_t v) { table.Insert(k, v); }
  uint64_t Find(const K& k) {
    auto it = table.Find(k);
    return it.IsEnd() ? 0 : it.value();
  }
  size_t bytes() const { return table.mem_usage(); }
  double load() const { return table.load_factor(); }
};

template <typename K>
struct FlatAdapter {
  absl::flat_hash_map<K, uint64_t, absl::Hash<K>, std::equal_to<K>,
                      CountingAllocator<std::pair<const K, uint64_t>>>
      table;
  void Insert(const K& k, uint64_t v) { table.emplace(k, v); }
  uint64_t Find(const K& k) {
    auto it = table.find(k);
    return it == table.end() ? 0 : it->second;
  }
  size_t bytes() const { return g_allocated; }
  double load() const { return double(table.size()) / table.capacity(); }
};

template <typename K>
struct StdAdapter {
  std::unordered_map<K, uint64_t, std::hash<K>, std::equal_to<K>,
                     CountingAllocator<std::pair<const K, uint64_t>>>
      table;
  void Insert(const K& k, uint64_t v) { table.emplace(k, v); }
  uint64_t Find(const K& k) {
    auto it = table.find(k);
    return it == table.end() ? 0 : it->second;
  }
  size_t bytes() const { return g_allocated; }
  double load() const { return table.load_factor(); }
};

constexpr size_t kMaxKeys = 10'000'000;

template <typename K>
const std::vector<K>& Keys();

template <>
const std::vector<uint64_t>& Keys<uint64_t>() {
  static const auto* keys = [] {
    auto* v = new std::vector<uint64_t>(kMaxKeys);
    std::mt19937_64 rng(1);
    for (auto& k : *v) k = rng();
    return v;
  }();
  return *keys;
}

// Short keys ("user:" + up to 10 digits): inside std::string's inline buffer, like most
// Redis keys in size.
template <>
const std::vector<std::string>& Keys<std::string>() {
  static const auto* keys = [] {
    auto* v = new std::vector<std::string>(kMaxKeys / 5);
    // i -> i * odd (mod 10^10) is a bijection, so the keys are distinct but scattered.
    for (size_t i = 0; i < v->size(); ++i) {
      (*v)[i] = "user:" + std::to_string(i * 2654435761ull % 10'000'000'000ull);
    }
    return v;
  }();
  return *keys;
}

// The first n keys in a random order, for lookups (copied, so reading them is sequential).
template <typename K>
std::vector<K> LookupOrder(size_t n) {
  std::vector<K> order(Keys<K>().begin(), Keys<K>().begin() + n);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(3));
  return order;
}

template <typename K>
void SetMemoryCounters(benchmark::State& state, size_t bytes, size_t n, double load) {
  double per_entry = double(bytes) / n;
  state.counters["bytes/entry"] = per_entry;
  state.counters["overhead/entry"] = per_entry - double(sizeof(K) + sizeof(uint64_t));
  state.counters["load"] = load;
}

template <typename Adapter, typename K>
void BM_Insert(benchmark::State& state) {
  const size_t n = state.range(0);
  const auto& keys = Keys<K>();
  for (auto _ : state) {
    state.PauseTiming();
    auto t = std::make_unique<Adapter>();
    state.ResumeTiming();
    for (size_t i = 0; i < n; ++i) t->Insert(keys[i], i);
    state.PauseTiming();
    SetMemoryCounters<K>(state, t->bytes(), n, t->load());
    t.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

template <typename Adapter, typename K>
void BM_Find(benchmark::State& state) {
  const size_t n = state.range(0);
  const auto& keys = Keys<K>();
  auto t = std::make_unique<Adapter>();
  for (size_t i = 0; i < n; ++i) t->Insert(keys[i], i + 1);
  auto order = LookupOrder<K>(n);
  uint64_t sum = 0;
  for (auto _ : state) {
    for (const K& k : order) sum += t->Find(k);
  }
  benchmark::DoNotOptimize(sum);
  if (sum != state.iterations() * (uint64_t(n) * (n + 1) / 2)) state.SkipWithError("lost keys");
  state.SetItemsProcessed(state.iterations() * n);
}

// Lookups of n absent keys (the next n keys of the same sequence) in a table of n entries.
template <typename Adapter, typename K>
void BM_FindMiss(benchmark::State& state) {
  const size_t n = state.range(0);
  const auto& keys = Keys<K>();
  auto t = std::make_unique<Adapter>();
  for (size_t i = 0; i < n; ++i) t->Insert(keys[i], i + 1);
  std::vector<K> absent(keys.begin() + n, keys.begin() + 2 * n);
  std::shuffle(absent.begin(), absent.end(), std::mt19937_64(3));
  uint64_t sum = 0;
  for (auto _ : state) {
    for (const K& k : absent) sum += t->Find(k);
  }
  benchmark::DoNotOptimize(sum);
  if (sum != 0) state.SkipWithError("found absent keys");
  state.SetItemsProcessed(state.iterations() * n);
}

// Times every insert from empty to n entries, kRuns times, in wall-clock time and in thread
// CPU time. The machine may be shared: an insert that happens to be preempted measures the
// scheduler, not the table. So "max_ns" is the smallest of the per-run wall-clock maxima (a
// pause that is the table's own shows up in every run) and "max_ns_any_run" the largest.
// "max_cpu_ns" is the smallest per-run maximum of the thread CPU time (CLOCK_THREAD_CPUTIME_ID)
// spent in one insert: it counts the table's work and its page faults (kernel time), but not
// the time the thread spent switched out. Percentiles are wall-clock and merge all runs.
uint64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

template <typename Adapter, typename K>
void BM_InsertLatency(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  constexpr int kRuns = 3;
  const size_t n = state.range(0);
  const auto& keys = Keys<K>();
  for (auto _ : state) {
    Histogram all;
    uint64_t best_max = UINT64_MAX, worst_max = 0, best_cpu_max = UINT64_MAX;
    for (int run = 0; run < kRuns; ++run) {
      auto t = std::make_unique<Adapter>();
      Histogram hist;
      uint64_t cpu_max = 0;
      for (size_t i = 0; i < n; ++i) {
        uint64_t cpu_start = ThreadCpuNs();
        auto start = Clock::now();
        t->Insert(keys[i], i);
        auto stop = Clock::now();
        uint64_t cpu = ThreadCpuNs() - cpu_start;
        uint64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count();
        hist.Add(ns);
        cpu_max = std::max(cpu_max, cpu);
      }
      best_max = std::min(best_max, hist.max());
      worst_max = std::max(worst_max, hist.max());
      best_cpu_max = std::min(best_cpu_max, cpu_max);
      all.Merge(hist);
    }
    state.counters["max_ns"] = best_max;
    state.counters["max_ns_any_run"] = worst_max;
    state.counters["max_cpu_ns"] = best_cpu_max;
    state.counters["p99.9_ns"] = all.Percentile(0.999);
    state.counters["p99_ns"] = all.Percentile(0.99);
  }
}

// Dash only: the overhead per entry just before splits, when the table is fullest, and the
// highest load reached while growing to n.
void BM_DashPeakLoad(benchmark::State& state) {
  const size_t n = state.range(0);
  const auto& keys = Keys<uint64_t>();
  for (auto _ : state) {
    DashTable<uint64_t, uint64_t> t;
    size_t segments = t.segment_count();
    double peak_load = 0, overhead_at_peak = 0;
    size_t prev_bytes = t.mem_usage();
    for (size_t i = 0; i < n; ++i) {
      t.Insert(keys[i], i);
      if (t.segment_count() != segments) {
        // The state just before this insert's split: i entries, prev_bytes.
        double load = double(i) / (segments * t.kSegmentCapacity);
        if (i > 100'000 && load > peak_load) {
          peak_load = load;
          overhead_at_peak = double(prev_bytes) / i - 16;
        }
        segments = t.segment_count();
      }
      prev_bytes = t.mem_usage();
    }
    state.counters["peak_load"] = peak_load;
    state.counters["overhead/entry@peak"] = overhead_at_peak;
  }
}

template <typename K>
void RegisterAll(const char* kind, std::vector<int64_t> sizes) {
  auto reg = [&](std::string name, auto fn) {
    for (int64_t n : sizes) {
      benchmark::RegisterBenchmark((name + "<" + kind + ">").c_str(), fn)
          ->Arg(n)
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  };
  reg("Insert/dash", BM_Insert<DashAdapter<K>, K>);
  reg("Insert/absl_flat", BM_Insert<FlatAdapter<K>, K>);
  reg("Insert/std_unordered", BM_Insert<StdAdapter<K>, K>);
  reg("Find/dash", BM_Find<DashAdapter<K>, K>);
  reg("Find/absl_flat", BM_Find<FlatAdapter<K>, K>);
  reg("Find/std_unordered", BM_Find<StdAdapter<K>, K>);
  const int64_t largest = sizes.back();
  sizes = {sizes.front()};  // misses use the keys after the first n: n <= half the keys
  reg("FindMiss/dash", BM_FindMiss<DashAdapter<K>, K>);
  reg("FindMiss/absl_flat", BM_FindMiss<FlatAdapter<K>, K>);
  sizes = {largest};
  reg("InsertLatency/dash", BM_InsertLatency<DashAdapter<K>, K>);
  reg("InsertLatency/absl_flat", BM_InsertLatency<FlatAdapter<K>, K>);
  reg("InsertLatency/std_unordered", BM_InsertLatency<StdAdapter<K>, K>);
}

}  // namespace
}  // namespace lw

int main(int argc, char** argv) {
  lw::RegisterAll<uint64_t>("u64", {1'000'000, 10'000'000});
  lw::RegisterAll<std::string>("str", {1'000'000, 2'000'000});
  benchmark::RegisterBenchmark("DashPeakLoad<u64>", lw::BM_DashPeakLoad)
      ->Arg(10'000'000)
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
