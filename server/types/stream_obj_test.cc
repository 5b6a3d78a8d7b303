// StreamObj against a std::map model: random appends (same and differing field names),
// deletions, exact and approximate trims, forward and reverse ranges; node closing where Redis
// closes its listpacks; the ID grammar; groups and Clone.
#include "server/types/stream_obj.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace lw {
namespace {

using Fields = std::vector<std::string>;
using Model = std::map<StreamID, Fields>;

std::vector<std::pair<StreamID, Fields>> Collect(const StreamObj& s, StreamID a, StreamID b,
                                                 bool rev, size_t count = 0) {
  std::vector<std::pair<StreamID, Fields>> out;
  s.Range(a, b, rev, [&](const StreamID& id, std::span<const std::string_view> fv) {
    out.emplace_back(id, Fields(fv.begin(), fv.end()));
    return count == 0 || out.size() < count;
  });
  return out;
}

std::vector<std::pair<StreamID, Fields>> ModelRange(const Model& m, StreamID a, StreamID b,
                                                    bool rev) {
  std::vector<std::pair<StreamID, Fields>> out;
  for (const auto& [id, f] : m) {
    if (id >= a && id <= b) out.emplace_back(id, f);
  }
  if (rev) std::reverse(out.begin(), out.end());
  return out;
}

Fields RandomFields(std::mt19937_64& rng) {
  static const char* names[] = {"a", "b", "name", "value", "x"};
  Fields f;
  size_t n = 1 + rng() % 3;
  bool same = rng() % 4 != 0;
  for (size_t i = 0; i < n; ++i) {
    f.push_back(same ? names[i] : names[rng() % 5]);
    size_t len = rng() % 10 == 0 ? 300 : rng() % 8;
    f.push_back(std::string(len, char('a' + rng() % 26)));
  }
  return f;
}

void Append(StreamObj* s, Model* m, StreamID id, const Fields& f) {
  std::vector<std::string_view> views(f.begin(), f.end());
  s->Append(id, views);
  (*m)[id] = f;
}

TEST(StreamObjTest, RandomAgainstModel) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    StreamObj s;
    Model m;
    StreamID next{1000, 0};
    for (int step = 0; step < 3000; ++step) {
      int op = int(rng() % 100);
      if (op < 70) {
        uint64_t step_ms = rng() % 3;
        next.ms += step_ms;
        next.seq = step_ms ? rng() % 3 : next.seq + 1;
        Append(&s, &m, next, RandomFields(rng));
      } else if (op < 85 && !m.empty()) {
        auto it = m.begin();
        std::advance(it, rng() % m.size());
        StreamID id = it->first;
        ASSERT_TRUE(s.Delete(id));
        m.erase(id);
        ASSERT_FALSE(s.Delete(id));
      } else if (op < 90) {
        StreamObj::TrimArgs t;
        t.strategy = StreamObj::TrimArgs::kMaxLen;
        t.maxlen = m.size() > 5 ? m.size() - rng() % 5 : 0;
        t.approx = rng() % 2;
        size_t before = m.size();
        int64_t removed = s.Trim(t);
        ASSERT_EQ(size_t(removed), before - s.size());
        if (!t.approx) {
          ASSERT_EQ(s.size(), std::min(before, size_t(t.maxlen)));
        }
        while (m.size() > s.size()) m.erase(m.begin());
      } else if (op < 93 && !m.empty()) {
        StreamObj::TrimArgs t;
        t.strategy = StreamObj::TrimArgs::kMinId;
        auto it = m.begin();
        std::advance(it, rng() % m.size());
        t.minid = it->first;
        s.Trim(t);
        m.erase(m.begin(), m.lower_bound(t.minid));
      } else {
        StreamID a{1000 + rng() % (next.ms - 999), rng() % 3};
        StreamID b{a.ms + rng() % 50, rng() % 3};
        bool rev = rng() % 2;
        ASSERT_EQ(Collect(s, a, b, rev), ModelRange(m, a, b, rev)) << seed << " " << step;
      }
      ASSERT_EQ(s.size(), m.size());
      if (!m.empty()) {
        ASSERT_EQ(s.first_id, m.begin()->first);
        ASSERT_EQ(*s.LastEntry(), m.rbegin()->first);
      }
    }
    ASSERT_EQ(Collect(s, {0, 0}, StreamID::Max(), false),
              ModelRange(m, {0, 0}, StreamID::Max(), false));
    std::unique_ptr<StreamObj> copy(s.Clone());
    ASSERT_EQ(Collect(*copy, {0, 0}, StreamID::Max(), true),
              ModelRange(m, {0, 0}, StreamID::Max(), true));
    ASSERT_GT(s.MallocUsed(), 0u);
  }
}

TEST(StreamObjTest, NodesCloseLikeRedis) {
  StreamObj s;
  for (uint64_t i = 1; i <= 250; ++i) {
    std::string v = std::to_string(i);
    std::string_view fv[] = {"f", v};
    s.Append({i, 0}, fv);
  }
  EXPECT_EQ(s.node_count(), 3u);  // 100 + 100 + 50 entries
  // An approximate MAXLEN trim drops whole nodes only.
  StreamObj::TrimArgs t;
  t.strategy = StreamObj::TrimArgs::kMaxLen;
  t.approx = true;
  t.maxlen = 120;
  EXPECT_EQ(s.Trim(t), 100);
  EXPECT_EQ(s.size(), 150u);
  EXPECT_EQ(s.first_id, (StreamID{101, 0}));
  // Big values close a node by Redis's listpack bytes (4096).
  StreamObj big;
  std::string v(1000, 'x');
  for (uint64_t i = 1; i <= 9; ++i) {
    std::string_view fv[] = {"f", v};
    big.Append({i, 0}, fv);
  }
  EXPECT_EQ(big.node_count(), 3u);  // 4 + 4 + 1, as redis-server 7.0 (XINFO radix-tree-keys)
}

