// The stream's RDB encoding: a stream with deleted entries, differing field names and consumer
// groups survives SaveStream + LoadStream; corrupt input fails without crashing.
#include "server/types/rdb_stream.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/types/rdb_value.h"

namespace lw::rdb {
namespace {

std::vector<std::string> All(const StreamObj& s) {
  std::vector<std::string> out;
  s.Range({}, StreamID::Max(), false,
          [&](const StreamID& id, std::span<const std::string_view> fv) {
            out.push_back(id.ToString());
            for (std::string_view x : fv) out.emplace_back(x);
            return true;
          });
  return out;
}

// Every node as "master:live/deleted" and its entries (deleted ones marked "x").
std::vector<std::string> Nodes(const StreamObj& s) {
  std::vector<std::string> out;
  s.VisitNodes(
      [&](const StreamID& id, std::span<const std::string_view>, size_t live, size_t deleted) {
        out.push_back(id.ToString() + ":" + std::to_string(live) + "/" + std::to_string(deleted));
      },
      [&](const StreamID& id, uint8_t flags, std::span<const std::string_view>) {
        out.push_back(((flags & 1) ? "x" : "") + id.ToString());
      });
  return out;
}

TEST(RdbStreamTest, RoundTrip) {
  auto* s = new StreamObj();
  for (uint64_t i = 1; i <= 250; ++i) {
    std::string v = std::to_string(i * 7);
    std::string_view same[] = {"name", v, "n", "12"};
    std::string_view other[] = {"x", v};
    if (i % 5 == 0) {
      s->Append({i, i % 3}, other);
    } else {
      s->Append({i, i % 3}, same);
    }
  }
  for (uint64_t i = 10; i <= 250; i += 9) ASSERT_TRUE(s->Delete({i, i % 3}));
  StreamCG* g = s->CreateGroup("g", {100, 1}, 42);
  bool created;
  StreamConsumer* c = g->AddConsumer("alice", 1234, &created);
  g->AddConsumer("bob", 99, &created);
  for (uint64_t i : {1, 2, 3}) {
    auto nack = std::make_unique<StreamNACK>();
    nack->consumer = c;
    nack->delivery_time = 5000 + int64_t(i);
    nack->delivery_count = i;
    c->pel[StreamID{i, i % 3}] = nack.get();
    g->pel.emplace(StreamID{i, i % 3}, std::move(nack));
  }
  s->CreateGroup("empty", {}, StreamCG::kInvalidEntriesRead);
  CompactObj obj;
  obj.SetRobj(ObjType::kStream, s);
  ASSERT_EQ(TypeOf(obj), kTypeStreamListpacks2);
  std::string payload = DumpPayload(obj);
  CompactObj back;
  bool bad = false;
  ASSERT_TRUE(RestorePayload(payload, LoadLimits{}, &back, &bad));
  ASSERT_EQ(back.type(), ObjType::kStream);
  const StreamObj* t = back.GetRobj<StreamObj>();
  EXPECT_EQ(All(*t), All(*s));
  EXPECT_EQ(t->last_id, s->last_id);
  EXPECT_EQ(t->first_id, s->first_id);
  EXPECT_EQ(t->max_deleted_id, s->max_deleted_id);
  EXPECT_EQ(t->entries_added, s->entries_added);
  ASSERT_EQ(t->groups().size(), 2u);
  const StreamCG& tg = *t->groups().at("g");
  EXPECT_EQ(tg.last_id, (StreamID{100, 1}));
  EXPECT_EQ(tg.entries_read, 42);
  ASSERT_EQ(tg.pel.size(), 3u);
  EXPECT_EQ(tg.pel.begin()->second->consumer->name, "alice");
  EXPECT_EQ(tg.pel.begin()->second->delivery_time, 5001);
  EXPECT_EQ(tg.consumers.at("alice")->pel.size(), 3u);
  EXPECT_EQ(tg.consumers.at("bob")->seen_time, 99);
  EXPECT_EQ(t->groups().at("empty")->entries_read, StreamCG::kInvalidEntriesRead);
  // The value between the type byte and the 10-byte footer loads; every truncation fails.
  std::string body = payload.substr(1, payload.size() - 11);
  {
    Reader r(body);
    CompactObj out;
    EXPECT_TRUE(LoadStream(kTypeStreamListpacks2, &r, &out));
    EXPECT_TRUE(r.AtEnd());
  }
  for (size_t cut = 0; cut < body.size(); cut += 7) {
    Reader r(std::string_view(body).substr(0, cut));
    CompactObj out;
    EXPECT_FALSE(LoadStream(kTypeStreamListpacks2, &r, &out)) << cut;
  }
}

// A loaded stream keeps the payload's nodes (as Redis keeps its listpacks), whatever limits
// built them: here nodes of 5 entries, not the default 100.
TEST(RdbStreamTest, LoadKeepsTheNodes) {
  auto* s = new StreamObj();
  for (uint64_t i = 1; i <= 23; ++i) {
    std::string v = std::to_string(i);
    std::string_view fv[] = {"f", v};
    s->Append({i, 0}, fv, StreamLimits{4096, 5});
  }
  ASSERT_TRUE(s->Delete({7, 0}));
  CompactObj obj;
  obj.SetRobj(ObjType::kStream, s);
  CompactObj back;
  bool bad = false;
  ASSERT_TRUE(RestorePayload(DumpPayload(obj), LoadLimits{}, &back, &bad));
  const StreamObj* t = back.GetRobj<StreamObj>();
  EXPECT_EQ(t->NodeKeys(), s->NodeKeys());
  EXPECT_EQ(t->node_count(), 5u);
  EXPECT_EQ(All(*t), All(*s));
  EXPECT_EQ(Nodes(*t), Nodes(*s));  // the deleted entry 7-0 too
  EXPECT_EQ(t->max_deleted_id, (StreamID{7, 0}));
  EXPECT_EQ(t->entries_added, 23u);
}

}  // namespace
}  // namespace lw::rdb
