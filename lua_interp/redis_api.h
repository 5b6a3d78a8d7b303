// The `redis` table scripts call: call, pcall, acall, apcall, error_reply, status_reply,
// sha1hex, log (+ LOG_DEBUG/VERBOSE/NOTICE/WARNING), setresp, set_repl (+ REPL_NONE/AOF/
// REPLICA/SLAVE/ALL), replicate_commands, breakpoint, debug, REDIS_VERSION ("7.2.0") and
// REDIS_VERSION_NUM. While FUNCTION LOAD runs a library's top-level code, `redis` is instead
// the load-time table, as in Redis 7.0: register_function, log, LOG_*, REDIS_VERSION(_NUM);
// any other field raises "Script attempted to access nonexistent global variable 'call'". Calls
// reach the server through the ScriptRunner in the state's ScriptContext (script_context.h).
// Thread-safety: works on one lua_State, used by the thread that owns it.
#pragma once

#include <lua5.4/lua.hpp>

namespace lw::lua {

inline constexpr const char kRedisVersion[] = "7.2.0";
inline constexpr int kRedisVersionNum = 0x070200;

// Pushes the `redis` table.
int OpenRedisLib(lua_State* lua);
// Pushes the load-time `redis` table (FUNCTION LOAD's top-level code).
int OpenRedisLoadLib(lua_State* lua);

// The C functions behind redis.call / redis.pcall, so call-site rewriting (auto-async) can
// recognise them by address.
int RedisCall(lua_State* lua);
int RedisPCall(lua_State* lua);

// Pushes the table of callbacks collected by redis.register_function since the last
// ResetRegisteredCallbacks (name -> function).
void PushRegisteredCallbacks(lua_State* lua);
void ResetRegisteredCallbacks(lua_State* lua);

// Installs the metatable for function values that makes `f.<kAsyncAliasKey>` give
// redis.acall for redis.call and redis.apcall for redis.pcall (any other function: an
// "attempt to index a function value" error). Bytecode rewritten by call_analysis.h uses it to
// route calls made through local aliases of redis.call. REQUIRES: `redis` is a global.
void InstallAsyncAliasMetatable(lua_State* lua);

// Pushes the error table {err=<msg>} Redis builds for `raw` (see NormalizeError).
void PushErrorTable(lua_State* lua, const char* raw, size_t len);

}  // namespace lw::lua
