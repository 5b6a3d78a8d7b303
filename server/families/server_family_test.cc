// Server and connection commands through the in-process Service on 2 threads.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "server/engine/test_util.h"
#include "server/families/client_family.h"
#include "server/families/config_family.h"
#include "server/families/generic_family.h"
#include "server/families/info_family.h"
#include "server/families/pubsub_family.h"
#include "server/families/server_family.h"
#include "server/families/string_family.h"

namespace lw {
namespace {

class ServerFamilyTest : public ServiceTest {
 protected:
  ServerFamilyTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterServerFamily,
                     RegisterInfoFamily, RegisterConfigFamily, RegisterClientFamily,
                     RegisterPubsubFamily}) {}

  std::string Raw(std::vector<std::string> args) {
    Run(std::move(args));
    return client_->last_raw();
  }
  std::string InfoText(std::vector<std::string> args) {
    RespValue v = Run(std::move(args));
    return client_->last_raw();
  }
};

std::string HelloReply(int proto, uint64_t id) {
  std::string head = proto == 3 ? "%7\r\n" : "*14\r\n";
  return head + "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:" +
         std::to_string(proto) + "\r\n$2\r\nid\r\n:" + std::to_string(id) +
         "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n"
         "*0\r\n";
}

TEST_F(ServerFamilyTest, HelloSwitchesProtocol) {
  uint64_t id = client_->context().client_id;
  EXPECT_EQ(Raw({"HELLO"}), HelloReply(2, id));
  EXPECT_EQ(Raw({"HELLO", "3"}), HelloReply(3, id));
  EXPECT_TRUE(client_->context().rb->IsResp3());
  // Every later reply uses RESP3 types.
  EXPECT_EQ(Raw({"GET", "missing"}), "_\r\n");
  EXPECT_EQ(Raw({"CONFIG", "GET", "databases"}), "%1\r\n$9\r\ndatabases\r\n$2\r\n16\r\n");
  EXPECT_EQ(Raw({"HELLO", "2"}), HelloReply(2, id));
  EXPECT_EQ(Raw({"GET", "missing"}), "$-1\r\n");
}

