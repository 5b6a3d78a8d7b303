// The interruptible matcher (lua_patterns.h) against Lua 5.4's own string functions: seeded
// random patterns, subjects and replacements must give the same results and the same errors;
// and a catastrophic pattern is stopped by the hook.
#include "lua_interp/lua_patterns.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "lua_interp/script_context.h"

namespace lw::lua {
namespace {

// Lua code comparing old (Lua's) and new (ours) on `iterations` random cases from `seed`;
// returns "" or the first difference.
constexpr const char* kCompare = R"lua(
local seed, iterations = ...
math.randomseed(seed)
local pieces = {'a', 'b', '.', '%a', '%d', '%s', '%w', '%W', '[ab]', '[^a]', '[a-c]', '[%d)]',
  '(', ')', '()', '%b()', '%f[%w]', '*', '+', '-', '?', '^', '$', '%1', '%2', '%', '[', ']',
  'x', '%.', '[]', '[^]', '%b', '%f', '%fx', '((a)', 'a)'}
local chars = {'a', 'b', '(', ')', ' ', '1', 'x', 'c', '.', '\0'}
local function rnd(list, n)
  local t = {}
  for i = 1, n do t[i] = list[math.random(#list)] end
  return table.concat(t)
end
local function ser(ok, ...)
  local t = {tostring(ok)}
  for i = 1, select('#', ...) do t[#t + 1] = type((select(i, ...))) .. ':' .. tostring((select(i, ...))) end
  return table.concat(t, '|')
end
local function collect(gm, s, p, init)
  local ok, it = pcall(gm, s, p, init)
  if not ok then return 'error:' .. it end
  local out = {}
  for i = 1, 20 do
    local r = table.pack(pcall(it))
    if not r[1] then out[#out + 1] = 'error:' .. tostring(r[2]) break end
    if r[2] == nil then break end
    out[#out + 1] = ser(table.unpack(r, 1, r.n))
  end
  return table.concat(out, ';')
end
local repls = {'<%0>', '%1-%%', '%2', 'x%', '%x', '', 7,
  {a = 'A', b = false, ['1'] = 1}, function(c) if c == 'a' then return false end return '[' .. tostring(c) .. ']' end,
  function() return {} end}
for i = 1, iterations do
  local p = rnd(pieces, math.random(0, 6))
  local s = rnd(chars, math.random(0, 12))
  local init = ({nil, 1, 0, -3, 5, 20})[math.random(6)]
  local cases = {
    {'find', ser(pcall(old.find, s, p, init)), ser(pcall(string.find, s, p, init))},
    {'find plain', ser(pcall(old.find, s, p, init, true)), ser(pcall(string.find, s, p, init, true))},
    {'match', ser(pcall(old.match, s, p, init)), ser(pcall(string.match, s, p, init))},
    {'gmatch', collect(old.gmatch, s, p, init), collect(string.gmatch, s, p, init)},
  }
  local r = repls[math.random(#repls)]
  local n = ({nil, 0, 1, 2})[math.random(4)]
  cases[#cases + 1] = {'gsub', ser(pcall(old.gsub, s, p, r, n)), ser(pcall(string.gsub, s, p, r, n))}
  for _, c in ipairs(cases) do
    if c[2] ~= c[3] then
      return string.format('%s(%q, %q, %s): lua %s, ours %s', c[1], s, p, tostring(init), c[2], c[3])
    end
  end
end
return ''
)lua";

class LuaPatternsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lua_ = luaL_newstate();
    luaL_openlibs(lua_);
    SetContext(lua_, &ctx_);
    lua_getglobal(lua_, "string");
    lua_newtable(lua_);
    for (const char* name : {"find", "match", "gmatch", "gsub"}) {
      lua_getfield(lua_, -2, name);
      lua_setfield(lua_, -2, name);
    }
    lua_setglobal(lua_, "old");
    InstallInterruptiblePatterns(lua_, -1);
    lua_pop(lua_, 1);
  }
  void TearDown() override { lua_close(lua_); }

  std::string Compare(int seed, int iterations) {
    EXPECT_EQ(luaL_loadstring(lua_, kCompare), LUA_OK) << lua_tostring(lua_, -1);
    lua_pushinteger(lua_, seed);
    lua_pushinteger(lua_, iterations);
    if (lua_pcall(lua_, 2, 1, 0) != LUA_OK) return std::string("error: ") + lua_tostring(lua_, -1);
    std::string out = lua_tostring(lua_, -1);
    lua_pop(lua_, 1);
    return out;
  }

  lua_State* lua_ = nullptr;
  ScriptContext ctx_;
};

TEST_F(LuaPatternsTest, SameAsLuaOnRandomCases) {
  const char* env = std::getenv("LW_FUZZ_ITERATIONS");
  int iterations = env ? std::atoi(env) : 3000;
  for (int seed = 1; seed <= 4; ++seed) EXPECT_EQ(Compare(seed, iterations), "") << "seed " << seed;
}

TEST_F(LuaPatternsTest, PercentZIsLua51s) {
  // Redis's Lua 5.1 has %z for the NUL byte; 5.4 dropped it (a literal 'z' there).
  ASSERT_EQ(luaL_loadstring(lua_,
                            "local at = string.find('ab\\0z', '%z') "
                            "local g = ('a\\0b'):gsub('%Z', '.') return at, g"),
            LUA_OK);
  ASSERT_EQ(lua_pcall(lua_, 0, 2, 0), LUA_OK) << lua_tostring(lua_, -1);
  EXPECT_EQ(lua_tointeger(lua_, -2), 3);
  size_t len = 0;
  const char* g = lua_tolstring(lua_, -1, &len);
  EXPECT_EQ(std::string(g, len), std::string(".\0.", 3));
  lua_settop(lua_, 0);
}

TEST_F(LuaPatternsTest, CatastrophicPatternIsInterrupted) {
  int polls = 0;
  ctx_.hook = [&] { return ++polls >= 3; };  // the third poll asks to stop, as SCRIPT KILL
  const char* body = "return string.find(string.rep('a', 40), string.rep('a*', 40) .. 'b')";
  ASSERT_EQ(luaL_loadstring(lua_, body), LUA_OK);
  EXPECT_NE(lua_pcall(lua_, 0, 1, 0), LUA_OK);
  EXPECT_EQ(polls, 3);
  EXPECT_TRUE(ctx_.killed);
}

}  // namespace
}  // namespace lw::lua
