#include "lua_interp/interpreter.h"

#include <lua5.4/lua.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>

#include "base/logging.h"
#include "lua_interp/call_analysis.h"
#include "lua_interp/compat_libs.h"
#include "lua_interp/error_format.h"
#include "lua_interp/redis_api.h"
#include "lua_interp/resp_conversion.h"
#include "lua_interp/sandbox.h"
#include "lua_interp/script_flags.h"
#include "lua_interp/sha1.h"

namespace lw::lua {
namespace {

char kScriptsKey;    // registry: "f_<sha>" -> compiled script
char kFunctionsKey;  // registry: function name -> FUNCTION LOAD callback
char kLoadEnvKey;    // registry: the globals of FUNCTION LOAD's top-level code

// Sets the _ENV of the chunk at `chunk` to the table on top of the stack (popped). The
// closures the chunk creates share that upvalue, so this switches their globals too.
void SetChunkEnv(lua_State* lua, int chunk) {
  if (lua_setupvalue(lua, chunk, 1) == nullptr) lua_pop(lua, 1);
}

constexpr char kScriptChunkName[] = "@user_script";
constexpr char kFunctionChunkName[] = "@user_function";

}  // namespace

void KillNow(lua_State* lua) {
  // Every instruction raises from now on, so a pcall around the loop cannot swallow the kill.
  lua_sethook(lua, lua_gethook(lua), LUA_MASKCOUNT, 1);
  const std::string& stop = GetContext(lua)->stop_message;
  if (stop.empty()) {
    PushErrorTable(lua, kErrScriptKilled.data(), kErrScriptKilled.size());
  } else {
    PushErrorTable(lua, stop.data(), stop.size());
  }
  lua_error(lua);
  __builtin_unreachable();
}

namespace {

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kLoadTimeoutNs = 500'000'000;  // Redis's FUNCTION LOAD limit

void CountHook(lua_State* lua, lua_Debug*) {
  ScriptContext* ctx = GetContext(lua);
  if (ctx->killed) KillNow(lua);
  if (ctx->loading_library && SteadyNs() > ctx->load_deadline_ns) {
    ctx->load_timed_out = true;
    ctx->killed = true;  // raised again at every instruction: pcall cannot keep it loading
    KillNow(lua);
  }
  if (ctx->hook && ctx->hook()) {
    ctx->killed = true;
    LOG(INFO) << "Lua script killed by user with SCRIPT KILL.";
    KillNow(lua);
  }
}

}  // namespace

void PollInterrupt(lua_State* lua) { CountHook(lua, nullptr); }

namespace {

// Message handler: turns any error into {err=..., source=..., line=...}, where the position
// is that of the innermost Lua function (Redis's __redis__err__handler).
int ErrorHandler(lua_State* lua) {
  lua_Debug ar;
  bool have_pos = false;
  // Skip C frames (library functions, possibly wrapping one another) to reach the script.
  for (int level = 1; lua_getstack(lua, level, &ar) && lua_getinfo(lua, "Sl", &ar); ++level) {
    if (strcmp(ar.what, "C") != 0) {
      have_pos = true;
      break;
    }
  }
  lua_createtable(lua, 0, 3);
  int result = lua_gettop(lua);
  if (lua_type(lua, 1) == LUA_TTABLE) {
    lua_pushliteral(lua, "err");
    lua_rawget(lua, 1);
    lua_setfield(lua, result, "err");
    lua_pushstring(lua, kIgnoreErrorStats);
    lua_rawget(lua, 1);
    lua_setfield(lua, result, kIgnoreErrorStats);
  } else {
    size_t len = 0;
    const char* text = luaL_tolstring(lua, 1, &len);
    std::string msg = "ERR " + Lua51Message(std::string_view(text, len));
    lua_pop(lua, 1);
    lua_pushlstring(lua, msg.data(), msg.size());
    lua_setfield(lua, result, "err");
  }
  if (have_pos) {
    lua_pushstring(lua, ar.source);
    lua_setfield(lua, result, "source");
    lua_pushinteger(lua, ar.currentline);
    lua_setfield(lua, result, "line");
  }
  return 1;
}

// Every Lua state allocates through here: operator new, so the Lua heap is counted in the
// thread's accounted bytes (used_memory, maxmemory) like any other allocation, and capped per
// interpreter (ScriptContext::heap_limit) while a script runs.
void* LuaAlloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* ctx = static_cast<ScriptContext*>(ud);
  size_t old = ptr ? osize : 0;  // for a new block osize is a type tag, not a size
  if (nsize == 0) {
    if (ptr) {
      ctx->heap_used -= old;
      ::operator delete(ptr);
    }
    return nullptr;
  }
  if (nsize > old && ctx->heap_enforced && ctx->alloc_guard == 0 && ctx->heap_limit != 0 &&
      ctx->heap_used - old + nsize > ctx->heap_limit) {
    return nullptr;  // Lua collects garbage and retries once, then raises "not enough memory"
  }
  void* p = ::operator new(nsize, std::nothrow);
  if (p == nullptr) return nullptr;
  if (ptr) {
    memcpy(p, ptr, std::min(old, nsize));
    ::operator delete(ptr);
  }
  ctx->heap_used = ctx->heap_used - old + nsize;
  return p;
}

int Panic(lua_State* lua) {
  const char* msg = lua_tostring(lua, -1);
  LOG(FATAL) << "unprotected Lua error: " << (msg ? msg : "?");
  return 0;
}

// Enforces the heap cap while a protected call runs; lifts it after (conversions of the
// result, compilation and set-up must not fail half way).
class EnforceHeapLimit {
 public:
  explicit EnforceHeapLimit(ScriptContext* ctx) : ctx_(ctx) {
    ctx_->heap_enforced = true;
    ctx_->alloc_guard = 0;  // a guard a raised error skipped the end of is void
  }
  ~EnforceHeapLimit() { ctx_->heap_enforced = false; }