TEST_F(ServerFamilyTest, HelloErrors) {
  EXPECT_EQ(Raw({"HELLO", "1"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(Raw({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(Raw({"HELLO", "x"}), "-ERR Protocol version is not an integer or out of range\r\n");
  EXPECT_EQ(Raw({"HELLO", "2", "FOO"}), "-ERR Syntax error in HELLO option 'FOO'\r\n");
  EXPECT_EQ(Raw({"HELLO", "2", "AUTH", "x"}), "-ERR Syntax error in HELLO option 'AUTH'\r\n");
  EXPECT_EQ(Raw({"HELLO", "3", "AUTH", "bob", "x"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Raw({"HELLO", "2", "SETNAME", "a b"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_FALSE(client_->context().rb->IsResp3());
  Run({"HELLO", "2", "AUTH", "default", "anything", "SETNAME", "me"});
  EXPECT_EQ(Raw({"CLIENT", "GETNAME"}), "$2\r\nme\r\n");
}

TEST_F(ServerFamilyTest, SlowlogRecordsSlowCommandsWithTruncatedArgs) {
  Run({"SLOWLOG", "RESET"});
  Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"});  // log everything
  Run({"SET", "k", std::string(200, 'v')});
  RespValue all = Run({"SLOWLOG", "GET", "-1"});
  bool found = false;
  for (const RespValue& entry : all.elems) {
    ASSERT_EQ(entry.elems.size(), 6u) << client_->last_raw();
    const RespValue& argv = entry.elems[3];
    if (argv.elems.size() == 3 && argv.elems[0].IsString("SET")) {
      found = true;
      EXPECT_NE(argv.elems[2].str.find("... (72 more bytes)"), std::string::npos)
          << argv.elems[2].str;
    }
  }
  EXPECT_TRUE(found) << client_->last_raw();
  Run({"CONFIG", "SET", "slowlog-log-slower-than", "-1"});  // off
  Run({"SLOWLOG", "RESET"});
  Run({"GET", "k"});
  EXPECT_EQ(Raw({"SLOWLOG", "LEN"}), ":0\r\n");
  EXPECT_EQ(Raw({"SLOWLOG", "GET", "-2"}), "-ERR count should be greater than or equal to -1\r\n");
  EXPECT_EQ(Raw({"SLOWLOG", "NOPE"}), "-ERR unknown subcommand 'NOPE'. Try SLOWLOG HELP.\r\n");
}

class ServerFamilyAuthTest : public ServiceTest {
 protected:
  ServerFamilyAuthTest()
      : ServiceTest({RegisterGenericFamily, RegisterServerFamily, RegisterClientFamily}, 2,
                    ServiceConfig{"secret"}) {}
};

TEST_F(ServerFamilyAuthTest, HelloAuth) {
  Run({"HELLO", "3"});
  EXPECT_EQ(client_->last_raw(),
            "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
            "select the RESP protocol version at the same time\r\n");
  Run({"HELLO", "3", "AUTH", "default", "wrong"});
  EXPECT_EQ(client_->last_raw(),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  RespValue v = Run({"HELLO", "3", "AUTH", "default", "secret"});
  EXPECT_EQ(client_->last_raw().substr(0, 4), "%7\r\n");
  Run({"PING"});
  EXPECT_EQ(client_->last_raw(), "+PONG\r\n");
  Run({"RESET"});
  EXPECT_EQ(client_->last_raw(), "+RESET\r\n");
  Run({"PING"});
  EXPECT_EQ(client_->last_raw(), "-NOAUTH Authentication required.\r\n");
}

TEST_F(ServerFamilyTest, InfoSections) {
  for (int i = 0; i < 50; ++i) Run({"SET", "k" + std::to_string(i), "v"});
  Run({"SET", "t", "v", "EX", "100"});
  Run({"GET", "k1"});
  Run({"GET", "nokey"});
  std::string all = InfoText({"INFO"});
  EXPECT_EQ(all.substr(0, 1), "$");
  EXPECT_NE(all.find("\r\n# Server\r\nredis_version:7.0.15\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("# Clients\r\n"), std::string::npos);
  EXPECT_NE(all.find("# Memory\r\nused_memory:"), std::string::npos);
  EXPECT_NE(all.find("shard_1_used_memory:"), std::string::npos);
  EXPECT_NE(all.find("# Stats\r\n"), std::string::npos);
  EXPECT_EQ(all.find("# Commandstats"), std::string::npos);  // not a default section
  EXPECT_NE(all.find("keyspace_hits:1\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("keyspace_misses:1\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("# Keyspace\r\ndb0:keys=51,expires=1,avg_ttl=0\r\n"), std::string::npos);

  EXPECT_EQ(InfoText({"INFO", "keyspace"}),
            "$45\r\n# Keyspace\r\ndb0:keys=51,expires=1,avg_ttl=0\r\n\r\n");
  EXPECT_EQ(InfoText({"INFO", "nosuch"}), "$0\r\n\r\n");
  // Sections come in Redis's order whatever the order asked.
  std::string two = InfoText({"INFO", "KEYSPACE", "server"});
  EXPECT_LT(two.find("# Server"), two.find("# Keyspace"));

  std::string cmds = InfoText({"INFO", "commandstats"});
  EXPECT_NE(cmds.find("cmdstat_set:calls=51,usec="), std::string::npos) << cmds;
  EXPECT_NE(cmds.find("cmdstat_get:calls=2,"), std::string::npos) << cmds;
  Run({"GET"});                       // arity error: a rejected call
  Run({"SET", "k", "v", "EX", "x"});  // a failed call
  cmds = InfoText({"INFO", "commandstats"});
  EXPECT_NE(cmds.find("cmdstat_get:calls=2,"), std::string::npos) << cmds;
  EXPECT_NE(cmds.find("rejected_calls=1,failed_calls=0\r\n"), std::string::npos) << cmds;
  EXPECT_NE(cmds.find("cmdstat_set:calls=52,"), std::string::npos) << cmds;
  EXPECT_NE(cmds.find("rejected_calls=0,failed_calls=1\r\n"), std::string::npos) << cmds;

  EXPECT_EQ(Raw({"CONFIG", "RESETSTAT"}), "+OK\r\n");
  cmds = InfoText({"INFO", "commandstats", "stats"});
  EXPECT_EQ(cmds.find("cmdstat_set"), std::string::npos) << cmds;
  EXPECT_NE(cmds.find("keyspace_hits:0\r\n"), std::string::npos) << cmds;

  Run({"HELLO", "3"});
  std::string v = InfoText({"INFO", "keyspace"});
  EXPECT_EQ(v, "=49\r\ntxt:# Keyspace\r\ndb0:keys=51,expires=1,avg_ttl=0\r\n\r\n");
}

TEST_F(ServerFamilyTest, ConfigGetSet) {
  EXPECT_EQ(Raw({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
  EXPECT_EQ(Raw({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(Raw({"CONFIG", "GET", "nosuch"}), "*0\r\n");
  EXPECT_EQ(Raw({"CONFIG", "GET", "PORT"}).substr(0, 14), "*2\r\n$4\r\nPORT\r\n");
  EXPECT_EQ(Raw({"CONFIG", "GET"}), "-ERR wrong number of arguments for 'config|get' command\r\n");
  RespValue v = Run({"CONFIG", "GET", "maxmemory*"});
  EXPECT_EQ(client_->last_raw().substr(0, 4), "*6\r\n");  // maxmemory, -policy, -samples
  EXPECT_EQ(Raw({"CONFIG", "SET", "maxmemory", "10mb"}), "+OK\r\n");
  EXPECT_EQ(service_->runtime().maxmemory.load(), 10 * 1024 * 1024);
  EXPECT_EQ(Raw({"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$8\r\n10485760\r\n");
  EXPECT_EQ(Raw({"CONFIG", "SET", "maxmemory", "1.5g"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must "
            "be a memory value\r\n");
  EXPECT_EQ(Raw({"CONFIG", "SET", "nosuch", "1"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
  EXPECT_EQ(Raw({"CONFIG", "SET", "a", "b", "c"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"CONFIG", "SET", "databases", "3"}),
            "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
            "immutable config\r\n");
  EXPECT_EQ(Raw({"CONFIG", "SET", "maxmemory", "1", "maxmemory", "2"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate "
            "parameter\r\n");
  // Atomic: a bad second value leaves the first unchanged.
  EXPECT_EQ(Raw({"CONFIG", "SET", "maxmemory", "5", "maxmemory-policy", "bogus"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
            "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
            "noeviction\r\n");
  EXPECT_EQ(service_->runtime().maxmemory.load(), 10 * 1024 * 1024);
  EXPECT_EQ(Raw({"CONFIG", "SET", "lua-time-limit", "100"}), "+OK\r\n");
  EXPECT_EQ(Raw({"CONFIG", "GET", "busy-reply-threshold"}),
            "*2\r\n$20\r\nbusy-reply-threshold\r\n$3\r\n100\r\n");
  EXPECT_EQ(Raw({"CONFIG", "SET", "lua-time-limit", "-5"}),
            "-ERR CONFIG SET failed (possibly related to argument 'lua-time-limit') - "
            "argument must be between 0 and 9223372036854775807 inclusive\r\n");
  EXPECT_EQ(Raw({"CONFIG", "SET", "appendonly", "maybe"}),
            "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must "
            "be 'yes' or 'no'\r\n");
  // The snapshot schedule takes effect; a malformed one is refused with Redis's reason.
  EXPECT_EQ(Raw({"CONFIG", "SET", "save", "3600 1 300 100"}), "+OK\r\n");
  EXPECT_EQ(Raw({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$14\r\n3600 1 300 100\r\n");
  EXPECT_TRUE(service_->persistence().HasSavePoints());
  EXPECT_EQ(Raw({"CONFIG", "SET", "save", "3600"}),
            "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
            "parameters\r\n");
  EXPECT_EQ(Raw({"CONFIG", "SET", "save", ""}), "+OK\r\n");
  EXPECT_FALSE(service_->persistence().HasSavePoints());
  // No append-only file: only "no" is accepted.
  EXPECT_EQ(Raw({"CONFIG", "SET", "appendonly", "no"}), "+OK\r\n");
  EXPECT_EQ(Raw({"CONFIG", "SET", "maxmemory", "7", "appendonly", "yes"}),
            "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - not supported "
            "by Lacewing (the only value accepted is 'no')\r\n");
  EXPECT_EQ(service_->runtime().maxmemory.load(), 10 * 1024 * 1024);  // nothing applied
  EXPECT_EQ(Raw({"CONFIG", "SET", "save", "x"}),
            "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
            "parameters\r\n");
  EXPECT_EQ(Raw({"CONFIG", "FOO"}), "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n");
  EXPECT_EQ(Raw({"CONFIG", "RESETSTAT", "x"}),
            "-ERR wrong number of arguments for 'config|resetstat' command\r\n");
  EXPECT_EQ(Raw({"CONFIG", "HELP"}).substr(0, 5), "*11\r\n");
}

TEST_F(ServerFamilyTest, ClientCommands) {
  uint64_t id = client_->context().client_id;
  EXPECT_EQ(Raw({"CLIENT", "ID"}), ":" + std::to_string(id) + "\r\n");
  EXPECT_EQ(Raw({"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(Raw({"CLIENT", "SETNAME", "foo"}), "+OK\r\n");
  EXPECT_EQ(Raw({"CLIENT", "GETNAME"}), "$3\r\nfoo\r\n");
  EXPECT_EQ(Raw({"CLIENT", "SETNAME", "a\nb"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(Raw({"CLIENT", "SETNAME"}),
            "-ERR wrong number of arguments for 'client|setname' command\r\n");
  EXPECT_EQ(Raw({"CLIENT", "FOO"}), "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n");
  std::string info = Raw({"CLIENT", "INFO"});
  EXPECT_NE(info.find("id=" + std::to_string(id) + " addr="), std::string::npos) << info;
  EXPECT_NE(info.find(" name=foo "), std::string::npos) << info;
  EXPECT_NE(info.find(" resp=2\n"), std::string::npos) << info;
  std::string list = Raw({"CLIENT", "LIST"});
  EXPECT_NE(list.find("id=" + std::to_string(id) + " "), std::string::npos) << list;
  EXPECT_EQ(Raw({"CLIENT", "LIST", "TYPE", "foo"}), "-ERR Unknown client type 'foo'\r\n");
  EXPECT_EQ(Raw({"CLIENT", "LIST", "ID", "abc"}), "-ERR Invalid client ID\r\n");
  EXPECT_EQ(Raw({"CLIENT", "LIST", "ID", "99999"}), "$0\r\n\r\n");
  EXPECT_EQ(Raw({"CLIENT", "KILL", "1.2.3.4:5"}), "-ERR No such client\r\n");
  EXPECT_EQ(Raw({"CLIENT", "KILL", "ID", "999"}), ":0\r\n");
  EXPECT_EQ(Raw({"CLIENT", "KILL", "ID", "abc"}), "-ERR client-id should be greater than 0\r\n");
  EXPECT_EQ(Raw({"CLIENT", "KILL", "foo", "bar"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"CLIENT", "KILL", "USER", "bob"}), "-ERR No such user 'bob'\r\n");
}

TEST_F(ServerFamilyTest, TimeAndShutdown) {
  RespValue v = Run({"TIME"});
  ASSERT_EQ(v.type, RespType::kArray) << ToDebugString(v);
  ASSERT_EQ(v.elems.size(), 2u);
  EXPECT_EQ(Raw({"TIME", "x"}), "-ERR wrong number of arguments for 'time' command\r\n");
  EXPECT_EQ(Raw({"SHUTDOWN", "ABORT"}), "-ERR No shutdown in progress.\r\n");
  EXPECT_EQ(Raw({"SHUTDOWN", "NOSAVE", "SAVE"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"SHUTDOWN", "FOO"}), "-ERR syntax error\r\n");
  std::atomic<int> requested{0};
  service_->set_shutdown_hook([&] { requested.fetch_add(1); });
  std::vector<std::string_view> args = {"SHUTDOWN", "NOSAVE"};
  ConnectionContext& c = client_->context();
  pool_.at(0)->AwaitFiber([&] { service_->Dispatch(args, &c); });
  EXPECT_EQ(requested.load(), 1);
  EXPECT_TRUE(c.close_after_reply);
  EXPECT_TRUE(c.rb->empty());
}

}  // namespace
}  // namespace lw
