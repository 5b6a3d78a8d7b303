// Transactions per second through the whole coordinator/shard machinery, from many coordinator
// fibers spread over a 2-thread pool: single-shard (fast path), 2-shard and all-shard
// transactions, each uncontended (every fiber on its own keys) and contended (all fibers on
// the same keys). The hop itself does almost nothing, so this measures the machinery.
// Single-shard one-hop operations never wait for each other (each runs in one step of its
// shard's thread), so "contended" matters only for the multi-shard ones. StoreChain: the
// two-hop "read the sources, write the destination" chain of BITOP & co. on hot keys, with and
// without hops over a part of the keys.
// Run: bazel run --config=opt //transaction:transaction_bench
#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/blocking_counter.h"
#include "io/proactor_pool.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"
#include "transaction/transaction.h"

namespace lw::tx {
namespace {

constexpr size_t kThreads = 2;
constexpr int kOpsPerFiber = 200;
constexpr int kKeysPerShard = 256;

struct alignas(64) Counter {
  uint64_t value = 0;
};

struct Env {
  io::ProactorPool pool{kThreads};
  std::unique_ptr<ShardSet> shards;
  std::vector<Counter> counters{kThreads};
  std::vector<std::vector<std::string>> keys;  // keys[shard][i], all on that shard

  Env() {
    pool.Start();
    shards = std::make_unique<ShardSet>(&pool);
    keys.resize(shards->size());
    for (int i = 0; keys.back().size() < kKeysPerShard || keys.front().size() < kKeysPerShard;
         ++i) {
      std::string key = "bench:" + std::to_string(i);
      auto& list = keys[shards->ShardOf(key)];
      if (list.size() < kKeysPerShard) list.push_back(key);
    }
  }
};

Env& GetEnv() {
  static Env* env = new Env();  // lives until exit: the pool keeps running between benchmarks
  return *env;
}

OpStatus Touch(Transaction*, EngineShard* shard) {
  ++GetEnv().counters[shard->id()].value;
  return OpStatus::kOk;
}

// Runs `fibers` coordinator fibers, each doing kOpsPerFiber transactions over the keys that
// pick(fiber) returns, and reports transactions per second.
void RunBench(benchmark::State& state, size_t shards_per_tx, bool contended, size_t offset = 0) {
  Env& env = GetEnv();
  const int fibers = int(state.range(0));
  for (auto _ : state) {
    io::BlockingCounter done{fibers};
    for (int f = 0; f < fibers; ++f) {
      env.pool.at(f % kThreads)->Dispatch([&env, &done, f, shards_per_tx, contended, offset] {
        // Uncontended fibers own key index f on every shard; contended ones share index 0.
        // Single-shard ones use their own thread's shard (inline), or with `offset` the other
        // thread's (one message hop).
        size_t index = contended ? 0 : size_t(f) % kKeysPerShard;
        std::vector<std::string_view> keys;
        for (size_t s = 0; s < shards_per_tx; ++s) {
          keys.push_back(env.keys[(s + f + offset) % env.shards->size()][index]);
        }
        for (int op = 0; op < kOpsPerFiber; ++op) {
          Transaction tx(env.shards.get());
          tx.InitByKeys(keys, LockMode::kExclusive);
          tx.ScheduleSingleHop(Touch);
        }
        done.Dec();
      });
    }
    done.Wait();
  }
  state.SetItemsProcessed(state.iterations() * fibers * kOpsPerFiber);
}

// A chain of "read the sources, write the destination" transactions (BITOP dst s0 s1) from
// `fibers` coordinators, all on the same keys: dst and s0 on shard 0, s1 on shard 1. With
// `parts`, as KeyHops::RunPart does it: sources shared, the destination exclusive, a read hop
// over the sources (shard 1 concludes there) and a concluding write hop on dst alone; without,
// as before: every key exclusive and both hops over every key.
void RunStoreChain(benchmark::State& state, bool parts) {
  Env& env = GetEnv();
  const int fibers = int(state.range(0));
  for (auto _ : state) {
    io::BlockingCounter done{fibers};
    for (int f = 0; f < fibers; ++f) {
      env.pool.at(f % kThreads)->Dispatch([&env, &done, parts] {
        std::string_view keys[] = {env.keys[0][0], env.keys[0][1], env.keys[1][0]};
        const LockMode modes[] = {LockMode::kExclusive, LockMode::kShared, LockMode::kShared};
        const uint32_t sources[] = {1, 2}, dest[] = {0};
        for (int op = 0; op < kOpsPerFiber; ++op) {
          Transaction tx(env.shards.get());
          if (parts) {
            tx.InitByKeys(keys, modes);  // the first hop schedules, as KeyHops does
            tx.ExecuteOnKeys(Touch, sources, dest, false);
            tx.ExecuteOnKeys(Touch, dest, {}, true);
          } else {
            tx.InitByKeys(keys, LockMode::kExclusive);
            tx.Schedule();
            tx.Execute(Touch, false);
            tx.Execute(Touch, true);
          }
        }
        done.Dec();
      });
    }
    done.Wait();
  }
  state.SetItemsProcessed(state.iterations() * fibers * kOpsPerFiber);
}

void BM_SingleShard_Uncontended(benchmark::State& s) { RunBench(s, 1, false); }
void BM_SingleShard_Contended(benchmark::State& s) { RunBench(s, 1, true); }
void BM_SingleShardRemote_Uncontended(benchmark::State& s) { RunBench(s, 1, false, 1); }
void BM_SingleShardRemote_Contended(benchmark::State& s) { RunBench(s, 1, true, 1); }
void BM_TwoShard_Uncontended(benchmark::State& s) { RunBench(s, 2, false); }
void BM_TwoShard_Contended(benchmark::State& s) { RunBench(s, 2, true); }
void BM_AllShard_Uncontended(benchmark::State& s) { RunBench(s, kThreads, false); }
void BM_AllShard_Contended(benchmark::State& s) { RunBench(s, kThreads, true); }

void BM_StoreChain_AllKeysExclusive(benchmark::State& s) { RunStoreChain(s, false); }
void BM_StoreChain_PartHops(benchmark::State& s) { RunStoreChain(s, true); }

#define LW_TX_BENCH(name) BENCHMARK(name)->Arg(1)->Arg(16)->Arg(64)->UseRealTime()
LW_TX_BENCH(BM_SingleShard_Uncontended);
LW_TX_BENCH(BM_SingleShard_Contended);
LW_TX_BENCH(BM_SingleShardRemote_Uncontended);
LW_TX_BENCH(BM_SingleShardRemote_Contended);
LW_TX_BENCH(BM_TwoShard_Uncontended);
LW_TX_BENCH(BM_TwoShard_Contended);
LW_TX_BENCH(BM_AllShard_Uncontended);
LW_TX_BENCH(BM_AllShard_Contended);
BENCHMARK(BM_StoreChain_AllKeysExclusive)->Arg(1)->Arg(8)->Arg(50)->UseRealTime();
BENCHMARK(BM_StoreChain_PartHops)->Arg(1)->Arg(8)->Arg(50)->UseRealTime();

}  // namespace
}  // namespace lw::tx
