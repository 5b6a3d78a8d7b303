#include "base/malloc_accounting.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace lw::mem {
namespace {

TEST(MallocAccountingTest, Installed) { EXPECT_TRUE(AccountingInstalled()); }

TEST(MallocAccountingTest, CountsThisThreadExactly) {
  int64_t before = ThreadAllocatedBytes();
  auto* block = new char[10000];
  int64_t during = ThreadAllocatedBytes();
  EXPECT_GE(during - before, 10000);
  EXPECT_LT(during - before, 10000 + 2048);
  delete[] block;
  EXPECT_EQ(ThreadAllocatedBytes(), before);
}

TEST(MallocAccountingTest, TotalIncludesOtherThreadsAndExitedOnes) {
  int64_t before = TotalAllocatedBytes();
  std::vector<std::unique_ptr<std::string>> kept;
  std::thread t([&] {
    for (int i = 0; i < 100; ++i) kept.push_back(std::make_unique<std::string>(1000, 'x'));
  });
  t.join();  // the thread exits; its bytes are still live
  int64_t after = TotalAllocatedBytes();
  EXPECT_GE(after - before, 100 * 1000);
  kept.clear();  // freed on this thread
  EXPECT_LT(TotalAllocatedBytes() - before, 4096);
}

TEST(MallocAccountingTest, HandOverMovesBytesToTheFreeingThread) {
  ThreadId main_id = CurrentThreadId();
  std::string* block = nullptr;
  int64_t worker_before = 0, worker_after = 0;
  std::thread t([&] {
    worker_before = ThreadAllocatedBytes();
    int64_t raw = ThreadCountRaw();
    block = new std::string(5000, 'x');
    HandOver(main_id, ThreadCountRaw() - raw);  // the main thread frees it
    worker_after = ThreadAllocatedBytes();
  });
  t.join();
  EXPECT_EQ(worker_after, worker_before);
  int64_t main_before = ThreadCountRaw();  // the handed-over bytes not folded in yet
  delete block;
  EXPECT_EQ(ThreadAllocatedBytes(), main_before);
}

}  // namespace
}  // namespace lw::mem
