// ScriptManager: the scripting state shared by every thread of one Service.
//   - the script cache (sha -> body and flags) behind EVAL/EVALSHA/SCRIPT LOAD, with
//     per-script flag overrides (SCRIPT FLAGS, allowed before or after the script is loaded)
//     and the --default_lua_flags for scripts that declare none;
//   - FUNCTION libraries (name -> code and registered functions);
//   - epochs that tell per-thread interpreters when to drop compiled code (SCRIPT FLUSH,
//     FUNCTION DELETE/FLUSH/RESTORE);
//   - the registry of running scripts, for SCRIPT KILL / FUNCTION KILL;
//   - counters for INFO.
// Thread-safety: every method may be called from any thread (one mutex; none of it is on a
// per-command hot path except Get, a short locked map lookup).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "lua_interp/script_context.h"

namespace lw {

struct ScriptInfo {
  std::string body;
  uint32_t flags = 0;           // effective flags (override > shebang > defaults)
  bool flags_declared = false;  // had "#!lua" or "--!df" flags
};

struct LibraryInfo {
  std::string name;
  std::string code;
  std::vector<lua::RegisteredFunction> functions;
};

// One running script, registered for its duration so SCRIPT KILL can reach it.
struct RunningScript {
  std::atomic<bool> kill_requested{false};
  std::atomic<bool> wrote{false};
  bool is_function = false;
  std::string name;  // sha or function name
};

class ScriptManager {
 public:
  ScriptManager();

  // Adds `body` under its SHA1. On success returns the sha; on a flag error returns nullopt
  // with *error set to the reply text.
  std::optional<std::string> Add(std::string_view body, std::string* error);
  std::shared_ptr<const ScriptInfo> Get(std::string_view sha) const;
  bool Exists(std::string_view sha) const;
  // SCRIPT FLUSH: drops every script (and compiled code, via the epoch).
  void Flush();
  // SCRIPT FLAGS sha flags...: replaces the flags of a script, loaded now or later.
  void SetFlagsOverride(std::string_view sha, uint32_t flags);
  std::vector<std::pair<std::string, std::string>> List() const;  // (sha, body)
  size_t size() const;

  uint64_t script_epoch() const { return script_epoch_.load(std::memory_order_acquire); }
  uint64_t function_epoch() const { return function_epoch_.load(std::memory_order_acquire); }

  // --- FUNCTION libraries ---
  // Stores a library after a successful load; with replace=false an existing name fails.
  // Returns "" on success or the error text.
  std::string StoreLibrary(LibraryInfo lib, bool replace);
  bool DeleteLibrary(std::string_view name);
  void FlushLibraries();
  std::vector<LibraryInfo> Libraries() const;
  // The library that registered `function`, or null.
  std::shared_ptr<const LibraryInfo> FindFunction(std::string_view function,
                                                  lua::RegisteredFunction* out) const;

  // --- running scripts ---
  void Register(RunningScript* s);
  void Unregister(RunningScript* s);
  enum class KillResult { kKilled, kNotBusy, kUnkillable };
  // Kills every running script (or function, per `functions`) that has not written.
  KillResult KillRunning(bool functions);
  size_t RunningCount() const;

  // --- settings, read once from flags ---
  uint32_t default_flags() const { return default_flags_; }
  bool auto_async() const { return auto_async_; }
  uint32_t busy_threshold_ms() const { return busy_threshold_ms_; }

  // --- INFO counters ---
  std::atomic<uint64_t> runs_lock_ahead{0};
  std::atomic<uint64_t> runs_global{0};
  std::atomic<uint64_t> runs_non_atomic{0};
  std::atomic<uint64_t> async_flushes{0};
  std::atomic<uint64_t> async_commands{0};
  std::atomic<uint64_t> detached_flushes{0};  // of async_flushes: fire and forget at the end

 private:
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const ScriptInfo>> scripts_;
  absl::flat_hash_map<std::string, uint32_t> overrides_;
  std::map<std::string, std::shared_ptr<const LibraryInfo>> libraries_;
  std::vector<RunningScript*> running_;
  std::atomic<uint64_t> script_epoch_{1};
  std::atomic<uint64_t> function_epoch_{1};
  uint32_t default_flags_ = 0;
  bool auto_async_ = false;
  uint32_t busy_threshold_ms_ = 5000;
};

}  // namespace lw
