// The cross-thread transaction path alone, without the network: one transaction = Schedule
// (a message to each remote shard and its answer), one non-concluding hop (a message each
// way) and Conclude (a message each way), for transactions over 1, 2 and 5 shards of a
// 5-thread pool, under 1, 8 and 50 concurrent coordinator fibers spread over the threads.
// Each coordinator owns its keys (uncontended) or all share one key per shard (contended:
// every transaction waits for the one before it on each shard). The hop does almost
// nothing, so the time per transaction is the machinery: messages, wake-ups, queueing.
// Run: bazel run --config=opt //transaction:hop_bench
// On a machine with fewer cores than threads the numbers include the kernel's scheduling of
// the 5 proactors, as a busy server's would.
#include <benchmark/benchmark.h>

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

constexpr size_t kThreads = 5;
constexpr int kOpsPerBatch = 2000;  // transactions per benchmark iteration, over all fibers
constexpr size_t kKeysPerShard = 64;

struct Env {
  io::ProactorPool pool{kThreads};
  std::unique_ptr<ShardSet> shards;
  std::vector<std::vector<std::string>> keys;  // keys[shard][i], all on that shard

  Env() {
    pool.Start();
    shards = std::make_unique<ShardSet>(&pool);
    keys.resize(shards->size());
    auto full = [this] {
      for (const auto& k : keys) {
        if (k.size() < kKeysPerShard) return false;
      }
      return true;
    };
    for (int i = 0; !full(); ++i) {
      std::string key = "hop:" + std::to_string(i);
      auto& list = keys[shards->ShardOf(key)];
      if (list.size() < kKeysPerShard) list.push_back(key);
    }
  }
};

Env& GetEnv() {
  static Env* env = new Env();  // lives until exit: the pool keeps running between benchmarks
  return *env;
}

OpStatus Nothing(Transaction*, EngineShard*) { return OpStatus::kOk; }

// Arguments: shards per transaction, concurrent coordinators, contended (0/1).
void BM_ScheduleHopConclude(benchmark::State& state) {
  Env& env = GetEnv();
  const size_t shards_per_tx = size_t(state.range(0));
  const int fibers = int(state.range(1));
  const bool contended = state.range(2) != 0;
  const int ops_per_fiber = std::max(1, kOpsPerBatch / fibers);
  for (auto _ : state) {
    io::BlockingCounter done{fibers};
    for (int f = 0; f < fibers; ++f) {
      const size_t thread = size_t(f) % kThreads;
      env.pool.at(thread)->Dispatch(
          [&env, &done, f, thread, shards_per_tx, contended, ops_per_fiber] {
            // Its own thread's shard first (handled inline), then the next ones.
            size_t index = contended ? 0 : size_t(f) % kKeysPerShard;
            std::vector<std::string_view> keys;
            for (size_t s = 0; s < shards_per_tx; ++s) {
              keys.push_back(env.keys[(thread + s) % env.shards->size()][index]);
            }
            for (int op = 0; op < ops_per_fiber; ++op) {
              Transaction tx(env.shards.get());
              tx.InitByKeys(keys, LockMode::kExclusive);
              tx.Schedule();
              tx.Execute(Nothing, /*conclude=*/false);
              tx.Conclude();
            }
            done.Dec();
          });
    }
    done.Wait();
  }
  state.SetItemsProcessed(state.iterations() * fibers * ops_per_fiber);
  // Wall time per transaction (shown with an SI suffix: 12.3u = 12.3 us).
  state.counters["per_tx"] =
      benchmark::Counter(double(state.iterations() * fibers * ops_per_fiber),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_ScheduleHopConclude)
    ->ArgNames({"shards", "coordinators", "contended"})
    ->ArgsProduct({{1, 2, 5}, {1, 8, 50}, {0, 1}})
    ->UseRealTime()
    ->MinTime(0.3);

}  // namespace
}  // namespace lw::tx
