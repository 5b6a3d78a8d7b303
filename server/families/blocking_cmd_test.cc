// In-process tests of the multi-key and blocking list / sorted-set commands (blocking_cmd.h):
// LMOVE RPOPLPUSH LMPOP, BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/engine/blocking_cmd.h"
#include "server/engine/shard_set.h"
#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/keys_family.h"
#include "server/families/list_family.h"
#include "server/families/string_family.h"
#include "server/families/zset_family.h"
#include "transaction/engine_shard.h"

namespace lw {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

// Stands in for a network connection: records the cancel hook so a test can "disconnect".
class FakeControl : public ClientControl {
 public:
  void Push(std::string_view) override {}
  void Kill() override {}
  void BeginBlocking(std::function<void()> cancel) override {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_ = std::move(cancel);
  }
  void EndBlocking() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_ = nullptr;
  }
  // Like a hang-up: returns false if the command was not blocked.
  bool Disconnect() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!cancel_) return false;
    cancel_();
    return true;
  }

 private:
  std::mutex mu_;
  std::function<void()> cancel_;
};

class BlockingTest : public ServiceTest {
 protected:
  BlockingTest()
      : ServiceTest({RegisterGenericFamily, RegisterKeysFamily, RegisterStringFamily,
                     RegisterListFamily, RegisterZsetFamily}) {}

  std::string Raw(std::vector<std::string> args) {
    Run(std::move(args));
    return client_->last_raw();
  }

  // A key named prefix... that lives on `shard`.
  std::string KeyOn(uint32_t shard, const std::string& prefix) {
    for (int i = 0;; ++i) {
      std::string k = prefix + std::to_string(i);
      if (service_->shards().ShardOf(k) == shard) return k;
    }
  }

  // Registered (key, waiter) pairs over all shards.
  size_t Watchers() {
    size_t n = 0;
    for (uint32_t i = 0; i < service_->shards().size(); ++i) {
      n += service_->shards().Await(
          i, [](Shard*) { return tx::EngineShard::Current()->watcher_count(); });
    }
    return n;
  }

  bool AllIdle() {
    bool idle = true;
    for (uint32_t i = 0; i < service_->shards().size(); ++i) {
      idle &=
          service_->shards().Await(i, [](Shard*) { return tx::EngineShard::Current()->IsIdle(); });
    }
    return idle;
  }

  // Waits until `n` waiters are registered.
  void AwaitWatchers(size_t n) {
    for (int i = 0; i < 2000 && Watchers() != n; ++i) std::this_thread::sleep_for(1ms);
    ASSERT_EQ(Watchers(), n);
  }

  // Runs `args` on a new client (thread `thread`) in the background; the reply lands in *out.
  std::thread RunAsync(size_t thread, std::vector<std::string> args, std::string* out,
                       ClientControl* control = nullptr) {
    auto client = std::shared_ptr<TestClient>(NewClient(thread));
    client->context().control = control;
    return std::thread([client, args, out] {
      client->Run(args);
      *out = client->last_raw();
    });
  }
};

TEST_F(BlockingTest, LMoveAndRPopLPush) {
  std::string a = KeyOn(0, "a"), b = KeyOn(1, "b"), c = KeyOn(0, "c");
  EXPECT_EQ(Raw({"LMOVE", a, b, "LEFT", "RIGHT"}), "$-1\r\n");
  EXPECT_EQ(Raw({"LMOVE", a, b, "UP", "RIGHT"}), "-ERR syntax error\r\n");
  Run({"RPUSH", a, "1", "2", "3"});
  EXPECT_EQ(Raw({"LMOVE", a, b, "LEFT", "RIGHT"}), "$1\r\n1\r\n");  // across shards
  EXPECT_EQ(Raw({"LMOVE", a, c, "right", "left"}), "$1\r\n3\r\n");  // one shard
  EXPECT_EQ(Raw({"RPOPLPUSH", a, b}), "$1\r\n2\r\n");
  EXPECT_EQ(Raw({"EXISTS", a}), ":0\r\n");
  EXPECT_EQ(Raw({"LRANGE", b, "0", "-1"}), "*2\r\n$1\r\n2\r\n$1\r\n1\r\n");
  // Rotation keeps the key (and its TTL).
  Run({"RPUSH", a, "x"});
  Run({"EXPIRE", a, "100"});
  EXPECT_EQ(Raw({"LMOVE", a, a, "LEFT", "RIGHT"}), "$1\r\nx\r\n");
  EXPECT_EQ(Raw({"TTL", a}), ":100\r\n");
  // Wrong types: source first, destination only when the source has something.
  Run({"SET", "s", "v"});
  EXPECT_EQ(Raw({"LMOVE", "s", b, "LEFT", "LEFT"}), kWrongType);
  EXPECT_EQ(Raw({"LMOVE", b, "s", "LEFT", "LEFT"}), kWrongType);
  EXPECT_EQ(Raw({"LMOVE", "nokey", "s", "LEFT", "LEFT"}), "$-1\r\n");
  EXPECT_EQ(Raw({"LLEN", b}), ":2\r\n");
  EXPECT_TRUE(AllIdle());
}

