// Basic paths of Transaction: key mapping, the single-shard fast paths, per-shard arguments,
// multi-hop transactions, errors and abandonment, out-of-order execution.
#include "transaction/transaction.h"

#include <atomic>
#include <set>
#include <thread>

#include "io/done.h"
#include "io/fiber.h"
#include "transaction/test_util.h"

namespace lw::tx {
namespace {

using std::string_view;

class TransactionTest : public ShardSetTest {};

TEST_F(TransactionTest, KeyMapping) {
  EXPECT_EQ(shards_->ShardOf("{user1}.a"), shards_->ShardOf("{user1}.b"));
  EXPECT_EQ(shards_->ShardOf("{user1}.a"), shards_->ShardOf("user1"));
  EXPECT_NE(shards_->LockFingerprint("{user1}.a"), shards_->LockFingerprint("{user1}.b"));
  std::set<ShardId> used;
  for (int i = 0; i < 100; ++i) used.insert(shards_->ShardOf("key:" + std::to_string(i)));
  EXPECT_EQ(used.size(), shards_->size());
}

TEST_F(TransactionTest, QuickPathInlineAndRemote) {
  std::string local = KeyOn(0), remote = KeyOn(1);
  OnThread(0, [&] {
    for (const std::string& key : {local, remote}) {
      Transaction tx(shards_.get());
      string_view keys[] = {key};
      tx.InitByKeys(keys, LockMode::kExclusive);
      OpStatus st = tx.ScheduleSingleHop([&](Transaction* t, EngineShard* shard) {
        EXPECT_EQ(shard, EngineShard::Current());
        EXPECT_EQ(t->txid(), 0u);  // no global id on the fast path
        SliceOf(shard)->ints[key] += 1;
        return OpStatus::kOk;
      });
      EXPECT_EQ(st, OpStatus::kOk);
    }
  });
  EngineShard::Stats stats = TotalStats();
  EXPECT_EQ(stats.quick_inline, 1u);
  EXPECT_EQ(stats.quick_remote, 1u);
  EXPECT_EQ(stats.scheduled, 0u);
  EXPECT_EQ(slices_[0].ints[local], 1);
  EXPECT_EQ(slices_[1].ints[remote], 1);
}

// A single hop over the caller's shard and one other (RunPaired): the remote half runs at once,
// unqueued, when nothing holds its keys there; when a queued transaction holds one, it queues
// behind it and runs only after that one concluded.
TEST_F(TransactionTest, PairedRemoteHalfRunsUnqueuedOnlyWhenFree) {
  std::string local = KeyOn(0), remote = KeyOn(1);
  auto paired = [&] {
    Transaction tx(shards_.get());
    string_view keys[] = {local, remote};
    tx.InitByKeys(keys, LockMode::kExclusive);
    return tx.ScheduleSingleHop([&](Transaction* t, EngineShard* shard) {
      EXPECT_NE(t->txid(), 0u);
      for (const ShardArg& arg : t->ShardArgs(shard->id())) {
        SliceOf(shard)->ints[std::string(arg.key)] += 1;
      }
      return OpStatus::kOk;
    });
  };
  OnThread(0, [&] { EXPECT_EQ(paired(), OpStatus::kOk); });
  EngineShard::Stats stats = TotalStats();
  EXPECT_EQ(stats.quick_paired, 1u);
  EXPECT_EQ(stats.scheduled, 1u);  // the local half only
  EXPECT_EQ(slices_[0].ints[local], 1);
  EXPECT_EQ(slices_[1].ints[remote], 1);

  io::Done holding, release, paired_done;
  pool_->at(2)->Dispatch([&] {
    Transaction holder(shards_.get());
    string_view keys[] = {remote};
    holder.StartMulti(MultiMode::kLockAhead, keys);
    holding.Notify();
    release.Wait();
    shards_->AwaitBrief(1, [&](EngineShard* s) { SliceOf(s)->ints[remote] = 10; });
    holder.UnlockMulti();
  });
  holding.Wait();
  pool_->at(0)->Dispatch([&] {
    EXPECT_EQ(paired(), OpStatus::kOk);
    paired_done.Notify();
  });
  EXPECT_FALSE(paired_done.WaitFor(std::chrono::milliseconds(50)));  // queued behind it
  release.Notify();
  paired_done.Wait();
  stats = TotalStats();
  EXPECT_EQ(stats.quick_paired, 1u);
  EXPECT_EQ(slices_[0].ints[local], 2);
  EXPECT_EQ(slices_[1].ints[remote], 11);  // ran after the holder's write
}

// On two threads a global one-hop transaction is paired too; its remote half must still wait
// for every keyed transaction holding locks there (a snapshot's cut inside a script broke a
// transfer in half when it did not).
class TwoThreadTransactionTest : public ShardSetTest {
 protected:
  TwoThreadTransactionTest() { num_threads_ = 2; }
};

TEST_F(TwoThreadTransactionTest, PairedGlobalWaitsForKeyedHolders) {
  std::string remote = KeyOn(1);
  io::Done holding, release, global_done;
  std::atomic<bool> released{false};
  pool_->at(1)->Dispatch([&] {
    Transaction holder(shards_.get());
    string_view keys[] = {remote};
    holder.StartMulti(MultiMode::kLockAhead, keys);
    holding.Notify();
    release.Wait();
    released = true;
    holder.UnlockMulti();
  });
  holding.Wait();
  pool_->at(0)->Dispatch([&] {
    Transaction global(shards_.get());
    global.InitGlobal();
    global.ScheduleSingleHop([&](Transaction*, EngineShard*) {
      EXPECT_TRUE(released.load());
      return OpStatus::kOk;
    });
    global_done.Notify();
  });
  EXPECT_FALSE(global_done.WaitFor(std::chrono::milliseconds(50)));
  release.Notify();
  global_done.Wait();
  EXPECT_EQ(TotalStats().quick_paired, 0u);
}

TEST_F(TransactionTest, MGetAcrossShardsKeepsIndices) {
  std::vector<std::string> names = {KeyOn(2, "a"), KeyOn(0, "b"), KeyOn(1, "c"), KeyOn(2, "d"),
                                    KeyOn(0, "e")};
  shards_->AwaitBriefOnAll([&](EngineShard* s) {
    for (const auto& n : names) {
      if (shards_->ShardOf(n) == s->id()) SliceOf(s)->ints[n] = int64_t(n[0]);
    }
  });
  std::vector<string_view> keys(names.begin(), names.end());
  std::vector<int64_t> out(keys.size(), -1);
  OnThread(1, [&] {
    Transaction tx(shards_.get());
    tx.InitByKeys(keys, LockMode::kShared);
    EXPECT_EQ(tx.active_shards().size(), 3u);
    tx.ScheduleSingleHop([&](Transaction* t, EngineShard* shard) {
      uint32_t last = 0;
      for (const ShardArg& arg : t->ShardArgs(shard->id())) {
        EXPECT_EQ(shards_->ShardOf(arg.key), shard->id());
        EXPECT_GE(arg.index, last);  // original order
        last = arg.index;
        out[arg.index] = SliceOf(shard)->ints[std::string(arg.key)];
      }
      return OpStatus::kOk;
    });
  });
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(out[i], int64_t(names[i][0]));
}

TEST_F(TransactionTest, ErrorsAreReturnedAndLocksReleased) {
  std::string a = KeyOn(0), b = KeyOn(1);
  OnThread(2, [&] {
    Transaction tx(shards_.get());
    string_view keys[] = {a, b};
    tx.InitByKeys(keys, LockMode::kExclusive);
    OpStatus st = tx.ScheduleSingleHop([&](Transaction*, EngineShard* shard) {
      return shard->id() == 1 ? OpStatus::kWrongType : OpStatus::kOk;
    });
    EXPECT_EQ(st, OpStatus::kWrongType);
    EXPECT_EQ(tx.shard_status(0), OpStatus::kOk);
  });
  // TearDown checks that nothing is held.
}

TEST_F(TransactionTest, AbandonedTransactionReleasesLocks) {
  std::string a = KeyOn(0), b = KeyOn(2);
  OnThread(1, [&] {
    auto tx = std::make_unique<Transaction>(shards_.get());
    string_view keys[] = {a, b};
    tx->InitByKeys(keys, LockMode::kExclusive);
    tx->Schedule();
    tx->Execute([](Transaction*, EngineShard*) { return OpStatus::kOk; }, /*conclude=*/false);
    tx.reset();  // the coordinator gives up mid-way
  });
  ExpectIdle();
}

TEST_F(TransactionTest, MultiHopSeesItsOwnWrites) {
  std::string a = KeyOn(0), b = KeyOn(1);
  OnThread(0, [&] {
    Transaction tx(shards_.get());
    string_view keys[] = {a, b};
    tx.InitByKeys(keys, LockMode::kExclusive);
    tx.Schedule();
    EXPECT_NE(tx.txid(), 0u);
    tx.Execute(
        [](Transaction* t, EngineShard* s) {
          for (const ShardArg& arg : t->ShardArgs(s->id()))
            SliceOf(s)->ints[std::string(arg.key)] = 7;
          return OpStatus::kOk;
        },
        false);
    OpStatus st = tx.Execute(
        [](Transaction* t, EngineShard* s) {
          for (const ShardArg& arg : t->ShardArgs(s->id())) {
            if (SliceOf(s)->ints[std::string(arg.key)] != 7) return OpStatus::kInvalidValue;
          }
          return OpStatus::kOk;
        },
        true);
    EXPECT_EQ(st, OpStatus::kOk);
  });
}

// A transaction that holds key A (and sits at the head of shard 0's queue) does not hold up
// transactions on other keys of that shard: they run out of order. Conflicting ones wait.
TEST_F(TransactionTest, OutOfOrderWhenUncontended) {
  std::string a = KeyOn(0, "a"), b = KeyOn(0, "b"), c = KeyOn(1, "c");
  io::Done holder_ready, release_holder;
  std::atomic<bool> conflicting_ran{false};
  std::atomic<bool> holder_released{false};

  io::BlockingCounter all(3);
  pool_->at(0)->Dispatch([&] {
    Transaction holder(shards_.get());
    string_view keys[] = {a};
    holder.StartMulti(MultiMode::kLockAhead, keys);
    holder_ready.Notify();
    release_holder.Wait();
    holder_released = true;
    holder.UnlockMulti();
    all.Dec();
  });
  holder_ready.Wait();
  EngineShard::Stats before = TotalStats();

  // Uncontended 2-shard transaction: runs although the holder is older and still queued.
  // (Coordinated from a third thread: from shard 1's, the paired path would run shard 0's half
  // unqueued, see PairedRemoteHalfRunsUnqueuedOnlyWhenFree.)
  OnThread(2, [&] {
    Transaction tx(shards_.get());
    string_view keys[] = {b, c};
    tx.InitByKeys(keys, LockMode::kExclusive);
    EXPECT_EQ(tx.ScheduleSingleHop([](Transaction*, EngineShard*) { return OpStatus::kOk; }),
              OpStatus::kOk);
  });
  EngineShard::Stats after = TotalStats();
  EXPECT_EQ(after.ooo_runs - before.ooo_runs, 1u);    // shard 0: behind the holder
  EXPECT_EQ(after.head_runs - before.head_runs, 1u);  // shard 1: alone in its queue

  // Conflicting single-shard write on A: no fast path, waits for the holder.
  pool_->at(2)->Dispatch([&] {
    Transaction tx(shards_.get());
    string_view keys[] = {a};
    tx.InitByKeys(keys, LockMode::kExclusive);
    tx.ScheduleSingleHop([&](Transaction*, EngineShard*) {
      EXPECT_TRUE(holder_released.load());
      conflicting_ran = true;
      return OpStatus::kOk;
    });
    all.Dec();
  });
  // A reader of an unrelated key on the same shard takes the fast path meanwhile.
  OnThread(0, [&] {
    Transaction tx(shards_.get());
    string_view keys[] = {b};
    tx.InitByKeys(keys, LockMode::kShared);
    tx.ScheduleSingleHop([](Transaction*, EngineShard*) { return OpStatus::kOk; });
  });
  EXPECT_FALSE(conflicting_ran.load());
  release_holder.Notify();
  all.Dec();
  all.Wait();
  EXPECT_TRUE(conflicting_ran.load());
  EXPECT_GE(TotalStats().quick_inline, 1u);
}

// Two transactions that conflict with each other but not with an older, long-running one at
// the head of the queue do not wait for it: each waits only for older conflicting ones.
TEST_F(TransactionTest, ConflictsDoNotWaitForAnUnrelatedHead) {
  std::string a = KeyOn(0, "a"), b = KeyOn(0, "b");
  io::Done holder_ready, release_holder, first_holds, release_first, second_done;
  io::BlockingCounter all{3};
  pool_->at(0)->Dispatch([&] {
    Transaction holder(shards_.get());
    string_view keys[] = {a};
    holder.StartMulti(MultiMode::kLockAhead, keys);
    holder_ready.Notify();
    release_holder.Wait();
    holder.UnlockMulti();
    all.Dec();
  });
  holder_ready.Wait();
  pool_->at(1)->Dispatch([&] {
    Transaction tx(shards_.get());
    string_view keys[] = {b};
    tx.InitByKeys(keys, LockMode::kExclusive);
    tx.Schedule();
    tx.Execute([](Transaction*, EngineShard*) { return OpStatus::kOk; }, false);
    first_holds.Notify();
    release_first.Wait();
    tx.Execute([](Transaction*, EngineShard*) { return OpStatus::kOk; }, true);
    all.Dec();
  });
  first_holds.Wait();
  // Two followers on `b`: once the first transaction concludes, each still sees the other's
  // intent on `b`, so only the "no older conflicting transaction" rule lets them go.
  io::BlockingCounter followers{2};
  for (int i = 0; i < 2; ++i) {
    pool_->at(2)->Dispatch([&] {
      Transaction tx(shards_.get());
      string_view keys[] = {b};
      tx.InitByKeys(keys, LockMode::kExclusive);
      tx.ScheduleSingleHop([](Transaction*, EngineShard*) { return OpStatus::kOk; });
      followers.Dec();
    });
  }
  while (true) {  // both followers queued behind the first
    size_t queued = 0;
    shards_->AwaitBrief(0, [&](EngineShard* s) { queued = s->queue_size(); });
    if (queued == 4) break;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  pool_->at(2)->Dispatch([&] {
    followers.Wait();
    second_done.Notify();
    all.Dec();
  });
  release_first.Notify();
  // A liveness check, not a speed one: with head-of-line blocking this would never happen
  // before the holder is released.
  EXPECT_TRUE(second_done.WaitFor(std::chrono::seconds(30)));
  release_holder.Notify();
  all.Wait();
}

// A late arrival (README.md, "The late arrival problem"): transaction T took its id, then a
// younger one ran on shard 1 before T's request got there. The shard refuses T only when the
// younger one touched one of T's locks there; otherwise T takes its place at its id. A
// transaction queued at the tail counts as a touch already (its client may have its answer).
TEST_F(TransactionTest, LateArrivalRefusedOnlyWhenAYoungerOneTouchedItsLocks) {
  const std::string k1 = KeyOn(1, "a"), k2 = KeyOn(1, "b"), k3 = KeyOn(2, "c");
  auto bump = [](Transaction* t, EngineShard* s) {
    for (const ShardArg& arg : t->ShardArgs(s->id())) SliceOf(s)->ints[std::string(arg.key)]++;
    return OpStatus::kOk;
  };
  // younger: 0 runs a hop on k1, 1 queues at the tail on k1 behind a holder of k1.
  for (int younger : {0, 1}) {
    for (bool shares : {false, true}) {
      SCOPED_TRACE("younger " + std::to_string(younger) + " shares " + std::to_string(shares));
      const EngineShard::Stats before = TotalStats();
      std::atomic<bool> spinning{false}, begun{false}, younger_done{false};
      io::Done finished;
      // Thread 1 is held by this fiber until T took its id, so T's request waits in its queue
      // while the younger transaction gets its id and runs (or queues) first.
      pool_->at(1)->Dispatch([&] {
        Transaction holder(shards_.get());
        string_view h1[] = {k1};
        if (younger == 1) {
          holder.StartMulti(MultiMode::kLockAhead, h1, LockMode::kExclusive);
          holder.ExecuteCommand(h1, LockMode::kExclusive, bump);  // holds k1
        }
        spinning = true;
        while (!begun.load()) {
        }
        Transaction y(shards_.get());
        y.InitByKeys(h1, LockMode::kExclusive);
        if (younger == 0) {
          y.Schedule();  // local, single shard: an id taken here, after T's
          y.Execute(bump, /*conclude=*/true);
          younger_done = true;
        } else {
          y.BeginSchedule();  // queued at the tail behind the holder, not run yet
          younger_done = true;
          io::this_fiber::Yield();  // T's request is handled while y waits for the holder
          holder.UnlockMulti();
          y.Execute(bump, /*conclude=*/true);
        }
        finished.Notify();
      });
      while (!spinning.load()) std::this_thread::yield();
      bool retried = false;
      OnThread(0, [&] {
        Transaction t(shards_.get());
        string_view mine[] = {shares ? string_view(k1) : string_view(k2), k3};
        t.InitByKeys(mine, LockMode::kExclusive);
        t.BeginSchedule();  // its id is older than y's; its request to shard 1 waits
        begun = true;
        retried = t.AwaitScheduled();
        EXPECT_TRUE(younger_done.load());
        t.Execute(bump, /*conclude=*/true);
      });
      finished.Wait();
      const EngineShard::Stats after = TotalStats();
      EXPECT_EQ(retried, shares);
      EXPECT_EQ(after.schedule_conflicts - before.schedule_conflicts, shares ? 1u : 0u);
      EXPECT_EQ(after.late_accepted - before.late_accepted, shares ? 0u : 1u);
    }
  }
  // y four times, the holder twice, T in its two runs over k1.
  EXPECT_EQ(slices_[1].ints[k1], 4 + 2 + 2);
  EXPECT_EQ(slices_[1].ints[k2], 2);
}

TEST_F(TransactionTest, GlobalTransactionExcludesKeyedOnes) {
  std::string a = KeyOn(1);
  io::Done global_holds, release_global;
  std::atomic<bool> global_done{false};
  io::BlockingCounter all(2);
  pool_->at(0)->Dispatch([&] {
    Transaction tx(shards_.get());
    tx.InitGlobal();
    tx.Schedule();
    tx.Execute([](Transaction*, EngineShard*) { return OpStatus::kOk; }, false);
    global_holds.Notify();
    release_global.Wait();
    global_done = true;
    tx.Execute([](Transaction*, EngineShard*) { return OpStatus::kOk; }, true);
    all.Dec();
  });
  global_holds.Wait();
  pool_->at(1)->Dispatch([&] {
    Transaction tx(shards_.get());
    string_view keys[] = {a};
    tx.InitByKeys(keys, LockMode::kShared);
    tx.ScheduleSingleHop([&](Transaction*, EngineShard*) {
      EXPECT_TRUE(global_done.load());
      return OpStatus::kOk;
    });
    all.Dec();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  release_global.Notify();
  all.Wait();
}

// A shared global transaction (a read of the whole keyspace) runs alongside keyed readers and
// other shared global ones, while a keyed writer waits for it, and it waits for an older one.
TEST_F(TransactionTest, SharedGlobalExcludesOnlyWriters) {
  std::string a = KeyOn(1);
  string_view keys[] = {a};
  io::Done global_holds, release_global;
  std::atomic<bool> global_done{false};
  io::BlockingCounter all(2);
  pool_->at(0)->Dispatch([&] {
    Transaction tx(shards_.get());
    tx.InitGlobal(LockMode::kShared);
    tx.Schedule();
    EXPECT_TRUE(tx.HoldsGlobal(LockMode::kShared));
    EXPECT_FALSE(tx.HoldsGlobal(LockMode::kExclusive));
    tx.Execute([](Transaction*, EngineShard*) { return OpStatus::kOk; }, false);
    global_holds.Notify();
    release_global.Wait();
    global_done = true;
    tx.Execute([](Transaction*, EngineShard*) { return OpStatus::kOk; }, true);
    all.Dec();
  });
  global_holds.Wait();
  // Readers do not wait for it (they finish while it still holds).
  pool_->at(1)->AwaitFiber([&] {
    Transaction reader(shards_.get());
    reader.InitByKeys(keys, LockMode::kShared);
    reader.ScheduleSingleHop([&](Transaction*, EngineShard*) {
      EXPECT_FALSE(global_done.load());
      return OpStatus::kOk;
    });
    Transaction other(shards_.get());
    other.InitGlobal(LockMode::kShared);
    other.ScheduleSingleHop([&](Transaction*, EngineShard*) {
      EXPECT_FALSE(global_done.load());
      return OpStatus::kOk;
    });
  });
  // A writer does.
  pool_->at(1)->Dispatch([&] {
    Transaction writer(shards_.get());
    writer.InitByKeys(keys, LockMode::kExclusive);
    writer.ScheduleSingleHop([&](Transaction*, EngineShard*) {
      EXPECT_TRUE(global_done.load());
      return OpStatus::kOk;
    });
    all.Dec();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  release_global.Notify();
  all.Wait();
  shards_->AwaitBriefOnAll([](EngineShard* s) { EXPECT_TRUE(s->IsIdle()); });
}

// In a global multi transaction taken shared, a write command is refused.
TEST_F(TransactionTest, SharedGlobalMultiRefusesWrites) {
  std::string a = KeyOn(0);
  string_view keys[] = {a};
  pool_->at(0)->AwaitFiber([&] {
    Transaction tx(shards_.get());
    tx.StartMulti(MultiMode::kGlobal, {}, LockMode::kShared);
    auto noop = [](Transaction*, EngineShard*) { return OpStatus::kOk; };
    EXPECT_EQ(tx.ExecuteCommand(keys, LockMode::kShared, noop), OpStatus::kOk);
    EXPECT_EQ(tx.ExecuteCommand(keys, LockMode::kExclusive, noop), OpStatus::kInvalidArg);
    EXPECT_TRUE(tx.IsKeyLocked(a, LockMode::kShared));
    EXPECT_FALSE(tx.IsKeyLocked(a, LockMode::kExclusive));
    tx.UnlockMulti();
  });
  shards_->AwaitBriefOnAll([](EngineShard* s) { EXPECT_TRUE(s->IsIdle()); });
}

TEST_F(TransactionTest, LockOnHashtagsCoversTheTag) {
  // Under the default options two keys with one tag do not conflict.
  std::string k1 = "{t}one", k2 = "{t}two";
  EXPECT_NE(shards_->LockFingerprint(k1), shards_->LockFingerprint(k2));
  // One ShardSet per pool: the tagged one gets a pool of its own.
  io::ProactorPool pool(2);
  pool.Start();
  auto tagged_ptr = std::make_unique<ShardSet>(&pool, ShardSetOptions{.lock_on_hashtags = true});
  ShardSet& tagged = *tagged_ptr;
  EXPECT_EQ(tagged.LockFingerprint(k1), tagged.LockFingerprint(k2));
  pool.at(0)->AwaitFiber([&] {
    Transaction tx(&tagged);
    string_view keys[] = {k1};
    tx.StartMulti(MultiMode::kLockAhead, keys);
    EXPECT_TRUE(tx.IsKeyLocked(k2, LockMode::kExclusive));
    EXPECT_FALSE(tx.IsKeyLocked("{u}one", LockMode::kShared));
    tx.UnlockMulti();
  });
  tagged.AwaitBriefOnAll([](EngineShard* s) { EXPECT_TRUE(s->IsIdle()); });
  tagged_ptr.reset();
  pool.Stop();
}

}  // namespace
}  // namespace lw::tx
