#include "lua_interp/call_analysis.h"

#include <gtest/gtest.h>
#include <lua5.4/lua.hpp>

#include "lua_interp/sha1.h"
#include "lua_interp/test_util.h"

namespace lw::lua {
namespace {

int Writer(lua_State*, const void* p, size_t sz, void* ud) {
  static_cast<std::string*>(ud)->append(static_cast<const char*>(p), sz);
  return 0;
}

// "line:kind:via:function" for each discarded call, joined by ' '.
std::string Analyze(std::string_view script) {
  lua_State* lua = luaL_newstate();
  std::string chunk;
  if (luaL_loadbufferx(lua, script.data(), script.size(), "@user_script", "t") != LUA_OK) {
    std::string err = lua_tostring(lua, -1);
    lua_close(lua);
    return "compile error: " + err;
  }
  lua_dump(lua, Writer, &chunk, 0);
  std::optional<CallAnalysis> a = AnalyzeDiscardedCalls(chunk, true);
  std::string out;
  if (!a) {
    out = "unparsed";
  } else {
    // The rewritten chunk must load.
    if (luaL_loadbufferx(lua, a->rewritten.data(), a->rewritten.size(), "x", "b") != LUA_OK) {
      out = std::string("reload failed: ") + lua_tostring(lua, -1) + " ";
    }
    for (const DiscardedCall& c : a->calls) {
      if (!out.empty()) out += ' ';
      out += std::to_string(c.line) + (c.pcall ? ":pcall:" : ":call:") +
             (c.via == DiscardedCall::Via::kDirect  ? "direct"
              : c.via == DiscardedCall::Via::kLocal ? "local"
                                                    : "upvalue") +
             ":" + c.function;
    }
  }
  lua_close(lua);
  return out;
}

TEST(CallAnalysisTest, Corpus) {
  EXPECT_EQ(Analyze("redis.call('set', 'a', '1')"), "1:call:direct:main");
  EXPECT_EQ(Analyze("redis.pcall('incr', 'x')"), "1:pcall:direct:main");
  EXPECT_EQ(Analyze("local x = redis.call('get', 'a')"), "");
  EXPECT_EQ(Analyze("return redis.call('get', 'a')"), "");
  EXPECT_EQ(Analyze("local x = redis.call('get', 'a') return x"), "");
  EXPECT_EQ(Analyze("if redis.call('exists', 'a') == 1 then\n  redis.call('del', 'a')\nend"),
            "2:call:direct:main");
  EXPECT_EQ(Analyze("while redis.call('llen', 'q') > 0 do redis.call('lpop', 'q') end"),
            "1:call:direct:main");
  EXPECT_EQ(Analyze("local s = 'redis.call(\"set\", \"a\", 1)' -- redis.call('x')\n"
                    "--[[ redis.call('y') ]] return s"),
            "");
  EXPECT_EQ(Analyze("redis.call('set',\n  'a',\n  '1')"), "1:call:direct:main");
  EXPECT_EQ(Analyze("redis.call('set', 'a', redis.call('get', 'b'))"), "1:call:direct:main");
  EXPECT_EQ(Analyze("local t = {redis.call('get', 'a')}"), "");
  EXPECT_EQ(Analyze("local t = {}\nt[1] = redis.call('get', 'a')"), "");
  EXPECT_EQ(Analyze("local ok = redis.call('get', 'a') and redis.call('get', 'b')"), "");
  EXPECT_EQ(Analyze("for i = 1, 3 do\n  redis.call('set', 'k' .. i, i)\nend"),
            "2:call:direct:main");
  EXPECT_EQ(Analyze("local function f()\n  redis.call('set', 'a', 1)\nend\nf()"),
            "2:call:direct:function@1");
  EXPECT_EQ(Analyze("local r = redis\nr.call('set', 'a', 1)"), "2:call:direct:main");
  // Local aliases.
  EXPECT_EQ(Analyze("local call = redis.call\ncall('set', 'a', 1)\nlocal v = call('get', 'a')"),
            "2:call:local:main");
  EXPECT_EQ(Analyze("local pc = redis.pcall\npc('set', 'a', 1)"), "2:pcall:local:main");
  EXPECT_EQ(Analyze("local call = redis.call\nlocal function f()\n  call('set', 'a', 1)\nend\n"
                    "f()"),
            "3:call:upvalue:function@2");
  EXPECT_EQ(Analyze("local call = redis.call\nlocal function f()\n  return function()\n"
                    "    call('set', 'a', 1)\n  end\nend\nf()()"),
            "4:call:upvalue:function@3");
  // Not simple: the alias is reassigned (here or through a closure) -> left alone.
  EXPECT_EQ(Analyze("local call = redis.call\ncall('set', 'a', 1)\ncall = redis.pcall"), "");
  EXPECT_EQ(Analyze("local call = redis.call\nfor i = 1, 2 do\n  call('set', 'a', i)\n"
                    "  call = redis.pcall\nend"),
            "");
  EXPECT_EQ(Analyze("local call = redis.call\nlocal function g() call = tostring end\n"
                    "call('set', 'a', 1)\ng()"),
            "");
  // Not redis.
  EXPECT_EQ(Analyze("local redis = {call = function() end}\nredis.call('x')"), "");
  EXPECT_EQ(Analyze("local t = {call = tostring}\nt.call('x')"), "");
  EXPECT_EQ(Analyze("redis.acall('set', 'a', 1)"), "");
  EXPECT_EQ(Analyze("redis.log(redis.LOG_WARNING, 'x')"), "");
}

TEST(CallAnalysisTest, RejectsNonChunks) {
  EXPECT_FALSE(AnalyzeDiscardedCalls("return 1", true));
  EXPECT_FALSE(AnalyzeDiscardedCalls("", false));
}

TEST(CallAnalysisTest, AutoAsyncInInterpreter) {
  Interpreter interp;
  FakeRunner runner;
  runner.respond = [](std::span<const std::string_view> args, ReplyWriter* w) {
    w->SendBulk(args[0]);
  };
  std::string body =
      "local call = redis.call\n"
      "redis.call('set', 'a', 1)\n"
      "call('set', 'b', 2)\n"
      "local function f() call('set', 'c', 3) end\n"
      "f()\n"
      "redis.pcall('del', 'x')\n"
      "local v = redis.call('get', 'a')\n"
      "return {v, call('get', 'b')}";
  std::string sha = Sha1Hex(body), err;
  ASSERT_EQ(interp.AddFunction(sha, body, &err, /*auto_async=*/true),
            Interpreter::AddResult::kAdded)
      << err;
  ReplyRecorder rec;
  ASSERT_EQ(interp.RunFunction(sha, {}, {}, &runner, &rec, &err), Interpreter::RunStatus::kOk)
      << err;
  EXPECT_EQ(rec.ToString(), "[\"get\",\"get\"]");
  std::vector<std::string> expected = {"async set a 1", "async set b 2", "async set c 3",
                                       "async del x",   "get a",         "get b"};
  EXPECT_EQ(runner.calls, expected);
  EXPECT_FALSE(runner.infos[3].raise_error);  // pcall stays a pcall

  // Without auto-async the same script calls synchronously.
  runner.calls.clear();
  Interpreter plain;
  ASSERT_EQ(plain.RunFunction(sha, {}, {}, &runner, &rec, &err), Interpreter::RunStatus::kNotFound);
  ASSERT_EQ(plain.AddFunction(sha, body, &err), Interpreter::AddResult::kAdded);
  rec.Clear();
  ASSERT_EQ(plain.RunFunction(sha, {}, {}, &runner, &rec, &err), Interpreter::RunStatus::kOk);
  EXPECT_EQ(runner.calls[0], "set a 1");

  // Scripts still cannot index other functions, nor reach the alias key of non-redis ones.
  EXPECT_NE(Eval(&interp, "return tostring.__lw_async").find("attempt to index"),
            std::string::npos);
}

}  // namespace
}  // namespace lw::lua
