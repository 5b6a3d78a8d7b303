// Hops over a part of the keys mixed with every other kind of transaction: quick single-shard
// commands (no id), paired two-shard ones, full multi-hop ones, exclusive and shared global
// ones, lock-ahead multi transactions that learn a key (LockMore) and detached ones. Ids do
// not order quick commands, so the check is the conflict graph itself: every write stores a
// unique value, each shard logs the order of writes per key, every read records the value it
// saw; the write-write, write-read and read-write edges between transactions must form no
// cycle (conflict serialisability), with and without hash-tag lock fingerprints.
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "base/logging.h"
#include "transaction/test_util.h"

namespace lw::tx {
namespace {

using std::string_view;

struct Access {
  std::string key;
  int64_t value;  // written, or seen (0: the initial state)
  bool write;
};

// One transaction's accesses; `uid` tags its written values (uid * 64 + position + 1).
struct TxRun {
  int64_t uid = 0;
  int kind = 0;  // for failure messages
  TxId id = 0;
  std::vector<Access> accesses;
};

class PartHopsMixTest : public ShardSetTest {
 protected:
  // Reads `key` on its shard (current thread) for `run`, and, with `write`, writes a new
  // unique value and appends it to the shard's per-key write log.
  void Touch(EngineShard* es, std::string_view key, uint32_t pos, bool write, TxRun* run,
             std::mutex* mu) {
    auto& ints = SliceOf(es)->ints;
    const std::string k(key);
    std::lock_guard<std::mutex> lock(*mu);  // one hop runs on several threads
    run->accesses.push_back(Access{k, ints[k], false});
    if (!write) return;
    const int64_t v = run->uid * 64 + pos + 1;
    ints[k] = v;
    logs_[es->id()][k].push_back(v);
    run->accesses.push_back(Access{k, v, true});
  }

  // The conflict graph over every finished run must be acyclic. Returns the number of runs
  // left in a cycle (0 when serialisable).
  size_t CyclicRuns() {
    std::map<int64_t, size_t> node_of_uid;
    for (size_t i = 0; i < runs_.size(); ++i) node_of_uid[runs_[i].uid] = i;
    auto node_of = [&](int64_t value) { return node_of_uid.at((value - 1) / 64); };
    // Per key: the writes in shard order, and each value's successor.
    std::map<int64_t, int64_t> next;  // value -> next value of its key (absent: last)
    std::map<std::string, int64_t> first;
    for (auto& shard : logs_) {
      for (auto& [key, values] : shard) {
        if (!values.empty()) first[key] = values[0];
        for (size_t i = 0; i + 1 < values.size(); ++i) next[values[i]] = values[i + 1];
      }
    }
    std::vector<std::vector<size_t>> out(runs_.size());
    auto edge = [&](size_t a, size_t b) {
      if (a != b) out[a].push_back(b);
    };
    for (size_t i = 0; i < runs_.size(); ++i) {
      for (const Access& a : runs_[i].accesses) {
        if (a.write) {
          if (auto it = next.find(a.value); it != next.end()) edge(i, node_of(it->second));
          continue;
        }
        if (a.value != 0) edge(node_of(a.value), i);  // write -> read
        // read -> the write that overwrote what it saw
        int64_t after = 0;
        if (a.value == 0) {
          if (auto it = first.find(a.key); it != first.end()) after = it->second;
        } else if (auto it = next.find(a.value); it != next.end()) {
          after = it->second;
        }
        if (after != 0) edge(i, node_of(after));
      }
    }
    // Kahn: whatever cannot be removed sits on or behind a cycle.
    std::vector<size_t> indegree(runs_.size(), 0);
    for (const auto& targets : out) {
      for (size_t b : targets) ++indegree[b];
    }
    std::vector<size_t> ready;
    for (size_t i = 0; i < runs_.size(); ++i) {
      if (indegree[i] == 0) ready.push_back(i);
    }
    size_t removed = 0;
    while (!ready.empty()) {
      size_t n = ready.back();
      ready.pop_back();
      ++removed;
      for (size_t b : out[n]) {
        if (--indegree[b] == 0) ready.push_back(b);
      }
    }
    if (removed != runs_.size()) PrintCycle(out, indegree);
    return runs_.size() - removed;
  }

  // Walks back along edges among the runs left by Kahn's removal until a run repeats.
  void PrintCycle(const std::vector<std::vector<size_t>>& out, const std::vector<size_t>& left) {
    std::vector<std::vector<size_t>> in(out.size());
    for (size_t a = 0; a < out.size(); ++a) {
      for (size_t b : out[a]) {
        if (left[a] != 0 && left[b] != 0) in[b].push_back(a);
      }
    }
    size_t n = 0;
    while (left[n] == 0) ++n;
    std::vector<size_t> seen(out.size(), 0);
    std::vector<size_t> path;
    while (seen[n] == 0) {
      seen[n] = 1;
      path.push_back(n);
      n = in[n].front();
    }
    for (size_t i : path) {
      std::string s;
      for (const Access& a : runs_[i].accesses) {
        s += (a.write ? " W " : " R ") + a.key + "=" + std::to_string(a.value);
      }
      LOG(ERROR) << "run uid " << runs_[i].uid << " kind " << runs_[i].kind << " id " << runs_[i].id
                 << ":" << s;
    }
  }

