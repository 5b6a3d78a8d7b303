// pipeline_bench: the server's per-command path for memtier's SET/GET load without the
// network — parse a pipelined batch of 10 requests (random keys of 100k, 32-byte values, half
// SET, half GET), look each up in the registry, classify it for squashing and run the batch
// squashed into one reply buffer, as server/net's Connection does for a read (issue 18).
//
//   bazel run --config=opt //server/families:pipeline_bench
//   bazel run --config=opt //server/families:pipeline_bench -- --benchmark_filter=/2/25
//
// Arguments: proactor threads, connection fibers per thread, and where the keys live: 0
// random (memtier's), 1 only on the fiber's own thread's shard, 2 only on other shards.
// cpu_ns_per_cmd is the whole process's CPU time (every thread: getrusage) per command, the
// figure that decides throughput on a machine whose cores the clients share; with two
// threads and random keys about half of each batch runs on the other thread's shard.
#include <cstdlib>
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "io/blocking_counter.h"
#include "io/proactor_pool.h"
#include "server/engine/service.h"
#include "server/engine/squashed_dispatch.h"
#include "server/families/string_family.h"
#include "server/resp/reply_builder.h"
#include "server/resp/resp_parser.h"

namespace lw {
namespace {

constexpr int kBatch = 10;          // memtier --pipeline 10
constexpr int kBatchesPerRun = 64;  // per fiber and benchmark iteration
constexpr int kInputs = 256;        // distinct pre-built batches per fiber
constexpr uint32_t kKeys = 100000;  // memtier --key-maximum=100000

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

std::string Key(uint32_t n) { return "memtier-" + std::to_string(n); }

// One Service per thread count, built once (a pool cannot restart), with every key present:
// memtier's SETs overwrite and its GETs hit after its first seconds.
struct Env {
  io::ProactorPool pool;
  std::unique_ptr<Service> service;
  explicit Env(size_t threads) : pool(threads) {
    pool.Start();
    const FamilyRegistrar families[] = {RegisterStringFamily};
    service = std::make_unique<Service>(&pool, ServiceConfig{}, families);
    pool.at(0)->AwaitFiber([&] {
      ReplyBuilder rb;
      ConnectionContext cntx;
      cntx.service = service.get();
      cntx.rb = &rb;
      for (uint32_t k = 0; k < kKeys; ++k) {
        std::string key = Key(k), value(32, 'x');
        std::string_view args[] = {"SET", key, value};
        service->Dispatch(args, &cntx);
        rb.Clear();
      }
    });
  }
};

Env& EnvFor(size_t threads) {
  static Env* envs[3] = {};
  if (envs[threads] == nullptr) envs[threads] = new Env(threads);  // never destroyed
  return *envs[threads];
}

// memtier's requests: "memtier-<n>" keys, SET with a 32-byte value or GET, 1:1.
// place: 0 random keys; 1 only keys of shard `home`; 2 only keys of other shards.
std::vector<std::string> MakeInputs(uint32_t seed, Service* service = nullptr, int place = 0,
                                    uint32_t home = 0) {
  std::mt19937 rng(seed);
  std::vector<std::string> inputs(kInputs);
  const std::string value(32, 'x');
  for (std::string& in : inputs) {
    for (int i = 0; i < kBatch; ++i) {
      std::string key = Key(rng() % kKeys);
      while (place != 0 && (service->shards().ShardOf(key) == home) != (place == 1)) {
        key = Key(rng() % kKeys);
      }
      if (rng() % 2 == 0) {
        in += "*3\r\n" + Bulk("SET") + Bulk(key) + Bulk(value);
      } else {
        in += "*2\r\n" + Bulk("GET") + Bulk(key);
      }
    }
  }
  return inputs;
}

// A connection's batch loop: what Connection::ProcessInput does for a read of squashable
// requests (ACL, MULTI and pub/sub checks aside, which cost a few branches there).
class FakeConnection {
 public:
  FakeConnection(Service* service, uint32_t seed, int place = 0, uint32_t home = 0)
      : service_(service), inputs_(MakeInputs(seed, service, place, home)) {
    cntx_.service = service;
    cntx_.rb = &rb_;
    cntx_.client_id = service->NextClientId();
    service->acl().Refresh(&cntx_);  // the default user's snapshot, as Dispatch would take
  }