TEST_F(BlockingTest, LMPopArguments) {
  EXPECT_EQ(Raw({"LMPOP", "0", "a", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(Raw({"LMPOP", "x", "a", "LEFT"}), "-ERR numkeys should be greater than 0\r\n");
  EXPECT_EQ(Raw({"LMPOP", "2", "a", "LEFT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"LMPOP", "9223372036854775807", "a", "LEFT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"LMPOP", "1", "a", "MIDDLE"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"LMPOP", "1", "a", "LEFT", "COUNT", "0"}),
            "-ERR count should be greater than 0\r\n");
  EXPECT_EQ(Raw({"LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"LMPOP", "1", "a", "LEFT", "COUNT"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"LMPOP", "1", "a", "LEFT"}), "*-1\r\n");
  std::string a = KeyOn(0, "a"), b = KeyOn(1, "b");
  Run({"RPUSH", b, "1", "2", "3"});
  EXPECT_EQ(Raw({"LMPOP", "2", a, b, "RIGHT", "COUNT", "2"}),
            "*2\r\n$" + std::to_string(b.size()) + "\r\n" + b + "\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
  Run({"SET", "s", "v"});
  EXPECT_EQ(Raw({"LMPOP", "2", "s", b, "LEFT"}), kWrongType);
  EXPECT_EQ(Raw({"LMPOP", "2", b, "s", "LEFT", "COUNT", "9"}),
            "*2\r\n$" + std::to_string(b.size()) + "\r\n" + b + "\r\n*1\r\n$1\r\n1\r\n");
  EXPECT_TRUE(AllIdle());
}

TEST_F(BlockingTest, TimeoutParsing) {
  for (std::string t : {"abc", "", " 1", "1x", "nan", "1e5000", "1e-5000"}) {
    EXPECT_EQ(Raw({"BLPOP", "k", t}), "-ERR timeout is not a float or out of range\r\n") << t;
  }
  for (std::string t : {"-1", "inf", "-inf", "1e20"}) {
    EXPECT_EQ(Raw({"BLPOP", "k", t}), "-ERR timeout is negative\r\n") << t;
  }
  EXPECT_EQ(Raw({"BLMOVE", "a", "b", "LEFT", "UP", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"BLMPOP", "x", "1", "a", "MIDDLE"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"BLMPOP", "x", "1", "a", "LEFT"}),
            "-ERR timeout is not a float or out of range\r\n");
  EXPECT_EQ(Raw({"BZMPOP", "0", "1", "a", "MID"}), "-ERR syntax error\r\n");
}

TEST_F(BlockingTest, ServesAtOnceFirstReadyKeyInOrder) {
  std::string a = KeyOn(0, "a"), b = KeyOn(1, "b"), c = KeyOn(0, "c");
  Run({"RPUSH", c, "c1"});
  Run({"RPUSH", b, "b1", "b2"});
  auto reply = [](const std::string& k, const std::string& v) {
    return "*2\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n$" + std::to_string(v.size()) +
           "\r\n" + v + "\r\n";
  };
  EXPECT_EQ(Raw({"BLPOP", a, b, c, "0"}), reply(b, "b1"));
  EXPECT_EQ(Raw({"BRPOP", a, c, b, "0"}), reply(c, "c1"));
  EXPECT_EQ(Raw({"BRPOPLPUSH", b, a, "0"}), "$2\r\nb2\r\n");
  EXPECT_EQ(Raw({"BLMOVE", a, c, "LEFT", "LEFT", "0"}), "$2\r\nb2\r\n");
  Run({"SET", "s", "v"});
  EXPECT_EQ(Raw({"BLPOP", a, "s", c, "0"}), kWrongType);
  Run({"ZADD", "z", "1", "m1", "2", "m2", "3", "m3"});
  EXPECT_EQ(Raw({"BZPOPMIN", "nokey", "z", "0"}), "*3\r\n$1\r\nz\r\n$2\r\nm1\r\n$1\r\n1\r\n");
  EXPECT_EQ(Raw({"BZPOPMAX", "z", "0"}), "*3\r\n$1\r\nz\r\n$2\r\nm3\r\n$1\r\n3\r\n");
  EXPECT_EQ(Raw({"BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"}),
            "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$2\r\nm2\r\n$1\r\n2\r\n");
  EXPECT_EQ(Raw({"BZPOPMIN", "s", "0"}), kWrongType);
  EXPECT_TRUE(AllIdle());
}

TEST_F(BlockingTest, TimeoutReturnsNullAfterDeadline) {
  for (std::vector<std::string> cmd :
       std::vector<std::vector<std::string>>{{"BLPOP", "a", "b", "0.1"},
                                             {"BRPOP", "a", "0.1"},
                                             {"BLMOVE", "a", "b", "LEFT", "LEFT", "0.1"},
                                             {"BRPOPLPUSH", "a", "b", "0.1"},
                                             {"BLMPOP", "0.1", "2", "a", "b", "LEFT"},
                                             {"BZPOPMIN", "a", "0.1"},
                                             {"BZPOPMAX", "a", "b", "0.1"},
                                             {"BZMPOP", "0.1", "1", "a", "MAX"}}) {
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(Raw(cmd), "*-1\r\n") << cmd[0];
    EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms) << cmd[0];
  }
  EXPECT_TRUE(AllIdle());
}

TEST_F(BlockingTest, WokenOnceByFirstPushAcrossShards) {
  std::string a = KeyOn(0, "a"), b = KeyOn(1, "b");
  std::string out;
  std::thread t = RunAsync(1, {"BLPOP", a, b, "0"}, &out);
  AwaitWatchers(2);
  Run({"RPUSH", b, "x", "y"});
  t.join();
  EXPECT_EQ(out, "*2\r\n$" + std::to_string(b.size()) + "\r\n" + b + "\r\n$1\r\nx\r\n");
  Run({"RPUSH", a, "z"});  // nobody waits any more
  EXPECT_EQ(Raw({"LLEN", a}), ":1\r\n");
  EXPECT_EQ(Raw({"LLEN", b}), ":1\r\n");
  EXPECT_EQ(Watchers(), 0u);
  EXPECT_TRUE(AllIdle());
}

TEST_F(BlockingTest, WaitersServedFifo) {
  std::vector<std::string> outs(3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < 3; ++i) {
    threads.push_back(RunAsync(i, {"BLPOP", "q", "0"}, &outs[i]));
    AwaitWatchers(i + 1);
  }
  Run({"RPUSH", "q", "1", "2", "3"});
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(outs[i], "*2\r\n$1\r\nq\r\n$1\r\n" + std::to_string(i + 1) + "\r\n");
  }
  EXPECT_EQ(Raw({"EXISTS", "q"}), ":0\r\n");
}

TEST_F(BlockingTest, OtherDatabaseAndTypeDoNotWake) {
  std::string out1, out2;
  std::thread t1 = RunAsync(0, {"BZPOPMIN", "k", "0"}, &out1);
  AwaitWatchers(1);
  std::thread t2 = RunAsync(1, {"BLPOP", "k", "0"}, &out2);
  AwaitWatchers(2);
  Run({"SELECT", "1"});
  Run({"RPUSH", "k", "other-db"});
  Run({"SELECT", "0"});
  EXPECT_EQ(Watchers(), 2u);
  Run({"RPUSH", "k", "v"});  // the zset waiter before it is skipped, not a stop
  t2.join();
  EXPECT_EQ(out2, "*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
  Run({"DEL", "k"});
  Run({"ZADD", "k", "1.5", "m"});
  t1.join();
  EXPECT_EQ(out1, "*3\r\n$1\r\nk\r\n$1\r\nm\r\n$3\r\n1.5\r\n");
  Run({"SELECT", "1"});
  EXPECT_EQ(Raw({"LLEN", "k"}), ":1\r\n");
}

TEST_F(BlockingTest, BLMoveWokenAcrossShardsAndWrongDestination) {
  std::string src = KeyOn(0, "src"), dst = KeyOn(1, "dst"), near = KeyOn(0, "near");
  std::string out;
  std::thread t = RunAsync(1, {"BLMOVE", src, dst, "RIGHT", "LEFT", "0"}, &out);
  AwaitWatchers(1);
  Run({"RPUSH", src, "a", "b"});
  t.join();
  EXPECT_EQ(out, "$1\r\nb\r\n");
  EXPECT_EQ(Raw({"LRANGE", dst, "0", "-1"}), "*1\r\n$1\r\nb\r\n");
  EXPECT_EQ(Raw({"LRANGE", src, "0", "-1"}), "*1\r\n$1\r\na\r\n");
  // Destination of the wrong type when woken: WRONGTYPE, the element stays in the source.
  for (const std::string& d : {dst, near}) {
    Run({"DEL", src, d});
    Run({"SET", d, "string"});
    t = RunAsync(1, {"BRPOPLPUSH", src, d, "0"}, &out);
    AwaitWatchers(1);
    Run({"RPUSH", src, "a", "b", "c"});
    t.join();
    EXPECT_EQ(out, kWrongType);
    EXPECT_EQ(Raw({"LRANGE", src, "0", "-1"}), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  }
  EXPECT_TRUE(AllIdle());
}

TEST_F(BlockingTest, LinkedMoves) {
  std::string l1 = KeyOn(0, "l"), l2 = KeyOn(1, "l"), l3 = KeyOn(0, "m");
  std::string out1, out2;
  std::thread t1 = RunAsync(0, {"BLMOVE", l1, l2, "RIGHT", "LEFT", "0"}, &out1);
  AwaitWatchers(1);
  std::thread t2 = RunAsync(1, {"BLMOVE", l2, l3, "LEFT", "RIGHT", "0"}, &out2);
  AwaitWatchers(2);
  Run({"RPUSH", l1, "foo"});
  t1.join();
  t2.join();
  EXPECT_EQ(out1, "$3\r\nfoo\r\n");
  EXPECT_EQ(out2, "$3\r\nfoo\r\n");
  EXPECT_EQ(Raw({"LRANGE", l3, "0", "-1"}), "*1\r\n$3\r\nfoo\r\n");
  EXPECT_EQ(Raw({"EXISTS", l1, l2}), ":0\r\n");
}

TEST_F(BlockingTest, DisconnectWhileBlockedLeaksNothing) {
  FakeControl control;
  std::string out;
  std::thread t = RunAsync(1, {"BLMPOP", "0", "2", "a", "b", "LEFT"}, &out, &control);
  AwaitWatchers(2);
  ASSERT_TRUE(control.Disconnect());
  t.join();
  EXPECT_EQ(out, "*-1\r\n");
  EXPECT_EQ(Watchers(), 0u);
  Run({"RPUSH", "a", "v"});
  EXPECT_EQ(Raw({"LLEN", "a"}), ":1\r\n");
  EXPECT_TRUE(AllIdle());
}

TEST_F(BlockingTest, BZMPopWokenWithCount) {
  std::string out;
  std::thread t = RunAsync(1, {"BZMPOP", "0", "2", "x", "z", "MAX", "COUNT", "2"}, &out);
  AwaitWatchers(2);
  Run({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
  t.join();
  EXPECT_EQ(out, "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(Raw({"ZCARD", "z"}), ":1\r\n");
}

TEST_F(BlockingTest, PushesThatWake) {
  // LPUSHX/RPUSHX need an existing list, so only LINSERT/LPUSH/LMOVE are interesting alone.
  std::string out;
  std::thread t = RunAsync(1, {"BRPOP", "w", "0"}, &out);
  AwaitWatchers(1);
  Run({"RPUSH", "src", "v"});
  Run({"LMOVE", "src", "w", "LEFT", "LEFT"});
  t.join();
  EXPECT_EQ(out, "*2\r\n$1\r\nw\r\n$1\r\nv\r\n");
  t = RunAsync(1, {"BZPOPMAX", "zz", "0"}, &out);
  AwaitWatchers(1);
  Run({"ZINCRBY", "zz", "2.5", "m"});
  t.join();
  EXPECT_EQ(out, "*3\r\n$2\r\nzz\r\n$1\r\nm\r\n$3\r\n2.5\r\n");
}

TEST_F(BlockingTest, KeyMovedIntoPlaceWakes) {
  std::string out;
  std::thread t = RunAsync(1, {"BLPOP", "foo", "5"}, &out);
  AwaitWatchers(1);
  Run({"RPUSH", "bob", "abc", "def", "hij"});
  Run({"RENAME", "bob", "foo"});
  t.join();
  EXPECT_EQ(out, "*2\r\n$3\r\nfoo\r\n$3\r\nabc\r\n");
  t = RunAsync(1, {"BRPOP", "bar", "5"}, &out);
  AwaitWatchers(1);
  Run({"COPY", "foo", "bar"});
  t.join();
  EXPECT_EQ(out, "*2\r\n$3\r\nbar\r\n$3\r\nhij\r\n");
}

}  // namespace
}  // namespace lw
