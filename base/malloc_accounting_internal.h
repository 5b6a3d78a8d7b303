// Internals of malloc_accounting shared with malloc_override.cc. Not for other code.
#pragma once

#include <atomic>
#include <cstdint>

namespace lw::mem::internal {

struct ThreadCounter {
  ThreadCounter();
  ~ThreadCounter();
  std::atomic<int64_t> bytes{0};  // written by its thread only; read by SumAll
  // Bytes other threads handed over (HandOver): folded into `bytes` by the owner.
  std::atomic<int64_t> inbound{0};
  ThreadCounter* next = nullptr;
};

extern thread_local ThreadCounter tl_counter;
extern std::atomic<bool> g_installed;

inline void Count(int64_t delta) {
  // Owner-thread writes: a relaxed load+store is enough and avoids a locked instruction.
  auto& b = tl_counter.bytes;
  b.store(b.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

}  // namespace lw::mem::internal
