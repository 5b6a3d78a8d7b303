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

  // Moves `amount` from the first key of `tx` to the second in one hop, without reading
  // (balances may go negative). Over the caller's shard and one other this is the
  // one-round-trip path (RunPaired), which must be as atomic as Schedule + Execute.
  void BlindTransfer(Transaction& tx, int64_t amount) {
    tx.ScheduleSingleHop([&](Transaction* t, EngineShard* s) {
      for (const ShardArg& arg : t->ShardArgs(s->id())) {
        SliceOf(s)->ints[std::string(arg.key)] += arg.index == 0 ? -amount : amount;
      }
      return OpStatus::kOk;
    });
  }

  // One reader's sum of every account, read in the way `how` (0-3) picks: one all-shard hop,
  // two keyed hops, a shared global lock in two hops, or an exclusive global lock.
  int64_t ReadTotal(int how, const std::vector<std::string>& names,
                    const std::vector<string_view>& all_keys) {
    std::vector<int64_t> part(shards_->size(), 0);
    auto sum_args = [&](Transaction* t, EngineShard* s, int parity) {
      for (const ShardArg& arg : t->ShardArgs(s->id())) {
        if (parity < 0 || int(arg.index % 2) == parity) {
          part[s->id()] += SliceOf(s)->ints[std::string(arg.key)];
        }
      }
      return OpStatus::kOk;
    };
    // A shared global reader in two hops: half the accounts, then the other half.
    auto sum_half = [&](EngineShard* s, size_t parity) {
      for (size_t i = parity; i < names.size(); i += 2) {
        if (shards_->ShardOf(names[i]) == s->id()) part[s->id()] += SliceOf(s)->ints[names[i]];
      }
      return OpStatus::kOk;
    };
    Transaction tx(shards_.get());
    switch (how) {
      case 0:
        tx.InitByKeys(all_keys, LockMode::kShared);
        tx.ScheduleSingleHop([&](Transaction* t, EngineShard* s) { return sum_args(t, s, -1); });
        break;
      case 1:
        tx.InitByKeys(all_keys, LockMode::kShared);
        tx.Schedule();
        tx.Execute([&](Transaction* t, EngineShard* s) { return sum_args(t, s, 0); }, false);
        tx.Execute([&](Transaction* t, EngineShard* s) { return sum_args(t, s, 1); }, true);
        break;
      case 2:
        tx.InitGlobal(LockMode::kShared);
        tx.Schedule();
        tx.Execute([&](Transaction*, EngineShard* s) { return sum_half(s, 0); }, false);
        tx.Execute([&](Transaction*, EngineShard* s) { return sum_half(s, 1); }, true);
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
    return sum;
  }
};

// Fibers move amounts between accounts on different shards (read in one hop, write in the
// next); readers sum every account in one all-shard transaction, in two hops, under a shared
// global lock in two hops, or under an exclusive global lock. No reader may ever see money in
// flight.
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
        int64_t sum = ReadTotal(r % 4, names, all_keys);
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
      if (r % 2 == 0) {
        BlindTransfer(tx, amount);
        ++transfers;
        continue;
      }
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

// One fiber's random transactions for RandomOrderingsNeitherDeadlockNorLoseUpdates: every
// exclusive key occurrence is read in one hop and written (+1) in the next, and each increment
// is tallied in `expected`, so lost isolation shows as a missing increment.
class RandomRounds {
 public:
  RandomRounds(ShardSet* shards, const std::vector<std::string>& names,
               std::vector<std::atomic<int64_t>>& expected, uint32_t seed)
      : shards_(shards), names_(names), expected_(expected), rng_(seed) {}

  void RunOne() {
    int kind = rng_() % 10;
    if (kind == 0) {
      Transaction tx(shards_);
      tx.InitGlobal(rng_() % 2 ? LockMode::kShared : LockMode::kExclusive);
      tx.ScheduleSingleHop([](Transaction*, EngineShard*) { return OpStatus::kOk; });
      return;
    }
    PickKeys();
    if (kind <= 2) {
      RunLockAhead();
    } else {
      RunPlain();
    }
  }

