// Memory accounting on mimalloc heaps.
//
// A MemoryHeap is one mimalloc heap plus an exact count of the bytes allocated from it (the
// usable size of each live block). Each shard thread owns one, so a shard's used_memory is the
// sum over its heaps without any locking. MemoryHeap also is a std::pmr::memory_resource so
// containers can allocate from it.
// Thread-safety: a heap is used by the thread that created it; used_bytes() may be read from
// any thread (relaxed atomic), which is what INFO does.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory_resource>

struct mi_heap_s;

namespace lw {

class MemoryHeap : public std::pmr::memory_resource {
 public:
  // Creates a fresh mimalloc heap owned by the calling thread.
  MemoryHeap();
  ~MemoryHeap() override;
  MemoryHeap(const MemoryHeap&) = delete;
  MemoryHeap& operator=(const MemoryHeap&) = delete;

  void* Allocate(size_t bytes);
  void* AllocateAligned(size_t bytes, size_t alignment);
  // REQUIRES: ptr came from this heap (or is null).
  void Free(void* ptr);

  // Bytes held by live blocks, as mimalloc's usable sizes.
  size_t used_bytes() const { return used_.load(std::memory_order_relaxed); }

 private:
  void* do_allocate(size_t bytes, size_t alignment) override;
  void do_deallocate(void* ptr, size_t bytes, size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  mi_heap_s* heap_;
  std::atomic<size_t> used_{0};
};

// Resident set size of the process, from /proc/self/statm (0 if unavailable).
size_t ProcessRssBytes();

}  // namespace lw
