// Squasher: per-shard order, results in input order, one hop per shard.
#include "transaction/squasher.h"

#include <random>

#include "transaction/test_util.h"

namespace lw::tx {
namespace {

using std::string_view;

class SquasherTest : public ShardSetTest {
 protected:
  // Adds `n` ops on random keys; op i appends i to its shard's log and returns a status that
  // depends on i, so the test can check where each result lands.
  void AddOps(Squasher* sq, size_t n, std::vector<std::vector<size_t>>* logs,
              std::vector<std::string>* keys) {
    std::mt19937 rng(42);
    for (size_t i = 0; i < n; ++i) {
      keys->push_back("sq:" + std::to_string(rng() % 20));
      string_view k[] = {keys->back()};
      size_t index = sq->Add(k, LockMode::kExclusive, [logs, i](Transaction*, EngineShard* s) {
        (*logs)[s->id()].push_back(i);
        return i % 7 == 0 ? OpStatus::kSkipped : OpStatus::kOk;
      });
      EXPECT_EQ(index, i);
    }
  }

  void CheckLogs(const std::vector<std::vector<size_t>>& logs, const std::vector<std::string>& keys,
                 const std::vector<OpStatus>& results) {
    ASSERT_EQ(results.size(), keys.size());
    for (size_t i = 0; i < results.size(); ++i) {
      EXPECT_EQ(results[i], i % 7 == 0 ? OpStatus::kSkipped : OpStatus::kOk) << i;
    }
    size_t total = 0;
    for (ShardId sid = 0; sid < logs.size(); ++sid) {
      total += logs[sid].size();
      for (size_t j = 0; j < logs[sid].size(); ++j) {
        EXPECT_EQ(shards_->ShardOf(keys[logs[sid][j]]), sid);
        if (j > 0) {
          EXPECT_LT(logs[sid][j - 1], logs[sid][j]) << "order on shard " << sid;
        }
      }
    }
    EXPECT_EQ(total, keys.size());
  }
};

TEST_F(SquasherTest, StandaloneRunIsOneHopPerShardInOrder) {
  std::vector<std::vector<size_t>> logs(shards_->size());
  std::vector<std::string> keys;
  keys.reserve(100);
  EngineShard::Stats before = TotalStats();
  OnThread(0, [&] {
    Squasher sq(shards_.get());
    AddOps(&sq, 100, &logs, &keys);
    std::vector<OpStatus> results = sq.Run();
    EXPECT_TRUE(sq.empty());
    CheckLogs(logs, keys, results);
  });
  EngineShard::Stats after = TotalStats();
  size_t shards_used = 0;
  for (const auto& log : logs) shards_used += !log.empty();
  EXPECT_EQ(after.head_runs + after.ooo_runs - before.head_runs - before.ooo_runs, shards_used);
}

TEST_F(SquasherTest, InsideLockAheadMulti) {
  std::vector<std::vector<size_t>> logs(shards_->size());
  std::vector<std::string> keys;
  keys.reserve(60);
  OnThread(1, [&] {
    Squasher sq(shards_.get());
    AddOps(&sq, 60, &logs, &keys);
    std::vector<string_view> declared(keys.begin(), keys.end());
    Transaction tx(shards_.get());
    tx.StartMulti(MultiMode::kLockAhead, declared);
    CheckLogs(logs, keys, sq.Run(&tx));

    // A second batch in the same multi: an op on an undeclared key is refused alone.
    std::string undeclared = "not-declared";
    string_view bad[] = {undeclared};
    string_view good[] = {keys[0]};
    size_t bad_index = sq.Add(bad, LockMode::kShared, [](Transaction*, EngineShard*) {
      ADD_FAILURE() << "ran an undeclared op";
      return OpStatus::kOk;
    });
    sq.Add(good, LockMode::kShared, [](Transaction*, EngineShard*) { return OpStatus::kOk; });
    std::vector<OpStatus> results = sq.Run(&tx);
    EXPECT_EQ(results[bad_index], OpStatus::kInvalidArg);
    EXPECT_EQ(results[1 - bad_index], OpStatus::kOk);
    tx.UnlockMulti();
  });
}

TEST_F(SquasherTest, KeylessOpsOnShards) {
  std::vector<std::atomic<int>> hits(shards_->size());
  OnThread(2, [&] {
    Squasher sq(shards_.get());
    for (ShardId sid = 0; sid < shards_->size(); ++sid) {
      sq.AddOnShard(sid, [&](Transaction*, EngineShard* s) {
        ++hits[s->id()];
        return OpStatus::kOk;
      });
    }
    std::vector<OpStatus> results = sq.Run();
    EXPECT_EQ(results.size(), shards_->size());
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

// RunDetached returns before the batch runs, yet every transaction scheduled afterwards is
// ordered after it: a fiber always reads its own last write, and no reader sees half a batch.
TEST_F(SquasherTest, DetachedBatchIsOrderedBeforeLaterTransactions) {
  const std::string a = KeyOn(0, "da"), b = KeyOn(1, "db");
  constexpr int kFibers = 6, kRounds = 300;
  std::atomic<int> torn{0}, missed_own_write{0};
  RunFibers(kFibers, [&](size_t f) {
    const std::string mine = "mine" + std::to_string(f);
    for (int r = 0; r < kRounds; ++r) {
      Squasher sq(shards_.get());
      auto increment = [&sq](const std::string& key) {
        string_view k[] = {key};
        sq.Add(k, LockMode::kExclusive, [key](Transaction*, EngineShard* s) {
          ++SliceOf(s)->ints[key];
          return OpStatus::kOk;
        });
      };
      if (r % 2 == 0) {  // a multi-shard batch: one scheduling round trip, then detached
        increment(a);
        increment(b);
      }
      increment(mine);  // odd rounds: single-shard, no wait at all
      sq.RunDetached();
      EXPECT_TRUE(sq.empty());

      Transaction tx(shards_.get());
      string_view keys[] = {a, b, mine};
      tx.InitByKeys(keys, LockMode::kShared);
      std::atomic<int64_t> values[3];
      tx.ScheduleSingleHop([&](Transaction* t, EngineShard* s) {
        for (const ShardArg& arg : t->ShardArgs(s->id())) {
          values[arg.index] = SliceOf(s)->ints[std::string(arg.key)];
        }
        return OpStatus::kOk;
      });
      if (values[0] != values[1]) ++torn;
      if (values[2] != r + 1) ++missed_own_write;
    }
  });
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(missed_own_write.load(), 0);
  // Each fiber's last read came after its last batch, so every batch has run.
  std::vector<int64_t> totals(shards_->size());
  shards_->AwaitBriefOnAll(
      [&](EngineShard* s) { totals[s->id()] = SliceOf(s)->ints[s->id() == 0 ? a : b]; });
  EXPECT_EQ(totals[0], kFibers * kRounds / 2);
  EXPECT_EQ(totals[1], kFibers * kRounds / 2);
}

// A detached single-shard hop that finds its key locked is queued with an id taken on the
// shard, after its coordinator returned. A transaction the coordinator starts next may hold
// an older id; it must still come after the detached hop.
TEST_F(SquasherTest, DetachedTailHopStaysAheadOfTheNextTransaction) {
  const std::string k = KeyOn(1, "dk"), k2 = KeyOn(2, "dk");
  OnThread(0, [&] {
    Transaction holder(shards_.get());  // keeps `k` locked, so the hop cannot run quick
    string_view held[] = {k};
    holder.StartMulti(MultiMode::kLockAhead, held);

    std::atomic<bool> go{false};  // holds shard 1's thread until both messages wait there
    shards_->proactor(1)->DispatchBrief([&go] {
      while (!go.load()) __builtin_ia32_pause();
    });
    Squasher sq(shards_.get());
    string_view one[] = {k};
    sq.Add(one, LockMode::kExclusive, [k](Transaction*, EngineShard* s) {
      SliceOf(s)->lists[k].push_back("first");
      return OpStatus::kOk;
    });
    sq.RunDetached();

    Transaction next(shards_.get());
    string_view both[] = {k, k2};
    next.InitByKeys(both, LockMode::kExclusive);
    next.BeginSchedule();  // its id is older than the one the hop will take on shard 1
    go = true;
    holder.UnlockMulti();
    next.Execute(
        [k](Transaction*, EngineShard* s) {
          if (s->id() == 1) SliceOf(s)->lists[k].push_back("second");
          return OpStatus::kOk;
        },
        /*conclude=*/true);
  });
  std::deque<std::string> got;
  shards_->AwaitBrief(1, [&](EngineShard* s) { got = SliceOf(s)->lists[k]; });
  EXPECT_EQ(got, (std::deque<std::string>{"first", "second"}));
}

}  // namespace
}  // namespace lw::tx