 private:
  ScriptContext* ctx_;
};

struct DumpBuffer {
  std::string data;
};

int DumpWriter(lua_State*, const void* p, size_t sz, void* ud) {
  static_cast<DumpBuffer*>(ud)->data.append(static_cast<const char*>(p), sz);
  return 0;
}

void FunctionKey(std::string_view sha, char out[64]) {
  size_t n = std::min<size_t>(sha.size(), 60);
  out[0] = 'f';
  out[1] = '_';
  memcpy(out + 2, sha.data(), n);
  out[2 + n] = '\0';
}

}  // namespace

Interpreter::Interpreter() : Interpreter(Options{}) {}

Interpreter::Interpreter(const Options& options) : options_(options) {
  lua_ = lua_newstate(LuaAlloc, &ctx_);
  CHECK(lua_ != nullptr);
  lua_atpanic(lua_, Panic);
  SetContext(lua_, &ctx_);

  OpenSandboxLibs(lua_);
  struct Module {
    const char* name;
    lua_CFunction open;
  };
  for (const Module& m :
       {Module{"cjson", OpenCjson}, Module{"cmsgpack", OpenCmsgpack}, Module{"bit", OpenBit},
        Module{"struct", OpenStruct}, Module{"redis", OpenRedisLib}}) {
    m.open(lua_);
    lua_setglobal(lua_, m.name);
  }
  InstallAsyncAliasMetatable(lua_);
  LockGlobals(lua_);
  // Redis 7.0 runs a library's top-level code with one global, the load-time `redis` table;
  // reading any other global raises, writing one is refused.
  lua_createtable(lua_, 0, 1);
  OpenRedisLoadLib(lua_);
  MakeReadonly(lua_);
  lua_setfield(lua_, -2, "redis");
  lua_createtable(lua_, 0, 1);
  lua_pushcfunction(lua_, NonexistentGlobalIndex);
  lua_setfield(lua_, -2, "__index");
  lua_setmetatable(lua_, -2);
  MakeReadonly(lua_);
  lua_rawsetp(lua_, LUA_REGISTRYINDEX, &kLoadEnvKey);

  lua_newtable(lua_);
  lua_rawsetp(lua_, LUA_REGISTRYINDEX, &kScriptsKey);
  lua_newtable(lua_);
  lua_rawsetp(lua_, LUA_REGISTRYINDEX, &kFunctionsKey);
  lua_sethook(lua_, CountHook, LUA_MASKCOUNT, options_.hook_interval);
}

