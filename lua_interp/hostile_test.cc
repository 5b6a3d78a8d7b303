// Hostile scripts: each of these crashed the process or froze its thread before (issue 19).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "lua_interp/interpreter.h"
#include "lua_interp/reply_value.h"
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

// Seeded fuzzing of RESP -> Lua -> RESP: random reply trees (binary bulks, statuses, errors
// nested in arrays, nils, deep nesting) go into a script through redis.call and come back as
// its result. RESP2 rules: every value survives except a nil array, which Lua sees as false
// and returns as a nil bulk. LW_FUZZ_ITERATIONS raises the count (default 300).
ReplyValue RandomReply(std::mt19937& rng, int depth) {
  switch (rng() % (depth < 4 ? 7 : 5)) {
    case 0:
      return ReplyValue::Int(int64_t(rng()) - int64_t(rng()) * int64_t(rng()));
    case 1: {
      std::string s(rng() % 40, '\0');
      for (char& c : s) c = char(rng());
      return ReplyValue::Bulk(s);
    }
    case 2: {
      std::string s(rng() % 20, 'x');
      for (char& c : s) c = char('a' + rng() % 26);
      return ReplyValue::Status(s);
    }
    case 3:
      return ReplyValue::Null();
    case 4:
      return ReplyValue::Error("ERR e" + std::to_string(rng() % 100));
    case 5: {
      ReplyValue v;
      v.type = ReplyValue::Type::kNullArray;
      return v;
    }
    default: {
      std::vector<ReplyValue> elems(rng() % 6);
      for (ReplyValue& e : elems) e = RandomReply(rng, depth + 1);
      return ReplyValue::Array(std::move(elems));
    }
  }
}

// What the round trip gives back for `v` nested inside an array.
ReplyValue Expected(const ReplyValue& v) {
  if (v.type == ReplyValue::Type::kNullArray) return ReplyValue::Null();
  if (v.type == ReplyValue::Type::kInt) {
    // Lua sees an integer reply as Redis's Lua 5.1 does, a double: rounded beyond 2^53, and
    // 2^63 and above come back as INT64_MIN (the x86 conversion).
    double d = static_cast<double>(v.integer);
    return ReplyValue::Int(d >= 9223372036854775808.0 ? INT64_MIN : static_cast<int64_t>(d));
  }
  if (v.type != ReplyValue::Type::kArray) return v;
  std::vector<ReplyValue> elems;
  for (const ReplyValue& e : v.elems) elems.push_back(Expected(e));
  return ReplyValue::Array(std::move(elems));
}

TEST_F(HostileTest, FuzzRespToLuaToResp) {
  const char* env = getenv("LW_FUZZ_ITERATIONS");
  int iterations = env ? atoi(env) : 300;
  std::mt19937 rng(19);
  for (int it = 0; it < iterations; ++it) {
    // Wrapped in an array so top-level errors come back as values, not raised.
    std::vector<ReplyValue> top(1 + rng() % 4);
    for (ReplyValue& e : top) e = RandomReply(rng, 1);
    ReplyValue reply = ReplyValue::Array(std::move(top));
    runner_.respond = [&](std::span<const std::string_view>, ReplyWriter* w) { reply.Replay(w); };
    ASSERT_EQ(Run("return redis.call('GET', 'k')"), Expected(reply).ToString())
        << "iteration " << it;
  }
}

}  // namespace
}  // namespace lw::lua
