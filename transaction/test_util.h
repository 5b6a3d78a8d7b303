// Test support for transaction/: a fixture that runs a ShardSet on a real ProactorPool, with a
// toy per-shard keyspace as the shards' user data, and helpers to run many coordinator fibers.
// Thread-safety: fixture methods from the test's main thread; TestSlice only on its shard.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/blocking_counter.h"
#include "io/proactor_pool.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"
#include "transaction/transaction.h"

namespace lw::tx {

// What a DbSlice would be, reduced to what the tests need.
struct TestSlice {
  std::unordered_map<std::string, int64_t> ints;
  std::unordered_map<std::string, std::deque<std::string>> lists;
};

inline TestSlice* SliceOf(EngineShard* shard) { return shard->data<TestSlice>(); }

class ShardSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<io::ProactorPool>(num_threads_);
    pool_->Start();
    shards_ = std::make_unique<ShardSet>(pool_.get(), options_);
    slices_.resize(num_threads_);
    shards_->AwaitBriefOnAll([this](EngineShard* s) { s->set_user_data(&slices_[s->id()]); });
  }

  void TearDown() override {
    ExpectIdle();
    shards_.reset();
    pool_->Stop();
  }

  // Runs fn(i) for i in [0, n) in n fibers spread round robin over the pool; waits for all.
  void RunFibers(size_t n, const std::function<void(size_t)>& fn) {
    io::BlockingCounter done{int64_t(n)};
    for (size_t i = 0; i < n; ++i) {
      pool_->at(i % pool_->size())->Dispatch([&fn, &done, i] {
        fn(i);
        done.Dec();
      });
    }
    done.Wait();
  }

  // Runs fn in one fiber on thread `thread` and waits.
  void OnThread(size_t thread, const std::function<void()>& fn) {
    pool_->at(thread)->AwaitFiber(fn);
  }

  // Every lock released, every queue empty, every watcher gone.
  void ExpectIdle() {
    shards_->AwaitBriefOnAll([](EngineShard* s) {
      EXPECT_EQ(s->lock_table().size(), 0u) << "shard " << s->id();
      EXPECT_TRUE(s->shard_lock().Free()) << "shard " << s->id();
      EXPECT_EQ(s->queue_size(), 0u) << "shard " << s->id();
      EXPECT_EQ(s->watcher_count(), 0u) << "shard " << s->id();
    });
  }

  EngineShard::Stats TotalStats() {
    std::vector<EngineShard::Stats> all(shards_->size());
    shards_->AwaitBriefOnAll([&](EngineShard* s) { all[s->id()] = s->stats(); });
    EngineShard::Stats sum;
    for (const auto& st : all) {
      sum.quick_inline += st.quick_inline;
      sum.quick_remote += st.quick_remote;
      sum.quick_paired += st.quick_paired;
      sum.scheduled += st.scheduled;
      sum.schedule_conflicts += st.schedule_conflicts;
      sum.late_accepted += st.late_accepted;
      sum.head_runs += st.head_runs;
      sum.ooo_runs += st.ooo_runs;
      sum.wakes += st.wakes;
      sum.locks_learned += st.locks_learned;
      sum.locks_refused += st.locks_refused;
    }
    return sum;
  }

  // One transaction that moves a unit from `k1` (on shard 1) to `k0` (on shard 0) under
  // exclusive locks: the sum of the two stays 0, which consistency tests' readers check.
  void TransferOne(const std::string& k0, const std::string& k1) {
    Transaction w(shards_.get());
    std::string_view keys[] = {k0, k1};
    w.InitByKeys(keys, LockMode::kExclusive);
    w.ScheduleSingleHop([&](Transaction*, EngineShard* es) {
      SliceOf(es)->ints[es->id() == 0 ? k0 : k1] += es->id() == 0 ? 1 : -1;
      return OpStatus::kOk;
    });
  }

  // A key named `prefix`N that lives on shard `sid`.
  std::string KeyOn(ShardId sid, const std::string& prefix = "k") {
    for (int i = 0;; ++i) {
      std::string key = prefix + std::to_string(i);
      if (shards_->ShardOf(key) == sid) return key;
    }
  }

  size_t num_threads_ = 3;
  ShardSetOptions options_;
  std::unique_ptr<io::ProactorPool> pool_;
  std::unique_ptr<ShardSet> shards_;
  std::vector<TestSlice> slices_;
};

}  // namespace lw::tx
