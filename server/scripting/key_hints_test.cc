#include "server/scripting/key_hints.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lw {
namespace {

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(KeyHintsTest, PredictsOnlyKeysThatRecur) {
  KeyHints h;
  EXPECT_TRUE(h.Predict("s").empty());
  h.Learn("s", std::vector<std::string>{"done", "queue:a", "job:1", "done"});
  EXPECT_TRUE(h.Predict("s").empty());  // one run proves nothing
  h.Learn("s", std::vector<std::string>{"done", "queue:b", "job:2"});
  EXPECT_EQ(Sorted(h.Predict("s")), std::vector<std::string>{"done"});
  h.Learn("s", std::vector<std::string>{"done", "queue:a", "job:3"});
  EXPECT_EQ(Sorted(h.Predict("s")), (std::vector<std::string>{"done", "queue:a"}));
  EXPECT_TRUE(h.Predict("other").empty());
}

TEST(KeyHintsTest, ForgetsKeysNotSeenWithinTheWindow) {
  KeyHints h;
  h.Learn("s", std::vector<std::string>{"old"});
  h.Learn("s", std::vector<std::string>{"old"});
  EXPECT_EQ(h.Predict("s"), std::vector<std::string>{"old"});
  for (uint64_t i = 0; i + 1 < KeyHints::kWindow; ++i) {
    h.Learn("s", std::vector<std::string>{"new" + std::to_string(i)});
  }
  EXPECT_EQ(h.Predict("s"), std::vector<std::string>{"old"});  // last seen kWindow-1 runs ago
  h.Learn("s", std::vector<std::string>{"x"});
  EXPECT_TRUE(h.Predict("s").empty());
  // Seen again after the window: counts as a first sighting.
  h.Learn("s", std::vector<std::string>{"old"});
  EXPECT_TRUE(h.Predict("s").empty());
}

TEST(KeyHintsTest, StaysBounded) {
  KeyHints h;
  for (int run = 0; run < 1000; ++run) {
    std::vector<std::string> keys = {"hot"};
    for (int i = 0; i < 10; ++i) keys.push_back("k" + std::to_string(run * 10 + i));
    h.Learn("s", keys);
    std::vector<std::string> p = h.Predict("s");
    EXPECT_LE(p.size(), KeyHints::kMaxPredicted);
    if (run > 0) EXPECT_NE(std::find(p.begin(), p.end(), "hot"), p.end()) << run;
  }
  for (size_t i = 0; i < KeyHints::kMaxScripts + 5; ++i) {
    h.Learn("script" + std::to_string(i), std::vector<std::string>{"k"});
  }
  EXPECT_LE(h.scripts(), KeyHints::kMaxScripts);
  h.Learn("quiet", std::vector<std::string>{});  // a run that touched nothing keeps no entry
  EXPECT_TRUE(h.Predict("quiet").empty());
}

TEST(KeyHintsTest, StaleSweepKeepsKeysWithinTheWindow) {
  // Five new keys per run fill the table; the sweep of stale keys must not drop a key seen
  // every third run (always within the window), and no prediction may name a random key.
  KeyHints h;
  for (int run = 0; run < 500; ++run) {
    std::vector<std::string> keys;
    for (int i = 0; i < 5; ++i) keys.push_back("r" + std::to_string(run * 5 + i));
    if (run % 3 == 0) keys.push_back("every3");
    h.Learn("s", keys);
    if (run >= 3) EXPECT_EQ(h.Predict("s"), std::vector<std::string>{"every3"}) << run;
  }
}

}  // namespace
}  // namespace lw
