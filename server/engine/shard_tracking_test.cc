#include "server/engine/shard_tracking.h"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lw {
namespace {

struct Sent {
  uint64_t client;
  uint64_t modifier;
  std::vector<std::string> keys;
  bool operator==(const Sent&) const = default;
};

// Records deliveries; deferred work runs when Turn() is called (the end of a loop turn).
struct Fake {
  std::vector<Sent> sent;
  std::vector<std::function<void()>> deferred;
  void Turn() {
    auto d = std::move(deferred);
    deferred.clear();
    for (auto& f : d) f();
  }
};

void Install(ShardTracking* t, Fake* f) {
  t->SetDeliver(
      [](void* ctx, TrackingClientRef to, uint64_t modifier, std::vector<std::string> keys) {
        static_cast<Fake*>(ctx)->sent.push_back(Sent{to.client, modifier, std::move(keys)});
      },
      [](void* ctx, std::function<void()> fn) {
        static_cast<Fake*>(ctx)->deferred.push_back(std::move(fn));
      },
      f);
}

TEST(ShardTrackingTest, ReadersAreToldOnceThenForgotten) {
  ShardTracking t;
  Fake f;
  Install(&t, &f);
  EXPECT_TRUE(t.empty());
  t.Remember("k", {1, 0});
  t.Remember("k", {1, 0});  // the same reader twice: one entry
  t.Remember("k", {2, 1});
  EXPECT_EQ(t.keys(), 1u);
  EXPECT_EQ(t.items(), 2u);
  t.Invalidate("other", 7);
  EXPECT_TRUE(f.sent.empty());
  t.Invalidate("k", 7);
  EXPECT_EQ(f.sent, (std::vector<Sent>{{1, 7, {"k"}}, {2, 7, {"k"}}}));
  EXPECT_TRUE(t.empty());
  t.Invalidate("k", 7);  // one-shot: nobody left to tell
  EXPECT_EQ(f.sent.size(), 2u);
  t.Remember("a", {1, 0});
  t.Clear();
  t.Invalidate("a", 0);
  EXPECT_EQ(f.sent.size(), 2u);
}

TEST(ShardTrackingTest, BcastCollectsSortedKeysPerPrefixUntilTheTurnEnds) {
  ShardTracking t;
  Fake f;
  Install(&t, &f);
  t.SetPrefixes({5, 0}, /*noloop=*/false, {"obj:", "user:"});
  t.Invalidate("user:2", 9);
  t.Invalidate("user:1", 9);
  t.Invalidate("user:2", 9);  // each key once
  t.Invalidate("obj:1", 9);
  t.Invalidate("zzz", 9);
  EXPECT_TRUE(f.sent.empty());
  EXPECT_EQ(f.deferred.size(), 1u);  // one flush per turn
  f.Turn();
  EXPECT_EQ(f.sent, (std::vector<Sent>{{5, 0, {"obj:1"}}, {5, 0, {"user:1", "user:2"}}}));
  t.RemovePrefixes(5);
  EXPECT_TRUE(t.empty());
}

TEST(ShardTrackingTest, BcastNoloopSkipsOnlyTheClientsOwnChanges) {
  ShardTracking t;
  Fake f;
  Install(&t, &f);
  t.SetPrefixes({5, 0}, /*noloop=*/true, {""});
  t.Invalidate("mine", 5);
  t.Invalidate("theirs", 6);
  t.Invalidate("both", 5);
  t.Invalidate("both", 6);  // changed by two clients: told
  f.Turn();
  EXPECT_EQ(f.sent, (std::vector<Sent>{{5, 0, {"both", "theirs"}}}));
}

}  // namespace
}  // namespace lw
