#include "base/histogram.h"

#include <absl/strings/str_format.h>

#include <algorithm>
#include <bit>

namespace lw {

int Histogram::BucketOf(uint64_t value) {
  if (value < (1u << kSubBits)) return int(value);
  int msb = 63 - std::countl_zero(value);
  int sub = int((value >> (msb - kSubBits)) & ((1u << kSubBits) - 1));
  return ((msb - kSubBits + 1) << kSubBits) + sub;
}

uint64_t Histogram::UpperBoundOf(int bucket) {
  if (bucket < (1 << kSubBits)) return uint64_t(bucket);
  int msb = (bucket >> kSubBits) + kSubBits - 1;
  uint64_t sub = uint64_t(bucket & ((1 << kSubBits) - 1));
  uint64_t base = (uint64_t(1) << msb) | (sub << (msb - kSubBits));
  uint64_t width = uint64_t(1) << (msb - kSubBits);
  return base + width - 1;
}

void Histogram::Add(uint64_t value) {
  ++buckets_[BucketOf(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::Merge(const Histogram& other) {
  for (int i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t Histogram::CountAtOrBelow(uint64_t value) const {
  uint64_t n = 0;
  int last = BucketOf(value);
  for (int i = 0; i <= last; ++i) n += buckets_[i];
  return n;
}

void Histogram::Clear() { *this = Histogram(); }

uint64_t Histogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  uint64_t rank = uint64_t(q * double(count_));
  if (rank >= count_) rank = count_ - 1;
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen > rank) return std::clamp(UpperBoundOf(i), min(), max_);
  }
  return max_;
}

std::string Histogram::Summary() const {
  return absl::StrFormat("count=%d mean=%.1f p50=%d p99=%d p99.9=%d max=%d", count_, Mean(),
                         Percentile(0.5), Percentile(0.99), Percentile(0.999), max_);
}

}  // namespace lw
