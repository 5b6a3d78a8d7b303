#include "server/engine/test_util.h"

#include <string_view>

namespace lw {

TestClient::TestClient(Service* service, io::Proactor* home) : service_(service), home_(home) {
  cntx_.service = service;
  cntx_.rb = &rb_;
  cntx_.client_id = service->NextClientId();
  cntx_.authenticated = !service->runtime().auth_required.load();
}

RespValue TestClient::Run(std::vector<std::string> args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  raw_ = home_->AwaitFiber([&] {
    service_->Dispatch(views, &cntx_);
    std::string out = rb_.buffer();
    rb_.Clear();
    return out;
  });
  RespValue value;
  size_t consumed = 0;
  EXPECT_EQ(DecodeReply(raw_, &consumed, &value), DecodeResult::kOk) << raw_;
  EXPECT_EQ(consumed, raw_.size()) << "a command must write exactly one reply: " << raw_;
  return value;
}

ServiceTest::ServiceTest(std::initializer_list<FamilyRegistrar> families, size_t threads,
                         ServiceConfig config)
    : pool_(threads) {
  pool_.Start();
  std::vector<FamilyRegistrar> list(families);
  service_ = std::make_unique<Service>(&pool_, config, list);
  client_ = NewClient(0);
}

ServiceTest::~ServiceTest() {
  client_.reset();
  service_->Shutdown();
  pool_.Stop();
}

std::unique_ptr<TestClient> ServiceTest::NewClient(size_t thread) {
  return std::make_unique<TestClient>(service_.get(), pool_.at(thread % pool_.size()));
}

}  // namespace lw