// stream-node-max-entries / -bytes: the caller's limits, 0 meaning none, checked before each
// append as Redis checks its last listpack.
TEST(StreamObjTest, NodesCloseAtTheGivenLimits) {
  auto fill = [](const StreamLimits& limits, uint64_t n, size_t value_len) {
    auto s = std::make_unique<StreamObj>();
    std::string v(value_len, 'v');
    for (uint64_t i = 1; i <= n; ++i) {
      std::string_view fv[] = {"f", v};
      s->Append({i, 0}, fv, limits);
    }
    return s;
  };
  EXPECT_EQ(fill({4096, 5}, 23, 1)->node_count(), 5u);    // 5 x 4 + 3
  EXPECT_EQ(fill({4096, 1}, 7, 1)->node_count(), 7u);     // one entry each
  EXPECT_EQ(fill({4096, 0}, 1000, 1)->node_count(), 3u);  // by bytes only
  EXPECT_EQ(fill({0, 0}, 70'000, 1)->node_count(), 1u);   // no limit: past 65535 entries
  // By bytes: a node takes entries while its listpack bytes plus the new entry's field and
  // value lengths stay under the limit (redis-server 7.0: 1000 bytes, 100-byte values, 9 each).
  EXPECT_EQ(fill({1000, 0}, 30, 100)->node_count(), 4u);
  // An approximate trim still drops whole nodes of any size.
  std::unique_ptr<StreamObj> s = fill({4096, 7}, 30, 1);
  StreamObj::TrimArgs t;
  t.strategy = StreamObj::TrimArgs::kMaxLen;
  t.approx = true;
  t.maxlen = 10;
  EXPECT_EQ(s->Trim(t), 14);  // two nodes of 7; a third would leave fewer than 10
}

TEST(StreamObjTest, ParseIds) {
  StreamID id;
  bool seq_given;
  EXPECT_TRUE(ParseStreamID("5", 7, false, nullptr, &id));
  EXPECT_EQ(id, (StreamID{5, 7}));
  EXPECT_TRUE(ParseStreamID("5-*", 0, true, &seq_given, &id));
  EXPECT_FALSE(seq_given);
  EXPECT_TRUE(ParseStreamID("+", 0, false, nullptr, &id));
  EXPECT_EQ(id, StreamID::Max());
  EXPECT_FALSE(ParseStreamID("+", 0, true, nullptr, &id));
  EXPECT_FALSE(ParseStreamID("-1", 0, false, nullptr, &id));
  EXPECT_FALSE(ParseStreamID("1-x", 0, false, nullptr, &id));
  EXPECT_FALSE(ParseStreamID("5-*", 0, false, nullptr, &id));
  EXPECT_TRUE(ParseStreamID("18446744073709551615-18446744073709551615", 0, false, nullptr, &id));
  EXPECT_EQ(id, StreamID::Max());
  EXPECT_FALSE(ParseStreamID("18446744073709551616", 0, false, nullptr, &id));
  EXPECT_EQ((StreamID{3, 4}).ToString(), "3-4");
}

TEST(StreamObjTest, GroupsAndCounters) {
  StreamObj s;
  for (uint64_t i = 1; i <= 5; ++i) {
    std::string_view fv[] = {"f", "v"};
    s.Append({i, 0}, fv);
  }
  StreamCG* g = s.CreateGroup("g", {0, 0}, StreamCG::kInvalidEntriesRead);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(s.CreateGroup("g", {0, 0}, 0), nullptr);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry({0, 0}), 0);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry({1, 0}), 1);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry({5, 0}), 5);
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry({9, 0}), -1);
  EXPECT_EQ(s.GroupLag(*g), 5);
  ASSERT_TRUE(s.Delete({3, 0}));
  EXPECT_TRUE(s.RangeHasTombstones({0, 0}, StreamID::Max()));
  EXPECT_EQ(s.EstimateDistanceFromFirstEverEntry({2, 0}), -1);
  bool created;
  StreamConsumer* c = g->AddConsumer("alice", 1, &created);
  EXPECT_TRUE(created);
  auto nack = std::make_unique<StreamNACK>();
  nack->consumer = c;
  c->pel.emplace(StreamID{1, 0}, nack.get());
  g->pel.emplace(StreamID{1, 0}, std::move(nack));
  std::unique_ptr<StreamObj> copy(s.Clone());
  StreamCG* g2 = copy->FindGroup("g");
  ASSERT_NE(g2, nullptr);
  EXPECT_EQ(g2->pel.begin()->second->consumer, g2->FindConsumer("alice"));
  EXPECT_EQ(g->DeleteConsumer("alice"), 1u);
  EXPECT_TRUE(g->pel.empty());
  EXPECT_TRUE(s.DestroyGroup("g"));
}

}  // namespace
}  // namespace lw