 private:
  void PickKeys() {
    size_t n = 1 + rng_() % 5;
    keys_.clear();
    modes_.clear();
    which_.clear();
    for (size_t i = 0; i < n; ++i) {
      which_.push_back(rng_() % names_.size());
      keys_.push_back(names_[which_.back()]);
      modes_.push_back(rng_() % 3 == 0 ? LockMode::kShared : LockMode::kExclusive);
    }
  }

  Transaction::OwnedHopCallback Read() {
    return [this](Transaction* t, EngineShard* s) {
      for (const ShardArg& arg : t->ShardArgs(s->id())) {
        seen_[arg.index] = SliceOf(s)->ints[std::string(arg.key)];
      }
      return OpStatus::kOk;
    };
  }

  Transaction::OwnedHopCallback Write(std::vector<LockMode> m) {
    return [this, m](Transaction* t, EngineShard* s) {
      auto& ints = SliceOf(s)->ints;
      for (const ShardArg& arg : t->ShardArgs(s->id())) {
        if (m[arg.index] == LockMode::kExclusive) {
          ints[std::string(arg.key)] = seen_[arg.index] + 1;
        }
      }
      return OpStatus::kOk;
    };
  }

  // Several occurrences of one key in one hop write the same value: one increment.
  void Tally(const std::vector<LockMode>& m, const std::vector<size_t>& w) {
    std::vector<bool> done(names_.size(), false);
    for (size_t i = 0; i < w.size(); ++i) {
      if (m[i] == LockMode::kExclusive && !done[w[i]]) {
        done[w[i]] = true;
        ++expected_[w[i]];
      }
    }
  }

  // Lock-ahead: declare everything exclusively, then commands on random subsets.
  void RunLockAhead() {
    Transaction tx(shards_);
    tx.StartMulti(MultiMode::kLockAhead, keys_);
    int commands = 1 + rng_() % 3;
    for (int c = 0; c < commands; ++c) {
      std::vector<string_view> sub;
      std::vector<size_t> sub_which;
      for (size_t i = 0; i < keys_.size(); ++i) {
        if (rng_() % 2) {
          sub.push_back(keys_[i]);
          sub_which.push_back(which_[i]);
        }
      }
      std::vector<LockMode> sub_modes(sub.size(), LockMode::kExclusive);
      seen_.assign(sub.size(), 0);
      EXPECT_EQ(tx.ExecuteCommand(sub, LockMode::kExclusive, Read()), OpStatus::kOk);
      EXPECT_EQ(tx.ExecuteCommand(sub, LockMode::kExclusive, Write(sub_modes)), OpStatus::kOk);
      Tally(sub_modes, sub_which);
    }
    tx.UnlockMulti();
  }

  // The lock of a key named both shared and exclusive is exclusive: writes are safe.
  void RunPlain() {
    seen_.assign(keys_.size(), 0);
    Transaction tx(shards_);
    tx.InitByKeys(keys_, modes_);
    tx.Schedule();
    int extra = rng_() % 2;
    for (int h = 0; h < extra; ++h) tx.Execute(Read(), false);
    tx.Execute(Read(), false);
    tx.Execute(Write(modes_), true);
    Tally(modes_, which_);
  }

  ShardSet* shards_;
  const std::vector<std::string>& names_;
  std::vector<std::atomic<int64_t>>& expected_;
  std::mt19937 rng_;
  std::vector<string_view> keys_;
  std::vector<LockMode> modes_;
  std::vector<size_t> which_;
  std::vector<int64_t> seen_;
};

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

  RunFibers(24, [&](size_t f) {
    RandomRounds rounds(shards_.get(), names, expected, uint32_t(f) + 17);
    for (int r = 0; r < 80; ++r) rounds.RunOne();
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
