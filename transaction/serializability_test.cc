// Serialisability under real concurrency: many coordinator fibers on every thread run
// conflicting multi-shard transactions; invariants that any interleaving would break must hold.
#include <atomic>
#include <random>

#include "base/logging.h"
#include "transaction/test_util.h"

namespace lw::tx {
namespace {

using std::string_view;

class SerializabilityTest : public ShardSetTest {
 protected:
  int64_t SumOf(const std::vector<std::string>& names) {
    std::vector<int64_t> part(shards_->size(), 0);
    shards_->AwaitBriefOnAll([&](EngineShard* s) {
      for (const auto& n : names) {
        auto& ints = SliceOf(s)->ints;
        if (auto it = ints.find(n); it != ints.end()) part[s->id()] += it->second;
      }
    });
    int64_t sum = 0;
    for (int64_t p : part) sum += p;
    return sum;
  }
};

// Fibers move amounts between accounts on different shards (read in one hop, write in the
// next); readers sum every account in one all-shard transaction, in two hops, or under a
// global lock. No reader may ever see money in flight.
TEST_F(SerializabilityTest, TransfersKeepTheTotal) {
  constexpr int kAccounts = 12;
  constexpr int64_t kInitial = 1000;
  std::vector<std::string> names;
  for (int i = 0; i < kAccounts; ++i) names.push_back("acct:" + std::to_string(i));
  std::vector<string_view> all_keys(names.begin(), names.end());
  shards_->AwaitBriefOnAll([&](EngineShard* s) {
    for (const auto& n : names) {
      if (shards_->ShardOf(n) == s->id()) SliceOf(s)->ints[n] = kInitial;
    }
  });
  const int64_t total = kAccounts * kInitial;
  std::atomic<int> bad_reads{0}, reads{0}, transfers{0};

  RunFibers(30, [&](size_t f) {
    std::mt19937 rng(uint32_t(f) * 7919u + 1);
    if (f % 5 == 0) {
      for (int r = 0; r < 60; ++r) {
        std::vector<int64_t> part(shards_->size(), 0);
        auto sum_args = [&](Transaction* t, EngineShard* s, int parity) {
          for (const ShardArg& arg : t->ShardArgs(s->id())) {
            if (parity < 0 || int(arg.index % 2) == parity) {
              part[s->id()] += SliceOf(s)->ints[std::string(arg.key)];
            }
          }
          return OpStatus::kOk;
        };
        Transaction tx(shards_.get());
        switch (r % 3) {
          case 0:
            tx.InitByKeys(all_keys, LockMode::kShared);
            tx.ScheduleSingleHop(
                [&](Transaction* t, EngineShard* s) { return sum_args(t, s, -1); });
            break;
          case 1:
            tx.InitByKeys(all_keys, LockMode::kShared);
            tx.Schedule();
            tx.Execute([&](Transaction* t, EngineShard* s) { return sum_args(t, s, 0); }, false);
            tx.Execute([&](Transaction* t, EngineShard* s) { return sum_args(t, s, 1); }, true);
            break;
          default:
            tx.InitGlobal();
            tx.ScheduleSingleHop([&](Transaction*, EngineShard* s) {
              for (const auto& [key, value] : SliceOf(s)->ints) part[s->id()] += value;
              return OpStatus::kOk;
            });
        }
        int64_t sum = 0;
        for (int64_t p : part) sum += p;
        if (sum != total) ++bad_reads;
        ++reads;
      }
      return;
    }
    for (int r = 0; r < 150; ++r) {
      int a = rng() % kAccounts, b = rng() % kAccounts;
      if (a == b) b = (a + 1) % kAccounts;
      int64_t amount = 1 + rng() % 10;
      string_view keys[] = {names[a], names[b]};
      int64_t seen[2] = {0, 0};
      Transaction tx(shards_.get());
      tx.InitByKeys(keys, LockMode::kExclusive);
      tx.Schedule();
      tx.Execute(
          [&](Transaction* t, EngineShard* s) {
            for (const ShardArg& arg : t->ShardArgs(s->id())) {
              seen[arg.index] = SliceOf(s)->ints[std::string(arg.key)];
            }
            return OpStatus::kOk;
          },
          false);
      if (seen[0] < amount) {
        tx.Conclude();
        continue;
      }
      tx.Execute(
          [&](Transaction* t, EngineShard* s) {
            for (const ShardArg& arg : t->ShardArgs(s->id())) {
              int64_t delta = arg.index == 0 ? -amount : amount;
              SliceOf(s)->ints[std::string(arg.key)] = seen[arg.index] + delta;
            }
            return OpStatus::kOk;
          },
          true);
      ++transfers;
    }
  });

  EXPECT_EQ(bad_reads.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_GT(transfers.load(), 0);
  EXPECT_EQ(SumOf(names), total);
}

// Random key sets in random order, with duplicates, mixed modes, one to three hops, lock-ahead
// multis and global transactions. Every exclusive key is incremented by a read in one hop and
// a write in the next, so any lost isolation loses increments. Finishing at all means no
// deadlock.
TEST_F(SerializabilityTest, RandomOrderingsNeitherDeadlockNorLoseUpdates) {
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) names.push_back("r:" + std::to_string(i));
  names.push_back("{tag}x");
  names.push_back("{tag}y");
  std::vector<std::atomic<int64_t>> expected(names.size());
  std::vector<string_view> all(names.begin(), names.end());

  RunFibers(24, [&](size_t f) {
    std::mt19937 rng(uint32_t(f) + 17);
    for (int r = 0; r < 80; ++r) {
      int kind = rng() % 10;
      if (kind == 0) {
        Transaction tx(shards_.get());
        tx.InitGlobal();
        tx.ScheduleSingleHop([](Transaction*, EngineShard*) { return OpStatus::kOk; });
        continue;
      }
      size_t n = 1 + rng() % 5;
      std::vector<string_view> keys;
      std::vector<LockMode> modes;
      std::vector<size_t> which;
      for (size_t i = 0; i < n; ++i) {
        which.push_back(rng() % names.size());
        keys.push_back(names[which.back()]);
        modes.push_back(rng() % 3 == 0 ? LockMode::kShared : LockMode::kExclusive);
      }
      // Read-modify-write of every exclusive key occurrence, over two hops.
      std::vector<int64_t> seen(n, 0);
      auto read = [&](Transaction* t, EngineShard* s) {
        for (const ShardArg& arg : t->ShardArgs(s->id())) {
          seen[arg.index] = SliceOf(s)->ints[std::string(arg.key)];
        }
        return OpStatus::kOk;
      };
      auto write = [&](const std::vector<LockMode>& m) {
        return [&, m](Transaction* t, EngineShard* s) {
          auto& ints = SliceOf(s)->ints;
          for (const ShardArg& arg : t->ShardArgs(s->id())) {
            if (m[arg.index] == LockMode::kExclusive)
              ints[std::string(arg.key)] = seen[arg.index] + 1;
          }
          return OpStatus::kOk;
        };
      };
      auto tally = [&](const std::vector<LockMode>& m, const std::vector<size_t>& w) {
        // Several occurrences of one key in one hop write the same value: one increment.
        std::vector<bool> done(names.size(), false);
        for (size_t i = 0; i < w.size(); ++i) {
          if (m[i] == LockMode::kExclusive && !done[w[i]]) {
            done[w[i]] = true;
            ++expected[w[i]];
          }
        }
      };

      if (kind <= 2) {
        // Lock-ahead: declare everything exclusively, then commands on random subsets.
        Transaction tx(shards_.get());
        tx.StartMulti(MultiMode::kLockAhead, keys);
        int commands = 1 + rng() % 3;
        for (int c = 0; c < commands; ++c) {
          std::vector<string_view> sub;
          std::vector<size_t> sub_which;
          for (size_t i = 0; i < n; ++i) {
            if (rng() % 2) {
              sub.push_back(keys[i]);
              sub_which.push_back(which[i]);
            }
          }
          std::vector<LockMode> sub_modes(sub.size(), LockMode::kExclusive);
          seen.assign(sub.size(), 0);
          EXPECT_EQ(tx.ExecuteCommand(sub, LockMode::kExclusive, read), OpStatus::kOk);
          EXPECT_EQ(tx.ExecuteCommand(sub, LockMode::kExclusive, write(sub_modes)), OpStatus::kOk);
          tally(sub_modes, sub_which);
        }
        tx.UnlockMulti();
        continue;
      }
      Transaction tx(shards_.get());
      tx.InitByKeys(keys, modes);
      // The lock of a key named both shared and exclusive is exclusive: writes are safe.
      tx.Schedule();
      int extra = rng() % 2;
      for (int h = 0; h < extra; ++h) tx.Execute(read, false);
      tx.Execute(read, false);
      tx.Execute(write(modes), true);
      tally(modes, which);
    }
  });

  std::vector<int64_t> got(names.size(), 0);
  shards_->AwaitBriefOnAll([&](EngineShard* s) {
    for (size_t i = 0; i < names.size(); ++i) {
      auto& ints = SliceOf(s)->ints;
      if (auto it = ints.find(names[i]); it != ints.end()) got[i] = it->second;
    }
  });
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(got[i], expected[i].load()) << names[i];
  EngineShard::Stats stats = TotalStats();
  EXPECT_GT(stats.head_runs + stats.ooo_runs, 0u);
  LOG(INFO) << "quick " << stats.quick_inline + stats.quick_remote << " head " << stats.head_runs
            << " ooo " << stats.ooo_runs << " conflicts " << stats.schedule_conflicts;
}

}  // namespace
}  // namespace lw::tx
