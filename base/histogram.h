// Histogram: a latency histogram with logarithmic buckets (about 4 % relative error),
// for benchmarks, INFO latency figures and tests. Values are non-negative integers (usually
// microseconds or nanoseconds; the unit is the caller's).
// Thread-safety: not synchronised; keep one per thread and Merge() them.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace lw {

class Histogram {
 public:
  void Add(uint64_t value);
  void Merge(const Histogram& other);
  void Clear();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double Mean() const { return count_ ? double(sum_) / count_ : 0; }
  uint64_t sum() const { return sum_; }
  // How many values were <= `value`, counting whole buckets: exact when `value` is a bucket's
  // upper bound (a power of two minus one always is), else it may include a few values of
  // the bucket holding `value` (Prometheus "le" buckets).
  uint64_t CountAtOrBelow(uint64_t value) const;

  // The value at quantile q in [0, 1], as the upper bound of the bucket that holds it
  // (clamped to max()). Returns 0 when empty.
  uint64_t Percentile(double q) const;

  // "count=.. mean=.. p50=.. p99=.. p99.9=.. max=.."
  std::string Summary() const;

 private:
  // 16 sub-buckets per power of two over 64 powers.
  static constexpr int kSubBits = 4;
  static constexpr int kBuckets = 64 << kSubBits;
  static int BucketOf(uint64_t value);
  static uint64_t UpperBoundOf(int bucket);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace lw
