// Interpreter: one sandboxed Lua 5.4 state that runs Redis scripts with Redis 7 semantics.
//
// What a script sees is described in sandbox.h (libraries, Lua 5.1 names, read-only globals),
// compat_libs.h (cjson, cmsgpack, bit, struct) and redis_api.h (the `redis` table). Values
// cross to and from replies by the rules in resp_conversion.h; every redis.call goes to the
// ScriptRunner passed to RunFunction (script_runner.h). Error texts are in error_format.h.
//
// Life of an EVAL script: AddFunction(sha, body) compiles the body (a "#!lua" line is dropped,
// its newline kept) as the function f_<sha>, kept in the registry where scripts cannot reach
// it; RunFunction(sha, keys, argv, ...) sets the globals KEYS and ARGV, resets the protocol to
// RESP2 and replication to REPL_ALL, runs the function and writes its result to `out`, or
// returns the error reply text.
// FUNCTION LOAD / FCALL: LoadLibrary runs the library code with redis.register_function
// enabled; CallFunction(name, keys, argv, ...) calls a registered callback with (KEYS, ARGV).
//
// The count hook: every hook_interval instructions the interpreter calls the hook (if set).
// The server uses it to yield the fiber and to implement SCRIPT KILL: when the hook returns
// true the script fails with "ERR Script killed by user with SCRIPT KILL..." and cannot catch
// it (after a kill every instruction re-raises, so pcall loops end too).
//
// Thread-safety: not thread-safe; one thread (fiber) uses an Interpreter at a time, and
// RunFunction must not be re-entered from the runner or the hook.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lua_interp/reply_writer.h"
#include "lua_interp/script_context.h"
#include "lua_interp/script_runner.h"

struct lua_State;

namespace lw::lua {

class Interpreter {
 public:
  struct Options {
    uint32_t hook_interval = 1000;  // Lua instructions between hook calls
  };

  enum class AddResult { kAdded, kAlreadyExists, kCompileError };
  enum class RunStatus { kOk, kError, kKilled, kNotFound };

  Interpreter();
  explicit Interpreter(const Options& options);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Called every hook_interval instructions while a script runs; return true to kill it.
  // The hook may block (yield the fiber) but must not use this Interpreter.
  void SetHook(std::function<bool()> hook);
  void SetHookInterval(uint32_t instructions);

  // Compiles `body` as f_<sha>. REQUIRES: sha is the Sha1Hex of body (40 hex chars).
  // With auto_async, calls whose result is discarded run as redis.acall / redis.apcall
  // (call_analysis.h). On kCompileError, *error is the reply text, e.g.
  // "ERR Error compiling script (new function): user_script:1: ...". Flags are parsed by the
  // caller (script_flags.h); an invalid shebang is reported here too.
  AddResult AddFunction(std::string_view sha, std::string_view body, std::string* error,
                        bool auto_async = false);
  bool HasFunction(std::string_view sha);
  // Drops every compiled script (SCRIPT FLUSH).
  void FlushFunctions();

  // Runs f_<sha>. On kOk the script's value was written to `out`; on kError / kKilled
  // *error is the full error reply text (no '-'), and `out` holds nothing or, if the result
  // could not be allocated, part of it (discard it); kNotFound if
  // the sha was never added (*error is the NOSCRIPT text). `runner` may be null (then
  // redis.call fails).
  RunStatus RunFunction(std::string_view sha, std::span<const std::string_view> keys,
                        std::span<const std::string_view> argv, ScriptRunner* runner,
                        ReplyWriter* out, std::string* error);

  // Convenience for tests and one-off scripts: AddFunction (sha computed) + RunFunction.
  RunStatus RunScript(std::string_view body, std::span<const std::string_view> keys,
                      std::span<const std::string_view> argv, ScriptRunner* runner,
                      ReplyWriter* out, std::string* error);

  // FUNCTION LOAD: `code` must start with "#!lua name=<lib>". On success returns true, sets
  // *library to the library name and *functions to what it registered; the callbacks become
  // callable (replacing same-named ones). On failure *error is the reply text.
  bool LoadLibrary(std::string_view code, std::string* library,
                   std::vector<RegisteredFunction>* functions, std::string* error);
  RunStatus CallFunction(std::string_view name, std::span<const std::string_view> keys,
                         std::span<const std::string_view> argv, ScriptRunner* runner,
                         ReplyWriter* out, std::string* error);

  // State left by the last run.
  int repl_flags() const { return ctx_.repl; }  // ReplFlag bits from redis.set_repl
  int resp() const { return ctx_.resp; }

  size_t MemoryUsage() const;  // bytes held by the Lua state (exact: its allocator counts)
  // Caps the Lua heap while a script or library runs (0: no cap). Past it an allocation fails
  // and the script gets "ERR Error running script <sha>, not enough memory" (Redis's text
  // when Lua runs out of memory); the interpreter stays usable. The heap is allocated with
  // operator new, so it counts in the process's accounted memory (used_memory, maxmemory).
  void SetMemoryLimit(size_t bytes);
  void RunGC();

  lua_State* lua() { return lua_; }

 private:
  // Runs the function on top of the stack with `nargs` arguments below it already pushed
  // (function first). `name` is what error texts call the script.
  RunStatus Run(int nargs, std::string_view name, ScriptRunner* runner, ReplyWriter* out,
                std::string* error);
  void PushArray(std::span<const std::string_view> items);

  Options options_;
  lua_State* lua_ = nullptr;
  ScriptContext ctx_;
};

}  // namespace lw::lua
