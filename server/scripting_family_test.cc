// Scripting through the in-process Service: EVAL/EVALSHA/SCRIPT/FUNCTION/FCALL, the runner's
// rules (undeclared keys, read-only, noscript), modes, async calls.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "lua_interp/sha1.h"

#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/keys_family.h"
#include "server/families/list_family.h"
#include "server/families/string_family.h"
#include "server/scripting/script_manager.h"
#include "server/scripting/scripting_family.h"

namespace lw {
namespace {

class ScriptingTest : public ServiceTest {
 protected:
  ScriptingTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterScriptingFamily}) {}
};

TEST_F(ScriptingTest, EvalReturnsConvertedValues) {
  Run({"EVAL", "return 1", "0"});
  EXPECT_EQ(client_->last_raw(), ":1\r\n");
  Run({"EVAL", "return 3.9", "0"});
  EXPECT_EQ(client_->last_raw(), ":3\r\n");
  Run({"EVAL", "return {1, 'two', {3}}", "0"});
  EXPECT_EQ(client_->last_raw(), "*3\r\n:1\r\n$3\r\ntwo\r\n*1\r\n:3\r\n");
  Run({"EVAL", "return {ok='FINE'}", "0"});
  EXPECT_EQ(client_->last_raw(), "+FINE\r\n");
  Run({"EVAL", "return redis.error_reply('MYERR boom')", "0"});
  EXPECT_EQ(client_->last_raw(), "-MYERR boom\r\n");
  Run({"EVAL", "return nil", "0"});
  EXPECT_EQ(client_->last_raw(), "$-1\r\n");
  Run({"EVAL", "return {KEYS[1], ARGV[1], ARGV[2]}", "1", "k", "a", "b"});
  EXPECT_EQ(client_->last_raw(), "*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\nb\r\n");
}

TEST_F(ScriptingTest, RedisCallReachesEveryShard) {
  // Keys on both shards, declared: the script writes and reads them all.
  std::vector<std::string> args = {
      "EVAL",
      "for i, k in ipairs(KEYS) do redis.call('SET', k, ARGV[1]..i) end "
      "local out = {} for i, k in ipairs(KEYS) do out[i] = "
      "redis.call('GET', k) end return out",
      "20"};
  for (int i = 0; i < 20; ++i) args.push_back("key" + std::to_string(i));
  args.push_back("v");
  RespValue r = Run(args);
  ASSERT_EQ(r.elems.size(), 20u) << client_->last_raw();
  EXPECT_TRUE(r.elems[19].IsString("v20"));
  EXPECT_TRUE(Run({"GET", "key7"}).IsString("v8"));
}

