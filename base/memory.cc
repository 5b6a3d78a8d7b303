#include "base/memory.h"

#include <mimalloc.h>
#include <unistd.h>

#include <cstdio>

namespace lw {

MemoryHeap::MemoryHeap() : heap_(mi_heap_new()) {}

MemoryHeap::~MemoryHeap() {
  // Blocks still alive move to the default heap rather than being freed under their owners.
  mi_heap_delete(heap_);
}

void* MemoryHeap::Allocate(size_t bytes) {
  void* ptr = mi_heap_malloc(heap_, bytes);
  if (ptr) used_.fetch_add(mi_usable_size(ptr), std::memory_order_relaxed);
  return ptr;
}

void* MemoryHeap::AllocateAligned(size_t bytes, size_t alignment) {
  void* ptr = mi_heap_malloc_aligned(heap_, bytes, alignment);
  if (ptr) used_.fetch_add(mi_usable_size(ptr), std::memory_order_relaxed);
  return ptr;
}

void MemoryHeap::Free(void* ptr) {
  if (!ptr) return;
  used_.fetch_sub(mi_usable_size(ptr), std::memory_order_relaxed);
  mi_free(ptr);
}

void* MemoryHeap::do_allocate(size_t bytes, size_t alignment) {
  void* ptr =
      alignment <= alignof(std::max_align_t) ? Allocate(bytes) : AllocateAligned(bytes, alignment);
  if (!ptr) throw std::bad_alloc();
  return ptr;
}

void MemoryHeap::do_deallocate(void* ptr, size_t, size_t) { Free(ptr); }

bool MemoryHeap::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

size_t ProcessRssBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages_total = 0, pages_resident = 0;
  int n = std::fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(f);
  if (n != 2) return 0;
  return size_t(pages_resident) * size_t(sysconf(_SC_PAGESIZE));
}

}  // namespace lw
