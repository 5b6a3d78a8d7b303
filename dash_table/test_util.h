// Helpers shared by the dash_table tests: a counting memory resource and whole-table checks.
// Test-only. Thread-safety: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>

#include "absl/container/flat_hash_map.h"

namespace lw::dash_test {

// Forwards to new/delete and counts the bytes outstanding, to check mem_usage() exactly.
class CountingResource : public std::pmr::memory_resource {
 public:
  size_t bytes() const { return bytes_; }

 private:
  void* do_allocate(size_t n, size_t align) override {
    bytes_ += n;
    return std::pmr::new_delete_resource()->allocate(n, align);
  }
  void do_deallocate(void* p, size_t n, size_t align) override {
    bytes_ -= n;
    std::pmr::new_delete_resource()->deallocate(p, n, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
    return this == &o;
  }
  size_t bytes_ = 0;
};

// Runs a complete traversal and returns how many times each key was visited. Also checks
// that each entry sits in the logical bucket its key hashes to.
template <typename Table>
auto VisitCounts(Table& table, bool* misplaced) {
  using Key = std::decay_t<decltype(std::declval<typename Table::Iterator>().key())>;
  absl::flat_hash_map<Key, int> counts;
  *misplaced = false;
  typename Table::Cursor cursor = 0;
  do {
    cursor = table.Traverse(cursor, [&](typename Table::Iterator it) {
      ++counts[it.key()];
      if (!(table.BucketOf(it) == table.BucketOf(it.key()))) *misplaced = true;
    });
  } while (cursor != 0);
  return counts;
}

}  // namespace lw::dash_test
