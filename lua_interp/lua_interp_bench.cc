// Benchmarks of the Lua layer alone, against a fake runner that answers +OK.
#include <benchmark/benchmark.h>

#include "lua_interp/interpreter.h"
#include "lua_interp/sha1.h"

namespace lw::lua {
namespace {

class OkRunner : public ScriptRunner {
 public:
  void Call(const CallInfo&, std::span<const std::string_view>, ReplyWriter* reply) override {
    reply->SendStatus("OK");
  }
};

// Counts what it receives; the cheapest possible output.
class NullWriter : public ReplyWriter {
 public:
  size_t n = 0;
  void SendInt(int64_t) override { ++n; }
  void SendBulk(std::string_view) override { ++n; }
  void SendStatus(std::string_view) override { ++n; }
  void SendError(std::string_view) override { ++n; }
  void SendNull() override { ++n; }
  void SendNullArray() override { ++n; }
  void SendDouble(double) override { ++n; }
  void SendBool(bool) override { ++n; }
  void SendBigNumber(std::string_view) override { ++n; }
  void SendVerbatim(std::string_view, std::string_view) override { ++n; }
  void StartArray(uint32_t) override { ++n; }
  void StartMap(uint32_t) override { ++n; }
  void StartSet(uint32_t) override { ++n; }
};

void RunLoop(benchmark::State& state, const char* body, bool auto_async = false) {
  Interpreter interp;
  OkRunner runner;
  NullWriter out;
  std::string sha = Sha1Hex(body), err;
  if (interp.AddFunction(sha, body, &err, auto_async) == Interpreter::AddResult::kCompileError) {
    state.SkipWithError(err.c_str());
    return;
  }
  std::string_view keys[] = {"key"};
  std::string_view argv[] = {"value"};
  for (auto _ : state) {
    if (interp.RunFunction(sha, keys, argv, &runner, &out, &err) != Interpreter::RunStatus::kOk) {
      state.SkipWithError(err.c_str());
      return;
    }
  }
  benchmark::DoNotOptimize(out.n);
}

void BM_EmptyScript(benchmark::State& state) { RunLoop(state, "return 1"); }
BENCHMARK(BM_EmptyScript);

constexpr char kTenCalls[] = "for i = 1, 10 do redis.call('SET', KEYS[1], ARGV[1]) end return 1";

void BM_TenCalls(benchmark::State& state) { RunLoop(state, kTenCalls); }
BENCHMARK(BM_TenCalls);

void BM_TenCallsAutoAsync(benchmark::State& state) { RunLoop(state, kTenCalls, true); }
BENCHMARK(BM_TenCallsAutoAsync);

void BM_TableToReply(benchmark::State& state) {
  // The table is built once; the benchmark measures converting it.
  Interpreter interp;
  std::string err;
  NullWriter out;
  const char* setup =
      "local t = {} for i = 1, 1000 do t[i] = {i, 'member' .. i, {ok = 'x'}} end "
      "return t";
  std::string sha = Sha1Hex(setup);
  interp.AddFunction(sha, setup, &err);
  for (auto _ : state) {
    // Includes building the table in Lua; see BM_TableBuildOnly for that part alone.
    interp.RunFunction(sha, {}, {}, nullptr, &out, &err);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  benchmark::DoNotOptimize(out.n);
}
BENCHMARK(BM_TableToReply);

void BM_TableBuildOnly(benchmark::State& state) {
  RunLoop(state,
          "local t = {} for i = 1, 1000 do t[i] = {i, 'member' .. i, {ok = 'x'}} end "
          "return 1");
}
BENCHMARK(BM_TableBuildOnly);

void BM_Sha1Script(benchmark::State& state) {
  std::string body(1024, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(Sha1Hex(body));
  state.SetBytesProcessed(state.iterations() * body.size());
}
BENCHMARK(BM_Sha1Script);

}  // namespace
}  // namespace lw::lua