Interpreter::~Interpreter() { lua_close(lua_); }

void Interpreter::SetHook(std::function<bool()> hook) { ctx_.hook = std::move(hook); }

void Interpreter::SetHookInterval(uint32_t instructions) {
  options_.hook_interval = instructions ? instructions : 1;
  lua_sethook(lua_, CountHook, LUA_MASKCOUNT, options_.hook_interval);
}

Interpreter::AddResult Interpreter::AddFunction(std::string_view sha, std::string_view body,
                                                std::string* error, bool auto_async) {
  char key[64];
  FunctionKey(sha, key);
  lua_rawgetp(lua_, LUA_REGISTRYINDEX, &kScriptsKey);
  if (lua_getfield(lua_, -1, key) != LUA_TNIL) {
    lua_pop(lua_, 2);
    return AddResult::kAlreadyExists;
  }
  lua_pop(lua_, 1);

  std::optional<ScriptFlags> flags = ParseScriptFlags(body, error);
  if (!flags) {
    lua_pop(lua_, 1);
    return AddResult::kCompileError;
  }
  std::string_view code = body.substr(flags->shebang_len);
  if (luaL_loadbufferx(lua_, code.data(), code.size(), kScriptChunkName, "t") != LUA_OK) {
    *error = CompileError(lua_tostring(lua_, -1));
    lua_pop(lua_, 2);
    return AddResult::kCompileError;
  }
  if (auto_async) {
    DumpBuffer dump;
    lua_dump(lua_, DumpWriter, &dump, 0);
    std::optional<CallAnalysis> analysis = AnalyzeDiscardedCalls(dump.data, true);
    if (analysis && !analysis->calls.empty()) {
      const std::string& patched = analysis->rewritten;
      if (luaL_loadbufferx(lua_, patched.data(), patched.size(), kScriptChunkName, "b") == LUA_OK) {
        lua_remove(lua_, -2);
      } else {
        LOG(WARNING) << "auto-async rewrite failed to load: " << lua_tostring(lua_, -1);
        lua_pop(lua_, 1);
      }
    }
  }
  lua_setfield(lua_, -2, key);
  lua_pop(lua_, 1);
  return AddResult::kAdded;
}

bool Interpreter::HasFunction(std::string_view sha) {
  char key[64];
  FunctionKey(sha, key);
  lua_rawgetp(lua_, LUA_REGISTRYINDEX, &kScriptsKey);
  bool found = lua_getfield(lua_, -1, key) != LUA_TNIL;
  lua_pop(lua_, 2);
  return found;
}

void Interpreter::FlushFunctions() {
  lua_newtable(lua_);
  lua_rawsetp(lua_, LUA_REGISTRYINDEX, &kScriptsKey);
  lua_gc(lua_, LUA_GCCOLLECT, 0);
}

void Interpreter::PushArray(std::span<const std::string_view> items) {
  lua_createtable(lua_, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(lua_, items[i].data(), items[i].size());
    lua_rawseti(lua_, -2, static_cast<lua_Integer>(i + 1));
  }
}

Interpreter::RunStatus Interpreter::RunFunction(std::string_view sha,
                                                std::span<const std::string_view> keys,
                                                std::span<const std::string_view> argv,
                                                ScriptRunner* runner, ReplyWriter* out,
                                                std::string* error) {
  lua_settop(lua_, 0);
  char key[64];
  FunctionKey(sha, key);
  lua_rawgetp(lua_, LUA_REGISTRYINDEX, &kScriptsKey);
  if (lua_getfield(lua_, -1, key) != LUA_TFUNCTION) {
    lua_settop(lua_, 0);
    *error = kErrNoScript;
    return RunStatus::kNotFound;
  }
  lua_remove(lua_, -2);
  PushArray(keys);
  SetRawGlobal(lua_, "KEYS");
  PushArray(argv);
  SetRawGlobal(lua_, "ARGV");
  return Run(0, sha, runner, out, error);
}

