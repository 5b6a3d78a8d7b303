#include "io/fiber.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "io/proactor.h"
#include "io/test_proactor.h"

namespace lw::io {
namespace {

// Runs a proactor on a background thread for the test's duration.
class FiberTest : public ::testing::Test {
 protected:
  BackgroundProactor running_;
  Proactor& proactor_ = *running_;
};

TEST_F(FiberTest, LaunchAndJoinFromPlainThread) {
  int value = 0;
  proactor_.Await([&] { Fiber("setter", [&] { value = 42; }).Detach(); });
  // Join from a plain thread through AwaitFiber.
  int seen = proactor_.AwaitFiber([&] {
    this_fiber::Yield();
    return value;
  });
  EXPECT_EQ(seen, 42);
}

TEST_F(FiberTest, YieldInterleavesFibers) {
  std::vector<std::string> trace = proactor_.AwaitFiber([] {
    std::vector<std::string> out;
    Fiber a("a", [&] {
      for (int i = 0; i < 3; ++i) {
        out.push_back("a" + std::to_string(i));
        this_fiber::Yield();
      }
    });
    Fiber b("b", [&] {
      for (int i = 0; i < 3; ++i) {
        out.push_back("b" + std::to_string(i));
        this_fiber::Yield();
      }
    });
    a.Join();
    b.Join();
    return out;
  });
  EXPECT_EQ(trace, (std::vector<std::string>{"a0", "b0", "a1", "b1", "a2", "b2"}));
}

TEST_F(FiberTest, SleepOrdersWakeups) {
  std::vector<int> order = proactor_.AwaitFiber([] {
    std::vector<int> out;
    std::vector<Fiber> fibers;
    for (int ms : {30, 10, 20}) {
      fibers.emplace_back("sleeper", [&out, ms] {
        this_fiber::SleepFor(std::chrono::milliseconds(ms));
        out.push_back(ms);
      });
    }
    for (auto& f : fibers) f.Join();
    return out;
  });
  EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
}

TEST_F(FiberTest, SleepLastsAtLeastItsDuration) {
  auto elapsed = proactor_.AwaitFiber([] {
    auto start = Clock::now();
    this_fiber::SleepFor(std::chrono::milliseconds(15));
    return Clock::now() - start;
  });
  EXPECT_GE(elapsed, std::chrono::milliseconds(15));
}

TEST_F(FiberTest, ManyFibers) {
  int64_t sum = proactor_.AwaitFiber([] {
    int64_t total = 0;
    std::vector<Fiber> fibers;
    for (int i = 0; i < 2000; ++i) {
      fibers.emplace_back("worker", [&total, i] {
        this_fiber::Yield();
        total += i;
      });
    }
    for (auto& f : fibers) f.Join();
    return total;
  });
  EXPECT_EQ(sum, 1999 * 2000 / 2);
  EXPECT_EQ(proactor_.Await([&] { return proactor_.live_fibers(); }), 0u);
}

TEST_F(FiberTest, NameAndInFiber) {
  EXPECT_FALSE(this_fiber::InFiber());
  std::string name = proactor_.AwaitFiber([] {
    std::string n;
    Fiber f("named", [&] { n = std::string(this_fiber::Name()); });
    f.Join();
    return n;
  });
  EXPECT_EQ(name, "named");
}

}  // namespace
}  // namespace lw::io