TEST_F(ScriptingTest, EvalShaAndScriptCommands) {
  std::string body = "return redis.call('GET', KEYS[1])";
  std::string sha = lua::Sha1Hex(body);
  Run({"EVALSHA", sha, "1", "k"});
  EXPECT_EQ(client_->last_raw(), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  Run({"SCRIPT", "LOAD", body});
  EXPECT_EQ(client_->last_raw(), "$40\r\n" + sha + "\r\n");
  Run({"SET", "k", "hello"});
  EXPECT_TRUE(Run({"EVALSHA", sha, "1", "k"}).IsString("hello"));
  // SHA is case-insensitive.
  std::string upper = sha;
  for (char& c : upper) c = char(toupper(c));
  EXPECT_TRUE(Run({"EVALSHA", upper, "1", "k"}).IsString("hello"));
  Run({"SCRIPT", "EXISTS", sha, "0000000000000000000000000000000000000000"});
  EXPECT_EQ(client_->last_raw(), "*2\r\n:1\r\n:0\r\n");
  Run({"SCRIPT", "FLUSH"});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  Run({"SCRIPT", "EXISTS", sha});
  EXPECT_EQ(client_->last_raw(), "*1\r\n:0\r\n");
  Run({"SCRIPT", "LOAD", "return +"});
  EXPECT_EQ(client_->last_raw().substr(0, 45), "-ERR Error compiling script (new function): u");
}

TEST_F(ScriptingTest, NumkeysErrors) {
  Run({"EVAL", "return 1", "x"});
  EXPECT_EQ(client_->last_raw(), "-ERR value is not an integer or out of range\r\n");
  Run({"EVAL", "return 1", "-1"});
  EXPECT_EQ(client_->last_raw(), "-ERR Number of keys can't be negative\r\n");
  Run({"EVAL", "return 1", "2", "a"});
  EXPECT_EQ(client_->last_raw(), "-ERR Number of keys can't be greater than number of args\r\n");
}

TEST_F(ScriptingTest, UndeclaredKeysOnlyWithTheFlag) {
  RespValue r = Run({"EVAL", "return redis.pcall('GET', 'other')", "1", "mine"});
  EXPECT_EQ(r.type, RespType::kError);
  EXPECT_NE(r.str.find("script tried accessing undeclared key, key: other"), std::string::npos)
      << r.str;
  Run({"SET", "other", "x"});
  r = Run({"EVAL", "#!lua flags=allow-undeclared-keys\nreturn redis.call('GET', 'other')", "0"});
  EXPECT_TRUE(r.IsString("x")) << client_->last_raw();
  r = Run({"EVAL", "--!df flags=allow-undeclared-keys\nreturn redis.call('GET', 'other')", "0"});
  EXPECT_TRUE(r.IsString("x")) << client_->last_raw();
}

TEST_F(ScriptingTest, ScriptFlagsOverride) {
  std::string body = "return redis.call('GET', 'free')";
  std::string sha = lua::Sha1Hex(body);
  Run({"SET", "free", "1"});
  Run({"SCRIPT", "FLAGS", sha, "allow-undeclared-keys"});  // before the script is loaded
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  EXPECT_TRUE(Run({"EVAL", body, "0"}).IsString("1")) << client_->last_raw();
  Run({"SCRIPT", "FLAGS", sha});  // back to no flags: lock-ahead
  EXPECT_EQ(Run({"EVALSHA", sha, "0"}).type, RespType::kError);
  Run({"SCRIPT", "FLAGS", sha, "bogus-flag"});
  EXPECT_EQ(client_->last_raw(), "-ERR Unknown flag: bogus-flag\r\n");
}

TEST_F(ScriptingTest, ReadOnlyScriptsCannotWrite) {
  RespValue r = Run({"EVAL_RO", "return redis.pcall('SET', KEYS[1], 'x')", "1", "k"});
  EXPECT_EQ(r.type, RespType::kError);
  EXPECT_NE(r.str.find("Write commands are not allowed from read-only scripts"), std::string::npos)
      << r.str;
  r = Run({"EVAL", "#!lua flags=no-writes\nreturn redis.pcall('SET', KEYS[1], 'x')", "1", "k"});
  EXPECT_EQ(r.type, RespType::kError);
  EXPECT_EQ(Run({"EXISTS", "k"}).integer, 0);
  EXPECT_TRUE(Run({"EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "k"}).type ==
              RespType::kNull);
}

TEST_F(ScriptingTest, NoScriptCommandsRefused) {
  RespValue r = Run({"EVAL", "return redis.pcall('EVAL', 'return 1', '0')", "0"});
  EXPECT_EQ(r.type, RespType::kError);
  EXPECT_NE(r.str.find("This Redis command is not allowed from script"), std::string::npos)
      << r.str;
}

TEST_F(ScriptingTest, ErrorsFromCallsPropagate) {
  Run({"SET", "s", "notanumber"});
  RespValue r = Run({"EVAL", "return redis.call('EVAL')", "0"});
  EXPECT_EQ(r.type, RespType::kError);
  r = Run({"EVAL", "local r = redis.pcall('NOSUCH') return r['err']", "0"});
  EXPECT_NE(r.str.find("Unknown Redis command called from script"), std::string::npos) << r.str;
}

TEST_F(ScriptingTest, AsyncCallsFlushBeforeSyncReadsAndAtEnd) {
  // acall queues; the GET sees the queued SET because sync calls flush first.
  RespValue r = Run({"EVAL",
                     "redis.acall('SET', KEYS[1], 'a') redis.apcall('SET', KEYS[2], 'b') "
                     "return redis.call('GET', KEYS[1])",
                     "2", "x1", "x2"});
  EXPECT_TRUE(r.IsString("a")) << client_->last_raw();
  EXPECT_TRUE(Run({"GET", "x2"}).IsString("b"));
  // Queued at the end of the script: flushed when it ends.
  Run({"EVAL", "redis.acall('SET', KEYS[1], 'late') return 'done'", "1", "x3"});
  EXPECT_EQ(client_->last_raw(), "$4\r\ndone\r\n");
  EXPECT_TRUE(Run({"GET", "x3"}).IsString("late"));
}

TEST_F(ScriptingTest, AsyncCallErrorAbortsScript) {
  Run({"EVAL", "#!lua flags=allow-undeclared-keys\nredis.call('SET', 'str', 'v') return 1", "0"});
  RespValue r = Run({"EVAL",
                     "#!lua flags=allow-undeclared-keys\n"
                     "redis.acall('EVALSHA_NOT_A_CMD') return 'unreachable'",
                     "0"});
  EXPECT_EQ(r.type, RespType::kError) << client_->last_raw();
  EXPECT_NE(r.str.find("Unknown Redis command called from script"), std::string::npos) << r.str;
  // apcall errors are dropped.
  r = Run({"EVAL", "redis.apcall('SET', KEYS[1]) return 'ok'", "1", "k"});
  EXPECT_TRUE(r.IsString("ok")) << client_->last_raw();
  EXPECT_EQ(Run({"EXISTS", "k"}).integer, 0);
}

TEST_F(ScriptingTest, FunctionsLoadCallListDelete) {
  std::string lib =
      "#!lua name=mylib\n"
      "redis.register_function('myget', function(keys, args) return redis.call('GET', keys[1]) "
      "end)\n"
      "redis.register_function{function_name='ro', callback=function(keys, args) return args[1] "
      "end, "
      "flags={'no-writes'}}\n";
  Run({"FUNCTION", "LOAD", lib});
  EXPECT_EQ(client_->last_raw(), "$5\r\nmylib\r\n");
  Run({"FUNCTION", "LOAD", lib});
  EXPECT_EQ(client_->last_raw(), "-ERR Library 'mylib' already exists\r\n");
  Run({"FUNCTION", "LOAD", "REPLACE", lib});
  EXPECT_EQ(client_->last_raw(), "$5\r\nmylib\r\n");
  Run({"SET", "fk", "fv"});
  EXPECT_TRUE(Run({"FCALL", "myget", "1", "fk"}).IsString("fv")) << client_->last_raw();
  EXPECT_TRUE(Run({"FCALL_RO", "ro", "0", "arg"}).IsString("arg")) << client_->last_raw();
  Run({"FCALL", "nosuch", "0"});
  EXPECT_EQ(client_->last_raw(), "-ERR Function not found\r\n");
  RespValue list = Run({"FUNCTION", "LIST"});
  ASSERT_EQ(list.elems.size(), 1u);
  RespValue dump = Run({"FUNCTION", "DUMP"});
  Run({"FUNCTION", "DELETE", "mylib"});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  Run({"FCALL", "myget", "1", "fk"});
  EXPECT_EQ(client_->last_raw(), "-ERR Function not found\r\n");
  Run({"FUNCTION", "RESTORE", dump.str});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  EXPECT_TRUE(Run({"FCALL", "myget", "1", "fk"}).IsString("fv")) << client_->last_raw();
  Run({"FUNCTION", "FLUSH"});
  EXPECT_EQ(Run({"FUNCTION", "LIST"}).elems.size(), 0u);
}

TEST_F(ScriptingTest, ScriptKillWithNothingRunning) {
  Run({"SCRIPT", "KILL"});
  EXPECT_EQ(client_->last_raw(), "-NOTBUSY No scripts in execution right now.\r\n");
}

}  // namespace
}  // namespace lw

namespace lw {
namespace {

// One thread only: a long script must not stop the thread from serving other keys, and must
// stay atomic for its own keys.
class LongScriptTest : public ServiceTest {
 protected:
  LongScriptTest()
      : ServiceTest({RegisterGenericFamily, RegisterKeysFamily, RegisterStringFamily,
                     RegisterScriptingFamily},
                    1) {}
};

TEST_F(LongScriptTest, OtherKeysAnswerWhileScriptRunsAndScriptKeysWait) {
  Run({"SET", "other", "free"});
  std::atomic<bool> script_done{false};
  std::string script_reply;
  std::thread script_client([&] {
    auto a = NewClient(0);
    a->Run({"EVAL",
            "for i = 1, 300000 do redis.call('INCR', KEYS[1]) end "
            "return redis.call('GET', KEYS[1])",
            "1", "counter"});
    script_reply = a->last_raw();
    script_done = true;
  });
  // Wait until the script runs, then talk to the same (only) thread.
  auto b = NewClient(0);
  ScriptManager& scripts = *ScriptManagerOf(service_.get());
  while (scripts.RunningCount() == 0) std::this_thread::yield();
  int answered_while_running = 0;
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(b->Run({"GET", "other"}).IsString("free"));
    if (!script_done) ++answered_while_running;
  }
  EXPECT_GT(answered_while_running, 0) << "the script blocked its thread";
  // A reader of the script's key waits for the whole script: it sees the final value only.
  RespValue seen = b->Run({"GET", "counter"});
  EXPECT_TRUE(seen.IsString("300000")) << ToDebugString(seen);
  script_client.join();
  EXPECT_EQ(script_reply, "$6\r\n300000\r\n");
}

TEST_F(LongScriptTest, BusyOnlyForTheScriptsKeysPastTheThreshold) {
  service_->runtime().busy_reply_threshold_ms = 50;
  ScriptManager& scripts = *ScriptManagerOf(service_.get());
  Run({"SET", "held", "v"});
  std::string script_reply;
  std::thread looping([&] {
    auto a = NewClient(0);
    a->Run({"EVAL_RO", "redis.call('GET', KEYS[1]) while true do end", "1", "held"});
    script_reply = a->last_raw();
  });
  while (scripts.RunningCount() == 0) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  Run({"SET", "held", "w"});
  EXPECT_EQ(client_->last_raw(),
            "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
            "NOSAVE.\r\n");
  Run({"SET", "unrelated", "1"});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  Run({"SCRIPT", "KILL"});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  looping.join();
  EXPECT_EQ(script_reply.rfind("-ERR Script killed", 0), 0u) << script_reply;
  EXPECT_TRUE(Run({"GET", "held"}).IsString("v"));
}

TEST_F(LongScriptTest, ScriptKillStopsAReadOnlyLoopButNotAWriter) {
  ScriptManager& scripts = *ScriptManagerOf(service_.get());
  std::string killed_reply;
  std::thread looping([&] {
    auto a = NewClient(0);
    a->Run({"EVAL", "while true do end", "0"});
    killed_reply = a->last_raw();
  });
  while (scripts.RunningCount() == 0) std::this_thread::yield();
  Run({"SCRIPT", "KILL"});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  looping.join();
  EXPECT_EQ(killed_reply.rfind("-ERR Script killed by user with SCRIPT KILL...", 0), 0u)
      << killed_reply;
  EXPECT_EQ(scripts.RunningCount(), 0u);

  // A script that wrote is killed too, and its writes are rolled back (issue 13).
  std::string writer_reply;
  std::thread writer([&] {
    auto a = NewClient(0);
    a->Run({"EVAL", "redis.call('SET', KEYS[1], 'x') while true do end", "1", "w"});
    writer_reply = a->last_raw();
  });
  while (scripts.RunningCount() == 0) std::this_thread::yield();
  Run({"SCRIPT", "KILL"});
  EXPECT_EQ(client_->last_raw(), "+OK\r\n");
  writer.join();
  EXPECT_EQ(writer_reply.rfind("-ERR Script killed by user with SCRIPT KILL...", 0), 0u)
      << writer_reply;
  EXPECT_EQ(Run({"EXISTS", "w"}).integer, 0);

  // A keyless write (FLUSHDB) cannot be undone: that script is unkillable; it is stopped here
  // by its own loop bound.
  Run({"SET", "gone", "1"});
  std::thread flusher([&] {
    auto a = NewClient(0);
    a->Run({"EVAL", "redis.call('FLUSHDB') for i = 1, 20000000 do end return 1", "0"});
  });
  while (Run({"EXISTS", "gone"}).integer == 1) std::this_thread::yield();  // FLUSHDB ran
  Run({"SCRIPT", "KILL"});
  EXPECT_EQ(client_->last_raw().rfind("-UNKILLABLE Sorry the script already executed write", 0), 0u)
      << client_->last_raw();
  flusher.join();
}

}  // namespace
}  // namespace lw

