// bit: LuaBitOp semantics (32-bit two's complement results) on Lua 5.4 numbers.
#include <cmath>
#include <cstdint>

#include "lua_interp/compat_libs.h"

namespace lw::lua {
namespace {

// LuaBitOp's tobit: integers wrap modulo 2^32; floats are first rounded to the nearest
// integer (ties to even, as its 2^52+2^51 trick does) and then wrap.
uint32_t ToBit(lua_State* lua, int idx) {
  int isint = 0;
  lua_Integer i = lua_tointegerx(lua, idx, &isint);
  if (isint) return static_cast<uint32_t>(i);
  lua_Number n = luaL_checknumber(lua, idx);
  if (!std::isfinite(n)) return 0;
  n = std::nearbyint(n);
  n = std::fmod(n, 4294967296.0);
  if (n < 0) n += 4294967296.0;
  return static_cast<uint32_t>(static_cast<uint64_t>(n));
}

int Push(lua_State* lua, uint32_t v) {
  lua_pushinteger(lua, static_cast<int32_t>(v));
  return 1;
}

int Tobit(lua_State* lua) { return Push(lua, ToBit(lua, 1)); }
int Bnot(lua_State* lua) { return Push(lua, ~ToBit(lua, 1)); }

int Band(lua_State* lua) {
  uint32_t r = ToBit(lua, 1);
  for (int i = lua_gettop(lua); i > 1; --i) r &= ToBit(lua, i);
  return Push(lua, r);
}

int Bor(lua_State* lua) {
  uint32_t r = ToBit(lua, 1);
  for (int i = lua_gettop(lua); i > 1; --i) r |= ToBit(lua, i);
  return Push(lua, r);
}

int Bxor(lua_State* lua) {
  uint32_t r = ToBit(lua, 1);
  for (int i = lua_gettop(lua); i > 1; --i) r ^= ToBit(lua, i);
  return Push(lua, r);
}

int Lshift(lua_State* lua) { return Push(lua, ToBit(lua, 1) << (ToBit(lua, 2) & 31)); }
int Rshift(lua_State* lua) { return Push(lua, ToBit(lua, 1) >> (ToBit(lua, 2) & 31)); }

int Arshift(lua_State* lua) {
  int32_t v = static_cast<int32_t>(ToBit(lua, 1));
  return Push(lua, static_cast<uint32_t>(v >> (ToBit(lua, 2) & 31)));
}

int Rol(lua_State* lua) {
  uint32_t v = ToBit(lua, 1), n = ToBit(lua, 2) & 31;
  return Push(lua, n ? (v << n) | (v >> (32 - n)) : v);
}

int Ror(lua_State* lua) {
  uint32_t v = ToBit(lua, 1), n = ToBit(lua, 2) & 31;
  return Push(lua, n ? (v >> n) | (v << (32 - n)) : v);
}

int Bswap(lua_State* lua) {
  uint32_t v = ToBit(lua, 1);
  v = (v >> 24) | ((v >> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24);
  return Push(lua, v);
}

int Tohex(lua_State* lua) {
  uint32_t v = ToBit(lua, 1);
  int32_t n = lua_isnone(lua, 2) ? 8 : static_cast<int32_t>(ToBit(lua, 2));
  const char* digits = "0123456789abcdef";
  // -INT32_MIN does not exist: LuaBitOp 1.0.3 (and Redis) treat it as INT32_MIN + 1, i.e.
  // eight upper-case digits.
  if (n == INT32_MIN) n = INT32_MIN + 1;
  if (n < 0) {
    n = -n;
    digits = "0123456789ABCDEF";
  }
  if (n > 8) n = 8;
  char buf[8];
  for (int i = n - 1; i >= 0; --i) {
    buf[i] = digits[v & 15];
    v >>= 4;
  }
  lua_pushlstring(lua, buf, n);
  return 1;
}

}  // namespace

int OpenBit(lua_State* lua) {
  static const luaL_Reg kFunctions[] = {
      {"tobit", Tobit},   {"bnot", Bnot},     {"band", Band},       {"bor", Bor}, {"bxor", Bxor},
      {"lshift", Lshift}, {"rshift", Rshift}, {"arshift", Arshift}, {"rol", Rol}, {"ror", Ror},
      {"bswap", Bswap},   {"tohex", Tohex},   {nullptr, nullptr},
  };
  luaL_newlib(lua, kFunctions);
  return 1;
}

}  // namespace lw::lua
