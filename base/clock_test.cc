#include "base/clock.h"

#include <gtest/gtest.h>

#include <ctime>
#include <thread>

#include "base/proc_stats.h"

namespace lw {
namespace {

TEST(ClockTest, SteadyAdvancesAndUnitsAgree) {
  int64_t ns0 = SteadyNowNs();
  int64_t ms0 = SteadyNowMs();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int64_t ns1 = SteadyNowNs();
  int64_t ms1 = SteadyNowMs();
  EXPECT_GE(ns1 - ns0, 20'000'000);
  EXPECT_GE(ms1 - ms0, 19);  // ms truncates: one ms of slack
  EXPECT_LE(ms1 - ms0, (ns1 - ns0) / 1'000'000 + 1);
}

TEST(ClockTest, UnixMatchesTime) {
  int64_t before = int64_t(std::time(nullptr));
  int64_t ms = UnixNowMs();
  int64_t us = UnixNowUs();
  int64_t after = int64_t(std::time(nullptr));
  EXPECT_GE(ms / 1000, before);
  EXPECT_LE(ms / 1000, after);
  EXPECT_GE(us / 1000, ms);
  EXPECT_LE(us / 1000 - ms, 1000);
}

TEST(ProcStatsTest, RssGrowsWithTouchedMemory) {
  uint64_t before = ProcessRssBytes();
  EXPECT_GT(before, 0u);
  constexpr size_t kBytes = 64 << 20;
  char* block = new char[kBytes];
  volatile char* touch = block;  // the stores must happen: they are what makes pages resident
  for (size_t i = 0; i < kBytes; i += 4096) touch[i] = char(i);
  uint64_t after = ProcessRssBytes();
  EXPECT_GE(after, before + kBytes / 2);
  delete[] block;
}

TEST(ProcStatsTest, SystemMemoryExceedsRss) {
  EXPECT_GT(TotalSystemMemoryBytes(), ProcessRssBytes());
}

}  // namespace
}  // namespace lw