namespace lw {
namespace {

class AsyncScriptTest : public ServiceTest {
 protected:
  AsyncScriptTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterListFamily,
                     RegisterScriptingFamily}) {}
};

TEST_F(AsyncScriptTest, SquashedFlushKeepsPerKeyOrderAcrossShards) {
  // 20 keys over both shards; per key: two pushes then a trim, all async.
  std::vector<std::string> args = {
      "EVAL",
      "for _, k in ipairs(KEYS) do redis.acall('RPUSH', k, 'a') redis.acall('RPUSH', k, 'b') "
      "redis.acall('LTRIM', k, 1, -1) end return 'queued'",
      "20"};
  for (int i = 0; i < 20; ++i) args.push_back("list" + std::to_string(i));
  EXPECT_TRUE(Run(args).IsString("queued")) << client_->last_raw();
  for (int i = 0; i < 20; ++i) {
    RespValue v = Run({"LRANGE", "list" + std::to_string(i), "0", "-1"});
    ASSERT_EQ(v.elems.size(), 1u) << ToDebugString(v);
    EXPECT_TRUE(v.elems[0].IsString("b"));
  }
  ScriptManager::CounterTotals counters = ScriptManagerOf(service_.get())->SumCounters();
  EXPECT_EQ(counters.async_flushes, 1u);
  EXPECT_EQ(counters.async_commands, 60u);
}

