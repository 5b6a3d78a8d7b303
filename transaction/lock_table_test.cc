#include "transaction/lock_table.h"

#include <gtest/gtest.h>

namespace lw::tx {
namespace {

TEST(IntentLockTest, SharedAndExclusive) {
  IntentLock lock;
  EXPECT_TRUE(lock.Compatible(LockMode::kExclusive));
  lock.Acquire(LockMode::kShared);
  EXPECT_TRUE(lock.OnlyHolder(LockMode::kShared));
  EXPECT_TRUE(lock.Compatible(LockMode::kShared));
  EXPECT_FALSE(lock.Compatible(LockMode::kExclusive));
  lock.Acquire(LockMode::kExclusive);
  EXPECT_FALSE(lock.OnlyHolder(LockMode::kExclusive));
  EXPECT_FALSE(lock.OnlyHolder(LockMode::kShared));
  lock.Release(LockMode::kShared);
  EXPECT_TRUE(lock.OnlyHolder(LockMode::kExclusive));
  lock.Release(LockMode::kExclusive);
  EXPECT_TRUE(lock.Free());
}

TEST(LockTableTest, EntriesLiveOnlyWhileHeld) {
  LockTable table;
  table.Acquire(1, LockMode::kShared);
  table.Acquire(1, LockMode::kShared);
  table.Acquire(2, LockMode::kExclusive);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.Get(1).shared, 2u);
  EXPECT_TRUE(table.OnlyHolder(1, LockMode::kShared));
  EXPECT_FALSE(table.Compatible(1, LockMode::kExclusive));
  EXPECT_TRUE(table.Compatible(3, LockMode::kExclusive));
  table.Release(1, LockMode::kShared);
  table.Release(1, LockMode::kShared);
  table.Release(2, LockMode::kExclusive);
  EXPECT_EQ(table.size(), 0u);
}

}  // namespace
}  // namespace lw::tx
