#include "io/proactor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "io/blocking_counter.h"
#include "io/proactor_pool.h"

namespace lw::io {
namespace {

class ProactorPoolTest : public ::testing::TestWithParam<PollerKind> {};

TEST_P(ProactorPoolTest, AwaitRunsOnTargetThread) {
  ProactorPool pool(3, GetParam());
  pool.Start();
  for (size_t i = 0; i < pool.size(); ++i) {
    int index = pool.at(i)->Await([] { return Proactor::Current()->index(); });
    EXPECT_EQ(index, int(i));
  }
  pool.Stop();
}

TEST_P(ProactorPoolTest, FiberAwaitsOtherThreadWithoutBlockingItsOwn) {
  ProactorPool pool(2, GetParam());
  pool.Start();
  // A fiber on thread 0 awaits thread 1 many times while another fiber on thread 0 counts:
  // both make progress, so the awaiting fiber did not block its thread.
  std::atomic<int> ticks{0};
  int64_t total = pool.at(0)->AwaitFiber([&] {
    std::atomic<bool> stop{false};
    Fiber ticker("ticker", [&] {
      while (!stop.load()) {
        ticks.fetch_add(1);
        this_fiber::Yield();
      }
    });
    int64_t sum = 0;
    for (int i = 0; i < 2000; ++i) {
      sum += pool.at(1)->Await([i] { return int64_t(i); });
    }
    stop = true;
    ticker.Join();
    return sum;
  });
  EXPECT_EQ(total, 1999 * 2000 / 2);
  EXPECT_GT(ticks.load(), 0);
  pool.Stop();
}

TEST_P(ProactorPoolTest, DispatchFromManyThreads) {
  ProactorPool pool(2, GetParam());
  pool.Start();
  std::atomic<int> counter{0};
  BlockingCounter done(4 * 1000);
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        pool.at((t + i) % 2)->DispatchBrief([&] {
          counter.fetch_add(1);
          done.Dec();
        });
      }
    });
  }
  for (auto& s : senders) s.join();
  done.Wait();
  EXPECT_EQ(counter.load(), 4000);
  pool.Stop();
}

TEST_P(ProactorPoolTest, AwaitFiberOnAllAndDispatch) {
  ProactorPool pool(2, GetParam());
  pool.Start();
  std::atomic<int> ran{0};
  pool.AwaitFiberOnAll([&](Proactor* p) {
    this_fiber::SleepFor(std::chrono::milliseconds(1));
    ran.fetch_add(p->index() + 1);
  });
  EXPECT_EQ(ran.load(), 3);
  BlockingCounter fibers(1);
  pool.at(1)->Dispatch([&] {
    this_fiber::Yield();
    fibers.Dec();
  });
  fibers.Wait();
  pool.Stop();
}

TEST_P(ProactorPoolTest, NestedCrossThreadAwait) {
  ProactorPool pool(2, GetParam());
  pool.Start();
  // Thread 0's fiber awaits a fiber on thread 1 that awaits thread 0 back: no deadlock, since
  // awaiting suspends only the fiber.
  int v = pool.at(0)->AwaitFiber([&] {
    return pool.at(1)->AwaitFiber([&] { return pool.at(0)->Await([] { return 7; }) + 1; });
  });
  EXPECT_EQ(v, 8);
  pool.Stop();
}

TEST_P(ProactorPoolTest, IdleHintFollowsTheLoop) {
  ProactorPool pool(2, GetParam());
  pool.Start();
  // Busy while it runs a task; idle (spinning or asleep) soon after, with nothing to do.
  EXPECT_FALSE(pool.at(1)->Await([&] { return pool.at(1)->idle(); }));
  bool idle = false;
  for (int i = 0; i < 2000 && !idle; ++i) {
    idle = pool.at(1)->idle();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(idle);
  pool.Stop();
}

TEST_P(ProactorPoolTest, IdleNsCountsTimeOutOfWorkNotTimeBusy) {
  ProactorPool pool(2, GetParam());
  pool.Start();
  // 50 ms with nothing to do: counted once the sleep ends (the task wakes the loop).
  const int64_t before = pool.at(1)->idle_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pool.at(1)->Await([] {});
  const int64_t slept = pool.at(1)->idle_ns() - before;
  EXPECT_GE(slept, 40'000'000);
  // 50 ms of a task that keeps the loop busy: not counted.
  const int64_t busy_from = pool.at(1)->Await([&] {
    const int64_t at_start = pool.at(1)->idle_ns();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return at_start - pool.at(1)->idle_ns();
  });
  EXPECT_EQ(busy_from, 0);
  pool.Stop();
}

TEST_P(ProactorPoolTest, IdleTimerWakeupsDoNotSpin) {
  // A thread woken only by timers (an idle server's expiry loop) sleeps again at once: the
  // polite spin is for work that arrives quickly, and would cost an idle server CPU.
  ProactorPool pool(1, GetParam());
  pool.Start();
  Proactor* p = pool.at(0);
  pool.at(0)->AwaitFiber([] {
    for (int i = 0; i < 50; ++i) this_fiber::SleepFor(std::chrono::milliseconds(2));
  });
  uint64_t spins = p->Await([p] { return p->spins(); });
  uint64_t sleeps = p->Await([p] { return p->sleeps(); });
  EXPECT_GE(sleeps, 50u);
  EXPECT_LE(spins, 5u) << "sleeps " << sleeps;
  pool.Stop();
}

TEST_P(ProactorPoolTest, SpinningPausesWhileTheCoreIsContended) {
  // Every yield of the spin keeps the thread off its core for 200 us, as when client
  // processes share the cores: after such a busy spin the loop sleeps at once
  // (spins_skipped) and only probes now and then. Before, every idle turn of a
  // request/response flow (sleeps that end with work within 1 ms) spun and yielded.
  ProactorPool pool(1, GetParam());
  pool.Start();
  Proactor* p = pool.at(0);
  p->Await([p] {
    p->SetYieldForTest(+[] { std::this_thread::sleep_for(std::chrono::microseconds(200)); });
  });
  const uint64_t spins0 = p->Await([p] { return p->spins(); });
  const uint64_t sleeps0 = p->Await([p] { return p->sleeps(); });
  for (int i = 0; i < 300; ++i) {
    p->Await([] {});
    // A pause, so the loop runs out of work and spins (a spin that catches the next task
    // before it yields ends with work, not busy).
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  const uint64_t spins = p->Await([p] { return p->spins(); }) - spins0;
  const uint64_t sleeps = p->Await([p] { return p->sleeps(); }) - sleeps0;
  const uint64_t skipped = p->Await([p] { return p->spins_skipped(); });
  EXPECT_GE(sleeps, 250u);
  EXPECT_GE(skipped, 200u);
  EXPECT_LT(spins * 4, sleeps) << "skipped " << skipped;
  pool.Stop();
}

INSTANTIATE_TEST_SUITE_P(Pollers, ProactorPoolTest,
                         ::testing::Values(PollerKind::kEpoll, PollerKind::kUring),
                         [](const auto& info) {
                           return info.param == PollerKind::kEpoll ? "epoll" : "uring";
                         });

}  // namespace
}  // namespace lw::io