TEST_F(AsyncScriptTest, AsyncErrorInSquashedBatchAbortsScript) {
  Run({"SET", "str", "x"});
  RespValue r = Run({"EVAL",
                     "redis.acall('RPUSH', KEYS[2], 'ok') redis.acall('RPUSH', KEYS[1], 'v') "
                     "return 'done'",
                     "2", "str", "fine"});
  EXPECT_EQ(r.type, RespType::kError) << client_->last_raw();
  EXPECT_NE(r.str.find("WRONGTYPE"), std::string::npos) << r.str;
  EXPECT_EQ(Run({"LLEN", "fine"}).integer, 1);  // no rollback: the other call ran
}

class AutoAsyncTest : public ServiceTest {
 protected:
  static ServiceConfig Config() {
    ServiceConfig c;
    c.lua_auto_async = true;  // --lua_auto_async
    return c;
  }
  AutoAsyncTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterListFamily,
                     RegisterScriptingFamily},
                    2, Config()) {}
};

TEST_F(AutoAsyncTest, DiscardedCallsBecomeAsyncAndReadsSeeThem) {
  // The fan-out script: every pcall's result is discarded, so all 50 are squashed.
  std::string fanout =
      "local m = cjson.decode(ARGV[1]) for _, k in ipairs(KEYS) do for _, v in ipairs(m) do "
      "redis.pcall('LPUSH', k, v) redis.pcall('LTRIM', k, 0, 50) end end return 'OK'";
  RespValue r = Run({"EVAL", fanout, "5", "l1", "l2", "l3", "l4", "l5", "[1,2,3,4,5]"});
  EXPECT_EQ(client_->last_raw(), "$2\r\nOK\r\n");
  EXPECT_EQ(ScriptManagerOf(service_.get())->SumCounters().async_commands, 50u);
  RespValue l3 = Run({"LRANGE", "l3", "0", "-1"});
  ASSERT_EQ(l3.elems.size(), 5u);
  EXPECT_TRUE(l3.elems[0].IsString("5"));
  // A kept result is a synchronous call that sees the queued writes before it.
  r = Run({"EVAL",
           "redis.call('RPUSH', KEYS[1], 'x') local n = redis.call('LLEN', KEYS[1]) return n", "1",
           "fresh"});
  EXPECT_EQ(client_->last_raw(), ":1\r\n");
}

}  // namespace
}  // namespace lw

