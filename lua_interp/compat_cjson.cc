// cjson: Debian's lua-cjson with an integer-preserving decode (see compat_libs.h).
#include <cmath>

#include "lua_interp/compat_libs.h"

extern "C" {
#include <lua5.4/lua-cjson.h>
}

namespace lw::lua {
namespace {

constexpr int kMaxDecodeDepth = 1000;  // cjson itself stops at its decode_max_depth (1000)

// Replaces integral floats by integers in the value on top of the stack, recursively.
void IntegerizeTop(lua_State* lua, int depth) {
  if (lua_type(lua, -1) == LUA_TNUMBER) {
    if (!lua_isinteger(lua, -1)) {
      lua_Number n = lua_tonumber(lua, -1);
      if (n == std::floor(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0) {
        lua_pop(lua, 1);
        lua_pushinteger(lua, static_cast<lua_Integer>(n));
      }
    }
    return;
  }
  if (lua_type(lua, -1) != LUA_TTABLE || depth > kMaxDecodeDepth || !lua_checkstack(lua, 4)) {
    return;
  }
  int t = lua_gettop(lua);
  lua_pushnil(lua);
  while (lua_next(lua, t)) {
    int vt = lua_type(lua, -1);
    if ((vt == LUA_TNUMBER && !lua_isinteger(lua, -1)) || vt == LUA_TTABLE) {
      IntegerizeTop(lua, depth + 1);
      // Replacing the value of an existing key is allowed during lua_next.
      lua_pushvalue(lua, -2);
      lua_insert(lua, -2);
      lua_rawset(lua, t);
    } else {
      lua_pop(lua, 1);
    }
  }
  // Integral float keys (numbers never appear as JSON object keys; arrays use integers).
}

int Decode(lua_State* lua) {
  int nargs = lua_gettop(lua);
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_insert(lua, 1);
  if (lua_pcall(lua, nargs, 1, 0) != LUA_OK) {
    // cjson's message carries no position (it is raised in C); Redis reports the script line,
    // as an error raised by the calling script would.
    if (lua_type(lua, -1) == LUA_TSTRING) {
      luaL_where(lua, 1);
      lua_insert(lua, -2);
      lua_concat(lua, 2);
    }
    return lua_error(lua);
  }
  IntegerizeTop(lua, 0);
  return 1;
}

}  // namespace

int OpenCjson(lua_State* lua) {
  luaopen_cjson(lua);
  lua_getfield(lua, -1, "decode");
  lua_pushcclosure(lua, Decode, 1);
  lua_setfield(lua, -2, "decode");
  return 1;
}

}  // namespace lw::lua