  // Not inlined, so that an instruction count can be limited to it (deterministic, unlike
  // the time on a shared machine):
  //   valgrind --tool=callgrind --toggle-collect='*FakeConnection::RunBatches*' pipeline_bench
  [[gnu::noinline]] void RunBatches(int n) {
    for (int b = 0; b < n; ++b) RunBatch(inputs_[next_++ % inputs_.size()]);
  }

 private:
  void RunBatch(std::string_view in) {
    size_t used = 0;
    while (parser_.Parse(in, &used, &args_) == RespParser::kOk) {
      in.remove_prefix(used);
      const CommandSpec* spec = recent_commands_.Find(service_->registry(), args_[0]);
      SquashItem item;
      if (!ClassifyForSquash(service_, spec, args_, &item)) std::abort();
      item.db = cntx_.db_index;
      arg_begin_.push_back(all_args_.size());
      all_args_.insert(all_args_.end(), args_.begin(), args_.end());
      items_.push_back(std::move(item));
    }
    const std::span<const std::string_view> all(all_args_);
    for (size_t i = 0; i < items_.size(); ++i) {
      size_t end = i + 1 < items_.size() ? arg_begin_[i + 1] : all.size();
      items_[i].args = all.subspan(arg_begin_[i], end - arg_begin_[i]);
    }
    if (!RunSquashedInto(service_, cntx_, items_, &rb_)) std::abort();  // nothing pauses here
    benchmark::DoNotOptimize(rb_.buffer().data());
    rb_.Clear();
    items_.clear();
    all_args_.clear();
    arg_begin_.clear();
  }

  Service* service_;
  std::vector<std::string> inputs_;
  size_t next_ = 0;
  ReplyBuilder rb_;
  ConnectionContext cntx_;
  RespParser parser_;
  RecentCommands recent_commands_;
  std::vector<std::string_view> args_, all_args_;
  std::vector<size_t> arg_begin_;
  std::vector<SquashItem> items_;
};

int64_t ProcessCpuNs() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return (int64_t(ru.ru_utime.tv_sec) + ru.ru_stime.tv_sec) * 1'000'000'000 +
         (int64_t(ru.ru_utime.tv_usec) + ru.ru_stime.tv_usec) * 1000;
}

void BM_SetGetPipeline(benchmark::State& state) {
  const size_t threads = size_t(state.range(0));
  const int fibers = int(state.range(1));
  Env& env = EnvFor(threads);
  std::vector<std::unique_ptr<FakeConnection>> conns;
  for (size_t t = 0; t < threads; ++t) {
    for (int f = 0; f < fibers; ++f) {
      const uint32_t seed = uint32_t(t * 1000 + f);
      conns.push_back(env.pool.at(t)->Await([&] {
        return std::make_unique<FakeConnection>(env.service.get(), seed, int(state.range(2)),
                                                uint32_t(t));
      }));
    }
  }
  const int64_t cpu_before = ProcessCpuNs();
  for (auto _ : state) {
    io::BlockingCounter done(int64_t(conns.size()));
    for (size_t c = 0; c < conns.size(); ++c) {
      env.pool.at(c / fibers)->Dispatch([&, c] {
        conns[c]->RunBatches(kBatchesPerRun);
        done.Dec();
      });
    }
    done.Wait();
  }
  const int64_t cpu = ProcessCpuNs() - cpu_before;
  const int64_t commands =
      int64_t(state.iterations()) * int64_t(conns.size()) * kBatchesPerRun * kBatch;
  state.SetItemsProcessed(commands);
  state.counters["cpu_ns_per_cmd"] = double(cpu) / double(commands);
  for (size_t c = 0; c < conns.size(); ++c) {
    env.pool.at(c / fibers)->Await([&] { conns[c].reset(); });  // freed on its thread
  }
}

BENCHMARK(BM_SetGetPipeline)
    ->ArgNames({"threads", "fibers", "place"})
    ->Args({1, 1, 0})
    ->Args({1, 25, 0})
    ->Args({2, 1, 0})
    ->Args({2, 25, 0})
    ->Args({2, 25, 1})
    ->Args({2, 25, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace lw