  void Finish(TxRun run) {
    std::lock_guard<std::mutex> lock(runs_mu_);
    runs_.push_back(std::move(run));
  }

  // A part-hop transaction: random keys and modes, 1-3 hops over random subsets (an
  // exclusive position is read and written where a hop touches it), "later" exact.
  void PartHops(std::mt19937& rng, const std::vector<std::string>& names, TxRun run) {
    std::vector<std::string> keys;
    std::vector<LockMode> modes;
    const size_t n = 2 + rng() % 4;
    for (size_t i = 0; i < n; ++i) {
      keys.push_back(names[rng() % names.size()]);
      modes.push_back(rng() % 3 == 0 ? LockMode::kExclusive : LockMode::kShared);
    }
    const size_t nhops = 1 + rng() % 3;
    std::vector<std::vector<uint32_t>> hops(nhops);
    for (uint32_t i = 0; i < n; ++i) {
      if (rng() % 5 != 0) hops[rng() % nhops].push_back(i);  // some keys are never touched
    }
    std::vector<string_view> views(keys.begin(), keys.end());
    Transaction tx(shards_.get());
    tx.InitByKeys(views, modes);
    if (rng() % 2) tx.Schedule();
    std::mutex mu;
    for (size_t h = 0; h < nhops; ++h) {
      std::vector<uint32_t> later;
      for (size_t j = h + 1; j < nhops; ++j)
        later.insert(later.end(), hops[j].begin(), hops[j].end());
      const bool last = h + 1 == nhops;
      tx.ExecuteOnKeys(
          [&](Transaction* t, EngineShard* es) {
            for (const ShardArg& a : t->ShardArgs(es->id())) {
              Touch(es, a.key, a.index, modes[a.index] == LockMode::kExclusive, &run, &mu);
            }
            return OpStatus::kOk;
          },
          hops[h], last ? std::vector<uint32_t>{} : later, last);
      run.id = tx.txid();
      if (!last && rng() % 8 == 0) {
        std::this_thread::yield();
      }
    }
    Finish(std::move(run));
  }

  // Other kinds: 0 quick/paired one hop, 1 full two hops, 2 global (exclusive or shared),
  // 3 lock-ahead multi that learns a key, 4 detached.
  void Other(int kind, std::mt19937& rng, const std::vector<std::string>& names, TxRun run) {
    std::mutex mu;
    std::vector<std::string> keys;
    const size_t n = 1 + rng() % 3;
    for (size_t i = 0; i < n; ++i) keys.push_back(names[rng() % names.size()]);
    std::vector<string_view> views(keys.begin(), keys.end());
    auto rmw = [&](Transaction* t, EngineShard* es) {
      for (const ShardArg& a : t->ShardArgs(es->id())) Touch(es, a.key, a.index, true, &run, &mu);
      return OpStatus::kOk;
    };
    Transaction tx(shards_.get());
    if (kind == 0) {
      const bool write = rng() % 4 != 0;
      tx.InitByKeys(views, write ? LockMode::kExclusive : LockMode::kShared);
      tx.ScheduleSingleHop([&](Transaction* t, EngineShard* es) {
        for (const ShardArg& a : t->ShardArgs(es->id())) {
          Touch(es, a.key, a.index, write, &run, &mu);
        }
        return OpStatus::kOk;
      });
    } else if (kind == 1) {
      tx.InitByKeys(views, LockMode::kExclusive);
      tx.Schedule();
      tx.Execute(
          [&](Transaction* t, EngineShard* es) {
            for (const ShardArg& a : t->ShardArgs(es->id())) {
              Touch(es, a.key, a.index, false, &run, &mu);
            }
            return OpStatus::kOk;
          },
          false);
      tx.Execute(rmw, true);
    } else if (kind == 2) {
      const bool shared = rng() % 2;
      tx.InitGlobal(shared ? LockMode::kShared : LockMode::kExclusive);
      tx.Schedule();
      for (int h = 0; h < 2; ++h) {
        tx.Execute(
            [&](Transaction*, EngineShard* es) {
              for (uint32_t i = 0; i < keys.size(); ++i) {
                if (shards_->ShardOf(keys[i]) != es->id()) continue;
                Touch(es, keys[i], i, !shared && h == 1, &run, &mu);
              }
              return OpStatus::kOk;
            },
            h == 1);
      }
    } else if (kind == 3) {
      LearningMulti(tx, views, names[rng() % names.size()], run);
      return;
    } else {
      Detached(views, std::move(run));
      return;
    }
    Finish(std::move(run));
  }

