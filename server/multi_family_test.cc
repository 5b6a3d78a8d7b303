// MULTI/EXEC/DISCARD/WATCH/UNWATCH through the in-process Service: queueing and its errors,
// EXECABORT, errors inside EXEC, WATCH against other clients, expiry and FLUSHDB, RESET and
// disconnect, scripts inside EXEC, and concurrent optimistic increments across threads.
#include <gtest/gtest.h>
#include <atomic>

#include <chrono>
#include <thread>

#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/keys_family.h"
#include "server/families/list_family.h"
#include "server/families/multi_family.h"
#include "server/families/string_family.h"
#include "server/scripting/scripting_family.h"

namespace lw {
namespace {

class MultiTest : public ServiceTest {
 protected:
  MultiTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterKeysFamily,
                     RegisterListFamily, RegisterScriptingFamily, RegisterMultiFamily}) {}
  std::string Raw(std::vector<std::string> args) {
    Run(std::move(args));
    return client_->last_raw();
  }
  // (watcher, key) registrations in every shard's table.
  size_t WatchCount() {
    std::atomic<size_t> n{0};
    service_->shards().AwaitOnAll([&](Shard* s) { n += s->db_slice.watches().size(); });
    return n.load();
  }
};

TEST_F(MultiTest, QueuesAndExecutes) {
  EXPECT_EQ(Raw({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Raw({"SET", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(Raw({"INCR", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(Raw({"GET", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(Raw({"EXEC"}), "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
  EXPECT_EQ(Raw({"GET", "a"}), "$1\r\n2\r\n");
}

TEST_F(MultiTest, StateErrors) {
  EXPECT_EQ(Raw({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(Raw({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(Raw({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(Raw({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(Raw({"WATCH", "x"}), "-ERR WATCH inside MULTI is not allowed\r\n");
  EXPECT_EQ(Raw({"SET", "a", "1"}), "+QUEUED\r\n");
  // Neither error aborts the transaction (as in Redis).
  EXPECT_EQ(Raw({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST_F(MultiTest, RejectedCommandAbortsExec) {
  Run({"MULTI"});
  EXPECT_EQ(Raw({"NOSUCH", "x"}),
            "-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n");
  EXPECT_EQ(Raw({"SET", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(Raw({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(Raw({"EXISTS", "a"}), ":0\r\n");

  Run({"MULTI"});
  EXPECT_EQ(Raw({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(Raw({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  // The state is cleared: a new transaction works.
  Run({"MULTI"});
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST_F(MultiTest, ErrorsInsideExecDoNotRollBack) {
  Run({"MULTI"});
  Run({"SET", "a", "x"});
  Run({"INCR", "a"});
  Run({"LPUSH", "a", "1"});
  Run({"SET", "b", "y"});
  EXPECT_EQ(Raw({"EXEC"}),
            "*4\r\n+OK\r\n-ERR value is not an integer or out of range\r\n"
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n+OK\r\n");
  EXPECT_EQ(Raw({"GET", "b"}), "$1\r\ny\r\n");
}

TEST_F(MultiTest, Discard) {
  Run({"MULTI"});
  Run({"SET", "a", "1"});
  EXPECT_EQ(Raw({"DISCARD"}), "+OK\r\n");
  EXPECT_EQ(Raw({"EXISTS", "a"}), ":0\r\n");
  EXPECT_EQ(Raw({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST_F(MultiTest, WatchModifiedByOtherClient) {
  auto other = NewClient(1);
  Run({"SET", "k", "1"});
  EXPECT_EQ(Raw({"WATCH", "k"}), "+OK\r\n");
  other->Run({"SET", "k", "2"});
  Run({"MULTI"});
  Run({"SET", "k", "3"});
  EXPECT_EQ(Raw({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(Raw({"GET", "k"}), "$1\r\n2\r\n");
  // EXEC unwatched: the next transaction runs.
  other->Run({"SET", "k", "4"});
  Run({"MULTI"});
  Run({"GET", "k"});
  EXPECT_EQ(Raw({"EXEC"}), "*1\r\n$1\r\n4\r\n");
}

TEST_F(MultiTest, WatchUnmodifiedAndNoopWrites) {
  auto other = NewClient(1);
  Run({"WATCH", "k", "l", "m"});
  other->Run({"DEL", "k"});             // nothing to delete
  other->Run({"LPOP", "l"});            // empty
  other->Run({"SET", "m", "v", "XX"});  // not set
  other->Run({"SET", "unrelated", "1"});
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Raw({"EXEC"}), "*1\r\n+PONG\r\n");
  // A failed write does not count either.
  Run({"SET", "s", "str"});
  Run({"WATCH", "s"});
  EXPECT_EQ(other->Run({"LPUSH", "s", "x"}).type, RespType::kError);
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Raw({"EXEC"}), "*1\r\n+PONG\r\n");
}

TEST_F(MultiTest, WatchRemembersDbAndCrossShardKeys) {
  auto other = NewClient(1);
  Run({"SELECT", "5"});
  Run({"WATCH", "x"});
  other->Run({"SET", "x", "10"});  // db 0: another key
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Raw({"EXEC"}), "*1\r\n+PONG\r\n");
  Run({"WATCH", "a", "b", "c", "d", "e", "f"});
  other->Run({"SELECT", "5"});
  other->Run({"SET", "e", "1"});
  Run({"MULTI"});
  Run({"MSET", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(Raw({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(Raw({"EXISTS", "a"}), ":0\r\n");
}

TEST_F(MultiTest, UnwatchAndDiscardClearWatches) {
  auto other = NewClient(1);
  Run({"WATCH", "k"});
  other->Run({"SET", "k", "1"});
  EXPECT_EQ(Raw({"UNWATCH"}), "+OK\r\n");
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Raw({"EXEC"}), "*1\r\n+PONG\r\n");

  Run({"WATCH", "k"});
  other->Run({"SET", "k", "2"});
  Run({"MULTI"});
  Run({"DISCARD"});
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Raw({"EXEC"}), "*1\r\n+PONG\r\n");
  EXPECT_EQ(WatchCount(), 0u);
}

TEST_F(MultiTest, OwnWriteBeforeMultiCounts) {
  Run({"WATCH", "k"});
  Run({"SET", "k", "1"});
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Raw({"EXEC"}), "*-1\r\n");
}

TEST_F(MultiTest, ExpiredWatchedKeyFailsExec) {
  Run({"SET", "k", "1", "PX", "30"});
  Run({"WATCH", "k"});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Run({"MULTI"});
  Run({"INCR", "k"});
  EXPECT_EQ(Raw({"EXEC"}), "*-1\r\n");
  // A key already stale at WATCH does not count (Redis 7.0).
  Run({"SET", "s", "1", "PX", "1"});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Run({"WATCH", "s"});
  Run({"DEL", "s"});
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Raw({"EXEC"}), "*1\r\n+PONG\r\n");
}

TEST_F(MultiTest, FlushTouchesOnlyExistingWatchedKeys) {
  auto other = NewClient(1);
  Run({"WATCH", "missing"});
  other->Run({"FLUSHALL"});
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Raw({"EXEC"}), "*1\r\n+PONG\r\n");
  Run({"SET", "z", "1"});
  Run({"WATCH", "z"});
  other->Run({"FLUSHDB"});
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Raw({"EXEC"}), "*-1\r\n");
}

TEST_F(MultiTest, ResetAndDisconnectDropState) {
  auto other = NewClient(1);
  other->Run({"WATCH", "k"});
  other->Run({"MULTI"});
  other->Run({"SET", "k", "1"});
  EXPECT_EQ(WatchCount(), 1u);
  other.reset();  // disconnect
  EXPECT_EQ(WatchCount(), 0u);
  EXPECT_EQ(Raw({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(MultiTest, EvalInsideExecAndKeylessCommands) {
  Run({"MULTI"});
  Run({"SET", "a", "1"});
  Run({"EVAL", "return redis.call('INCR', KEYS[1])", "1", "a"});
  Run({"DBSIZE"});
  Run({"FLUSHDB"});
  Run({"EXISTS", "a"});
  EXPECT_EQ(Raw({"EXEC"}), "*5\r\n+OK\r\n:2\r\n:1\r\n+OK\r\n:0\r\n");
  // SELECT inside EXEC changes the database of the following commands.
  Run({"MULTI"});
  Run({"SELECT", "3"});
  Run({"SET", "q", "1"});
  EXPECT_EQ(Raw({"EXEC"}), "*2\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(Raw({"EXISTS", "q"}), ":1\r\n");
  Run({"SELECT", "0"});
  EXPECT_EQ(Raw({"EXISTS", "q"}), ":0\r\n");
}

TEST_F(MultiTest, Resp3NullOnAbort) {
  auto other = NewClient(1);
  client_->context().rb->SetRespVersion(RespVersion::kResp3);
  Run({"WATCH", "k"});
  other->Run({"SET", "k", "1"});
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Raw({"EXEC"}), "_\r\n");
}

// Several clients on both threads increment one counter with WATCH/GET/MULTI/SET/EXEC,
// retrying on a null EXEC: no increment may be lost.
TEST_F(MultiTest, OptimisticIncrementsAreExact) {
  constexpr int kClients = 4, kIncrements = 150;
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(NewClient(i % 2));
  std::vector<std::thread> threads;
  std::atomic<int> retries{0};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, c = clients[i].get()] {
      for (int n = 0; n < kIncrements;) {
        c->Run({"WATCH", "counter"});
        RespValue v = c->Run({"GET", "counter"});
        int64_t cur = v.type == RespType::kNull ? 0 : std::stoll(v.str);
        c->Run({"MULTI"});
        c->Run({"SET", "counter", std::to_string(cur + 1)});
        RespValue r = c->Run({"EXEC"});
        if (r.type == RespType::kArray) {
          ++n;
        } else {
          retries.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Raw({"GET", "counter"}), "$3\r\n600\r\n");
}

// Transfers between keys on different shards inside MULTI/EXEC while readers MGET the total
// in MULTI/EXEC: the sum never changes.
TEST_F(MultiTest, TransfersKeepTheSum) {
  constexpr int kKeys = 6;
  for (int i = 0; i < kKeys; ++i) Run({"SET", "acct" + std::to_string(i), "100"});
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  auto reader = NewClient(1);
  auto w1 = NewClient(0);
  auto w2 = NewClient(1);
  auto writer = [&](TestClient* c, int seed) {
    for (int n = 0; n < 300; ++n) {
      std::string a = "acct" + std::to_string((n + seed) % kKeys);
      std::string b = "acct" + std::to_string((n * 7 + seed + 1) % kKeys);
      c->Run({"MULTI"});
      c->Run({"DECRBY", a, "3"});
      c->Run({"INCRBY", b, "3"});
      c->Run({"EXEC"});
    }
  };
  std::thread t1(writer, w1.get(), 0), t2(writer, w2.get(), 3);
  std::thread tr([&] {
    while (!stop.load()) {
      reader->Run({"MULTI"});
      reader->Run({"MGET", "acct0", "acct1", "acct2", "acct3", "acct4", "acct5"});
      RespValue r = reader->Run({"EXEC"});
      int64_t sum = 0;
      for (const RespValue& v : r.elems[0].elems) sum += std::stoll(v.str);
      if (sum != 100 * kKeys) bad.fetch_add(1);
    }
  });
  t1.join();
  t2.join();
  stop = true;
  tr.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace lw
