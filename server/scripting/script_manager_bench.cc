// The per-EVALSHA bookkeeping of the script manager, on 1, 2 and 4 threads at once: finding
// the script, counting the run, registering it for SCRIPT KILL. Every thread works on its
// own ScriptManager::ThreadState, so the time per operation should stay flat as threads are
// added; BM_LockedMapBaseline does what this path did before (a process-wide mutex around one
// map, a shared atomic counter) and shows what sharing costs on this machine.
//   bazel run --config=opt //server/scripting:script_manager_bench
#include <benchmark/benchmark.h>

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/scripting/script_manager.h"

namespace lw {
namespace {

constexpr size_t kScripts = 64;

struct Fixture {
  ScriptManager mgr;
  std::vector<std::string> shas;
  Fixture() {
    for (size_t i = 0; i < kScripts; ++i) {
      std::string sha, error;
      mgr.Add("return " + std::to_string(i), 0, &sha, &error);
      shas.push_back(sha);
    }
  }
};

Fixture& Shared() {
  static Fixture* f = new Fixture();
  return *f;
}

void BM_EvalShaBookkeeping(benchmark::State& state) {
  Fixture& f = Shared();
  size_t i = size_t(state.thread_index());
  for (auto _ : state) {
    std::shared_ptr<const ScriptInfo> script = f.mgr.Find(f.shas[i++ % kScripts]);
    benchmark::DoNotOptimize(script);
    ScriptCounters::Add(f.mgr.Local().counters.runs_lock_ahead);
    RunningScript running;
    f.mgr.Register(&running);
    f.mgr.Unregister(&running);
  }
}
BENCHMARK(BM_EvalShaBookkeeping)->ThreadRange(1, 4)->UseRealTime();

// The same steps as before issue 12: every one under one mutex shared by all threads.
struct LockedBaseline {
  std::mutex mu;
  absl::flat_hash_map<std::string, std::shared_ptr<const ScriptInfo>> scripts;
  std::vector<RunningScript*> running;
  std::atomic<uint64_t> runs{0};
};

void BM_LockedMapBaseline(benchmark::State& state) {
  static LockedBaseline* b = [] {
    auto* base = new LockedBaseline();
    for (const std::string& sha : Shared().shas) {
      base->scripts.emplace(sha, std::make_shared<const ScriptInfo>());
    }
    return base;
  }();
  const std::vector<std::string>& shas = Shared().shas;
  size_t i = size_t(state.thread_index());
  for (auto _ : state) {
    std::shared_ptr<const ScriptInfo> script;
    {
      std::lock_guard<std::mutex> lock(b->mu);
      script = b->scripts.find(shas[i++ % kScripts])->second;
    }
    benchmark::DoNotOptimize(script);
    b->runs.fetch_add(1);
    RunningScript running;
    {
      std::lock_guard<std::mutex> lock(b->mu);
      b->running.push_back(&running);
    }
    {
      std::lock_guard<std::mutex> lock(b->mu);
      std::erase(b->running, &running);
    }
  }
}
BENCHMARK(BM_LockedMapBaseline)->ThreadRange(1, 4)->UseRealTime();

}  // namespace
}  // namespace lw
