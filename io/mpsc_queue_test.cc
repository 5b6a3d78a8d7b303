#include "io/mpsc_queue.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace lw::io {
namespace {

TEST(MpscQueueTest, FifoSingleThread) {
  MpscQueue<int> q;
  EXPECT_TRUE(q.Empty());
  for (int i = 0; i < 10; ++i) q.Push(i);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(q.TryPop(), i);
  EXPECT_FALSE(q.TryPop());
}

TEST(MpscQueueTest, ManyProducersKeepPerProducerOrder) {
  MpscQueue<std::pair<int, int>> q;
  constexpr int kProducers = 4, kPerProducer = 50000;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&q, p] {
      for (int i = 0; i < kPerProducer; ++i) q.Push({p, i});
    });
  }
  std::vector<int> next(kProducers, 0);
  int received = 0;
  while (received < kProducers * kPerProducer) {
    auto item = q.TryPop();
    if (!item) continue;
    ASSERT_EQ(item->second, next[item->first]) << "producer " << item->first;
    ++next[item->first];
    ++received;
  }
  for (auto& t : producers) t.join();
  EXPECT_FALSE(q.TryPop());
}

}  // namespace
}  // namespace lw::io
