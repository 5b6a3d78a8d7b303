#include "base/memory.h"

#include <gtest/gtest.h>

#include <memory_resource>
#include <vector>

namespace lw {
namespace {

TEST(MemoryHeapTest, CountsLiveBytesExactly) {
  MemoryHeap heap;
  EXPECT_EQ(heap.used_bytes(), 0u);
  void* a = heap.Allocate(100);
  void* b = heap.Allocate(5000);
  size_t after_two = heap.used_bytes();
  EXPECT_GE(after_two, 5100u);
  EXPECT_LT(after_two, 5100u + 1024);
  heap.Free(a);
  EXPECT_LT(heap.used_bytes(), after_two);
  heap.Free(b);
  EXPECT_EQ(heap.used_bytes(), 0u);
}

TEST(MemoryHeapTest, AlignedAndPmr) {
  MemoryHeap heap;
  void* p = heap.AllocateAligned(64, 64);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  heap.Free(p);
  {
    std::pmr::vector<int> v(&heap);
    v.resize(1000);
    EXPECT_GE(heap.used_bytes(), 4000u);
  }
  EXPECT_EQ(heap.used_bytes(), 0u);
}

TEST(MemoryTest, RssIsPositive) { EXPECT_GT(ProcessRssBytes(), 0u); }

}  // namespace
}  // namespace lw
