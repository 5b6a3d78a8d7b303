// The scheduler's fairness contract (io/README.md, "Fair, latency-aware scheduling"): an
// interactive fiber woken by its socket runs before the busy fibers already queued, a fiber
// that used much CPU gets no boost, the urgent queue cannot starve the others, and
// MaybeYield yields once the time slice is spent. Orders are asserted, never speeds: the busy
// fibers burn at least a given wall time, and the OS delaying the thread only makes that
// longer.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "io/fiber.h"
#include "io/fiber_internal.h"
#include "io/proactor.h"
#include "io/socket.h"
#include "io/test_proactor.h"

namespace lw::io {
namespace {

// Busy-waits `us` microseconds of wall time without suspending.
void Burn(int64_t us) {
  const int64_t until = SteadyNowNs() + us * 1000;
  while (SteadyNowNs() < until) {
  }
}

struct SocketPair {
  SocketPair() {
    int sv[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    reader = FiberSocket(sv[0]);
    writer = sv[1];
  }
  ~SocketPair() { close(writer); }
  void Send() { EXPECT_EQ(write(writer, "x", 1), 1); }
  // Waits for the byte sent and consumes it.
  void Receive() {
    char c;
    EXPECT_EQ(reader.Recv(&c, 1), 1);
  }
  FiberSocket reader;
  int writer = -1;
};

class SchedulerTest : public ::testing::TestWithParam<PollerKind> {
 protected:
  SchedulerTest() : running_(GetParam()) {}
  BackgroundProactor running_;
  Proactor& proactor_ = *running_;
};

TEST_P(SchedulerTest, InteractiveFiberRunsBeforeQueuedBusyFibers) {
  std::vector<std::string> trace = proactor_.AwaitFiber([] {
    detail::Scheduler::Current()->set_interactive_ns(1'000'000'000);
    std::vector<std::string> out;
    SocketPair pair;
    Fiber interactive("interactive", [&] {
      pair.Receive();
      out.push_back("i");
    });
    this_fiber::Yield();  // it parks on its socket
    std::vector<Fiber> busy;
    for (int b = 0; b < 3; ++b) {
      busy.emplace_back("busy", [&out, &pair, b] {
        for (int round = 0; round < 2; ++round) {
          if (b == 0 && round == 0) pair.Send();
          Burn(200);  // more than a slice: the scheduler polls the sockets after this run
          out.push_back("b" + std::to_string(b) + std::to_string(round));
          this_fiber::Yield();
        }
      });
    }
    for (auto& f : busy) f.Join();
    interactive.Join();
    return out;
  });
  // The request that arrived during b0's first run is served right after it, ahead of b1 and
  // b2 (which were already queued), not after a whole round of them.
  EXPECT_EQ(trace, (std::vector<std::string>{"b00", "i", "b10", "b20", "b01", "b11", "b21"}));
}

TEST_P(SchedulerTest, FiberThatUsedMuchCpuIsNotBoosted) {
  int second_round = -1;  // b0's round that sent the second request
  std::vector<std::string> trace = proactor_.AwaitFiber([&second_round] {
    std::vector<std::string> out;
    SocketPair pair;
    bool first_done = false;
    Fiber heavy("heavy", [&] {
      for (int i = 1; i <= 2; ++i) {
        pair.Receive();
        out.push_back("h" + std::to_string(i));
        first_done = true;
        Burn(200);  // far above the interactive threshold (50 us); then parks again
      }
    });
    this_fiber::Yield();
    std::vector<Fiber> busy;
    for (int b = 0; b < 3; ++b) {
      busy.emplace_back("busy", [&, b] {
        for (int round = 0; round < 4; ++round) {
          if (b == 0 && round == 0) pair.Send();
          // The second request once the first was served (heavy is parked again by now).
          if (b == 0 && round > 0 && first_done && second_round < 0) {
            pair.Send();
            second_round = round;
          }
          Burn(200);
          out.push_back("b" + std::to_string(b) + std::to_string(round));
          this_fiber::Yield();
        }
      });
    }
    for (auto& f : busy) f.Join();
    heavy.Join();
    return out;
  });
  // The second request, sent during b0's run of round k, waits behind b1 and b2's runs of
  // round k, which were queued before it: a fiber that used 200 us per request gets no boost.
  ASSERT_GT(second_round, 0);
  auto at = [&](const std::string& s) {
    return std::find(trace.begin(), trace.end(), s) - trace.begin();
  };
  const std::string k = std::to_string(second_round);
  ASSERT_EQ(trace.size(), 14u);
  EXPECT_GT(at("h2"), at("b1" + k));
  EXPECT_GT(at("h2"), at("b2" + k));
}

TEST_P(SchedulerTest, UrgentFibersCannotStarveTheOthers) {
  struct Result {
    int normal_runs = 0;
    int urgent_runs = 0;
    int max_urgent_between = 0;
  };
  Result r = proactor_.AwaitFiber([] {
    detail::Scheduler::Current()->set_interactive_ns(1'000'000'000);  // urgent for ever
    Result res;
    bool stop = false;
    int since_normal = 0;
    constexpr int kUrgent = 8;
    std::vector<std::unique_ptr<SocketPair>> pairs;
    std::vector<Fiber> urgent;
    for (int i = 0; i < kUrgent; ++i) {
      pairs.push_back(std::make_unique<SocketPair>());
      urgent.emplace_back("urgent", [&, p = pairs.back().get()] {
        p->Receive();
        while (!stop) {
          Burn(30);
          ++res.urgent_runs;
          ++since_normal;
          this_fiber::Yield();
        }
      });
    }
    this_fiber::Yield();  // they park
    for (auto& p : pairs) p->Send();
    Fiber normal("normal", [&] {
      for (int i = 0; i < 50; ++i) {
        res.max_urgent_between = std::max(res.max_urgent_between, since_normal);
        since_normal = 0;
        ++res.normal_runs;
        this_fiber::Yield();
      }
      stop = true;
    });
    normal.Join();
    for (auto& f : urgent) f.Join();
    return res;
  });
  EXPECT_EQ(r.normal_runs, 50);
  EXPECT_GT(r.urgent_runs, 0);
  // Between two turns of a normal fiber the urgent queue runs at most twice (after the normal
  // fiber, and at the start of the next turn), each time for at most a slice (100 us): at
  // most 4 runs of 30 us or more each time.
  EXPECT_LE(r.max_urgent_between, 8);
}

// A yielding fiber runs again only after the tasks queued before its yield (a connection
// yields so that a message other threads sent it goes out before its next reply), whether it
// stays urgent or used enough CPU to go to the normal queue.
TEST_P(SchedulerTest, YieldingFiberRunsAfterTheTasksQueuedBeforeIt) {
  for (int64_t threshold : {int64_t(20'000), int64_t(1'000'000'000)}) {
    bool seen = proactor_.AwaitFiber([threshold] {
      detail::Scheduler::Current()->set_interactive_ns(threshold);
      SocketPair pair;
      bool task_ran = false, seen_after_yield = false;
      Fiber f("yielder", [&] {
        pair.Receive();
        Proactor::Current()->DispatchBrief([&] { task_ran = true; });
        Burn(40);  // above the first threshold, below a slice (no poll between fibers)
        this_fiber::Yield();
        seen_after_yield = task_ran;
      });
      this_fiber::Yield();  // it parks
      pair.Send();
      f.Join();
      return seen_after_yield;
    });
    EXPECT_TRUE(seen) << "threshold " << threshold;
  }
}

TEST_P(SchedulerTest, MaybeYieldYieldsOnceTheSliceIsSpent) {
  std::vector<std::string> trace = proactor_.AwaitFiber([] {
    std::vector<std::string> out;
    bool stop = false;
    Fiber other("other", [&] {
      while (!stop) {
        out.push_back("o");
        this_fiber::Yield();
      }
    });
    this_fiber::Yield();  // a fresh run from here
    out.push_back("start");
    this_fiber::MaybeYield(SteadyNowNs());  // just began: no yield
    out.push_back("fresh");
    Burn(300);
    this_fiber::MaybeYield(SteadyNowNs());  // ran 300 us: yields
    out.push_back("after");
    stop = true;
    other.Join();
    return out;
  });
  auto at = [&](const char* s) { return std::find(trace.begin(), trace.end(), s) - trace.begin(); };
  EXPECT_EQ(at("fresh"), at("start") + 1);
  EXPECT_EQ(trace[at("fresh") + 1], "o");
  EXPECT_EQ(trace[at("fresh") + 2], "after");
}

INSTANTIATE_TEST_SUITE_P(Pollers, SchedulerTest,
                         ::testing::Values(PollerKind::kEpoll, PollerKind::kUring));

}  // namespace
}  // namespace lw::io