Interpreter::RunStatus Interpreter::RunScript(std::string_view body,
                                              std::span<const std::string_view> keys,
                                              std::span<const std::string_view> argv,
                                              ScriptRunner* runner, ReplyWriter* out,
                                              std::string* error) {
  char sha[41];
  Sha1Hex(body, sha);
  if (AddFunction(sha, body, error) == AddResult::kCompileError) return RunStatus::kError;
  return RunFunction(sha, keys, argv, runner, out, error);
}

Interpreter::RunStatus Interpreter::Run(int nargs, std::string_view name, ScriptRunner* runner,
                                        ReplyWriter* out, std::string* error) {
  ctx_.runner = runner;
  ctx_.resp = 2;
  ctx_.repl = kReplAll;
  ctx_.killed = false;
  ctx_.stop_message.clear();
  lua_sethook(lua_, CountHook, LUA_MASKCOUNT, options_.hook_interval);

  int func = lua_gettop(lua_) - nargs;
  lua_pushcfunction(lua_, ErrorHandler);
  lua_insert(lua_, func);
  int rc;
  {
    EnforceHeapLimit enforce(&ctx_);
    rc = lua_pcall(lua_, nargs, 1, func);
  }
  ctx_.runner = nullptr;
  RunStatus status = RunStatus::kOk;
  if (rc == LUA_OK) {
    // A result too big to copy into the reply (e.g. a 1 GB string under an address-space
    // limit) fails the script as Lua's own out-of-memory does; the process lives. `out` may
    // then hold part of the reply, which the caller discards with the error.
    try {
      LuaToReply(lua_, -1, ctx_.resp, out);
    } catch (const std::bad_alloc&) {
      status = RunStatus::kError;
      *error = ScriptFailure(name, "not enough memory");
    }
  } else {
    status = ctx_.killed ? RunStatus::kKilled : RunStatus::kError;
    if (lua_type(lua_, -1) == LUA_TTABLE) {
      int t = lua_gettop(lua_);
      lua_getfield(lua_, t, "err");
      lua_getfield(lua_, t, "source");
      lua_getfield(lua_, t, "line");
      lua_getfield(lua_, t, kIgnoreErrorStats);
      const char* msg = lua_tostring(lua_, t + 1);
      const char* source = lua_tostring(lua_, t + 2);
      int line = static_cast<int>(lua_tointeger(lua_, t + 3));
      *error = ScriptRunError(msg ? msg : "ERR unknown error", name, source ? source : "", line);
      if (lua_toboolean(lua_, t + 4)) error->insert(error->begin(), kCountedErrorMark);
    } else {  // LUA_ERRMEM / LUA_ERRERR: the handler could not run
      const char* msg = lua_tostring(lua_, -1);
      *error = ScriptFailure(name, msg ? msg : "execution failure");
    }
  }
  lua_settop(lua_, 0);
  if (ctx_.killed) lua_sethook(lua_, CountHook, LUA_MASKCOUNT, options_.hook_interval);
  return status;
}

