// WATCH's per-shard table and the DbSlice operations that report a key as modified: every
// structural change marks the key's watchers, lookups and no-op changes do not, and a flush
// marks only the watched keys it removes.
#include "server/engine/watch_registry.h"

#include <gtest/gtest.h>

#include <memory>

#include "server/engine/db_slice.h"

namespace lw {
namespace {

TEST(ShardWatchesTest, AddRemoveTouch) {
  ShardWatches t;
  EXPECT_TRUE(t.empty());
  auto w1 = std::make_shared<Watcher>(), w2 = std::make_shared<Watcher>();
  EXPECT_TRUE(t.Add(w1, 0, "k"));
  EXPECT_FALSE(t.Add(w1, 0, "k"));  // once per (watcher, key)
  EXPECT_TRUE(t.Add(w2, 0, "k"));
  EXPECT_TRUE(t.Add(w2, 1, "k"));  // another database, another key
  EXPECT_EQ(t.size(), 3u);
  t.Touch(2, "k");
  t.Touch(0, "other");
  EXPECT_FALSE(w1->dirty || w2->dirty);
  t.Touch(1, "k");
  EXPECT_FALSE(w1->dirty);
  EXPECT_TRUE(w2->dirty);
  t.Remove(w1.get(), 0, "k");
  t.Remove(w1.get(), 0, "k");  // a no-op the second time
  t.Touch(0, "k");
  EXPECT_FALSE(w1->dirty);
  t.Remove(w2.get(), 0, "k");
  t.Remove(w2.get(), 1, "k");
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.size(), 0u);
  // Long keys take the heap path of the probe.
  std::string long_key(300, 'x');
  auto w3 = std::make_shared<Watcher>();
  t.Add(w3, 5, long_key);
  t.Touch(5, long_key);
  EXPECT_TRUE(w3->dirty);
}

class DbSliceWatchTest : public ::testing::Test {
 protected:
  // A fresh watcher on `key` of db 0.
  std::shared_ptr<Watcher> Watch(std::string_view key) {
    auto w = std::make_shared<Watcher>();
    slice_.watches().Add(w, 0, key);
    return w;
  }
  DbSlice slice_{0};
};

TEST_F(DbSliceWatchTest, StructuralChangesMarkLookupsDoNot) {
  auto w = Watch("k");
  slice_.Find(0, "k");
  slice_.Peek(0, "k");
  EXPECT_FALSE(slice_.Del(0, "k"));  // nothing to delete
  EXPECT_FALSE(w->dirty);
  slice_.AddOrFind(0, "k");  // created
  EXPECT_TRUE(w->dirty);

  w = Watch("k");
  slice_.AddOrFind(0, "k");  // found, not inserted
  auto it = slice_.Find(0, "k");
  ASSERT_TRUE(it.ok());
  EXPECT_FALSE(slice_.RemoveExpire(0, *it));  // had none
  EXPECT_FALSE(w->dirty);
  slice_.SetExpire(0, *it, DbSlice::NowMs() + 100000);
  EXPECT_TRUE(w->dirty);

  w = Watch("k");
  EXPECT_TRUE(slice_.RemoveExpire(0, *slice_.Find(0, "k")));
  EXPECT_TRUE(w->dirty);

  w = Watch("k");
  slice_.MarkModified(0, "other");
  EXPECT_FALSE(w->dirty);
  slice_.MarkModified(0, *slice_.Find(0, "k"));  // an in-place change reported by its command
  EXPECT_TRUE(w->dirty);

  w = Watch("k");
  EXPECT_TRUE(slice_.Del(0, "k"));
  EXPECT_TRUE(w->dirty);
}

TEST_F(DbSliceWatchTest, LazyExpiryMarks) {
  auto [it, inserted] = slice_.AddOrFind(0, "e");
  slice_.SetExpire(0, it, DbSlice::NowMs() - 1);
  auto w = Watch("e");
  EXPECT_FALSE(slice_.Peek(0, "e").has_value());  // expired: deleted on lookup
  EXPECT_TRUE(w->dirty);
}

TEST_F(DbSliceWatchTest, FlushMarksOnlyKeysItRemoves) {
  slice_.AddOrFind(0, "present");
  slice_.AddOrFind(1, "present");
  auto present = Watch("present");
  auto absent = Watch("absent");
  slice_.FlushDb(1);  // another database
  EXPECT_FALSE(present->dirty);
  slice_.FlushDb(0);
  EXPECT_TRUE(present->dirty);
  EXPECT_FALSE(absent->dirty);
  slice_.AddOrFind(0, "again");
  auto again = Watch("again");
  slice_.FlushAll();
  EXPECT_TRUE(again->dirty);
}

}  // namespace
}  // namespace lw
