// A whole-store read that starts on the caller's shard (Transaction::ReadHere / ReadThere):
// the other shard accepts its late arrival when only younger readers ran there, refuses it
// (running nothing, holding nothing) when a younger writer did, and concurrent readers of this
// kind against cross-shard writers always see a consistent state.
#include <atomic>
#include <chrono>
#include <functional>
#include <random>

#include "io/done.h"
#include "transaction/test_util.h"

namespace lw::tx {
namespace {

using std::string_view;

class ReadHereTest : public ShardSetTest {
 protected:
  ReadHereTest() { num_threads_ = 2; }

  EngineShard::Stats StatsOf(ShardId sid) {
    EngineShard::Stats st;
    shards_->AwaitBrief(sid, [&](EngineShard* s) { st = s->stats(); });
    return st;
  }
  // A shared global read of shard 1 alone, from thread 1 (younger than anything begun before).
  void YoungerReaderOnShard1() {
    OnThread(1, [&] {
      Transaction r(shards_.get());
      r.InitGlobal(LockMode::kShared);
      const ShardId one[] = {1};
      r.ExecuteOnShardPart([](Transaction*, EngineShard*) { return OpStatus::kOk; }, one, {}, true);
    });
  }
  // A writer of a key on each shard, from thread 1: it takes an id younger than anything begun
  // before, and runs on both shards.
  void YoungerWriterOnBoth(const std::string& k0, const std::string& k1) {
    OnThread(1, [&] {
      Transaction w(shards_.get());
      string_view keys[] = {k0, k1};
      w.InitByKeys(keys, LockMode::kExclusive);
      w.ScheduleSingleHop([&](Transaction*, EngineShard* es) {
        SliceOf(es)->ints[es->id() == 0 ? k0 : k1] += 1;
        return OpStatus::kOk;
      });
    });
  }
  // From thread 0: ReadHere (reading shard 0), then `between` from the test thread, then
  // ReadThere on shard 1. Returns ReadThere's answer; `runs1` counts the hops run on shard 1.
  bool ReadAroundThere(const std::function<void()>& between, int* runs1) {
    io::Done here_done, go_on, there_done;
    std::atomic<bool> accepted{false};
    std::atomic<int> runs{0};
    pool_->at(0)->Dispatch([&] {
      Transaction g(shards_.get());
      g.InitGlobal(LockMode::kShared);
      auto count = [&](Transaction*, EngineShard* es) {
        if (es->id() == 1) ++runs;
        return OpStatus::kOk;
      };
      g.ReadHere(count);
      here_done.Notify();
      go_on.Wait();
      const ShardId one[] = {1};
      accepted = g.ReadThere(count, one);
      there_done.Notify();
    });
    EXPECT_TRUE(here_done.WaitFor(std::chrono::seconds(30)));
    between();
    go_on.Notify();
    EXPECT_TRUE(there_done.WaitFor(std::chrono::seconds(30)));
    *runs1 = runs.load();
    return accepted.load();
  }
};

// Only a younger reader ran on shard 1 before the message: readers do not conflict, so the
// late arrival takes its place there (before: every late global arrival was refused).
TEST_F(ReadHereTest, LateArrivalAfterYoungerReadersIsAccepted) {
  const EngineShard::Stats before = StatsOf(1);
  int runs1 = 0;
  EXPECT_TRUE(ReadAroundThere([&] { YoungerReaderOnShard1(); }, &runs1));
  EXPECT_EQ(runs1, 1);
  const EngineShard::Stats after = StatsOf(1);
  EXPECT_EQ(after.late_accepted, before.late_accepted + 1);
  EXPECT_EQ(after.schedule_conflicts, before.schedule_conflicts);
}

// A younger writer ran on shard 1 first: the read is refused there and runs nothing; nothing
// stays held (TearDown checks every shard is idle).
TEST_F(ReadHereTest, LateArrivalAfterAYoungerWriterIsRefused) {
  const std::string k0 = KeyOn(0, "a"), k1 = KeyOn(1, "b");
  const EngineShard::Stats before = StatsOf(1);
  int runs1 = 0;
  EXPECT_FALSE(ReadAroundThere([&] { YoungerWriterOnBoth(k0, k1); }, &runs1));
  EXPECT_EQ(runs1, 0);
  EXPECT_EQ(StatsOf(1).schedule_conflicts, before.schedule_conflicts + 1);
}

// Readers that start on their own shard (falling back to ExecuteOnShardPart when refused)
// and readers scheduled with their first hop, from both threads, against writers that move
// one unit between a key on each shard: every reader sees a consistent total.
TEST_F(ReadHereTest, ReadersStartingHereSeeConsistentTransfers) {
  const std::string k0 = KeyOn(0, "x"), k1 = KeyOn(1, "y");
  std::atomic<int> bad{0};
  RunFibers(40, [&](size_t i) {
    std::mt19937 rng(uint32_t(i) * 7919u + 13u);
    for (int r = 0; r < 50; ++r) {
      if (i % 4 < 2) {
        TransferOne(k0, k1);
        continue;
      }
      int64_t sum = 0;
      auto read = [&](Transaction*, EngineShard* es) {
        sum += SliceOf(es)->ints[es->id() == 0 ? k0 : k1];
        return OpStatus::kOk;
      };
      const ShardId here = ShardId(i % 2), there = 1 - here;
      const ShardId first[] = {here}, rest[] = {there};
      bool done = false;
      if (rng() % 2 == 0) {
        Transaction g(shards_.get());
        g.InitGlobal(LockMode::kShared);
        g.ReadHere(read);
        done = g.ReadThere(read, rest);
      }
      if (!done) {
        sum = 0;
        Transaction g(shards_.get());
        g.InitGlobal(LockMode::kShared);
        g.ExecuteOnShardPart(read, first, rest, false);
        g.ExecuteOnShardPart(read, rest, {}, true);
      }
      if (sum != 0) ++bad;
    }
  });
  EXPECT_EQ(bad.load(), 0);
  shards_->AwaitBrief(0, [&](EngineShard* s) { EXPECT_EQ(SliceOf(s)->ints[k0], 20 * 50); });
}

}  // namespace
}  // namespace lw::tx