namespace lw {
namespace {

class HashtagLockTest : public ServiceTest {
 protected:
  static ServiceConfig Config() {
    ServiceConfig c;
    c.lock_on_hashtags = true;
    return c;
  }
  HashtagLockTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterScriptingFamily}, 2,
                    Config()) {}
};

TEST_F(HashtagLockTest, DeclaredTagCoversEveryKeyWithIt) {
  RespValue r = Run({"EVAL",
                     "redis.call('SET', '{user1}:name', 'ann') "
                     "return redis.call('GET', '{user1}:name')",
                     "1", "{user1}:id"});
  EXPECT_TRUE(r.IsString("ann")) << client_->last_raw();
  r = Run({"EVAL", "return redis.pcall('GET', '{user2}:name')", "1", "{user1}:id"});
  EXPECT_EQ(r.type, RespType::kError);
  EXPECT_NE(r.str.find("undeclared key"), std::string::npos) << r.str;
}

}  // namespace
}  // namespace lw

namespace lw {
namespace {

class SingleShardScriptTest : public ServiceTest {
 protected:
  SingleShardScriptTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterListFamily,
                     RegisterScriptingFamily}) {}
};

// Keys of one shard: the script runs on that shard's thread, whichever thread the client is on,
// with sync and async calls, and stays atomic against clients on both threads.
TEST_F(SingleShardScriptTest, RunsOnTheKeysShardFromEitherThread) {
  std::string body =
      "redis.call('INCR', KEYS[1]) redis.acall('RPUSH', KEYS[2], ARGV[1]) "
      "return {redis.call('GET', KEYS[1]), redis.call('LLEN', KEYS[2])}";
  auto other = NewClient(1);
  for (int i = 0; i < 10; ++i) {
    TestClient* c = i % 2 ? other.get() : client_.get();
    RespValue r = c->Run({"EVAL", body, "2", "{t}count", "{t}log", std::to_string(i)});
    ASSERT_EQ(r.elems.size(), 2u) << c->last_raw();
    EXPECT_TRUE(r.elems[0].IsString(std::to_string(i + 1)));
    EXPECT_EQ(r.elems[1].integer, i + 1);
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto w = NewClient(1);
    for (int i = 0; i < 300; ++i) {
      w->Run({"EVAL", "redis.call('INCR', KEYS[1]) redis.call('INCR', KEYS[2]) return 1", "2",
              "{p}a", "{p}b"});
    }
    stop = true;
  });
  while (!stop) {
    RespValue v = Run({"MGET", "{p}a", "{p}b"});
    ASSERT_EQ(v.elems.size(), 2u);
    EXPECT_EQ(ToDebugString(v.elems[0]), ToDebugString(v.elems[1]));
  }
  writer.join();
}

}  // namespace
}  // namespace lw

namespace lw {
namespace {

class ScriptSlowlogTest : public ServiceTest {
 protected:
  ScriptSlowlogTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterScriptingFamily}) {}
};

TEST_F(ScriptSlowlogTest, EvalIsLoggedByShaAndItsCallsAreNot) {
  service_->runtime().slowlog_log_slower_than = 0;
  std::string body = "redis.call('SET', KEYS[1], 'v') return 1";
  Run({"EVAL", body, "1", "k"});
  std::vector<SlowLogEntry> entries = service_->slow_log().Get(-1);
  ASSERT_EQ(entries.size(), 1u);
  ASSERT_GE(entries[0].args.size(), 2u);
  EXPECT_EQ(entries[0].args[0], "EVAL");
  EXPECT_EQ(entries[0].args[1], lua::Sha1Hex(body));
}

}  // namespace
}  // namespace lw
