// LatencyGraph against a graph captured from redis-server 7.0.15 (LATENCY GRAPH command after
// 86 one-second DEBUG SLEEP spikes): two blocks (80 + 6 columns), every bar level and ages in
// seconds and minutes. Times are relative to "now" = 100000.
#include "server/families/latency_graph.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

// (time, latency ms), oldest first, as redis-server's LATENCY HISTORY listed them.
constexpr int64_t kSamples[][2] = {
    {99909, 32}, {99910, 8},  {99911, 39}, {99912, 12}, {99913, 41}, {99914, 19}, {99915, 47},
    {99916, 20}, {99917, 51}, {99918, 24}, {99919, 52}, {99920, 31}, {99921, 4},  {99922, 32},
    {99923, 8},  {99924, 39}, {99925, 12}, {99926, 40}, {99928, 19}, {99929, 47}, {99930, 23},
    {99931, 48}, {99932, 26}, {99933, 55}, {99934, 28}, {99935, 4},  {99936, 32}, {99937, 8},
    {99938, 36}, {99939, 12}, {99940, 40}, {99941, 16}, {99942, 44}, {99943, 20}, {99944, 48},
    {99945, 24}, {99946, 56}, {99947, 28}, {99948, 6},  {99950, 36}, {99951, 8},  {99952, 36},
    {99953, 12}, {99954, 40}, {99955, 16}, {99956, 44}, {99957, 20}, {99958, 50}, {99959, 90},
    {99960, 52}, {99961, 28}, {99963, 5},  {99964, 33}, {99965, 11}, {99966, 39}, {99967, 12},
    {99968, 40}, {99969, 16}, {99970, 44}, {99971, 22}, {99972, 48}, {99973, 24}, {99974, 55},
    {99975, 68}, {99976, 4},  {99978, 38}, {99979, 46}, {99980, 36}, {99981, 12}, {99982, 41},
    {99983, 16}, {99984, 44}, {99985, 20}, {99986, 58}, {99987, 24}, {99988, 52}, {99989, 28},
    {99990, 4},  {99991, 32}, {99992, 22}, {99994, 43}, {99995, 12}, {99996, 40}, {99997, 16},
    {99998, 51}, {99999, 20}};

// clang-format off
constexpr char kRedisGraph[] =
      "command - high 90 ms, low 4 ms (all time high 90 ms)\n"
      "--------------------------------------------------------------------------------\n"
      "                                                #                               \n"
      "      _ _ _        _ _ o          _ o          _|_          _ o#         o _    \n"
      "_ o # | | |_ _ o # | |_|_ _ o # # | |_ o o # # |||_ o o # # | || o#o # # | |_ _ \n"
      "|_|o|#|#|#||_|_|o|#|#||||_|_|o|o|#|#||_|_|o|o|#||||_|_|o|o|#|#||_|||o|o|#|#||_|#\n"
      "                                                                                \n"
      "11111111111111111111111111111115555555554444444444333333333222222222111111111198\n"
      "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm98765432098765432109765432109876542109876543210ss\n"
      "                               sssssssssssssssssssssssssssssssssssssssssssssss  \n"
      "\n"
      "      \n"
      "    _ \n"
      "# # | \n"
      "|o|o|#\n"
      "      \n"
      "654321\n"
      "ssssss\n";
// clang-format on

LatencyMonitor::Event MakeEvent() {
  LatencyMonitor::Event e;
  e.name = "command";
  e.max = 90;
  size_t n = std::size(kSamples);
  for (size_t i = 0; i < n; ++i) e.samples[i] = {kSamples[i][0], kSamples[i][1]};
  e.idx = n;
  return e;
}

TEST(LatencyGraphTest, MatchesRedisTwoBlocks) {
  EXPECT_EQ(LatencyGraph(MakeEvent(), 100000), kRedisGraph);
}

TEST(LatencyGraphTest, RingOrderAndEqualSamples) {
  LatencyMonitor::Event e;
  e.name = "fast-command";
  e.max = 7;
  // The ring wrapped: the oldest sample sits at idx.
  e.idx = LatencyMonitor::kSamples - 1;
  e.samples[LatencyMonitor::kSamples - 1] = {100, 5};
  e.samples[0] = {3700, 5};
  EXPECT_EQ(LatencyGraph(e, 90000), "fast-command - high 5 ms, low 5 ms (all time high 7 ms)\n" +
                                        std::string(80, '-') +
                                        "\n  \n  \n  \n__\n  \n12\nd3\n h\n");
}

}  // namespace
}  // namespace lw
