#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <thread>

#include "io/blocking_counter.h"
#include "io/done.h"
#include "io/event_count.h"
#include "io/fiber_mutex.h"
#include "io/proactor_pool.h"

namespace lw::io {
namespace {

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override { pool_.Start(); }
  void TearDown() override { pool_.Stop(); }
  ProactorPool pool_{2};
};

TEST_F(SyncTest, DoneAcrossThreads) {
  Done done;
  std::atomic<bool> woke{false};
  pool_.at(0)->Dispatch([&] {
    done.Wait();
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(woke.load());
  pool_.at(1)->DispatchBrief([&] { done.Notify(); });
  done.Wait();  // plain thread waiter too
  while (!woke.load()) std::this_thread::yield();
}

TEST_F(SyncTest, DoneTimeout) {
  bool result = pool_.at(0)->AwaitFiber([] {
    Done never;
    return never.WaitFor(std::chrono::milliseconds(5));
  });
  EXPECT_FALSE(result);
  Done never;
  EXPECT_FALSE(never.WaitFor(std::chrono::milliseconds(2)));
}

TEST_F(SyncTest, MutexSerialisesFibersOnAllThreads) {
  Mutex mu;
  int64_t counter = 0;  // guarded by mu
  constexpr int kFibersPerThread = 20, kIncrements = 500;
  BlockingCounter done(2 * kFibersPerThread);
  for (int t = 0; t < 2; ++t) {
    for (int f = 0; f < kFibersPerThread; ++f) {
      pool_.at(t)->Dispatch([&] {
        for (int i = 0; i < kIncrements; ++i) {
          std::unique_lock<Mutex> lock(mu);
          int64_t v = counter;
          if (i % 7 == 0) this_fiber::Yield();  // hold the lock across a suspension
          counter = v + 1;
        }
        done.Dec();
      });
    }
  }
  done.Wait();
  EXPECT_EQ(counter, 2 * kFibersPerThread * kIncrements);
}

TEST_F(SyncTest, CondVarProducerConsumer) {
  Mutex mu;
  CondVar cv;
  std::deque<int> queue;
  constexpr int kItems = 5000;
  int64_t consumed_sum = 0;
  Done consumer_done;
  pool_.at(0)->Dispatch([&] {
    int got = 0;
    while (got < kItems) {
      std::unique_lock<Mutex> lock(mu);
      cv.wait(lock, [&] { return !queue.empty(); });
      consumed_sum += queue.front();
      queue.pop_front();
      ++got;
    }
    consumer_done.Notify();
  });
  pool_.at(1)->Dispatch([&] {
    for (int i = 0; i < kItems; ++i) {
      {
        std::unique_lock<Mutex> lock(mu);
        queue.push_back(i);
      }
      cv.notify_one();
      if (i % 100 == 0) this_fiber::Yield();
    }
  });
  consumer_done.Wait();
  EXPECT_EQ(consumed_sum, int64_t(kItems - 1) * kItems / 2);
}

TEST_F(SyncTest, CondVarTimeout) {
  bool notified = pool_.at(0)->AwaitFiber([] {
    Mutex mu;
    CondVar cv;
    std::unique_lock<Mutex> lock(mu);
    return cv.wait_until(lock, Clock::now() + std::chrono::milliseconds(5));
  });
  EXPECT_FALSE(notified);
}

TEST_F(SyncTest, EventCountNoLostWakeups) {
  EventCount ec;
  std::atomic<int> value{0};
  constexpr int kRounds = 2000;
  Done finished;
  // Ping-pong through one counter: thread 0 waits for odd values, thread 1 for even ones.
  pool_.at(0)->Dispatch([&] {
    for (int i = 0; i < kRounds; ++i) {
      ec.Await([&] { return value.load() == 2 * i + 1; });
      value.store(2 * i + 2);
      ec.NotifyAll();
    }
    finished.Notify();
  });
  pool_.at(1)->Dispatch([&] {
    for (int i = 0; i < kRounds; ++i) {
      ec.Await([&] { return value.load() == 2 * i; });
      value.store(2 * i + 1);
      ec.NotifyAll();
    }
  });
  finished.Wait();
  EXPECT_EQ(value.load(), 2 * kRounds);
}

TEST_F(SyncTest, EventCountTimeout) {
  EventCount ec;
  bool ok = pool_.at(1)->AwaitFiber([&] {
    return ec.AwaitUntil([] { return false; }, Clock::now() + std::chrono::milliseconds(3));
  });
  EXPECT_FALSE(ok);
}

TEST_F(SyncTest, BlockingCounterAcrossThreads) {
  BlockingCounter counter(0);
  std::atomic<int> work{0};
  for (int i = 0; i < 100; ++i) {
    counter.Add();
    pool_.at(i % 2)->Dispatch([&] {
      this_fiber::Yield();
      work.fetch_add(1);
      counter.Dec();
    });
  }
  counter.Wait();
  EXPECT_EQ(work.load(), 100);
  EXPECT_EQ(counter.count(), 0);
}

}  // namespace
}  // namespace lw::io
