// ScriptContext: per-Interpreter state that the C functions registered in Lua (redis.*, the
// count hook, the sandbox) reach through the lua_State's extra space. Internal to lua_interp.
//
// Lua errors are longjmps: C functions in this layer do their C++ work in an inner scope, so no
// object with a destructor is alive when they call lua_error.
// Thread-safety: owned by one Interpreter, used by the thread running it.
#pragma once

#include <lua5.4/lua.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lua_interp/script_runner.h"

namespace lw::lua {

enum ReplFlag : int {
  kReplNone = 0,
  kReplAof = 1,
  kReplReplica = 2,
  kReplAll = kReplAof | kReplReplica,
};

struct RegisteredFunction {
  std::string name;
  uint32_t flags = 0;  // ScriptFlag bits from register_function's flags={...}
  std::string description;
};

struct ScriptContext {
  ScriptRunner* runner = nullptr;
  int resp = 2;
  int repl = kReplAll;

  // Count hook: called every hook_every instructions; true asks to abort (SCRIPT KILL).
  std::function<bool()> hook;
  bool killed = false;
  // The error a killed script fails with when the runner stopped it (ScriptRunner::StopReason);
  // empty for SCRIPT KILL's own text.
  std::string stop_message;

  // FUNCTION LOAD: redis.register_function collects into `registered` while true.
  bool loading_library = false;
  // FUNCTION LOAD's library code must finish by this steady-clock time (Redis: 500 ms);
  // load_timed_out tells LoadLibrary the hook stopped it.
  int64_t load_deadline_ns = 0;
  bool load_timed_out = false;
  std::vector<RegisteredFunction> registered;

  // The Lua heap (Interpreter's allocator): bytes Lua holds, and the cap enforced while a
  // script or library runs (0: none). Over the cap an allocation fails, which Lua turns into
  // its "not enough memory" error, unless alloc_guard > 0: C++ code that writes into Lua with
  // objects alive that a longjmp would skip (redis.call's reply) raises the guard, and the
  // script fails at its next allocation after it instead.
  size_t heap_used = 0;
  size_t heap_limit = 0;
  bool heap_enforced = false;
  int alloc_guard = 0;

  // Scratch for redis.call arguments, reused to avoid allocation per call.
  std::vector<std::string_view> args;
  std::vector<std::array<char, 32>> number_bufs;
};

// Ends the running script with ctx->stop_message (or SCRIPT KILL's text): raises now, and
// every instruction re-raises, so pcall cannot swallow it. REQUIRES: ctx->killed is set.
[[noreturn]] void KillNow(lua_State* lua);

inline ScriptContext* GetContext(lua_State* lua) {
  return *static_cast<ScriptContext**>(lua_getextraspace(lua));
}

inline void SetContext(lua_State* lua, ScriptContext* ctx) {
  *static_cast<ScriptContext**>(lua_getextraspace(lua)) = ctx;
}

}  // namespace lw::lua
