#include "lua_interp/interpreter.h"
#include "lua_interp/error_format.h"

#include <gtest/gtest.h>

#include "lua_interp/script_flags.h"
#include "lua_interp/sha1.h"
#include "lua_interp/test_util.h"

namespace lw::lua {
namespace {

class InterpreterTest : public ::testing::Test {
 protected:
  std::string Run(std::string_view body, std::vector<std::string_view> keys = {},
                  std::vector<std::string_view> argv = {}) {
    return Eval(&interp_, body, &runner_, keys, argv);
  }
  static std::string ErrAt(std::string_view body, std::string_view msg, int line = 1) {
    return "error: " + std::string(msg) + " script: " + Sha1Hex(body) +
           ", on @user_script:" + std::to_string(line) + ".";
  }

  Interpreter interp_;
  FakeRunner runner_;
};

TEST_F(InterpreterTest, ReturnValues) {
  EXPECT_EQ(Run("return 1"), "1");
  EXPECT_EQ(Run("return 3.7"), "3");
  EXPECT_EQ(Run("return -3.7"), "-3");
  EXPECT_EQ(Run("return 'hello'"), "\"hello\"");
  EXPECT_EQ(Run("return true"), "1");
  EXPECT_EQ(Run("return false"), "nil");
  EXPECT_EQ(Run("return nil"), "nil");
  EXPECT_EQ(Run("return"), "nil");
  EXPECT_EQ(Run("return {1, 'a', {2, 3}}"), "[1,\"a\",[2,3]]");
  EXPECT_EQ(Run("return {1, 2, nil, 4}"), "[1,2]");
  EXPECT_EQ(Run("return {ok='fine'}"), "+fine");
  EXPECT_EQ(Run("return {err='My Error'}"), "-My Error");
  EXPECT_EQ(Run("return {ok='a\\r\\nb'}"), "+a  b");
  EXPECT_EQ(Run("return redis.status_reply('PONG')"), "+PONG");
  EXPECT_EQ(Run("return redis.error_reply('oops')"), "-ERR oops");
  EXPECT_EQ(Run("return redis.error_reply('-WRONGTYPE bad')"), "-WRONGTYPE bad");
  EXPECT_EQ(Run("return redis.error_reply('My Error')"), "-My Error");
  EXPECT_EQ(Run("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", {"k"}, {"a", "b"}), "[\"k\",\"a\",1,2]");
}

TEST_F(InterpreterTest, Resp3Returns) {
  EXPECT_EQ(Run("redis.setresp(3) return true"), "#t");
  EXPECT_EQ(Run("redis.setresp(3) return false"), "#f");
  EXPECT_EQ(Run("return {double=3.5}"), "(3.5)");
  EXPECT_EQ(Run("return {big_number='123456789012345678901234567890'}"),
            "(123456789012345678901234567890)");
  EXPECT_EQ(Run("return {map={a=1}}"), "{\"a\":1}");
  EXPECT_EQ(Run("return {set={x=true}}"), "~{\"x\"}");
  EXPECT_EQ(Run("return {verbatim_string={format='txt', string='hi'}}"), "=txt:\"hi\"");
  // The protocol resets to 2 for the next script.
  EXPECT_EQ(Run("return true"), "1");
}

TEST_F(InterpreterTest, DeepNestingAndCycles) {
  std::string out = Run("local t = {} local c = t for i=1,2000 do c[1] = {} c = c[1] end return t");
  EXPECT_NE(out.find("-ERR reached lua stack limit"), std::string::npos);
  out = Run("local t = {} t[1] = t return t");
  EXPECT_NE(out.find("-ERR reached lua stack limit"), std::string::npos);
  out = Run("local t = {} t.map = t return t");
  EXPECT_NE(out.find("-ERR reached lua stack limit"), std::string::npos);
  // Still usable afterwards.
  EXPECT_EQ(Run("return 1"), "1");
}

TEST_F(InterpreterTest, Sandbox) {
  for (const char* lib :
       {"os", "io", "require", "loadfile", "dofile", "package", "debug", "print", "utf8"}) {
    std::string body = std::string("return ") + lib;
    EXPECT_EQ(Run(body), ErrAt(body, std::string("ERR user_script:1: Script attempted to access "
                                                 "nonexistent global variable '") +
                                         lib + "'"))
        << lib;
  }
  std::string body = "x = 1";
  EXPECT_EQ(Run(body), ErrAt(body, "ERR user_script:1: Attempt to modify a readonly table"));
  body = "return x";
  EXPECT_EQ(Run(body), ErrAt(body,
                             "ERR user_script:1: Script attempted to access nonexistent global "
                             "variable 'x'"));
  body = "redis.call = nil";
  EXPECT_EQ(Run(body), ErrAt(body, "ERR user_script:1: Attempt to modify a readonly table"));
  body = "string.upper = nil";
  EXPECT_EQ(Run(body), ErrAt(body, "ERR user_script:1: Attempt to modify a readonly table"));
  body = "rawset(_G, 'y', 1)";
  EXPECT_EQ(Run(body), ErrAt(body, "ERR user_script:1: Attempt to modify a readonly table"));
  body = "setmetatable(_G, nil)";
  EXPECT_NE(Run(body).find("error: "), std::string::npos);
  body = "getmetatable('').__index.upper = nil";
  EXPECT_NE(Run(body).find("error: "), std::string::npos);
  EXPECT_EQ(Run("return string.upper('a')"), "\"A\"");
  EXPECT_EQ(Run("return ('a'):upper()"), "\"A\"");
  EXPECT_EQ(Run("local n = 0 for k in pairs(string) do n = n + 1 end return n > 10"), "1");
  EXPECT_EQ(Run("return rawget(_G, 'redis') ~= nil"), "1");
  EXPECT_EQ(Run("local t = {} rawset(t, 'a', 1) return t.a"), "1");
  // Binary chunks are refused.
  EXPECT_EQ(Run("return select(2, load(string.dump(function() end)))"),
            "\"attempt to load a binary chunk (mode is 't')\"");
  EXPECT_EQ(Run("return loadstring('return 1 + 1')()"), "2");
  EXPECT_EQ(Run("return load('return 2 + 2')()"), "4");
  // A global defined by one script does not leak into the next: it cannot be defined at all.
  EXPECT_EQ(Run("return type(KEYS)"), "\"table\"");
}

TEST_F(InterpreterTest, Lua51Names) {
  EXPECT_EQ(Run("return unpack({1, 2, 3})"), "1");
  EXPECT_EQ(Run("return {unpack({1, 2, 3})}"), "[1,2,3]");
  EXPECT_EQ(Run("return table.getn({1, 2, 3})"), "3");
  EXPECT_EQ(Run("return table.maxn({1, 2, [10] = 3})"), "10");
  EXPECT_EQ(Run("return math.pow(2, 10)"), "1024");
  EXPECT_EQ(Run("return math.fmod(7, 3)"), "1");
  EXPECT_EQ(Run("return math.log10(1000)"), "3");
  EXPECT_EQ(Run("math.randomseed(1.5) return 1"), "1");
  EXPECT_EQ(Run("local r = math.random(10.5) return r >= 1 and r <= 10"), "1");
  EXPECT_EQ(Run("return tostring(3.0)"), "\"3\"");
  EXPECT_EQ(Run("return tostring(0.1)"), "\"0.1\"");
  EXPECT_EQ(Run("return type(gcinfo())"), "\"number\"");
  EXPECT_EQ(Run("return string.format('%d|%5.2f|%x|%s', 7 / 2, 1.5, 255.0, 'a')"),
            "\"3| 1.50|ff|a\"");
  EXPECT_EQ(Run("return string.format('%%d %d', 4.9)"), "\"%d 4\"");
  EXPECT_EQ(Run("local s = 0 table.foreachi({4, 5}, function(i, v) s = s + v end) return s"), "9");
  EXPECT_EQ(Run("return coroutine.wrap(function() coroutine.yield(7) end)()"), "7");
}

TEST_F(InterpreterTest, CjsonIntegers) {
  EXPECT_EQ(Run("return 'k' .. cjson.decode('{\"id\":101}').id"), "\"k101\"");
  EXPECT_EQ(Run("return cjson.decode('[1,2.5,[3]]')[3][1] .. ''"), "\"3\"");
  EXPECT_EQ(Run("return cjson.decode('[1,2.5]')[2] .. ''"), "\"2.5\"");
  EXPECT_EQ(Run("return cjson.encode({id=101})"), "\"{\"id\":101}\"");
  EXPECT_EQ(Run("return cjson.encode({1, 2, 3})"), "\"[1,2,3]\"");
  EXPECT_EQ(Run("return cjson.decode('{\"a\":null}').a == cjson.null"), "1");
}

TEST_F(InterpreterTest, RedisCall) {
  EXPECT_EQ(Run("return redis.call('SET', KEYS[1], ARGV[1])", {"k"}, {"v"}), "+OK");
  ASSERT_EQ(runner_.calls.size(), 1u);
  EXPECT_EQ(runner_.calls[0], "SET k v");
  EXPECT_TRUE(runner_.infos[0].raise_error);
  EXPECT_FALSE(runner_.infos[0].async);

  runner_.calls.clear();
  EXPECT_EQ(Run("return redis.call('incrby', 'x', 5, 2.5, 3.0)"), "+OK");
  EXPECT_EQ(runner_.calls[0], "incrby x 5 2.5 3");

  std::string body = "return redis.call()";
  EXPECT_EQ(Run(body),
            ErrAt(body, "ERR Please specify at least one argument for this redis lib call"));
  body = "return redis.call('get', {})";
  EXPECT_EQ(Run(body),
            ErrAt(body, "ERR Lua redis lib command arguments must be strings or integers"));
  EXPECT_EQ(Run("return redis.pcall('get', {})"),
            "-ERR Lua redis lib command arguments must be strings or integers");
  EXPECT_EQ(Run("return redis.pcall()"),
            "-ERR Please specify at least one argument for this redis lib call");
}

TEST_F(InterpreterTest, ReplyToLua) {
  runner_.respond = [](std::span<const std::string_view> args, ReplyWriter* w) {
    std::string_view cmd = args[0];
    if (cmd == "int") return w->SendInt(42);
    if (cmd == "bulk") return w->SendBulk("v");
    if (cmd == "null") return w->SendNull();
    if (cmd == "nullarr") return w->SendNullArray();
    if (cmd == "status") return w->SendStatus("QUEUED");
    if (cmd == "err") return w->SendError("WRONGTYPE Operation against a key");
    if (cmd == "arr") {
      w->StartArray(3);
      w->SendInt(1);
      w->StartArray(1);
      w->SendBulk("x");
      w->SendError("ERR inner");
      return;
    }
    if (cmd == "map") {
      w->StartMap(2);
      w->SendBulk("a");
      w->SendInt(1);
      w->SendBulk("b");
      w->SendDouble(2.5);
      return;
    }
    if (cmd == "set") {
      w->StartSet(2);
      w->SendBulk("m1");
      w->SendBulk("m2");
      return;
    }
    if (cmd == "bool") return w->SendBool(true);
    if (cmd == "big") return w->SendBigNumber("12345678901234567890");
    if (cmd == "verb") return w->SendVerbatim("txt", "hello");
    if (cmd == "empty") return w->StartArray(0);
  };
  EXPECT_EQ(Run("local v = redis.call('int') return {type(v), v}"), "[\"number\",42]");
  EXPECT_EQ(Run("return redis.call('int') .. ''"), "\"42\"");
  EXPECT_EQ(Run("return redis.call('bulk')"), "\"v\"");
  EXPECT_EQ(Run("return redis.call('null') == false"), "1");
  EXPECT_EQ(Run("return redis.call('nullarr') == false"), "1");
  EXPECT_EQ(Run("return redis.call('status').ok"), "\"QUEUED\"");
  EXPECT_EQ(Run("return redis.call('arr')"), "[1,[\"x\"],-ERR inner]");
  EXPECT_EQ(Run("return redis.call('empty')"), "[]");
  EXPECT_EQ(Run("return redis.call('map')"), "[\"a\",1,\"b\",\"2.5\"]");
  EXPECT_EQ(Run("return redis.call('set')"), "[\"m1\",\"m2\"]");
  EXPECT_EQ(Run("return redis.call('bool')"), "1");
  EXPECT_EQ(Run("return redis.call('big')"), "\"12345678901234567890\"");
  EXPECT_EQ(Run("return redis.call('verb')"), "\"hello\"");

  // RESP3.
  EXPECT_EQ(Run("redis.setresp(3) local m = redis.call('map').map return {m.a, m.b.double}"),
            "[1,2]");
  std::string m = Run("redis.setresp(3) return redis.call('map')");
  EXPECT_TRUE(m == "{\"a\":1,\"b\":(2.5)}" || m == "{\"b\":(2.5),\"a\":1}") << m;
  EXPECT_EQ(Run("redis.setresp(3) return redis.call('set').set.m2"), "#t");
  EXPECT_EQ(Run("redis.setresp(3) return redis.call('null') == nil"), "#t");
  EXPECT_EQ(Run("redis.setresp(3) return redis.call('bool') == true"), "#t");
  EXPECT_EQ(Run("redis.setresp(3) return redis.call('big').big_number"),
            "\"12345678901234567890\"");
  EXPECT_EQ(Run("redis.setresp(3) local v = redis.call('verb').verbatim_string "
                "return {v.format, v.string}"),
            "[\"txt\",\"hello\"]");
  EXPECT_EQ(runner_.infos.back().resp, 3);

  // Errors: call raises (with position; marked as counted already, kCountedErrorMark), pcall
  // returns the table (ignore_error_stats_update set, as Redis's).
  const std::string mark(1, kCountedErrorMark);
  std::string body = "return redis.call('err')";
  EXPECT_EQ(Run(body), ErrAt(body, mark + "WRONGTYPE Operation against a key"));
  body = "local x = 1\nredis.call('err')";
  EXPECT_EQ(Run(body), ErrAt(body, mark + "WRONGTYPE Operation against a key", 2));
  EXPECT_EQ(Run("return tostring(redis.pcall('err').ignore_error_stats_update)"), "\"true\"");
  EXPECT_EQ(Run("return redis.pcall('err')"), "-WRONGTYPE Operation against a key");
  EXPECT_EQ(Run("local r = redis.pcall('err') return r.err"),
            "\"WRONGTYPE Operation against a key\"");
  EXPECT_EQ(Run("local ok, e = pcall(redis.call, 'err') return e.err"),
            "\"WRONGTYPE Operation against a key\"");
}

TEST_F(InterpreterTest, AsyncCalls) {
  EXPECT_EQ(Run("redis.acall('SET', 'a', 1) redis.apcall('SET', 'b', 2) return 1"), "1");
  ASSERT_EQ(runner_.calls.size(), 2u);
  EXPECT_EQ(runner_.calls[0], "async SET a 1");
  EXPECT_TRUE(runner_.infos[0].raise_error);
  EXPECT_EQ(runner_.calls[1], "async SET b 2");
  EXPECT_FALSE(runner_.infos[1].raise_error);
  EXPECT_EQ(Run("return select('#', redis.acall('SET', 'a', 1))"), "0");
}

TEST_F(InterpreterTest, ScriptErrors) {
  std::string body = "error('boom')";
  EXPECT_EQ(Run(body), ErrAt(body, "ERR user_script:1: boom"));
  body = "local a = nil\nreturn a.b";
  EXPECT_EQ(Run(body),
            ErrAt(body, "ERR user_script:2: attempt to index local 'a' (a nil value)", 2));
  body = "error({err='CUSTOM failure'})";
  EXPECT_EQ(Run(body), ErrAt(body, "CUSTOM failure"));
  EXPECT_EQ(Run("return 1 +"),
            "error: ERR Error compiling script (new function): user_script:1: unexpected symbol "
            "near '<eof>'");
  EXPECT_EQ(Run("#!lua flags=bogus\nreturn 1"),
            "error: ERR Unexpected flag in script shebang: bogus");
  EXPECT_EQ(Run("#!lua flags=no-writes\nreturn 7"), "7");
  body = "#!lua\n\nerror('x')";
  EXPECT_EQ(Run(body), ErrAt(body, "ERR user_script:3: x", 3));
}

TEST_F(InterpreterTest, RedisLibMisc) {
  EXPECT_EQ(Run("return redis.sha1hex('')"), "\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"");
  EXPECT_EQ(Run("return redis.REDIS_VERSION"), "\"7.2.0\"");
  EXPECT_EQ(Run("return redis.REDIS_VERSION_NUM"), "459264");
  EXPECT_EQ(Run("return redis.replicate_commands()"), "1");
  EXPECT_EQ(Run("redis.log(redis.LOG_WARNING, 'hello', 'from', 'lua') return 1"), "1");
  std::string body = "redis.log(99, 'x')";
  EXPECT_EQ(Run(body), ErrAt(body, "ERR Invalid debug level."));
  body = "redis.setresp(4)";
  EXPECT_EQ(Run(body), ErrAt(body, "ERR RESP version must be 2 or 3."));
  EXPECT_EQ(Run("redis.set_repl(redis.REPL_AOF) return 1"), "1");
  EXPECT_EQ(interp_.repl_flags(), kReplAof);
  EXPECT_EQ(Run("return 1"), "1");
  EXPECT_EQ(interp_.repl_flags(), kReplAll);
  EXPECT_EQ(Run("return {redis.REPL_NONE, redis.REPL_SLAVE, redis.REPL_ALL}"), "[0,2,3]");
  EXPECT_EQ(Run("redis.debug('x') return redis.breakpoint()"), "nil");
}

TEST_F(InterpreterTest, AddAndRunBySha) {
  std::string body = "return ARGV[1]";
  std::string sha = Sha1Hex(body);
  std::string err;
  EXPECT_FALSE(interp_.HasFunction(sha));
  EXPECT_EQ(interp_.AddFunction(sha, body, &err), Interpreter::AddResult::kAdded);
  EXPECT_EQ(interp_.AddFunction(sha, body, &err), Interpreter::AddResult::kAlreadyExists);
  EXPECT_TRUE(interp_.HasFunction(sha));
  ReplyRecorder rec;
  std::vector<std::string_view> argv = {"x"};
  EXPECT_EQ(interp_.RunFunction(sha, {}, argv, nullptr, &rec, &err), Interpreter::RunStatus::kOk);
  EXPECT_EQ(rec.ToString(), "\"x\"");
  EXPECT_EQ(interp_.RunFunction(Sha1Hex("nope"), {}, {}, nullptr, &rec, &err),
            Interpreter::RunStatus::kNotFound);
  interp_.FlushFunctions();
  EXPECT_FALSE(interp_.HasFunction(sha));
}

TEST_F(InterpreterTest, CountHookAndKill) {
  int calls = 0;
  interp_.SetHookInterval(100);
  interp_.SetHook([&] { return ++calls > 5; });
  std::string body = "local i = 0 while true do i = i + 1 end";
  std::string err;
  ReplyRecorder rec;
  EXPECT_EQ(interp_.RunScript(body, {}, {}, nullptr, &rec, &err), Interpreter::RunStatus::kKilled);
  EXPECT_EQ(err.rfind("ERR Script killed by user with SCRIPT KILL... script: ", 0), 0u) << err;
  EXPECT_GE(calls, 6);

  // pcall cannot swallow the kill.
  calls = 0;
  body = "while true do pcall(function() while true do end end) end";
  EXPECT_EQ(interp_.RunScript(body, {}, {}, nullptr, &rec, &err), Interpreter::RunStatus::kKilled);

  // The next script runs normally.
  interp_.SetHook([&] {
    ++calls;
    return false;
  });
  calls = 0;
  EXPECT_EQ(Eval(&interp_, "local s = 0 for i = 1, 10000 do s = s + i end return s"), "50005000");
  EXPECT_GT(calls, 10);
}

TEST_F(InterpreterTest, Functions) {
  std::string lib, err;
  std::vector<RegisteredFunction> fns;
  ASSERT_TRUE(interp_.LoadLibrary(
      "#!lua name=mylib\n"
      "redis.register_function('echo', function(keys, args) return {keys[1], args[1]} end)\n"
      "redis.register_function{function_name='ro', callback=function() return 1 end, "
      "flags={'no-writes'}, description='d'}\n",
      &lib, &fns, &err))
      << err;
  EXPECT_EQ(lib, "mylib");
  ASSERT_EQ(fns.size(), 2u);
  EXPECT_EQ(fns[0].name, "echo");
  EXPECT_EQ(fns[1].name, "ro");
  EXPECT_EQ(fns[1].flags, kScriptNoWrites);
  EXPECT_EQ(fns[1].description, "d");
  ReplyRecorder rec;
  std::vector<std::string_view> keys = {"k"}, argv = {"a"};
  EXPECT_EQ(interp_.CallFunction("echo", keys, argv, &runner_, &rec, &err),
            Interpreter::RunStatus::kOk);
  EXPECT_EQ(rec.ToString(), "[\"k\",\"a\"]");

  EXPECT_FALSE(interp_.LoadLibrary("#!lua name=bad\nredis.register_function('a-b', print)\n", &lib,
                                   &fns, &err));
  EXPECT_FALSE(
      interp_.LoadLibrary("#!lua name=bad\nredis.register_function{function_name='x', "
                          "callback=function() end, flags={'nope'}}\n",
                          &lib, &fns, &err));
  EXPECT_NE(err.find("unknown flag given"), std::string::npos) << err;
  std::string body = "redis.register_function('x', function() end)";
  // As Redis 7.0: scripts and functions have no redis.register_function.
  EXPECT_NE(Run(body).find("call field 'register_function' (a nil value)"), std::string::npos)
      << Run(body);
  // Library top-level code has only register_function, log and the constants.
  EXPECT_FALSE(interp_.LoadLibrary("#!lua name=c\nredis.call('ping')\n", &lib, &fns, &err));
  EXPECT_EQ(err,
            "ERR Error registering functions: ERR user_function:2: Script attempted to access "
            "nonexistent global variable 'call'");
}

}  // namespace
}  // namespace lw::lua
