#include "lua_interp/redis_api.h"

#include <cctype>
#include <charconv>
#include <cstring>
#include <string>
#include <utility>

#include "base/logging.h"
#include "lua_interp/call_analysis.h"
#include "lua_interp/error_format.h"
#include "lua_interp/resp_conversion.h"
#include "lua_interp/sandbox.h"
#include "lua_interp/script_context.h"
#include "lua_interp/script_flags.h"
#include "lua_interp/sha1.h"

namespace lw::lua {
namespace {

// Registry key of the table holding callbacks registered during FUNCTION LOAD.
char kPendingFunctionsKey;

enum LogLevel { kLogDebug = 0, kLogVerbose = 1, kLogNotice = 2, kLogWarning = 3 };

// Raises (or, for pcall, returns) the error table for `msg`.
int Fail(lua_State* lua, std::string_view msg, bool raise) {
  PushErrorTable(lua, msg.data(), msg.size());
  return raise ? lua_error(lua) : 1;
}

// Fills ctx->args from the Lua arguments. Returns the problem, or nullptr if all is well.
const char* CollectArgs(lua_State* lua, ScriptContext* ctx) {
  int argc = lua_gettop(lua);
  if (argc == 0) return kErrNoArgs.data();
  ctx->args.clear();
  if (ctx->number_bufs.size() < static_cast<size_t>(argc)) ctx->number_bufs.resize(argc);
  for (int i = 1; i <= argc; ++i) {
    int type = lua_type(lua, i);
    if (type == LUA_TSTRING) {
      size_t len;
      const char* s = lua_tolstring(lua, i, &len);
      ctx->args.emplace_back(s, len);
    } else if (type == LUA_TNUMBER) {
      char* buf = ctx->number_bufs[i - 1].data();
      std::to_chars_result res;
      if (lua_isinteger(lua, i)) {
        res = std::to_chars(buf, buf + 32, static_cast<int64_t>(lua_tointeger(lua, i)));
      } else {
        res = std::to_chars(buf, buf + 32, static_cast<double>(lua_tonumber(lua, i)));
      }
      ctx->args.emplace_back(buf, res.ptr - buf);
    } else {
      return kErrBadArgType.data();
    }
  }
  return nullptr;
}

int GenericCall(lua_State* lua, bool raise, bool async) {
  ScriptContext* ctx = GetContext(lua);
  const char* problem = CollectArgs(lua, ctx);
  if (problem) return Fail(lua, problem, raise);
  if (ctx->runner == nullptr) return Fail(lua, kErrNoRunner, raise);

  int pushed;
  bool is_error;
  {
    // The reply is written into Lua with C++ objects alive: no allocation may fail in here.
    ++ctx->alloc_guard;
    CallInfo info;
    info.async = async;
    info.raise_error = raise;
    info.resp = ctx->resp;
    LuaReplyBuilder builder(lua, ctx->resp);
    ctx->runner->Call(info, std::span<const std::string_view>(ctx->args), &builder);
    pushed = builder.Finish();
    is_error = builder.top_level_error();
    --ctx->alloc_guard;
  }
  if (!ctx->runner->StopReason().empty()) {
    // An error reply's text ("CODE message"), raised as Redis raises a reply error.
    ctx->stop_message.assign("-");
    ctx->stop_message.append(ctx->runner->StopReason());
    ctx->killed = true;
    KillNow(lua);
  }
  if (pushed == 0 && !async) {
    lua_pushboolean(lua, 0);
    pushed = 1;
  }
  if (is_error && raise) return lua_error(lua);
  return pushed;
}

int RedisACall(lua_State* lua) { return GenericCall(lua, true, true); }

// redis.acl_check_cmd(command, args...): whether the script's user may run that command line.
int AclCheckCmd(lua_State* lua) {
  ScriptContext* ctx = GetContext(lua);
  if (ctx->runner == nullptr) {
    return Fail(lua, "redis.acl_check_cmd can only be called inside a script invocation", true);
  }
  const char* problem = CollectArgs(lua, ctx);
  if (problem) return Fail(lua, problem, true);
  int r = ctx->runner->AclCheck(std::span<const std::string_view>(ctx->args));
  if (r < 0) return Fail(lua, "Invalid command passed to redis.acl_check_cmd()", true);
  lua_pushboolean(lua, r);
  return 1;
}
int RedisAPCall(lua_State* lua) { return GenericCall(lua, false, true); }

int ErrorReply(lua_State* lua) {
  if (lua_gettop(lua) != 1 || lua_type(lua, -1) != LUA_TSTRING) {
    return Fail(lua, "wrong number or type of arguments", false);
  }
  size_t len;
  const char* s = lua_tolstring(lua, 1, &len);
  if (len > 0 && s[0] == '-') {
    PushErrorTable(lua, s, len);
  } else {
    lua_pushliteral(lua, "-");
    lua_pushvalue(lua, 1);
    lua_concat(lua, 2);
    s = lua_tolstring(lua, -1, &len);
    PushErrorTable(lua, s, len);
  }
  return 1;
}

int StatusReply(lua_State* lua) {
  if (lua_gettop(lua) != 1 || lua_type(lua, -1) != LUA_TSTRING) {
    return Fail(lua, "wrong number or type of arguments", false);
  }
  lua_createtable(lua, 0, 1);
  lua_pushvalue(lua, 1);
  lua_setfield(lua, -2, "ok");
  return 1;
}

int Sha1HexFn(lua_State* lua) {
  if (lua_gettop(lua) != 1) return Fail(lua, "wrong number of arguments", true);
  size_t len = 0;
  const char* s = lua_tolstring(lua, 1, &len);
  char hex[41];
  Sha1Hex(std::string_view(s ? s : "", s ? len : 0), hex);
  lua_pushlstring(lua, hex, 40);
  return 1;
}

int Log(lua_State* lua) {
  int argc = lua_gettop(lua);
  if (argc < 2) return Fail(lua, "redis.log() requires two arguments or more.", true);
  if (!lua_isnumber(lua, 1)) return Fail(lua, "First argument must be a number", true);
  lua_Integer level = lua_tointeger(lua, 1);
  if (level < kLogDebug || level > kLogWarning) return Fail(lua, "Invalid debug level.", true);
  // Join the message pieces inside Lua so nothing with a destructor outlives an error.
  luaL_Buffer b;
  luaL_buffinit(lua, &b);
  for (int i = 2; i <= argc; ++i) {
    if (i > 2) luaL_addchar(&b, ' ');
    size_t len;
    const char* s = lua_tolstring(lua, i, &len);
    if (s) luaL_addlstring(&b, s, len);
  }
  luaL_pushresult(&b);
  const char* msg = lua_tostring(lua, -1);
  switch (level) {
    case kLogWarning:
      LOG(WARNING) << "lua: " << msg;
      break;
    case kLogNotice:
      LOG(INFO) << "lua: " << msg;
      break;
    default:
      VLOG(1) << "lua: " << msg;
  }
  return 0;
}

int SetResp(lua_State* lua) {
  if (lua_gettop(lua) != 1) return Fail(lua, "redis.setresp() requires one argument.", true);
  lua_Integer resp = lua_tointeger(lua, 1);
  if (resp != 2 && resp != 3) return Fail(lua, "RESP version must be 2 or 3.", true);
  GetContext(lua)->resp = static_cast<int>(resp);
  return 0;
}

int SetRepl(lua_State* lua) {
  if (lua_gettop(lua) != 1) return Fail(lua, "redis.set_repl() requires one argument.", true);
  lua_Integer flags = lua_tointeger(lua, 1);
  if ((flags & ~static_cast<lua_Integer>(kReplAll)) != 0) {
    return Fail(
        lua, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.", true);
  }
  GetContext(lua)->repl = static_cast<int>(flags);
  return 0;
}

int ReplicateCommands(lua_State* lua) {
  lua_pushboolean(lua, 1);
  return 1;
}

int Breakpoint(lua_State* lua) {
  lua_pushboolean(lua, 0);
  return 1;
}

int Debug(lua_State*) { return 0; }

bool ValidFunctionName(const char* s, size_t len) {
  if (len == 0) return false;
  for (size_t i = 0; i < len; ++i) {
    if (!isalnum(static_cast<unsigned char>(s[i])) && s[i] != '_') return false;
  }
  return true;
}

// redis.register_function{function_name=..., callback=..., flags={...}, description=...}:
// pushes name, callback and description (nil if absent) and ORs the flags into *flags; false
// with *error set (Redis 7.0's texts, checked in the order the table's keys come) otherwise.
bool ReadNamedArgs(lua_State* lua, uint32_t* flags, const char** error) {
  int base = lua_gettop(lua);
  lua_pushnil(lua);  // name
  lua_pushnil(lua);  // callback
  lua_pushnil(lua);  // description
  lua_pushnil(lua);
  while (lua_next(lua, 1)) {
    if (lua_type(lua, -2) != LUA_TSTRING) {
      *error = "named argument key given to redis.register_function is not a string";
      return false;
    }
    std::string_view key = lua_tostring(lua, -2);
    if (key == "function_name" || key == "description") {
      if (!lua_isstring(lua, -1)) {
        *error = key == "function_name"
                     ? "function_name argument given to redis.register_function must be a string"
                     : "description argument given to redis.register_function must be a string";
        return false;
      }
      lua_pushvalue(lua, -1);
      lua_replace(lua, key == "function_name" ? base + 1 : base + 3);
    } else if (key == "callback") {
      if (lua_type(lua, -1) != LUA_TFUNCTION) {
        *error = "callback argument given to redis.register_function must be a function";
        return false;
      }
      lua_pushvalue(lua, -1);
      lua_replace(lua, base + 2);
    } else if (key == "flags") {
      if (lua_type(lua, -1) != LUA_TTABLE) {
        *error =
            "flags argument to redis.register_function must be a table representing "
            "function flags";
        return false;
      }
      for (lua_Integer i = 1; lua_rawgeti(lua, -1, i) != LUA_TNIL; ++i) {
        size_t len = 0;
        const char* s = lua_type(lua, -1) == LUA_TSTRING ? lua_tolstring(lua, -1, &len) : "";
        std::optional<ScriptFlag> f = ParseFlagName(std::string_view(s, len));
        if (!f) {
          *error = "unknown flag given";
          return false;
        }
        *flags |= *f;
        lua_pop(lua, 1);
      }
      lua_pop(lua, 1);  // the nil that ended the list
    } else {
      *error = "unknown argument given to redis.register_function";
      return false;
    }
    lua_pop(lua, 1);
  }
  if (lua_isnil(lua, base + 1)) {
    *error = "redis.register_function must get a function name argument";
    return false;
  }
  if (lua_isnil(lua, base + 2)) {
    *error = "redis.register_function must get a callback argument";
    return false;
  }
  return true;
}

// redis.register_function(name, callback) or the named form above.
int RegisterFunction(lua_State* lua) {
  ScriptContext* ctx = GetContext(lua);
  if (!ctx->loading_library) return Fail(lua, kErrRegisterOutsideLoad, true);
  int argc = lua_gettop(lua);
  uint32_t flags = 0;
  if (argc < 1 || argc > 2) {
    return Fail(lua, "wrong number of arguments to redis.register_function", true);
  }
  if (argc == 1) {
    if (lua_type(lua, 1) != LUA_TTABLE) {
      return Fail(lua,
                  "calling redis.register_function with a single argument is only applicable to "
                  "Lua table (representing named arguments).",
                  true);
    }
    const char* error = nullptr;
    if (!ReadNamedArgs(lua, &flags, &error)) return Fail(lua, error, true);
  } else {
    if (!lua_isstring(lua, 1)) {
      return Fail(lua, "first argument to redis.register_function must be a string", true);
    }
    if (lua_type(lua, 2) != LUA_TFUNCTION) {
      return Fail(lua, "second argument to redis.register_function must be a function", true);
    }
    lua_pushnil(lua);  // description
  }
  int top = lua_gettop(lua);
  int name_idx = top - 2, cb_idx = top - 1, desc_idx = top;
  size_t len;
  const char* name = lua_tolstring(lua, name_idx, &len);
  if (!ValidFunctionName(name, len)) {
    // Redis 7.0.15 words a bad function name as a bad library name; its text, byte for byte.
    return Fail(lua,
                "Library names can only contain letters, numbers, or underscores(_) and must be "
                "at least one character long",
                true);
  }
  lua_rawgetp(lua, LUA_REGISTRYINDEX, &kPendingFunctionsKey);
  lua_pushvalue(lua, name_idx);
  if (lua_rawget(lua, -2) != LUA_TNIL)
    return Fail(lua, "Function already exists in the library", true);
  lua_pop(lua, 1);
  lua_pushvalue(lua, name_idx);
  lua_pushvalue(lua, cb_idx);
  lua_rawset(lua, -3);
  lua_pop(lua, 1);
  {
    RegisteredFunction fn;
    fn.name.assign(name, len);
    fn.flags = flags;
    if (lua_isstring(lua, desc_idx)) fn.description = lua_tostring(lua, desc_idx);
    ctx->registered.push_back(std::move(fn));
  }
  return 0;
}

}  // namespace

void PushErrorTable(lua_State* lua, const char* raw, size_t len) {
  lua_createtable(lua, 0, 1);
  {
    std::string msg = NormalizeError(std::string_view(raw, len));
    ScriptContext* ctx = GetContext(lua);
    ++ctx->alloc_guard;  // msg is alive
    lua_pushlstring(lua, msg.data(), msg.size());
    --ctx->alloc_guard;
  }
  lua_setfield(lua, -2, "err");
}

void PushRegisteredCallbacks(lua_State* lua) {
  lua_rawgetp(lua, LUA_REGISTRYINDEX, &kPendingFunctionsKey);
}

void ResetRegisteredCallbacks(lua_State* lua) {
  lua_newtable(lua);
  lua_rawsetp(lua, LUA_REGISTRYINDEX, &kPendingFunctionsKey);
}

static int AsyncAliasIndex(lua_State* lua) {
  size_t len = 0;
  const char* key = lua_tolstring(lua, 2, &len);
  lua_CFunction fn = lua_tocfunction(lua, 1);
  if (key != nullptr && std::string_view(key, len) == kAsyncAliasKey) {
    if (fn == RedisCall) {
      lua_pushcfunction(lua, RedisACall);
      return 1;
    }
    if (fn == RedisPCall) {
      lua_pushcfunction(lua, RedisAPCall);
      return 1;
    }
  }
  return luaL_error(lua, "attempt to index a function value");
}

void InstallAsyncAliasMetatable(lua_State* lua) {
  lua_pushcfunction(lua, RedisCall);
  lua_createtable(lua, 0, 2);
  lua_pushcfunction(lua, AsyncAliasIndex);
  lua_setfield(lua, -2, "__index");
  lua_pushboolean(lua, 0);
  lua_setfield(lua, -2, "__metatable");
  lua_setmetatable(lua, -2);
  lua_pop(lua, 1);
}

int RedisCall(lua_State* lua) { return GenericCall(lua, true, false); }
int RedisPCall(lua_State* lua) { return GenericCall(lua, false, false); }

int OpenRedisLib(lua_State* lua) {
  lua_newtable(lua);
  lua_rawsetp(lua, LUA_REGISTRYINDEX, &kPendingFunctionsKey);

  static const luaL_Reg kFunctions[] = {
      {"call", RedisCall},
      {"pcall", RedisPCall},
      {"acall", RedisACall},
      {"apcall", RedisAPCall},
      {"error_reply", ErrorReply},
      {"status_reply", StatusReply},
      {"sha1hex", Sha1HexFn},
      {"log", Log},
      {"setresp", SetResp},
      {"set_repl", SetRepl},
      {"acl_check_cmd", AclCheckCmd},
      {"replicate_commands", ReplicateCommands},
      {"breakpoint", Breakpoint},
      {"debug", Debug},
      {nullptr, nullptr},
  };
  luaL_newlib(lua, kFunctions);
  struct IntConst {
    const char* name;
    int value;
  };
  static const IntConst kConsts[] = {
      {"LOG_DEBUG", kLogDebug},       {"LOG_VERBOSE", kLogVerbose},
      {"LOG_NOTICE", kLogNotice},     {"LOG_WARNING", kLogWarning},
      {"REPL_NONE", kReplNone},       {"REPL_AOF", kReplAof},
      {"REPL_REPLICA", kReplReplica}, {"REPL_SLAVE", kReplReplica},
      {"REPL_ALL", kReplAll},         {"REDIS_VERSION_NUM", kRedisVersionNum},
  };
  for (const IntConst& c : kConsts) {
    lua_pushinteger(lua, c.value);
    lua_setfield(lua, -2, c.name);
  }
  lua_pushstring(lua, kRedisVersion);
  lua_setfield(lua, -2, "REDIS_VERSION");
  return 1;
}

int OpenRedisLoadLib(lua_State* lua) {
  static const luaL_Reg kFunctions[] = {
      {"register_function", RegisterFunction},
      {"log", Log},
      {nullptr, nullptr},
  };
  luaL_newlib(lua, kFunctions);
  static const std::pair<const char*, int> kConsts[] = {
      {"LOG_DEBUG", kLogDebug},
      {"LOG_VERBOSE", kLogVerbose},
      {"LOG_NOTICE", kLogNotice},
      {"LOG_WARNING", kLogWarning},
      {"REDIS_VERSION_NUM", kRedisVersionNum},
  };
  for (const auto& [name, value] : kConsts) {
    lua_pushinteger(lua, value);
    lua_setfield(lua, -2, name);
  }
  lua_pushstring(lua, kRedisVersion);
  lua_setfield(lua, -2, "REDIS_VERSION");
  // Anything else (redis.call, redis.setresp...) raises Redis's missing-global error.
  lua_createtable(lua, 0, 1);
  lua_pushcfunction(lua, NonexistentGlobalIndex);
  lua_setfield(lua, -2, "__index");
  lua_setmetatable(lua, -2);
  return 1;
}

}  // namespace lw::lua
