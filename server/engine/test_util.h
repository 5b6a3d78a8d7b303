// In-process test fixture: a real multi-threaded Service (proactor pool, shards, registry)
// with no sockets. Run() executes one command from a fiber on a chosen thread, exactly as a
// connection would, and returns the decoded reply.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "io/proactor_pool.h"
#include "server/engine/service.h"
#include "server/resp/resp_reply_decoder.h"

namespace lw {

// A client of the in-process service: keeps its own ConnectionContext (db, auth, RESP
// version) across commands, like a connection.
class TestClient {
 public:
  TestClient(Service* service, io::Proactor* home);

  RespValue Run(std::vector<std::string> args);
  // The raw reply bytes of the last Run().
  const std::string& last_raw() const { return raw_; }
  ConnectionContext& context() { return cntx_; }

 private:
  Service* service_;
  io::Proactor* home_;
  ReplyBuilder rb_;
  ConnectionContext cntx_;
  std::string raw_;
};

class ServiceTest : public ::testing::Test {
 protected:
  // A family's tests register just the families they use, so they build without the rest.
  explicit ServiceTest(std::initializer_list<FamilyRegistrar> families, size_t threads = 2,
                       ServiceConfig config = {});
  ~ServiceTest() override;

  // Runs on thread 0's default client.
  RespValue Run(std::vector<std::string> args) { return client_->Run(std::move(args)); }
  std::unique_ptr<TestClient> NewClient(size_t thread);

  io::ProactorPool pool_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<TestClient> client_;
};

}  // namespace lw
