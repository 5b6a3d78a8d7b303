// The spine's commands through the in-process Service on 2 threads.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/string_family.h"

namespace lw {
namespace {

class SpineCommandsTest : public ServiceTest {
 protected:
  SpineCommandsTest() : ServiceTest({RegisterGenericFamily, RegisterStringFamily}) {}
};

TEST_F(SpineCommandsTest, PingEcho) {
  EXPECT_EQ(ToDebugString(Run({"PING"})), "+PONG");
  EXPECT_EQ(client_->last_raw(), "+PONG\r\n");
  Run({"ping", "hello"});
  EXPECT_EQ(client_->last_raw(), "$5\r\nhello\r\n");
  Run({"PING", "a", "b"});
  EXPECT_EQ(client_->last_raw(), "-ERR wrong number of arguments for 'ping' command\r\n");
  Run({"ECHO", "x y"});
  EXPECT_EQ(client_->last_raw(), "$3\r\nx y\r\n");
}

TEST_F(SpineCommandsTest, SetGetAcrossShards) {
  // Enough keys that both shards own some; every one is written from thread 0 and read back
  // from a client on thread 1.
  auto other = NewClient(1);
  for (int i = 0; i < 200; ++i) {
    std::string k = "key:" + std::to_string(i);
    Run({"SET", k, "v" + std::to_string(i)});
    ASSERT_EQ(client_->last_raw(), "+OK\r\n");
  }
  int per_shard[2] = {0, 0};
  for (int i = 0; i < 200; ++i) {
    std::string k = "key:" + std::to_string(i);
    RespValue v = other->Run({"GET", k});
    ASSERT_TRUE(v.IsString("v" + std::to_string(i))) << ToDebugString(v);
    ++per_shard[service_->shards().ShardOf(k)];
  }
  EXPECT_GT(per_shard[0], 0);
  EXPECT_GT(per_shard[1], 0);
  Run({"GET", "missing"});
  EXPECT_EQ(client_->last_raw(), "$-1\r\n");
}

TEST_F(SpineCommandsTest, SetOptions) {
  Run({"SET", "k", "1", "NX"});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  Run({"SET", "k", "2", "NX"});
  EXPECT_EQ(client_->last_raw(), "$-1\r\n");
  Run({"SET", "nokey", "2", "XX"});
  EXPECT_EQ(client_->last_raw(), "$-1\r\n");
  Run({"SET", "k", "3", "GET"});
  EXPECT_EQ(client_->last_raw(), "$1\r\n1\r\n");
  Run({"SET", "k", "4", "NX", "XX"});
  EXPECT_EQ(client_->last_raw(), "-ERR syntax error\r\n");
  Run({"SET", "k", "4", "BOGUS"});
  EXPECT_EQ(client_->last_raw(), "-ERR syntax error\r\n");
  EXPECT_TRUE(Run({"GET", "k"}).IsString("3"));
}

TEST_F(SpineCommandsTest, DelExists) {
  for (const char* k : {"a", "b", "c", "{t}1", "{t}2"}) Run({"SET", k, "x"});
  EXPECT_EQ(Run({"EXISTS", "a", "b", "zz", "a"}).integer, 3);
  EXPECT_EQ(Run({"DEL", "a", "b", "zz"}).integer, 2);
  EXPECT_EQ(Run({"EXISTS", "a", "b", "c"}).integer, 1);
  EXPECT_EQ(service_->shards().ShardOf("{t}1"), service_->shards().ShardOf("{t}2"));
}

TEST_F(SpineCommandsTest, ErrorsMatchRedis) {
  Run({"NOSUCH", "a", "b"});
  EXPECT_EQ(client_->last_raw(),
            "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n");
  Run({"nosuch"});
  EXPECT_EQ(client_->last_raw(), "-ERR unknown command 'nosuch', with args beginning with: \r\n");
  Run({"GET"});
  EXPECT_EQ(client_->last_raw(), "-ERR wrong number of arguments for 'get' command\r\n");
  Run({"GET", "a", "b"});
  EXPECT_EQ(client_->last_raw(), "-ERR wrong number of arguments for 'get' command\r\n");
  Run({"COMMAND", "FOO"});
  EXPECT_EQ(client_->last_raw(), "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n");
}

TEST_F(SpineCommandsTest, CommandCountAndInfo) {
  RespValue count = Run({"COMMAND", "COUNT"});
  EXPECT_EQ(count.integer, int64_t(service_->registry().size()));
  RespValue info = Run({"COMMAND", "INFO", "get", "nosuch"});
  ASSERT_EQ(info.elems.size(), 2u);
  EXPECT_TRUE(info.elems[0].elems[0].IsString("get"));
  EXPECT_EQ(info.elems[0].elems[1].integer, 2);
  EXPECT_EQ(info.elems[1].type, RespType::kNull);  // Redis replies a null bulk here
  // Key specs: GET's one key at index 1, a range of one key.
  const RespValue& specs = info.elems[0].elems[8];
  ASSERT_EQ(specs.elems.size(), 1u) << ToDebugString(specs);
  std::string text = ToDebugString(specs);
  EXPECT_NE(text.find("\"begin_search\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"lastkey\", :0"), std::string::npos) << text;
}

TEST_F(SpineCommandsTest, QuitClosesAfterReply) {
  Run({"QUIT"});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  EXPECT_TRUE(client_->context().close_after_reply);
}

class AuthTest : public ServiceTest {
 protected:
  AuthTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily}, 2, ServiceConfig{"secret"}) {}
};

TEST_F(AuthTest, RequirePass) {
  Run({"GET", "a"});
  EXPECT_EQ(client_->last_raw(), "-NOAUTH Authentication required.\r\n");
  Run({"AUTH", "wrong"});
  EXPECT_EQ(client_->last_raw(),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  Run({"AUTH", "secret"});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  Run({"GET", "a"});
  EXPECT_EQ(client_->last_raw(), "$-1\r\n");
}

}  // namespace
}  // namespace lw

namespace lw {
namespace {

class SetExpiryTest : public ServiceTest {
 protected:
  SetExpiryTest() : ServiceTest({RegisterGenericFamily, RegisterStringFamily}) {}
};

TEST_F(SetExpiryTest, SetWithExpiryOptions) {
  Run({"SET", "a", "1", "PX", "50"});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  Run({"SET", "b", "1", "EX", "100"});
  Run({"SET", "c", "1", "EXAT", "1"});  // in the past: deletes, answers OK
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  EXPECT_EQ(Run({"EXISTS", "a", "b", "c"}).integer, 2);
  Run({"SET", "a", "1", "EX", "0"});
  EXPECT_EQ(client_->last_raw(), "-ERR invalid expire time in 'set' command\r\n");
  Run({"SET", "a", "1", "EX", "x"});
  EXPECT_EQ(client_->last_raw(), "-ERR value is not an integer or out of range\r\n");
  Run({"SET", "a", "1", "EX", "10", "PX", "10"});
  EXPECT_EQ(client_->last_raw(), "-ERR syntax error\r\n");
  Run({"SET", "a", "1", "KEEPTTL", "EX", "10"});
  EXPECT_EQ(client_->last_raw(), "-ERR syntax error\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_EQ(Run({"EXISTS", "a", "b"}).integer, 1);
}

}  // namespace
}  // namespace lw
