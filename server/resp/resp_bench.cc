// Throughput of the RESP request parser and of reply serialisation.
//
//   bazel --output_base=/root/.cache/bazel_ob_resp run -c opt //server:resp_bench
//
// bytes_per_second is input parsed (or output written); items_per_second is commands
// parsed (or replies written).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "server/resp/reply_builder.h"
#include "server/resp/resp_parser.h"

namespace lw {
namespace {

std::string PipelinedSets(int num_commands, size_t value_size) {
  std::string out;
  const std::string value(value_size, 'v');
  for (int i = 0; i < num_commands; ++i) {
    const std::string key = "key:" + std::to_string(i);
    out += "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" +
           std::to_string(value.size()) + "\r\n" + value + "\r\n";
  }
  return out;
}

// Parses `input` (holding `commands` requests) whole, once per iteration.
void ParseWhole(benchmark::State& state, const std::string& input, int commands) {
  RespParser parser;
  std::vector<std::string_view> args;
  for (auto _ : state) {
    std::string_view rest = input;
    size_t used = 0;
    while (parser.Parse(rest, &used, &args) == RespParser::kOk) {
      benchmark::DoNotOptimize(args.data());
      rest.remove_prefix(used);
    }
  }
  state.SetBytesProcessed(state.iterations() * input.size());
  state.SetItemsProcessed(state.iterations() * commands);
}

// A read buffer holding a pipeline of SETs, parsed whole.
void BM_ParsePipelinedSet(benchmark::State& state) {
  constexpr int kCommands = 1000;
  const std::string input = PipelinedSets(kCommands, static_cast<size_t>(state.range(0)));
  ParseWhole(state, input, kCommands);
}
BENCHMARK(BM_ParsePipelinedSet)->Arg(16)->Arg(256)->Arg(4096);

// The same pipeline arriving in 1460-byte reads (one TCP segment each), with the
// connection loop's compaction between reads.
void BM_ParseSetsInSegments(benchmark::State& state) {
  constexpr int kCommands = 1000;
  constexpr size_t kSegment = 1460;
  const std::string input = PipelinedSets(kCommands, static_cast<size_t>(state.range(0)));
  RespParser parser;
  std::vector<std::string_view> args;
  std::string buf;
  for (auto _ : state) {
    buf.clear();
    for (size_t fed = 0; fed < input.size(); fed += kSegment) {
      buf.append(input, fed, kSegment);
      size_t start = 0;
      size_t used = 0;
      while (parser.Parse(std::string_view(buf).substr(start), &used, &args) == RespParser::kOk) {
        benchmark::DoNotOptimize(args.data());
        start += used;
      }
      start += used;
      buf.erase(0, start);
    }
  }
  state.SetBytesProcessed(state.iterations() * input.size());
  state.SetItemsProcessed(state.iterations() * kCommands);
}
BENCHMARK(BM_ParseSetsInSegments)->Arg(16)->Arg(4096);

void BM_ParseInline(benchmark::State& state) {
  std::string input;
  constexpr int kCommands = 1000;
  for (int i = 0; i < kCommands; ++i) input += "SET key:" + std::to_string(i) + " \"a value\"\r\n";
  ParseWhole(state, input, kCommands);
}
BENCHMARK(BM_ParseInline);

// A batch of 1000 "+OK" replies, as for a pipeline of SETs.
void BM_ReplyOk(benchmark::State& state) {
  ReplyBuilder rb;
  size_t bytes = 0;
  for (auto _ : state) {
    rb.Clear();
    for (int i = 0; i < 1000; ++i) rb.SendOk();
    bytes += rb.size();
    benchmark::DoNotOptimize(rb.buffer().data());
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ReplyOk);

// A batch of 1000 bulk replies (GET hits) of the given size.
void BM_ReplyBulk(benchmark::State& state) {
  const std::string value(static_cast<size_t>(state.range(0)), 'v');
  ReplyBuilder rb;
  size_t bytes = 0;
  for (auto _ : state) {
    rb.Clear();
    for (int i = 0; i < 1000; ++i) rb.SendBulk(value);
    bytes += rb.size();
    benchmark::DoNotOptimize(rb.buffer().data());
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ReplyBulk)->Arg(16)->Arg(4096);

// ZRANGE 0 99 WITHSCORES, in RESP2 (arg 2) and RESP3 (arg 3): mostly double formatting.
void BM_ReplyScoredArray(benchmark::State& state) {
  std::vector<std::string> members;
  std::vector<std::pair<std::string_view, double>> items;
  for (int i = 0; i < 100; ++i) members.push_back("member:" + std::to_string(i));
  for (int i = 0; i < 100; ++i) items.emplace_back(members[i], i * 1.37 + 0.001);
  ReplyBuilder rb(state.range(0) == 3 ? RespVersion::kResp3 : RespVersion::kResp2);
  size_t bytes = 0;
  for (auto _ : state) {
    rb.Clear();
    rb.SendScoredArray(items, true);
    bytes += rb.size();
    benchmark::DoNotOptimize(rb.buffer().data());
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_ReplyScoredArray)->Arg(2)->Arg(3);

}  // namespace
}  // namespace lw
