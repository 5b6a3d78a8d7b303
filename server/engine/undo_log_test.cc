// UndoLog on one DbSlice: whatever a script's writes did to the keys it recorded, Rollback puts
// back (value, TTL, stickiness, absence), and WATCH sees only committed writes.
#include "server/engine/undo_log.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <tuple>

#include "server/engine/db_slice.h"

namespace lw {
namespace {

// What a key looks like from outside: absent, or value, deadline and stickiness.
using KeyState = std::tuple<bool, std::string, int64_t, bool>;

KeyState StateOf(DbSlice& slice, int db, const std::string& key) {
  auto it = slice.Peek(db, key);
  if (!it) return {false, "", 0, false};
  std::string scratch;
  return {true, std::string(it->value().GetSlice(&scratch)), slice.GetExpire(db, *it),
          it->value().sticky()};
}

void Set(DbSlice& slice, int db, const std::string& key, const std::string& value) {
  auto [it, inserted] = slice.AddOrFind(db, key);
  it.value().SetString(value);
  slice.MarkModified(db, key);
}

TEST(UndoLogTest, RollbackRestoresValueTtlStickinessAndAbsence) {
  DbSlice slice(0);
  const int64_t deadline = DbSlice::NowMs() + 1000000;
  Set(slice, 0, "s", "old");
  {
    auto it = slice.Peek(0, "s");
    it->value().set_sticky(true);
    slice.SetExpire(0, *it, deadline);
  }
  UndoLog log(1);
  for (const char* k : {"s", "new"}) log.Record(&slice, 0, k);
  log.Record(&slice, 0, "s");  // a second write saves nothing
  EXPECT_EQ(log.size(), 2u);
  EXPECT_TRUE(log.Written(0));

  slice.Del(0, "s");
  Set(slice, 0, "s", "overwritten");
  Set(slice, 0, "new", "created");
  log.Rollback(&slice);

  EXPECT_EQ(StateOf(slice, 0, "s"), KeyState(true, "old", deadline, true));
  EXPECT_EQ(StateOf(slice, 0, "new"), KeyState(false, "", 0, false));
  EXPECT_FALSE(log.Written(0));
  EXPECT_EQ(slice.ExpireCount(0), 1u);
}

TEST(UndoLogTest, WatchSeesOnlyCommittedWrites) {
  DbSlice slice(0);
  auto watcher = std::make_shared<Watcher>();
  slice.watches().Add(watcher, 0, "w");

  UndoLog undone(1);
  undone.Record(&slice, 0, "w");
  {
    UndoLog::WriteScope scope(&undone, &slice);
    Set(slice, 0, "w", "x");
  }
  EXPECT_FALSE(watcher->dirty.load());
  undone.Rollback(&slice);  // the restore (a delete) is not a modification either
  EXPECT_FALSE(watcher->dirty.load());
  EXPECT_FALSE(slice.Peek(0, "w").has_value());

  UndoLog kept(1);
  kept.Record(&slice, 0, "w");
  {
    UndoLog::WriteScope scope(&kept, &slice);
    Set(slice, 0, "w", "y");
  }
  EXPECT_FALSE(watcher->dirty.load());
  kept.Commit(&slice);
  EXPECT_TRUE(watcher->dirty.load());
  EXPECT_EQ(std::get<1>(StateOf(slice, 0, "w")), "y");
}

// Random writes (set, delete, expire, persist, stick) over keys in several databases, each key
// recorded before its write as the script runner does; a rollback must leave exactly the
// state before, and a commit exactly the state after.
TEST(UndoLogTest, RandomWritesRollBackExactly) {
  std::mt19937 rng(1313);
  for (int round = 0; round < 200; ++round) {
    DbSlice slice(0);
    const int keys = 1 + int(rng() % 20);  // past the linear search of 8 sometimes
    auto name = [](int i) { return "k" + std::to_string(i); };
    for (int i = 0; i < keys; ++i) {
      if (rng() % 2) Set(slice, int(i % 3), name(i), "v" + std::to_string(rng() % 100));
    }
    std::map<std::pair<int, std::string>, KeyState> before;
    for (int db = 0; db < 3; ++db) {
      for (int i = 0; i < keys; ++i) before[{db, name(i)}] = StateOf(slice, db, name(i));
    }
    UndoLog log(1);
    for (int op = 0; op < 30; ++op) {
      int db = int(rng() % 3);
      std::string key = name(int(rng() % keys));
      log.Record(&slice, db, key);
      UndoLog::WriteScope scope(&log, &slice);
      switch (rng() % 5) {
        case 0:
          Set(slice, db, key, "w" + std::to_string(op));
          break;
        case 1:
          slice.Del(db, key);
          break;
        case 2:
          if (auto it = slice.Peek(db, key)) slice.SetExpire(db, *it, DbSlice::NowMs() + 50000);
          break;
        case 3:
          if (auto it = slice.Peek(db, key)) slice.RemoveExpire(db, *it);
          break;
        default:
          if (auto it = slice.Peek(db, key)) it->value().set_sticky(!it->value().sticky());
          break;
      }
    }
    log.Rollback(&slice);
    for (const auto& [where, state] : before) {
      EXPECT_EQ(StateOf(slice, where.first, where.second), state)
          << "round " << round << " db " << where.first << " key " << where.second;
    }
  }
}

}  // namespace
}  // namespace lw
