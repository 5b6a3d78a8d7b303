#include "base/histogram.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

TEST(HistogramTest, EmptyIsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(0.99), 0u);
}

TEST(HistogramTest, PercentilesWithinFourPercent) {
  Histogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.Add(v);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100000u);
  EXPECT_NEAR(h.Mean(), 50000.5, 0.01);
  auto p50 = h.Percentile(0.5);
  auto p99 = h.Percentile(0.99);
  EXPECT_GE(p50, 50000u);
  EXPECT_LE(p50, 52000u);
  EXPECT_GE(p99, 99000u);
  EXPECT_LE(p99, 100000u);
}

TEST(HistogramTest, SmallValuesExact) {
  Histogram h;
  for (int i = 0; i < 10; ++i) h.Add(3);
  h.Add(15);
  EXPECT_EQ(h.Percentile(0.5), 3u);
  EXPECT_EQ(h.Percentile(1.0), 15u);
}

TEST(HistogramTest, Merge) {
  Histogram a, b;
  a.Add(10);
  b.Add(1000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.min(), 10u);
  EXPECT_EQ(a.max(), 1000u);
  EXPECT_NE(a.Summary().find("count=2"), std::string::npos);
}

}  // namespace
}  // namespace lw

namespace lw {
TEST(HistogramTest, CountAtOrBelowPowerOfTwoBounds) {
  Histogram h;
  for (uint64_t v : {1, 5, 100, 1000, 1023, 1024, 5000, 1 << 20}) h.Add(v);
  EXPECT_EQ(h.CountAtOrBelow(0), 0u);
  EXPECT_EQ(h.CountAtOrBelow(1023), 5u);
  EXPECT_EQ(h.CountAtOrBelow(4095), 6u);
  EXPECT_EQ(h.CountAtOrBelow(UINT64_MAX), 8u);
  EXPECT_EQ(h.sum(), 1u + 5 + 100 + 1000 + 1023 + 1024 + 5000 + (1 << 20));
}
}  // namespace lw
