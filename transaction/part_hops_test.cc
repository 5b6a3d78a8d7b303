// Hops over a part of a transaction's keys (Transaction::ExecuteOnKeys): the readiness rule
// (a hop waits only for older transactions that conflict on its own keys), the early release
// of shards no later hop touches, and a randomized check that seeded concurrent runs of such
// transactions equal a serial execution in id order.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "base/logging.h"
#include "io/done.h"
#include "transaction/test_util.h"

namespace lw::tx {
namespace {

using std::string_view;

class PartHopsTest : public ShardSetTest {
 protected:
  int64_t Get(const std::string& key) {
    int64_t v = 0;
    shards_->AwaitBrief(shards_->ShardOf(key), [&](EngineShard* s) { v = SliceOf(s)->ints[key]; });
    return v;
  }
  // Until every queue is empty (detached hops done).
  void WaitQueuesEmpty() {
    for (bool empty = false; !empty;) {
      empty = true;
      shards_->AwaitBriefOnAll([&](EngineShard* s) {
        if (s->queue_size() != 0) empty = false;
      });
      if (!empty) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
  IntentLock LockOf(const std::string& key) {
    IntentLock lock;
    shards_->AwaitBrief(shards_->ShardOf(key), [&](EngineShard* s) {
      lock = s->lock_table().Get(shards_->LockFingerprint(key));
    });
    return lock;
  }
};

// An older transaction holds the destination (and a source, shared) and has run nothing. A
// younger one reads the source at once, releases the source's shard, and writes the
// destination only after the older one concluded, seeing its write.
TEST_F(PartHopsTest, ReadHopDoesNotWaitForAnOlderDestinationHolder) {
  const std::string d = KeyOn(0, "d"), s = KeyOn(1, "s");
  string_view keys[] = {d, s};
  const LockMode modes[] = {LockMode::kExclusive, LockMode::kShared};
  const uint32_t dest[] = {0}, src[] = {1};
  io::Done old_scheduled, release_old, young_read, young_done;
  std::atomic<int64_t> seen_dest{-1};

  pool_->at(0)->Dispatch([&] {
    Transaction old(shards_.get());
    old.InitByKeys(keys, modes);
    old.Schedule();
    old_scheduled.Notify();
    release_old.Wait();
    old.ExecuteOnKeys(
        [&](Transaction*, EngineShard* es) {
          SliceOf(es)->ints[d] = 1;
          return OpStatus::kOk;
        },
        dest, {}, /*conclude=*/true);
  });
  old_scheduled.Wait();
  pool_->at(2)->Dispatch([&] {
    Transaction young(shards_.get());
    young.InitByKeys(keys, modes);
    young.Schedule();
    young.ExecuteOnKeys(
        [&](Transaction* t, EngineShard* es) {
          EXPECT_EQ(t->ShardArgs(es->id()).size(), 1u);
          EXPECT_EQ(t->ShardArgs(es->id())[0].index, 1u);
          return OpStatus::kOk;
        },
        src, dest, false);
    young_read.Notify();
    young.ExecuteOnKeys(
        [&](Transaction*, EngineShard* es) {
          seen_dest = SliceOf(es)->ints[d];
          SliceOf(es)->ints[d] = 2;
          return OpStatus::kOk;
        },
        dest, {}, true);
    young_done.Notify();
  });
  // Liveness, not speed: a hop waiting for every lock would never get here.
  ASSERT_TRUE(young_read.WaitFor(std::chrono::seconds(30)));
  // The source's shard was released by the read hop: only the older transaction holds it.
  IntentLock src_lock = LockOf(s);
  EXPECT_EQ(src_lock.shared, 1u);
  EXPECT_EQ(src_lock.exclusive, 0u);
  EXPECT_EQ(LockOf(d).exclusive, 2u);
  EXPECT_FALSE(young_done.WaitFor(std::chrono::milliseconds(20)));
  EXPECT_EQ(seen_dest.load(), -1);
  release_old.Notify();
  ASSERT_TRUE(young_done.WaitFor(std::chrono::seconds(30)));
  EXPECT_EQ(seen_dest.load(), 1);
  EXPECT_EQ(Get(d), 2);
}

// A hop goes only to the shards of its keys; a shard no later hop touches is released at once.
TEST_F(PartHopsTest, HopReachesOnlyItsShardsAndReleasesTheRest) {
  const std::string a = KeyOn(0, "a"), b = KeyOn(1, "b"), c = KeyOn(2, "c");
  string_view keys[] = {a, b, c};
  std::vector<std::atomic<int>> hops(3);
  OnThread(0, [&] {
    Transaction tx(shards_.get());
    tx.InitByKeys(keys, LockMode::kExclusive);
    tx.Schedule();
    const uint32_t first[] = {0}, later[] = {0, 1}, second[] = {0, 1};
    auto count = [&](Transaction*, EngineShard* es) {
      ++hops[es->id()];
      return OpStatus::kOk;
    };
    tx.ExecuteOnKeys(count, first, later, false);
    EXPECT_EQ(hops[0].load(), 1);
    EXPECT_EQ(hops[1].load(), 0);
    EXPECT_EQ(hops[2].load(), 0);
    EXPECT_EQ(LockOf(c).exclusive, 0u);  // no later hop touches c: released
    EXPECT_EQ(LockOf(b).exclusive, 1u);
    tx.ExecuteOnKeys(count, second, {}, true);
    EXPECT_EQ(hops[0].load(), 2);
    EXPECT_EQ(hops[1].load(), 1);
    EXPECT_EQ(hops[2].load(), 0);
  });
}

// A detached last part hop: the coordinator does not wait, yet a later transaction on the
// destination sees the write, and every lock is released (TearDown checks).
TEST_F(PartHopsTest, DetachedLastHopIsSeenByTheNextTransaction) {
  const std::string d = KeyOn(0, "d"), s = KeyOn(1, "s"), t = KeyOn(2, "t");
  OnThread(1, [&] {
    for (int i = 1; i <= 50; ++i) {
      string_view keys[] = {d, s, t};
      const LockMode modes[] = {LockMode::kExclusive, LockMode::kShared, LockMode::kShared};
      const uint32_t dest[] = {0}, src[] = {1, 2};
      auto tx = std::make_unique<Transaction>(shards_.get());
      tx->InitByKeys(keys, modes);
      int64_t seen = 0;
      tx->ExecuteOnKeys(
          [&](Transaction*, EngineShard* es) {
            if (es->id() == 1) seen = SliceOf(es)->ints[s];
            return OpStatus::kOk;
          },
          src, dest, false);
      Transaction::RunDetachedOnKeys(
          std::move(tx),
          [d, v = seen + i](Transaction*, EngineShard* es) {
            SliceOf(es)->ints[d] = v;
            return OpStatus::kOk;
          },
          dest);
      Transaction check(shards_.get());
      string_view dk[] = {d};
      check.InitByKeys(dk, LockMode::kShared);
      int64_t got = -1;
      check.ScheduleSingleHop([&](Transaction*, EngineShard* es) {
        got = SliceOf(es)->ints[d];
        return OpStatus::kOk;
      });
      EXPECT_EQ(got, i);
    }
  });
  WaitQueuesEmpty();
}

// A transaction's outcome, recorded for the serial replay.
struct Record {
  TxId id = 0;
  std::vector<std::string> keys;
  std::vector<LockMode> modes;
  std::vector<std::vector<uint32_t>> hops;  // key positions per hop; the last one writes
  std::map<uint32_t, int64_t> reads;        // position -> value seen
  std::map<uint32_t, int64_t> writes;       // position -> value written
};

// What a transaction writes: depends on every value it read, on its id and on the position,
// so any reordering changes it.
int64_t WriteValue(const Record& r, uint32_t pos) {
  int64_t v = int64_t(r.id % 1009) * 7 + pos;
  for (const auto& [p, x] : r.reads) v = (v * 31 + x + p) % 1000003;
  return v;
}

// A random transaction's keys, modes and hops: one or two read hops over a random split of
// the shared positions (an exclusive position may be read too), then the write hop over the
// exclusive positions.
Record RandomPlan(const std::vector<std::string>& names, std::mt19937& rng) {
  Record r;
  const size_t n = 2 + rng() % 4;
  for (size_t i = 0; i < n; ++i) {
    r.keys.push_back(names[rng() % names.size()]);  // duplicates allowed
    r.modes.push_back(rng() % 3 == 0 ? LockMode::kExclusive : LockMode::kShared);
  }
  std::vector<uint32_t> reads, writes;
  for (uint32_t i = 0; i < n; ++i) {
    (r.modes[i] == LockMode::kExclusive ? writes : reads).push_back(i);
  }
  // One or two read hops over a random split of the shared positions (an exclusive
  // position may be read too), then the write hop.
  std::vector<uint32_t> h1, h2;
  for (uint32_t i : reads) (rng() % 2 ? h1 : h2).push_back(i);
  if (!writes.empty() && rng() % 2) h1.push_back(writes[0]);
  if (!h1.empty()) r.hops.push_back(h1);
  if (!h2.empty()) r.hops.push_back(h2);
  r.hops.push_back(writes);
  return r;
}

// Seeded random transactions over a few hot keys: each reads in one or two part hops (over
// random subsets) and writes its exclusive keys in a last hop (the positions it writes), with
// sources shared and destinations exclusive, "later" lists exact, half of them scheduled by
// their first hop, a third with a detached last hop. The concurrent outcome must equal the
// transactions run one by one in id order: every read, every write, the final state.
TEST_F(PartHopsTest, RandomPartHopsEqualSerialExecutionInIdOrder) {
  std::vector<std::string> names;
  for (int i = 0; i < 8; ++i) names.push_back("p:" + std::to_string(i));
  std::mutex mu;
  std::vector<Record> records;

  RunFibers(24, [&](size_t f) {
    std::mt19937 rng(uint32_t(f) * 2654435761u + 5);
    for (int round = 0; round < 60; ++round) {
      Record r = RandomPlan(names, rng);
      std::vector<string_view> views(r.keys.begin(), r.keys.end());
      auto owned = std::make_unique<Transaction>(shards_.get());
      Transaction& tx = *owned;
      tx.InitByKeys(views, r.modes);
      // Unscheduled, the first hop schedules (in one round trip over one remote shard or the
      // caller's own and one other: Transaction::StartWithPart).
      if (rng() % 2) tx.Schedule();
      std::mutex rmu;  // hop callbacks of one hop run on several threads at once
      for (size_t h = 0; h < r.hops.size(); ++h) {
        const bool last = h + 1 == r.hops.size();
        std::vector<uint32_t> later;
        for (size_t j = h + 1; j < r.hops.size(); ++j) {
          later.insert(later.end(), r.hops[j].begin(), r.hops[j].end());
        }
        if (last) {
          if (!tx.scheduled()) tx.Schedule();  // the written values depend on the id
          r.id = tx.txid();                    // final: scheduling is over
          for (uint32_t p : r.hops[h]) r.writes[p] = WriteValue(r, p);
        }
        if (last && round % 3 == 0) {  // the detached form of a last hop
          Transaction::RunDetachedOnKeys(
              std::move(owned),
              // Owns what it writes: the record moves on before this runs.
              [writes = r.writes, keys = r.keys](Transaction* t, EngineShard* es) {
                for (const auto& [p, v] : writes) {
                  if (t->shard_set()->ShardOf(keys[p]) == es->id()) {
                    SliceOf(es)->ints[keys[p]] = v;
                  }
                }
                return OpStatus::kOk;
              },
              r.hops[h]);
          break;
        }
        tx.ExecuteOnKeys(
            [&](Transaction* t, EngineShard* es) {
              for (const ShardArg& arg : t->ShardArgs(es->id())) {
                auto& ints = SliceOf(es)->ints;
                std::lock_guard<std::mutex> lock(rmu);
                if (last) {
                  ints[std::string(arg.key)] = r.writes[arg.index];
                } else {
                  r.reads[arg.index] = ints[std::string(arg.key)];
                }
              }
              return OpStatus::kOk;
            },
            r.hops[h], later, last);
      }
      std::lock_guard<std::mutex> lock(mu);
      records.push_back(std::move(r));
    }
  });

  WaitQueuesEmpty();
  // Serial replay in id order. A key written twice by one transaction (named twice) keeps the
  // value of the larger position, as the concurrent run did within its hop.
  std::sort(records.begin(), records.end(),
            [](const Record& a, const Record& b) { return a.id < b.id; });
  std::map<std::string, int64_t> model;
  int mismatches = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    ASSERT_NE(r.id, 0u);
    if (i > 0) {
      ASSERT_NE(r.id, records[i - 1].id);
    }
    for (const auto& [p, v] : r.reads) {
      if (model[r.keys[p]] != v && ++mismatches <= 5) {
        ADD_FAILURE() << "tx " << r.id << " read " << r.keys[p] << "=" << v << ", serial "
                      << model[r.keys[p]];
      }
    }
    for (const auto& [p, v] : r.writes) model[r.keys[p]] = v;
  }
  EXPECT_EQ(mismatches, 0);
  for (const std::string& name : names) EXPECT_EQ(Get(name), model[name]) << name;
  EngineShard::Stats stats = TotalStats();
  LOG(INFO) << "head " << stats.head_runs << " ooo " << stats.ooo_runs << " conflicts "
            << stats.schedule_conflicts;
}

}  // namespace
}  // namespace lw::tx

namespace lw::tx {
namespace {

// Hops over a part of the shards (ExecuteOnShardPart) on two threads: the paired path.
class GlobalPartHopsTest : public PartHopsTest {
 protected:
  GlobalPartHopsTest() { num_threads_ = 2; }
};

// A shared global transaction coordinated from thread 0 reads shard 1 in its first hop (which
// schedules it) and releases shard 1 there; shard 0 stays held until its second hop. A writer
// of a key on shard 1 then runs at once; a writer on shard 0 waits for the second hop, which
// sees the value from before it.
TEST_F(GlobalPartHopsTest, FirstHopReleasesItsShardTheOtherWaits) {
  const std::string k0 = KeyOn(0, "a"), k1 = KeyOn(1, "b");
  io::Done first_done, go_on, second_done, w1_done, w0_done;
  std::atomic<int64_t> seen0{-1}, seen1{-1};
  std::atomic<int> runs0{0}, runs1{0};
  auto writer = [&](const std::string& key, int64_t v, io::Done* done) {
    Transaction w(shards_.get());
    string_view keys[] = {key};
    w.InitByKeys(keys, LockMode::kExclusive);
    w.ScheduleSingleHop([&](Transaction*, EngineShard* es) {
      SliceOf(es)->ints[key] = v;
      return OpStatus::kOk;
    });
    done->Notify();
  };
  pool_->at(0)->Dispatch([&] {
    Transaction g(shards_.get());
    g.InitGlobal(LockMode::kShared);
    const ShardId one[] = {1}, zero[] = {0};
    g.ExecuteOnShardPart(
        [&](Transaction*, EngineShard* es) {
          ++(es->id() == 0 ? runs0 : runs1);
          seen1 = SliceOf(es)->ints[k1];
          return OpStatus::kOk;
        },
        one, zero, false);
    first_done.Notify();
    go_on.Wait();
    g.ExecuteOnShardPart(
        [&](Transaction*, EngineShard* es) {
          ++(es->id() == 0 ? runs0 : runs1);
          seen0 = SliceOf(es)->ints[k0];
          return OpStatus::kOk;
        },
        zero, {}, true);
    second_done.Notify();
  });
  ASSERT_TRUE(first_done.WaitFor(std::chrono::seconds(30)));
  EXPECT_EQ(seen1.load(), 0);
  pool_->at(1)->Dispatch([&] { writer(k1, 7, &w1_done); });
  ASSERT_TRUE(w1_done.WaitFor(std::chrono::seconds(30)));  // shard 1 was released
  pool_->at(1)->Dispatch([&] { writer(k0, 9, &w0_done); });
  EXPECT_FALSE(w0_done.WaitFor(std::chrono::milliseconds(20)));  // shard 0 is still held
  go_on.Notify();
  ASSERT_TRUE(second_done.WaitFor(std::chrono::seconds(30)));
  ASSERT_TRUE(w0_done.WaitFor(std::chrono::seconds(30)));
  EXPECT_EQ(seen0.load(), 0);
  EXPECT_EQ(runs0.load(), 1);
  EXPECT_EQ(runs1.load(), 1);
  EXPECT_EQ(Get(k0), 9);
  EXPECT_EQ(Get(k1), 7);
}

// Concurrent shared global two-hop readers (each from a random thread, first hop on a random
// shard) against keyed writers that move one unit between a key on each shard: every reader
// sees a consistent total, and everything is released at the end.
TEST_F(GlobalPartHopsTest, TwoHopReadersSeeConsistentTransfers) {
  const std::string k0 = KeyOn(0, "x"), k1 = KeyOn(1, "y");
  std::atomic<int> bad{0};
  RunFibers(40, [&](size_t i) {
    std::mt19937 rng(uint32_t(i) * 7919u + 18u);
    for (int r = 0; r < 50; ++r) {
      if (i % 2 == 0) {
        TransferOne(k0, k1);
        continue;
      }
      const ShardId a = ShardId(rng() % 2), b = 1 - a;
      const ShardId first[] = {a}, rest[] = {b};
      int64_t sum = 0;
      Transaction g(shards_.get());
      g.InitGlobal(LockMode::kShared);
      auto read = [&](Transaction*, EngineShard* es) {
        sum += SliceOf(es)->ints[es->id() == 0 ? k0 : k1];
        return OpStatus::kOk;
      };
      g.ExecuteOnShardPart(read, first, rest, false);
      g.ExecuteOnShardPart(read, rest, {}, true);
      if (sum != 0) ++bad;
    }
  });
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(Get(k0), 20 * 50);
}

}  // namespace
}  // namespace lw::tx
