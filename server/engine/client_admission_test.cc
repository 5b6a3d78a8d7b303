// maxclients admission (Service::AdmitClient): connections accepted at once on every thread
// must not pass the limit together, and a refused one takes no client id.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <vector>

#include "io/fiber.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/engine/test_util.h"

namespace lw {
namespace {

class ClientAdmissionTest : public ServiceTest {
 protected:
  ClientAdmissionTest() : ServiceTest({}, 4) {}
};

TEST_F(ClientAdmissionTest, ConcurrentAdmissionsStopAtTheLimit) {
  constexpr int kPerThread = 200;
  const int64_t base = int64_t(service_->connected_clients());  // the fixture's own client
  const int64_t limit = base + 150;
  std::vector<std::vector<std::unique_ptr<ConnectionContext>>> admitted(pool_.size());
  std::atomic<int> refused{0};
  pool_.AwaitFiberOnAll([&](io::Proactor* p) {
    for (int i = 0; i < kPerThread; ++i) {
      auto cntx = std::make_unique<ConnectionContext>();
      cntx->service = service_.get();
      if (service_->AdmitClient(cntx.get(), limit)) {
        admitted[p->index()].push_back(std::move(cntx));
      } else {
        EXPECT_EQ(cntx->client_id, 0u);  // refused: no id taken
        refused.fetch_add(1);
      }
      if (i % 8 == 0) io::this_fiber::Yield();
    }
  });
  size_t total = 0;
  for (const auto& v : admitted) total += v.size();
  EXPECT_EQ(int64_t(total), limit - base);
  EXPECT_EQ(int64_t(service_->connected_clients()), limit);
  EXPECT_EQ(refused.load(), int(pool_.size()) * kPerThread - int(total));
  pool_.AwaitFiberOnAll([&](io::Proactor* p) {
    for (auto& cntx : admitted[p->index()]) service_->UnregisterClient(cntx.get());
  });
  EXPECT_EQ(int64_t(service_->connected_clients()), base);
}

}  // namespace
}  // namespace lw
