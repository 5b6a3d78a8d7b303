// Hostile scripts: each of these crashed the process or froze its thread before (issue 19).
#include <gtest/gtest.h>

#include "lua_interp/interpreter.h"
#include "lua_interp/sha1.h"
#include "lua_interp/test_util.h"

namespace lw::lua {
namespace {

class HostileTest : public ::testing::Test {
 protected:
  std::string Run(std::string_view body) { return Eval(&interp_, body, &runner_); }
  static std::string NoMemory(std::string_view body) {
    return "error: ERR Error running script " + Sha1Hex(body) + ", not enough memory";
  }

  Interpreter interp_;
  FakeRunner runner_;
};

TEST_F(HostileTest, HeapCapFailsTheScriptNotTheProcess) {
  interp_.SetMemoryLimit(32 << 20);
  size_t before = interp_.MemoryUsage();
  EXPECT_GT(before, 0u);
  const char* rep = "return string.rep('x', 2^26)";
  EXPECT_EQ(Run(rep), NoMemory(rep));
  const char* fill = "local t = {} for i = 1, 1e12 do t[i] = i end";
  EXPECT_EQ(Run(fill), NoMemory(fill));
  const char* concat = "local s = 'x' while true do s = s .. s end";
  EXPECT_EQ(Run(concat), NoMemory(concat));
  // pcall cannot keep a script alive past the cap for long: it fails again right away.
  const char* caught = "local ok = pcall(string.rep, 'x', 2^26) return ok";
  EXPECT_EQ(Run(caught), "nil");
  // The interpreter is still usable, and the garbage goes back.
  EXPECT_EQ(Run("return #string.rep('ab', 1000)"), "2000");
  interp_.RunGC();
  EXPECT_LT(interp_.MemoryUsage(), before + (1 << 20));
  // Without a cap the same script works.
  interp_.SetMemoryLimit(0);
  EXPECT_EQ(Run("return #string.rep('x', 2^26)"), "67108864");
}

TEST_F(HostileTest, RedisCallRepliesAreNeverCutByTheCap) {
  // The reply of a call is written into Lua with C++ objects alive; the cap applies after it.
  interp_.SetMemoryLimit(8 << 20);
  runner_.respond = [](std::span<const std::string_view>, ReplyWriter* reply) {
    reply->SendBulk(std::string(16 << 20, 'v'));
  };
  const char* body = "local v = redis.call('GET', 'k') return #v";
  EXPECT_EQ(Run(body), "16777216");
  const char* more = "local v = redis.call('GET', 'k') return #(v .. v)";
  EXPECT_EQ(Run(more), NoMemory(more));
}

TEST_F(HostileTest, EmptyRepReturnsAtOnce) {
  EXPECT_EQ(Run("return string.rep('', 2^45)"), "\"\"");
  EXPECT_EQ(Run("return string.rep('', 2^45, '')"), "\"\"");
  EXPECT_EQ(Run("return ('x'):rep(3, ',')"), "\"x,x,x\"");
  EXPECT_EQ(Run("return string.rep('x', 0)"), "\"\"");
}

TEST_F(HostileTest, TableFinalizersNeverRun) {
  EXPECT_EQ(Run("local ran = false "
                "do setmetatable({}, {__gc = function() ran = true end}) end "
                "collectgarbage() collectgarbage() return ran"),
            "nil");
  // The metatable keeps its __gc field; only the finalization is gone.
  EXPECT_EQ(Run("local mt = {__gc = 1} local t = setmetatable({}, mt) "
                "return {getmetatable(t) == mt, mt.__gc}"),
            "[1,1]");
  // A finalizer that never returns would have frozen the thread with hooks off.
  EXPECT_EQ(Run("do setmetatable({}, {__gc = function() while true do end end}) end "
                "collectgarbage() return 'alive'"),
            "\"alive\"");
  EXPECT_EQ(Run("local t = setmetatable({}, {__metatable = 1}) "
                "return pcall(setmetatable, t, {__gc = 1})"),
            "nil");
}

TEST_F(HostileTest, LongTableMoveIsKillable) {
  interp_.SetHookInterval(1000);
  int calls = 0;
  interp_.SetHook([&] { return ++calls > 3; });
  std::string out = Run("table.move({}, 1, 2^40, 1) return 1");
  EXPECT_NE(out.find("Script killed by user with SCRIPT KILL..."), std::string::npos) << out;
  interp_.SetHook(nullptr);
  EXPECT_EQ(Run("return table.move({1, 2, 3}, 1, 3, 2)"), "[1,1,2,3]");
  EXPECT_EQ(Run("return table.move({1, 2, 3}, 2, 3, 1)"), "[2,3,3]");
  EXPECT_EQ(Run("return table.move({1, 2}, 1, 2, 3, {9, 8})"), "[9,8,1,2]");
}

}  // namespace
}  // namespace lw::lua
