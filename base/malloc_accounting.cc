#include "base/malloc_accounting.h"

#include <atomic>
#include <mutex>

#include "base/malloc_accounting_internal.h"

namespace lw::mem {

namespace internal {

std::atomic<bool> g_installed{false};
// Bytes of threads that have exited, folded in when they exit.
std::atomic<int64_t> g_retired{0};

namespace {
std::mutex& RegistryMutex() {
  static auto* mu = new std::mutex;
  return *mu;
}
ThreadCounter* g_head = nullptr;  // guarded by RegistryMutex()
}  // namespace

ThreadCounter::ThreadCounter() {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  next = g_head;
  g_head = this;
}

ThreadCounter::~ThreadCounter() {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  g_retired.fetch_add(
      bytes.load(std::memory_order_relaxed) + inbound.exchange(0, std::memory_order_relaxed),
      std::memory_order_relaxed);
  for (ThreadCounter** p = &g_head; *p; p = &(*p)->next) {
    if (*p == this) {
      *p = next;
      break;
    }
  }
}

thread_local ThreadCounter tl_counter;

int64_t SumAll() {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  int64_t total = g_retired.load(std::memory_order_relaxed);
  for (ThreadCounter* c = g_head; c; c = c->next) {
    total += c->bytes.load(std::memory_order_relaxed) + c->inbound.load(std::memory_order_relaxed);
  }
  return total;
}

}  // namespace internal

int64_t ThreadAllocatedBytes() {
  auto& c = internal::tl_counter;
  if (c.inbound.load(std::memory_order_relaxed) != 0) [[unlikely]] {
    internal::Count(c.inbound.exchange(0, std::memory_order_relaxed));
  }
  return c.bytes.load(std::memory_order_relaxed);
}

int64_t ThreadCountRaw() { return internal::tl_counter.bytes.load(std::memory_order_relaxed); }

ThreadId CurrentThreadId() { return &internal::tl_counter; }

void HandOver(ThreadId to, int64_t bytes) {
  if (to == &internal::tl_counter) return;
  internal::Count(-bytes);
  to->inbound.fetch_add(bytes, std::memory_order_relaxed);
}

const std::atomic<int64_t>* ThreadCounterAddress() { return &internal::tl_counter.bytes; }

int64_t TotalAllocatedBytes() { return internal::SumAll(); }

bool AccountingInstalled() { return internal::g_installed.load(std::memory_order_relaxed); }

}  // namespace lw::mem
