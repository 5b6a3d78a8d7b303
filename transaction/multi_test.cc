// Multi modes: lock-ahead, global and non-atomic sequences of commands under one Transaction.
#include <atomic>
#include <set>
#include <thread>

#include "io/done.h"
#include "transaction/test_util.h"

namespace lw::tx {
namespace {

using std::string_view;

class MultiTest : public ShardSetTest {};

TEST_F(MultiTest, LockAheadRunsHopsOnSubsetsOfShards) {
  std::string a = KeyOn(0, "a"), b = KeyOn(1, "b"), c = KeyOn(2, "c"), other = KeyOn(1, "z");
  OnThread(0, [&] {
    Transaction tx(shards_.get());
    string_view declared[] = {a, b, c};
    tx.StartMulti(MultiMode::kLockAhead, declared);
    EXPECT_TRUE(tx.IsKeyLocked(b, LockMode::kExclusive));
    EXPECT_FALSE(tx.IsKeyLocked(other, LockMode::kShared));

    // Shards of one hop run in parallel: each marks only its own slot.
    std::vector<std::atomic<bool>> hit(3);
    auto ran = [&] {
      std::set<ShardId> out;
      for (ShardId i = 0; i < 3; ++i) {
        if (hit[i].exchange(false)) out.insert(i);
      }
      return out;
    };
    auto record = [&](Transaction* t, EngineShard* s) {
      hit[s->id()] = true;
      for (const ShardArg& arg : t->ShardArgs(s->id())) SliceOf(s)->ints[std::string(arg.key)]++;
      return OpStatus::kOk;
    };
    string_view first[] = {a};
    EXPECT_EQ(tx.ExecuteCommand(first, LockMode::kExclusive, record), OpStatus::kOk);
    EXPECT_EQ(ran(), (std::set<ShardId>{0}));
    string_view second[] = {c, b};
    EXPECT_EQ(tx.ExecuteCommand(second, LockMode::kShared, record), OpStatus::kOk);
    EXPECT_EQ(ran(), (std::set<ShardId>{1, 2}));
    // An undeclared key is refused and nothing runs.
    string_view bad[] = {a, other};
    EXPECT_EQ(tx.ExecuteCommand(bad, LockMode::kShared, record), OpStatus::kInvalidArg);
    EXPECT_TRUE(ran().empty());
    tx.UnlockMulti();
  });
  EXPECT_EQ(slices_[0].ints[a], 1);
  EXPECT_EQ(slices_[1].ints[b], 1);
  EXPECT_EQ(slices_[2].ints[c], 1);
}

TEST_F(MultiTest, SharedDeclarationRefusesWrites) {
  std::string a = KeyOn(2);
  OnThread(1, [&] {
    Transaction tx(shards_.get());
    string_view declared[] = {a};
    tx.StartMulti(MultiMode::kLockAhead, declared, LockMode::kShared);
    auto noop = [](Transaction*, EngineShard*) { return OpStatus::kOk; };
    EXPECT_EQ(tx.ExecuteCommand(declared, LockMode::kShared, noop), OpStatus::kOk);
    EXPECT_EQ(tx.ExecuteCommand(declared, LockMode::kExclusive, noop), OpStatus::kInvalidArg);
    ShardId elsewhere[] = {0};
    if (shards_->ShardOf(a) != 0) {
      EXPECT_EQ(tx.ExecuteOnShards(elsewhere, noop), OpStatus::kInvalidArg);
    }
    tx.UnlockMulti();
  });
}

// While a lock-ahead script holds its keys between hops, conflicting commands wait and the
// rest of the shard keeps serving.
TEST_F(MultiTest, LockAheadIsolatesAcrossHops) {
  std::string a = KeyOn(0, "a"), free_key = KeyOn(0, "f");
  io::Done script_started, let_script_finish;
  std::atomic<bool> script_done{false}, writer_done{false};
  io::BlockingCounter all(2);
  pool_->at(1)->Dispatch([&] {
    Transaction tx(shards_.get());
    string_view declared[] = {a};
    tx.StartMulti(MultiMode::kLockAhead, declared);
    tx.ExecuteCommand(declared, LockMode::kExclusive, [&](Transaction*, EngineShard* s) {
      SliceOf(s)->ints[a] = 1;
      return OpStatus::kOk;
    });
    script_started.Notify();
    let_script_finish.Wait();
    tx.ExecuteCommand(declared, LockMode::kExclusive, [&](Transaction*, EngineShard* s) {
      SliceOf(s)->ints[a] = 2;
      return OpStatus::kOk;
    });
    script_done = true;
    tx.UnlockMulti();
    all.Dec();
  });
  script_started.Wait();
  pool_->at(2)->Dispatch([&] {
    Transaction tx(shards_.get());
    string_view keys[] = {a};
    tx.InitByKeys(keys, LockMode::kExclusive);
    tx.ScheduleSingleHop([&](Transaction*, EngineShard* s) {
      EXPECT_EQ(SliceOf(s)->ints[a], 2);  // never the script's middle state
      SliceOf(s)->ints[a] = 3;
      return OpStatus::kOk;
    });
    writer_done = true;
    all.Dec();
  });
  OnThread(2, [&] {
    Transaction tx(shards_.get());
    string_view keys[] = {free_key};
    tx.InitByKeys(keys, LockMode::kExclusive);
    EXPECT_EQ(tx.ScheduleSingleHop([](Transaction*, EngineShard*) { return OpStatus::kOk; }),
              OpStatus::kOk);
  });
  EXPECT_FALSE(writer_done.load());
  let_script_finish.Notify();
  all.Wait();
  EXPECT_TRUE(script_done.load());
  EXPECT_EQ(slices_[0].ints[a], 3);
}

TEST_F(MultiTest, GlobalModeLocksEveryShard) {
  std::string a = KeyOn(1);
  io::Done holding, release;
  std::atomic<bool> multi_done{false};
  io::BlockingCounter all(2);
  pool_->at(0)->Dispatch([&] {
    Transaction tx(shards_.get());
    tx.StartMulti(MultiMode::kGlobal);
    std::vector<ShardId> every = {0, 1, 2};
    std::atomic<int> hops{0};
    EXPECT_EQ(tx.ExecuteOnShards(every,
                                 [&](Transaction*, EngineShard*) {
                                   ++hops;
                                   return OpStatus::kOk;
                                 }),
              OpStatus::kOk);
    EXPECT_EQ(hops.load(), 3);
    // Any key is allowed in global mode.
    string_view keys[] = {a};
    EXPECT_TRUE(tx.IsKeyLocked(a, LockMode::kExclusive));
    holding.Notify();
    release.Wait();
    tx.ExecuteCommand(keys, LockMode::kExclusive, [&](Transaction*, EngineShard* s) {
      SliceOf(s)->ints[a] = 10;
      return OpStatus::kOk;
    });
    multi_done = true;
    tx.UnlockMulti();
    all.Dec();
  });
  holding.Wait();
  pool_->at(1)->Dispatch([&] {
    Transaction tx(shards_.get());
    string_view keys[] = {a};
    tx.InitByKeys(keys, LockMode::kShared);
    tx.ScheduleSingleHop([&](Transaction*, EngineShard* s) {
      EXPECT_TRUE(multi_done.load());
      EXPECT_EQ(SliceOf(s)->ints[a], 10);
      return OpStatus::kOk;
    });
    all.Dec();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  release.Notify();
  all.Wait();
}

// Non-atomic: every command is a transaction of its own (single-shard ones take the fast
// path) and nothing is held between commands, so others can interleave.
TEST_F(MultiTest, NonAtomicCommandsAreTransactionsOfTheirOwn) {
  std::string a = KeyOn(0), b = KeyOn(2);
  EngineShard::Stats before = TotalStats();
  OnThread(0, [&] {
    Transaction tx(shards_.get());
    tx.StartMulti(MultiMode::kNonAtomic);
    string_view first[] = {a};
    auto incr = [&](Transaction* t, EngineShard* s) {
      for (const ShardArg& arg : t->ShardArgs(s->id())) SliceOf(s)->ints[std::string(arg.key)]++;
      return OpStatus::kOk;
    };
    tx.ExecuteCommand(first, LockMode::kExclusive, incr);
    // Another coordinator writes `a` between our commands: no lock of ours is in its way.
    pool_->at(1)->AwaitFiber([&] {
      Transaction other(shards_.get());
      other.InitByKeys(first, LockMode::kExclusive);
      other.ScheduleSingleHop(incr);
    });
    string_view second[] = {b, a};
    tx.ExecuteCommand(second, LockMode::kExclusive, incr);
    ShardId one[] = {1};
    EXPECT_EQ(tx.ExecuteOnShards(one,
                                 [](Transaction*, EngineShard* s) {
                                   return s->id() == 1 ? OpStatus::kOk : OpStatus::kInvalidArg;
                                 }),
              OpStatus::kOk);
    tx.UnlockMulti();
  });
  EngineShard::Stats after = TotalStats();
  EXPECT_EQ(slices_[0].ints[a], 3);
  EXPECT_EQ(slices_[2].ints[b], 1);
  EXPECT_EQ(after.quick_inline + after.quick_remote - before.quick_inline - before.quick_remote,
            3u);
}

// Locks learned while running (README.md): before the first hop LockMore restarts and cannot
// fail; afterwards a shard refuses a lock that a younger transaction touched there, grants
// one nobody younger touched, and a learned key is usable by ExecuteCommand.
TEST_F(MultiTest, LockMoreGrantsOnlyWhatKeepsTheOrder) {
  std::string a = KeyOn(0, "a"), b = KeyOn(1, "b"), c = KeyOn(1, "c"), d = KeyOn(2, "d");
  auto bump = [](Transaction* t, EngineShard* s) {
    for (const ShardArg& arg : t->ShardArgs(s->id())) SliceOf(s)->ints[std::string(arg.key)]++;
    return OpStatus::kOk;
  };
  OnThread(0, [&] {
    Transaction tx(shards_.get());
    tx.StartMulti(MultiMode::kLockAhead, {});
    string_view first[] = {a};
    EXPECT_TRUE(tx.LockMore(first, LockMode::kExclusive));  // no hop yet: restarts
    EXPECT_EQ(tx.ExecuteCommand(first, LockMode::kExclusive, bump), OpStatus::kOk);

    // A younger multi-shard transaction writes b (and d) while tx runs.
    Transaction younger(shards_.get());
    string_view bd[] = {b, d};
    younger.InitByKeys(bd, LockMode::kExclusive);
    EXPECT_EQ(younger.ScheduleSingleHop(bump), OpStatus::kOk);

    string_view want_b[] = {b};
    EXPECT_FALSE(tx.LockMore(want_b, LockMode::kExclusive));
    EXPECT_TRUE(tx.refused());
    EXPECT_FALSE(tx.IsKeyLocked(b, LockMode::kShared));
    // c shares b's shard but nobody younger touched it: the access table tells them apart.
    string_view want_c[] = {c};
    EXPECT_TRUE(tx.LockMore(want_c, LockMode::kExclusive));
    EXPECT_EQ(tx.ExecuteCommand(want_c, LockMode::kExclusive, bump), OpStatus::kOk);
    tx.UnlockMulti();
  });
  EXPECT_EQ(slices_[0].ints[a], 1);
  EXPECT_EQ(slices_[1].ints[b], 1);
  EXPECT_EQ(TotalStats().locks_refused, 1u);
}

}  // namespace
}  // namespace lw::tx