  // Reads its declared keys, then learns `extra` exclusively and writes everything; a refused
  // LockMore abandons the transaction before any write (nothing to undo).
  void LearningMulti(Transaction& tx, std::span<const string_view> keys, const std::string& extra,
                     TxRun& run) {
    std::mutex mu;
    tx.StartMulti(MultiMode::kLockAhead, keys, LockMode::kShared);
    tx.ExecuteCommand(keys, LockMode::kShared, [&](Transaction* t, EngineShard* es) {
      for (const ShardArg& a : t->ShardArgs(es->id())) Touch(es, a.key, a.index, false, &run, &mu);
      return OpStatus::kOk;
    });
    string_view more[] = {extra};
    if (!tx.LockMore(more, LockMode::kExclusive)) {
      tx.UnlockMulti();
      refused_.fetch_add(1);
      return;  // read only: its reads order nothing it wrote; left out of the graph
    }
    tx.ExecuteCommand(more, LockMode::kExclusive, [&](Transaction* t, EngineShard* es) {
      for (const ShardArg& a : t->ShardArgs(es->id())) Touch(es, a.key, 63, true, &run, &mu);
      return OpStatus::kOk;
    });
    tx.UnlockMulti();
    Finish(std::move(run));
  }

  void Detached(std::span<const string_view> keys, TxRun run) {
    // The keys outlive the caller's: the hop runs after this returns.
    auto names = std::make_shared<std::vector<std::string>>(keys.begin(), keys.end());
    std::vector<string_view> views(names->begin(), names->end());
    auto owned = std::make_unique<Transaction>(shards_.get());
    owned->InitByKeys(views, LockMode::kExclusive);
    auto shared = std::make_shared<TxRun>(std::move(run));
    auto mu = std::make_shared<std::mutex>();
    detached_left_ += int(owned->active_shards().size());
    Transaction::RunDetached(std::move(owned),
                             [this, shared, mu, names](Transaction* t, EngineShard* es) {
                               for (const ShardArg& a : t->ShardArgs(es->id())) {
                                 Touch(es, a.key, a.index, true, shared.get(), mu.get());
                               }
                               detached_left_.fetch_sub(1);
                               return OpStatus::kOk;
                             });
    // The record is complete once every shard ran: checked (and collected) at the end.
    std::lock_guard<std::mutex> lock(runs_mu_);
    pending_detached_.push_back(shared);
  }

  // PART_HOPS_MIX_ROUNDS=N: rounds per coordinator fiber (a longer hunt; default 50).
  static int Rounds() {
    const char* env = std::getenv("PART_HOPS_MIX_ROUNDS");
    return env != nullptr ? std::atoi(env) : 50;
  }

  void RunMix(uint32_t seed, bool hashtags) {
    std::vector<std::string> names;
    for (int i = 0; i < 8; ++i) {
      names.push_back(hashtags ? "{t" + std::to_string(i % 3) + "}" + std::to_string(i)
                               : "m:" + std::to_string(i));
    }
    logs_.assign(shards_->size(), {});
    shards_->AwaitBriefOnAll([](EngineShard* s) { SliceOf(s)->ints.clear(); });
    RunFibers(24, [&](size_t f) {
      std::mt19937 rng(seed + uint32_t(f) * 2654435761u);
      for (int round = 0; round < Rounds(); ++round) {
        TxRun run;
        run.uid = next_uid_.fetch_add(1);
        const int kind = int(rng() % 10);
        run.kind = kind;
        if (kind < 5) {
          PartHops(rng, names, std::move(run));
        } else {
          Other(kind - 5, rng, names, std::move(run));
        }
      }
    });
    // Detached hops: wait until the shards ran them (their locks are gone), then collect.
    for (int i = 0; i < 30000 && detached_left_.load() != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(detached_left_.load(), 0);
    for (auto& r : pending_detached_) runs_.push_back(*r);
    EXPECT_EQ(CyclicRuns(), 0u) << "runs " << runs_.size() << " refused " << refused_.load();
    EngineShard::Stats stats = TotalStats();
    LOG(INFO) << "runs " << runs_.size() << " ooo " << stats.ooo_runs << " conflicts "
              << stats.schedule_conflicts << " learned " << stats.locks_learned << " refused "
              << stats.locks_refused << " quick " << stats.quick_inline + stats.quick_remote;
  }

  std::vector<std::unordered_map<std::string, std::vector<int64_t>>> logs_;
  std::mutex runs_mu_;
  std::vector<TxRun> runs_;
  std::vector<std::shared_ptr<TxRun>> pending_detached_;
  std::atomic<int> refused_{0};
  std::atomic<int> detached_left_{0};
  std::atomic<int64_t> next_uid_{1};  // shards still due to run a detached hop
};

TEST_F(PartHopsMixTest, ConflictGraphIsAcyclic) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    runs_.clear();
    pending_detached_.clear();
    RunMix(seed, false);
  }
}

class PartHopsMixHashtagTest : public PartHopsMixTest {
 protected:
  PartHopsMixHashtagTest() { options_.lock_on_hashtags = true; }
};

TEST_F(PartHopsMixHashtagTest, ConflictGraphIsAcyclicWithHashtagLocks) {
  for (uint32_t seed : {4u, 5u, 6u}) {
    runs_.clear();
    pending_detached_.clear();
    RunMix(seed, true);
  }
}

}  // namespace
}  // namespace lw::tx
