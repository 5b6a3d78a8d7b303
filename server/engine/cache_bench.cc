// cache_bench: hit rate of Lacewing's cache-mode eviction (DbSlice on DashTable: evict the
// coldest non-sticky candidate of the insert's hotspot, bump-up on hits) against an exact LRU
// and random eviction, on one Zipf(0.99) trace over 1M keys with room for 10% of them.
// Also times the two ways of reading used memory (TotalAllocatedBytes vs a relaxed load per
// thread), which decides how Service::Dispatch checks maxmemory.
//
//   bazel run -c opt //server:cache_bench [-- keys requests]
//
// The DbSlice's memory probe is replaced by "resident keys x 64 bytes" so the cache holds
// exactly 10% of the keys whatever the allocator does: the numbers compare eviction choices,
// not memory accounting.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/malloc_accounting.h"
#include "server/engine/db_slice.h"

namespace lw {
namespace {

constexpr int64_t kBytesPerKey = 64;
DbSlice* g_slice = nullptr;
int64_t FakeUsed() { return int64_t(g_slice->DbSize(0)) * kBytesPerKey; }

// Zipf(s) over ranks 0..n-1 by inverse CDF; rank r is key perm[r] so hot keys are scattered.
std::vector<uint32_t> ZipfTrace(uint32_t n, size_t len, double s, uint64_t seed) {
  std::vector<double> cdf(n);
  double sum = 0;
  for (uint32_t i = 0; i < n; ++i) cdf[i] = (sum += 1.0 / std::pow(double(i + 1), s));
  for (double& c : cdf) c /= sum;
  std::vector<uint32_t> perm(n);
  for (uint32_t i = 0; i < n; ++i) perm[i] = i;
  std::mt19937_64 rng(seed);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<uint32_t> trace(len);
  for (size_t i = 0; i < len; ++i) {
    size_t r = std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin();
    trace[i] = perm[std::min<size_t>(r, n - 1)];
  }
  return trace;
}

std::string Key(uint32_t k) { return "key:" + std::to_string(k); }

// Hits over trace[warm..]; the first `warm` requests fill the cache.
double RunLacewing(const std::vector<uint32_t>& trace, size_t warm, size_t capacity,
                   size_t* resident) {
  DbSlice slice(0);
  g_slice = &slice;
  std::atomic<int64_t> maxmemory{int64_t(capacity) * kBytesPerKey};
  std::atomic<int64_t> policy{4};  // allkeys-lru
  MemoryConfig mc;
  mc.maxmemory = &maxmemory;
  mc.policy = &policy;
  mc.memory_probe = &FakeUsed;
  slice.SetMemoryConfig(mc);
  size_t hits = 0;
  for (size_t i = 0; i < trace.size(); ++i) {
    std::string key = Key(trace[i]);
    if (slice.Find(0, key).ok()) {
      if (i >= warm) ++hits;
      continue;
    }
    auto added = slice.TryAddOrFind(0, key);
    if (added.ok()) added->first.value().SetInt(int64_t(trace[i]));
  }
  *resident = slice.DbSize(0);
  g_slice = nullptr;
  return double(hits) / double(trace.size() - warm);
}

double RunLru(const std::vector<uint32_t>& trace, size_t warm, size_t capacity) {
  std::list<uint32_t> order;  // front = most recent
  std::unordered_map<uint32_t, std::list<uint32_t>::iterator> where;
  where.reserve(capacity * 2);
  size_t hits = 0;
  for (size_t i = 0; i < trace.size(); ++i) {
    uint32_t k = trace[i];
    auto it = where.find(k);
    if (it != where.end()) {
      if (i >= warm) ++hits;
      order.splice(order.begin(), order, it->second);
      continue;
    }
    if (where.size() >= capacity) {
      where.erase(order.back());
      order.pop_back();
    }
    order.push_front(k);
    where[k] = order.begin();
  }
  return double(hits) / double(trace.size() - warm);
}

double RunRandom(const std::vector<uint32_t>& trace, size_t warm, size_t capacity) {
  std::vector<uint32_t> slots;
  std::unordered_map<uint32_t, size_t> where;
  std::mt19937_64 rng(7);
  size_t hits = 0;
  for (size_t i = 0; i < trace.size(); ++i) {
    uint32_t k = trace[i];
    if (where.count(k)) {
      if (i >= warm) ++hits;
      continue;
    }
    if (slots.size() < capacity) {
      where[k] = slots.size();
      slots.push_back(k);
      continue;
    }
    size_t victim = rng() % slots.size();
    where.erase(slots[victim]);
    slots[victim] = k;
    where[k] = victim;
  }
  return double(hits) / double(trace.size() - warm);
}

template <typename F>
double NsPerCall(size_t n, F&& f) {
  auto start = std::chrono::steady_clock::now();
  int64_t sink = 0;
  for (size_t i = 0; i < n; ++i) sink += f();
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start);
  if (sink == 42) std::printf(" ");
  return ns.count() / double(n);
}

}  // namespace
}  // namespace lw

int main(int argc, char** argv) {
  uint32_t keys = argc > 1 ? uint32_t(std::atoll(argv[1])) : 1'000'000;
  size_t requests = argc > 2 ? size_t(std::atoll(argv[2])) : 6'000'000;
  size_t capacity = keys / 10, warm = requests / 3;
  std::vector<uint32_t> trace = lw::ZipfTrace(keys, requests, 0.99, 42);
  size_t resident = 0;
  auto t0 = std::chrono::steady_clock::now();
  double lacewing = lw::RunLacewing(trace, warm, capacity, &resident);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double lru = lw::RunLru(trace, warm, capacity);
  double lru_same = lw::RunLru(trace, warm, resident);
  double random = lw::RunRandom(trace, warm, capacity);
  std::printf("Zipf(0.99) trace: %u keys, %zu requests (%zu warm-up), cache %zu keys (10%%)\n",
              keys, requests, warm, capacity);
  std::printf(
      "  lacewing cache mode (dash hotspot eviction + bump-up): hit rate %.4f "
      "(%zu keys resident, %.2f M req/s)\n",
      lacewing, resident, double(requests) / secs / 1e6);
  std::printf("  exact LRU, %zu keys: hit rate %.4f\n", capacity, lru);
  std::printf("  exact LRU, %zu keys (same as resident): hit rate %.4f\n", resident, lru_same);
  std::printf("  random eviction, %zu keys: hit rate %.4f\n", capacity, random);

  // Reading used memory: the registry sum vs the relaxed loads Service::UsedMemory does.
  const std::atomic<int64_t>* mine = lw::mem::ThreadCounterAddress();
  double total_ns = lw::NsPerCall(5'000'000, [] { return lw::mem::TotalAllocatedBytes(); });
  double load_ns = lw::NsPerCall(5'000'000, [mine] {
    return mine->load(std::memory_order_relaxed) + mine->load(std::memory_order_relaxed);
  });
  std::printf(
      "used memory read: TotalAllocatedBytes %.1f ns/call (mutex, uncontended), "
      "two relaxed loads %.1f ns/call\n",
      total_ns, load_ns);
  return 0;
}
