// HashObj: the value of a Redis hash key.
//
// Two encodings, as Redis 7 (thresholds: HashLimits, from hash-max-listpack-entries / -value):
//   - "listpack": field, value, field, value ... in one Listpack, in insertion order (so
//     HGETALL of a small hash replies in the same order as Redis); lookups scan it;
//   - "hashtable": a chained hash table whose nodes hold field and value in one allocation,
//     with power-of-two buckets so HSCAN can use Redis's reverse-binary cursor (every field
//     present for a whole scan is returned at least once, even if the table grows or shrinks
//     in between).
// A hash converts to hashtable when a Set() would take it past max_listpack_entries fields or
// brings a field or value longer than max_listpack_value bytes, and never converts back
// (Redis does not either).
// Thread-safety: none; a HashObj belongs to the shard that stores its key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string_view>
#include <utility>

#include "server/types/listpack.h"

namespace lw {

// When a hash leaves the listpack encoding. The families fill it from CONFIG's
// hash-max-listpack-entries / hash-max-listpack-value once per command; the defaults are
// Redis's.
struct HashLimits {
  size_t max_listpack_entries = 128;
  size_t max_listpack_value = 64;
};

class HashObj {
 public:
  using Visitor = std::function<void(std::string_view field, std::string_view value)>;

  HashObj() = default;
  ~HashObj();
  HashObj(const HashObj&) = delete;
  HashObj& operator=(const HashObj&) = delete;
  // A deep copy in the same encoding (COPY).
  HashObj* Clone() const;

  size_t size() const;
  bool empty() const { return size() == 0; }
  bool packed() const { return table_ == nullptr; }
  std::string_view Encoding() const { return packed() ? "listpack" : "hashtable"; }
  // Heap bytes held, including this object.
  size_t MallocUsed() const;

  // The value of `field`; the view is valid until the next modification.
  std::optional<std::string_view> Get(std::string_view field) const;
  // Sets field to value, converting to hashtable first if `limits` say so. Returns true if the
  // field is new.
  bool Set(std::string_view field, std::string_view value, const HashLimits& limits);
  // Returns true if the field existed.
  bool Del(std::string_view field);

  // Visits every pair (insertion order for listpack, table order for hashtable).
  void ForEach(const Visitor& fn) const;
  // One HSCAN step of the hashtable encoding: visits the pairs of the bucket `cursor` names
  // and returns the next cursor (0: done). REQUIRES: !packed().
  uint64_t ScanStep(uint64_t cursor, const Visitor& fn) const;
  // A uniformly chosen pair. REQUIRES: !empty().
  std::pair<std::string_view, std::string_view> RandomPair(std::mt19937_64& rng) const;

 private:
  class Table;
  void ToTable();

  Listpack lp_;             // the listpack form: field, value, field, value, ...
  Table* table_ = nullptr;  // the hashtable form
};

}  // namespace lw
