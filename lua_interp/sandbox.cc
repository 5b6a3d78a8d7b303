#include "lua_interp/sandbox.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "lua_interp/error_format.h"
#include "lua_interp/lua_patterns.h"
#include "lua_interp/lua_sort.h"

namespace lw::lua {
namespace {

// Registry keys (addresses are unique).
char kRealGlobalsKey;
char kProxyMapKey;

int ReadonlyNewIndex(lua_State* lua) { return luaL_error(lua, "%s", kErrReadonlyTable.data()); }

}  // namespace

int NonexistentGlobalIndex(lua_State* lua) {
  size_t len = 0;
  const char* name = lua_type(lua, 2) == LUA_TSTRING || lua_type(lua, 2) == LUA_TNUMBER
                         ? lua_tolstring(lua, 2, &len)
                         : "?";
  // The message is built in a Lua buffer so no C++ object outlives the longjmp.
  luaL_where(lua, 1);
  lua_pushstring(lua, "Script attempted to access nonexistent global variable '");
  lua_pushlstring(lua, name, len ? len : strlen(name));
  lua_pushstring(lua, "'");
  lua_concat(lua, 4);
  return lua_error(lua);
}

namespace {

// Pushes the real table behind the proxy at idx, or the value itself if it is no proxy.
void PushUnproxied(lua_State* lua, int idx) {
  idx = lua_absindex(lua, idx);
  lua_rawgetp(lua, LUA_REGISTRYINDEX, &kProxyMapKey);
  lua_pushvalue(lua, idx);
  if (lua_rawget(lua, -2) == LUA_TNIL) {
    lua_pop(lua, 2);
    lua_pushvalue(lua, idx);
    return;
  }
  lua_remove(lua, -2);
}

bool IsProxy(lua_State* lua, int idx) {
  idx = lua_absindex(lua, idx);
  lua_rawgetp(lua, LUA_REGISTRYINDEX, &kProxyMapKey);
  lua_pushvalue(lua, idx);
  bool proxy = lua_rawget(lua, -2) != LUA_TNIL;
  lua_pop(lua, 2);
  return proxy;
}

int ProxyPairs(lua_State* lua) {
  lua_getglobal(lua, "next");
  PushUnproxied(lua, 1);
  lua_pushnil(lua);
  return 3;
}

int ProxyLen(lua_State* lua) {
  PushUnproxied(lua, 1);
  lua_pushinteger(lua, static_cast<lua_Integer>(lua_rawlen(lua, -1)));
  return 1;
}

int SafeRawGet(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  luaL_checkany(lua, 2);
  PushUnproxied(lua, 1);
  lua_pushvalue(lua, 2);
  lua_rawget(lua, -2);
  return 1;
}

int SafeRawSet(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  luaL_checkany(lua, 2);
  luaL_checkany(lua, 3);
  if (IsProxy(lua, 1)) return luaL_error(lua, "%s", kErrReadonlyTable.data());
  lua_settop(lua, 3);
  lua_rawset(lua, 1);
  return 1;
}

// load() and loadstring() compile text only: binary chunks could break the VM.
int TextOnlyLoad(lua_State* lua) {
  lua_settop(lua, 4);
  lua_pushvalue(lua, lua_upvalueindex(1));  // the original load
  lua_pushvalue(lua, 1);
  lua_pushvalue(lua, 2);
  lua_pushliteral(lua, "t");
  int nargs = 3;
  if (!lua_isnone(lua, 4) && !lua_isnil(lua, 4)) {
    lua_pushvalue(lua, 4);
    nargs = 4;
  }
  lua_call(lua, nargs, LUA_MULTRET);
  return lua_gettop(lua) - 4;
}

int LoadString(lua_State* lua) {
  luaL_checkstring(lua, 1);
  lua_settop(lua, 2);
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_pushvalue(lua, 1);
  lua_pushvalue(lua, 2);
  lua_pushliteral(lua, "t");
  lua_call(lua, 3, LUA_MULTRET);
  return lua_gettop(lua) - 2;
}

int GcInfo(lua_State* lua) {
  lua_pushinteger(lua, lua_gc(lua, LUA_GCCOUNT, 0));
  return 1;
}

// tostring() prints floats the way Lua 5.1 did ("%.14g": 3.0 -> "3").
int ToString51(lua_State* lua) {
  luaL_checkany(lua, 1);
  if (lua_type(lua, 1) == LUA_TNUMBER && !lua_isinteger(lua, 1)) {
    char buf[64];
    lua_Number n = lua_tonumber(lua, 1);
    int len = snprintf(buf, sizeof(buf), "%.14g", n);
    lua_pushlstring(lua, buf, len);
    return 1;
  }
  luaL_tolstring(lua, 1, nullptr);
  return 1;
}

// string.format: Lua 5.1 accepted any number for %d/%i/%c/%o/%u/%x/%X (truncating it); 5.4
// insists on an integer representation. Truncate float arguments of those, then forward.
int Format51(lua_State* lua) {
  size_t len;
  const char* fmt = luaL_checklstring(lua, 1, &len);
  const char* end = fmt + len;
  int arg = 1;
  for (const char* p = fmt; p < end; ++p) {
    if (*p != '%') continue;
    if (++p < end && *p == '%') continue;
    ++arg;
    while (p < end && strchr("-+ #0123456789.", *p)) ++p;
    if (p < end && strchr("dicouxX", *p) && lua_type(lua, arg) == LUA_TNUMBER &&
        !lua_isinteger(lua, arg)) {
      lua_Number n = lua_tonumber(lua, arg);
      if (n >= -9223372036854775808.0 && n < 9223372036854775808.0) {
        lua_pushinteger(lua, static_cast<lua_Integer>(n));
        lua_replace(lua, arg);
      }
    }
  }
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_insert(lua, 1);
  lua_call(lua, lua_gettop(lua) - 1, 1);
  return 1;
}

int TableGetn(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  lua_pushinteger(lua, luaL_len(lua, 1));
  return 1;
}

int TableMaxn(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  lua_Number max = 0;
  lua_pushnil(lua);
  while (lua_next(lua, 1)) {
    lua_pop(lua, 1);
    if (lua_type(lua, -1) == LUA_TNUMBER) {
      lua_Number v = lua_tonumber(lua, -1);
      if (v > max) max = v;
    }
  }
  if (max == std::floor(max) && std::fabs(max) < 9.0e15) {
    lua_pushinteger(lua, static_cast<lua_Integer>(max));
  } else {
    lua_pushnumber(lua, max);
  }
  return 1;
}

int TableForeach(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  luaL_checktype(lua, 2, LUA_TFUNCTION);
  lua_pushnil(lua);
  while (lua_next(lua, 1)) {
    lua_pushvalue(lua, 2);
    lua_pushvalue(lua, -3);
    lua_pushvalue(lua, -3);
    lua_call(lua, 2, 1);
    if (!lua_isnil(lua, -1)) return 1;
    lua_pop(lua, 2);
  }
  return 0;
}

int TableForeachi(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  luaL_checktype(lua, 2, LUA_TFUNCTION);
  lua_Integer n = luaL_len(lua, 1);
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_pushvalue(lua, 2);
    lua_pushinteger(lua, i);
    lua_geti(lua, 1, i);
    lua_call(lua, 2, 1);
    if (!lua_isnil(lua, -1)) return 1;
    lua_pop(lua, 1);
  }
  return 0;
}

int MathPow(lua_State* lua) {
  lua_pushnumber(lua, std::pow(luaL_checknumber(lua, 1), luaL_checknumber(lua, 2)));
  return 1;
}

int MathLdexp(lua_State* lua) {
  lua_pushnumber(lua,
                 std::ldexp(luaL_checknumber(lua, 1), static_cast<int>(luaL_checknumber(lua, 2))));
  return 1;
}

int MathFrexp(lua_State* lua) {
  int e = 0;
  lua_pushnumber(lua, std::frexp(luaL_checknumber(lua, 1), &e));
  lua_pushinteger(lua, e);
  return 2;
}

int MathCosh(lua_State* lua) {
  lua_pushnumber(lua, std::cosh(luaL_checknumber(lua, 1)));
  return 1;
}

int MathSinh(lua_State* lua) {
  lua_pushnumber(lua, std::sinh(luaL_checknumber(lua, 1)));
  return 1;
}

int MathTanh(lua_State* lua) {
  lua_pushnumber(lua, std::tanh(luaL_checknumber(lua, 1)));
  return 1;
}

int MathLog10(lua_State* lua) {
  lua_pushnumber(lua, std::log10(luaL_checknumber(lua, 1)));
  return 1;
}

int MathAtan2(lua_State* lua) {
  lua_pushnumber(lua, std::atan2(luaL_checknumber(lua, 1), luaL_checknumber(lua, 2)));
  return 1;
}

int MathFmod(lua_State* lua) {
  lua_pushnumber(lua, std::fmod(luaL_checknumber(lua, 1), luaL_checknumber(lua, 2)));
  return 1;
}

// Lua 5.1 took any number where 5.4 insists on an integer: floor floats, then forward.
int FloorArgsThenCall(lua_State* lua) {
  int n = lua_gettop(lua);
  for (int i = 1; i <= n; ++i) {
    if (lua_type(lua, i) == LUA_TNUMBER && !lua_isinteger(lua, i)) {
      lua_Number v = std::floor(lua_tonumber(lua, i));
      if (v >= -9.2e18 && v <= 9.2e18) {
        lua_pushinteger(lua, static_cast<lua_Integer>(v));
      } else {
        lua_pushinteger(lua, 0);
      }
      lua_replace(lua, i);
    }
  }
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_insert(lua, 1);
  lua_call(lua, n, LUA_MULTRET);
  return lua_gettop(lua);
}

// string.rep: an empty result is returned at once (5.4 would run its copy loop n times, e.g.
// 2^45, doing nothing, unreachable by SCRIPT KILL). Other results are allocated in one piece
// before the loop runs, so the heap cap bounds them.
int SafeRep(lua_State* lua) {
  size_t len = 0, sep_len = 0;
  luaL_checklstring(lua, 1, &len);
  luaL_optlstring(lua, 3, "", &sep_len);
  int isint = 0;
  lua_Integer n = lua_tointegerx(lua, 2, &isint);
  if (isint && n > 0 && len + sep_len == 0) {
    lua_pushliteral(lua, "");
    return 1;
  }
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_insert(lua, 1);
  lua_call(lua, lua_gettop(lua) - 1, 1);
  return 1;
}

// setmetatable: a table whose metatable has __gc is not marked for finalization (Lua 5.1
// semantics; 5.4 runs finalizers with hooks off). Lua marks an object only when the metatable
// is set, so __gc is hidden for that moment and put back.
int SetMetatable51(lua_State* lua) {
  if (lua_type(lua, 1) == LUA_TTABLE && lua_type(lua, 2) == LUA_TTABLE) {
    lua_settop(lua, 2);
    lua_pushliteral(lua, "__gc");
    if (lua_rawget(lua, 2) != LUA_TNIL) {
      if (luaL_getmetafield(lua, 1, "__metatable") != LUA_TNIL) {
        return luaL_error(lua, "cannot change a protected metatable");
      }
      lua_pushliteral(lua, "__gc");
      lua_pushnil(lua);
      lua_rawset(lua, 2);
      lua_pushvalue(lua, 2);
      lua_setmetatable(lua, 1);
      lua_pushliteral(lua, "__gc");
      lua_pushvalue(lua, 3);
      lua_rawset(lua, 2);
      lua_settop(lua, 1);
      return 1;
    }
    lua_pop(lua, 1);
  }
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_insert(lua, 1);
  lua_call(lua, lua_gettop(lua) - 1, 1);
  return 1;
}

// table.move(a1, f, e, t [, a2]) as 5.4's, polling the hook every 64K elements: moving nils
// allocates nothing, so 2^40 of them would otherwise spin in C for hours.
int InterruptibleMove(lua_State* lua) {
  lua_Integer f = luaL_checkinteger(lua, 2);
  lua_Integer e = luaL_checkinteger(lua, 3);
  lua_Integer t = luaL_checkinteger(lua, 4);
  int dest = lua_isnoneornil(lua, 5) ? 1 : 5;
  luaL_checktype(lua, 1, LUA_TTABLE);
  luaL_checktype(lua, dest, LUA_TTABLE);
  if (e >= f) {
    luaL_argcheck(lua, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
    lua_Integer n = e - f;
    luaL_argcheck(lua, t <= LUA_MAXINTEGER - n, 4, "destination wrap around");
    bool forward = t > e || t <= f || (dest != 1 && !lua_compare(lua, 1, dest, LUA_OPEQ));
    for (lua_Integer i = 0; i <= n; ++i) {
      if ((i & 0xffff) == 0xffff) PollInterrupt(lua);
      lua_Integer k = forward ? i : n - i;
      lua_geti(lua, 1, f + k);
      lua_seti(lua, dest, t + k);
    }
  }
  lua_pushvalue(lua, dest);
  return 1;
}

void SetFunction(lua_State* lua, int table, const char* name, lua_CFunction fn) {
  lua_pushcfunction(lua, fn);
  lua_setfield(lua, table, name);
}

// Replaces table[name] with a closure of `fn` whose upvalue is the original function.
void WrapFunction(lua_State* lua, int table, const char* name, lua_CFunction fn) {
  lua_getfield(lua, table, name);
  lua_pushcclosure(lua, fn, 1);
  lua_setfield(lua, table, name);
}

}  // namespace

void OpenSandboxLibs(lua_State* lua) {
  luaL_requiref(lua, "_G", luaopen_base, 1);
  luaL_requiref(lua, LUA_TABLIBNAME, luaopen_table, 1);
  luaL_requiref(lua, LUA_STRLIBNAME, luaopen_string, 1);
  luaL_requiref(lua, LUA_MATHLIBNAME, luaopen_math, 1);
  luaL_requiref(lua, LUA_COLIBNAME, luaopen_coroutine, 1);
  lua_pop(lua, 5);
  // luaL_requiref records modules in package.loaded; scripts have no require, drop the table.
  lua_pushnil(lua);
  lua_setfield(lua, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);

  lua_pushglobaltable(lua);
  int g = lua_gettop(lua);
  for (const char* name : {"dofile", "loadfile", "print", "warn"}) {
    lua_pushnil(lua);
    lua_setfield(lua, g, name);
  }
  lua_getfield(lua, g, "load");
  lua_pushvalue(lua, -1);
  lua_pushcclosure(lua, TextOnlyLoad, 1);
  lua_setfield(lua, g, "load");
  lua_pushcclosure(lua, LoadString, 1);
  lua_setfield(lua, g, "loadstring");
  SetFunction(lua, g, "rawget", SafeRawGet);
  SetFunction(lua, g, "rawset", SafeRawSet);
  SetFunction(lua, g, "gcinfo", GcInfo);
  SetFunction(lua, g, "tostring", ToString51);
  WrapFunction(lua, g, "setmetatable", SetMetatable51);

  lua_getfield(lua, g, LUA_TABLIBNAME);
  int t = lua_gettop(lua);
  lua_getfield(lua, t, "unpack");
  lua_setfield(lua, g, "unpack");
  SetFunction(lua, t, "getn", TableGetn);
  SetFunction(lua, t, "maxn", TableMaxn);
  SetFunction(lua, t, "foreach", TableForeach);
  SetFunction(lua, t, "foreachi", TableForeachi);
  SetFunction(lua, t, "move", InterruptibleMove);
  SetFunction(lua, t, "sort", InterruptibleSort);
  lua_pop(lua, 1);

  lua_getfield(lua, g, LUA_STRLIBNAME);
  WrapFunction(lua, lua_gettop(lua), "format", Format51);
  WrapFunction(lua, lua_gettop(lua), "rep", SafeRep);
  InstallInterruptiblePatterns(lua, lua_gettop(lua));
  lua_pop(lua, 1);

  lua_getfield(lua, g, LUA_MATHLIBNAME);
  int m = lua_gettop(lua);
  SetFunction(lua, m, "pow", MathPow);
  SetFunction(lua, m, "ldexp", MathLdexp);
  SetFunction(lua, m, "frexp", MathFrexp);
  SetFunction(lua, m, "cosh", MathCosh);
  SetFunction(lua, m, "sinh", MathSinh);
  SetFunction(lua, m, "tanh", MathTanh);
  SetFunction(lua, m, "log10", MathLog10);
  SetFunction(lua, m, "atan2", MathAtan2);
  SetFunction(lua, m, "mod", MathFmod);
  WrapFunction(lua, m, "randomseed", FloorArgsThenCall);
  WrapFunction(lua, m, "random", FloorArgsThenCall);
  lua_pop(lua, 2);

  lua_newtable(lua);  // proxy -> real table; weak keys so dropped proxies can be collected
  lua_createtable(lua, 0, 1);
  lua_pushliteral(lua, "k");
  lua_setfield(lua, -2, "__mode");
  lua_setmetatable(lua, -2);
  lua_rawsetp(lua, LUA_REGISTRYINDEX, &kProxyMapKey);
}

void MakeReadonly(lua_State* lua) {
  int real = lua_gettop(lua);
  lua_createtable(lua, 0, 0);  // the proxy
  lua_createtable(lua, 0, 5);
  lua_pushvalue(lua, real);
  lua_setfield(lua, -2, "__index");
  lua_pushcfunction(lua, ReadonlyNewIndex);
  lua_setfield(lua, -2, "__newindex");
  lua_pushcfunction(lua, ProxyPairs);
  lua_setfield(lua, -2, "__pairs");
  lua_pushcfunction(lua, ProxyLen);
  lua_setfield(lua, -2, "__len");
  lua_pushboolean(lua, 0);
  lua_setfield(lua, -2, "__metatable");
  lua_setmetatable(lua, -2);

  lua_rawgetp(lua, LUA_REGISTRYINDEX, &kProxyMapKey);
  lua_pushvalue(lua, -2);
  lua_pushvalue(lua, real);
  lua_rawset(lua, -3);
  lua_pop(lua, 1);
  lua_remove(lua, real);
}

void LockGlobals(lua_State* lua) {
  lua_pushglobaltable(lua);
  int g = lua_gettop(lua);

  // Library tables become read-only proxies. Collect names first: no edits while iterating.
  lua_newtable(lua);
  int names = lua_gettop(lua);
  int n = 0;
  lua_pushnil(lua);
  while (lua_next(lua, g)) {
    if (lua_type(lua, -1) == LUA_TTABLE && lua_type(lua, -2) == LUA_TSTRING &&
        strcmp(lua_tostring(lua, -2), "_G") != 0) {
      lua_pushvalue(lua, -2);
      lua_rawseti(lua, names, ++n);
    }
    lua_pop(lua, 1);
  }
  for (int i = 1; i <= n; ++i) {
    lua_rawgeti(lua, names, i);
    lua_pushvalue(lua, -1);
    lua_rawget(lua, g);
    MakeReadonly(lua);
    lua_rawset(lua, g);
  }
  lua_pop(lua, 1);

  // Strings index the string library through their metatable: point it at the proxy, and hide
  // the metatable itself so scripts cannot reach the real library through it.
  lua_pushliteral(lua, "");
  lua_getmetatable(lua, -1);
  lua_getfield(lua, g, LUA_STRLIBNAME);
  lua_setfield(lua, -2, "__index");
  lua_pushboolean(lua, 0);
  lua_setfield(lua, -2, "__metatable");
  lua_pop(lua, 2);

  // Reading a missing global raises; the real table keeps that as its metatable.
  lua_createtable(lua, 0, 1);
  lua_pushcfunction(lua, NonexistentGlobalIndex);
  lua_setfield(lua, -2, "__index");
  lua_setmetatable(lua, g);

  lua_pushvalue(lua, g);
  lua_rawsetp(lua, LUA_REGISTRYINDEX, &kRealGlobalsKey);
  lua_pushvalue(lua, g);
  MakeReadonly(lua);  // the global proxy
  lua_pushvalue(lua, -1);
  lua_setfield(lua, g, "_G");
  lua_rawseti(lua, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_pop(lua, 1);
}

void SetRawGlobal(lua_State* lua, const char* name) {
  lua_rawgetp(lua, LUA_REGISTRYINDEX, &kRealGlobalsKey);
  if (lua_isnil(lua, -1)) {  // not locked yet
    lua_pop(lua, 1);
    lua_pushglobaltable(lua);
  }
  lua_insert(lua, -2);
  lua_setfield(lua, -2, name);
  lua_pop(lua, 1);
}

}  // namespace lw::lua