bool Interpreter::LoadLibrary(std::string_view code, std::string* library,
                              std::vector<RegisteredFunction>* functions, std::string* error) {
  std::optional<std::string> name = ParseLibraryName(code, error);
  if (!name) return false;
  size_t eol = code.find('\n');
  std::string_view body = code.substr(eol);
  lua_settop(lua_, 0);
  if (luaL_loadbufferx(lua_, body.data(), body.size(), kFunctionChunkName, "t") != LUA_OK) {
    *error = "ERR Error compiling function: " + Lua51Message(lua_tostring(lua_, -1));
    lua_settop(lua_, 0);
    return false;
  }
  ResetRegisteredCallbacks(lua_);
  ctx_.registered.clear();
  ctx_.loading_library = true;
  ctx_.load_deadline_ns = SteadyNs() + kLoadTimeoutNs;
  ctx_.load_timed_out = false;
  ctx_.runner = nullptr;
  ctx_.killed = false;
  lua_sethook(lua_, CountHook, LUA_MASKCOUNT, options_.hook_interval);
  lua_pushcfunction(lua_, ErrorHandler);
  lua_insert(lua_, 1);
  int rc;
  // The chunk's _ENV: the load-time globals while it runs, the script globals afterwards
  // (for the functions it registered). A copy of the chunk stays below the pcall for that.
  lua_pushvalue(lua_, 2);
  lua_insert(lua_, 1);
  lua_rawgetp(lua_, LUA_REGISTRYINDEX, &kLoadEnvKey);
  SetChunkEnv(lua_, 1);
  {
    EnforceHeapLimit enforce(&ctx_);
    rc = lua_pcall(lua_, 0, 0, 2);
  }
  lua_rawgeti(lua_, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  SetChunkEnv(lua_, 1);
  lua_remove(lua_, 1);
  ctx_.loading_library = false;
  if (ctx_.killed) {
    ctx_.killed = false;
    lua_sethook(lua_, CountHook, LUA_MASKCOUNT, options_.hook_interval);
  }
  if (ctx_.load_timed_out) {
    *error = "ERR Error registering functions: ERR FUNCTION LOAD timeout";
    lua_settop(lua_, 0);
    ResetRegisteredCallbacks(lua_);
    return false;
  }
  if (rc != LUA_OK) {
    if (lua_type(lua_, -1) == LUA_TTABLE) lua_getfield(lua_, -1, "err");
    const char* msg = lua_tostring(lua_, -1);
    // Redis keeps the "ERR " the handler puts in front of a plain Lua error.
    *error = std::string("ERR Error registering functions: ") + (msg ? msg : "unknown error");
    lua_settop(lua_, 0);
    ResetRegisteredCallbacks(lua_);
    return false;
  }
  if (ctx_.registered.empty()) {
    *error = "ERR No functions registered";
    lua_settop(lua_, 0);
    return false;
  }
  lua_rawgetp(lua_, LUA_REGISTRYINDEX, &kFunctionsKey);
  PushRegisteredCallbacks(lua_);
  lua_pushnil(lua_);
  while (lua_next(lua_, -2)) {
    lua_pushvalue(lua_, -2);
    lua_insert(lua_, -2);
    lua_rawset(lua_, -5);
  }
  lua_settop(lua_, 0);
  ResetRegisteredCallbacks(lua_);
  *library = std::move(*name);
  *functions = std::move(ctx_.registered);
  ctx_.registered.clear();
  return true;
}

Interpreter::RunStatus Interpreter::CallFunction(std::string_view name,
                                                 std::span<const std::string_view> keys,
                                                 std::span<const std::string_view> argv,
                                                 ScriptRunner* runner, ReplyWriter* out,
                                                 std::string* error) {
  lua_settop(lua_, 0);
  lua_rawgetp(lua_, LUA_REGISTRYINDEX, &kFunctionsKey);
  lua_pushlstring(lua_, name.data(), name.size());
  if (lua_rawget(lua_, -2) != LUA_TFUNCTION) {
    lua_settop(lua_, 0);
    *error = "ERR Function not found";
    return RunStatus::kNotFound;
  }
  lua_remove(lua_, -2);
  PushArray(keys);
  PushArray(argv);
  return Run(2, name, runner, out, error);
}

size_t Interpreter::MemoryUsage() const { return ctx_.heap_used; }

void Interpreter::SetMemoryLimit(size_t bytes) { ctx_.heap_limit = bytes; }

void Interpreter::RunGC() { lua_gc(lua_, LUA_GCCOLLECT, 0); }

}  // namespace lw::lua
