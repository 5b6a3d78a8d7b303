// io_bench: the three costs everything above io/ pays.
//   BM_FiberSwitch        one fiber switch (two fibers yielding to each other; time per Yield)
//   BM_CrossThreadAwait   a fiber's Await round trip to another proactor thread
//   BM_EchoThroughput     16-byte request/response over loopback TCP, pipelined 16 deep,
//                         client and server on different proactor threads
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "io/done.h"
#include "io/proactor_pool.h"
#include "io/socket.h"

namespace lw::io {
namespace {

void BM_FiberSwitch(benchmark::State& state) {
  ProactorPool pool(1);
  pool.Start();
  pool.at(0)->AwaitFiber([&] {
    std::atomic<bool> stop{false};
    Fiber partner("partner", [&] {
      while (!stop.load(std::memory_order_relaxed)) this_fiber::Yield();
    });
    for (auto _ : state) this_fiber::Yield();
    stop = true;
    partner.Join();
  });
  pool.Stop();
  // Each Yield lets the partner run once: two switches out and two back through the loop.
  state.counters["switches_per_s"] =
      benchmark::Counter(double(state.iterations()) * 2, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FiberSwitch)->UseRealTime();

void BM_CrossThreadAwait(benchmark::State& state) {
  ProactorPool pool(2);
  pool.Start();
  pool.at(0)->AwaitFiber([&] {
    int64_t sum = 0;
    for (auto _ : state) sum += pool.at(1)->Await([] { return int64_t(1); });
    benchmark::DoNotOptimize(sum);
  });
  pool.Stop();
}
BENCHMARK(BM_CrossThreadAwait)->UseRealTime();

void BM_EchoThroughput(benchmark::State& state) {
  ProactorPool pool(2);
  pool.Start();
  uint16_t port = 0;
  int lfd = ListenTcp("127.0.0.1", 0, &port);
  Done served;
  pool.at(0)->Dispatch([&] {
    FiberAcceptor acceptor(lfd);
    int fd = acceptor.Accept();
    FiberSocket conn(fd);
    char buf[16384];
    while (true) {
      ssize_t n = conn.Recv(buf, sizeof(buf));
      if (n <= 0 || conn.SendAll(std::string_view(buf, size_t(n))) != 0) break;
    }
    served.Notify();
  });
  constexpr int kDepth = 16;
  const std::string msg(16, 'm');
  std::string batch;
  for (int i = 0; i < kDepth; ++i) batch += msg;
  pool.at(1)->AwaitFiber([&] {
    FiberSocket sock;
    if (sock.Connect("127.0.0.1", port) != 0) {
      state.SkipWithError("connect failed");
      return;
    }
    char buf[16384];
    for (auto _ : state) {
      sock.SendAll(batch);
      size_t got = 0;
      while (got < batch.size()) {
        ssize_t n = sock.Recv(buf, sizeof(buf));
        if (n <= 0) return;
        got += size_t(n);
      }
    }
    sock.ShutdownBoth();
  });
  served.Wait();
  pool.Stop();
  state.counters["msgs_per_s"] =
      benchmark::Counter(double(state.iterations()) * kDepth, benchmark::Counter::kIsRate);
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(batch.size()));
}
BENCHMARK(BM_EchoThroughput)->UseRealTime();

}  // namespace
}  // namespace lw::io
