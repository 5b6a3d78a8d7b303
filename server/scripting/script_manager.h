// ScriptManager: the scripts and FUNCTION libraries of one Service, and what each thread keeps
// of them, so that running a script touches only the running thread's memory.
//
// The hot path (EVALSHA, EVAL of a body seen before, FCALL) reads the calling thread's
// ThreadState only: its cache of the scripts it ran (its own copies, so reference counts never
// bounce between cores) and its own copy of the function table, both checked against a version
// number with one acquire load; that number moves only when something is removed or changed
// (SCRIPT FLUSH, SCRIPT FLAGS, FUNCTION LOAD/DELETE/FLUSH/RESTORE), never when a script is
// added. A thread that misses reads the published table — immutable, swapped through an atomic
// shared_ptr, no mutex — and copies what it needs. Its counters (INFO) and its list of running
// scripts (SCRIPT KILL) are its own too: INFO sums the counters, SCRIPT KILL visits every
// thread.
//
// Writers (SCRIPT LOAD, EVAL of a new body, SCRIPT FLUSH/FLAGS, FUNCTION changes) serialise on
// one mutex, build a new table beside the old one and publish it.
//
// Thread-safety: every method may be called from any thread. Local() returns the calling
// thread's state, which only that thread may use (the counters excepted: any thread reads).
// Lifetime: one per Service, created with the scripting commands (RegisterScriptingFamily)
// and destroyed with the command registry, after the proactor threads stopped running scripts.
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

#include "base/histogram.h"
#include "io/proactor_pool.h"
#include "lua_interp/script_context.h"
#include "server/scripting/interpreter_pool.h"
#include "server/scripting/key_hints.h"
#include "server/scripting/key_templates.h"

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

// One running script, registered on its thread for its duration so SCRIPT KILL can reach it.
struct RunningScript {
  std::atomic<bool> kill_requested{false};
  // Set before a write that cannot be rolled back starts (any write of a non-atomic script, a
  // keyless write such as FLUSHALL): SCRIPT KILL then answers -UNKILLABLE. An atomic script's
  // other writes are undone when it is killed (undo_log.h).
  std::atomic<bool> irreversible{false};
  bool is_function = false;
  std::string name;  // sha or function name
};

// INFO stats counters of one thread. Only the owning thread writes them (a relaxed load and
// store, no read-modify-write); INFO reads every thread's.
struct ScriptCounters {
  std::atomic<uint64_t> runs_lock_ahead{0};
  std::atomic<uint64_t> runs_global{0};
  std::atomic<uint64_t> runs_non_atomic{0};
  std::atomic<uint64_t> async_flushes{0};
  std::atomic<uint64_t> async_commands{0};
  std::atomic<uint64_t> detached_flushes{0};  // of async_flushes: fire and forget at the end
  std::atomic<uint64_t> reruns{0};            // allow-undeclared-keys runs started again
  std::atomic<uint64_t> rollbacks{0};         // scripts rolled back (stopped by Lacewing)
  std::atomic<uint64_t> global_fallbacks{0};  // ... that ended under the whole-store lock
  // allow-undeclared-keys: keys locked up front from predictions; of them, touched by the run
  // (counted for runs that finished); undeclared keys touched that were not predicted.
  std::atomic<uint64_t> predicted_keys{0};
  std::atomic<uint64_t> predicted_keys_hit{0};
  std::atomic<uint64_t> unpredicted_keys{0};

  static void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

// One script's (or FUNCTION's) statistics on one thread (SCRIPT STATS, /metrics): written by
// the thread that runs it, merged when asked. Times in nanoseconds.
struct ScriptStats {
  uint64_t calls = 0;
  uint64_t errors = 0;     // runs that replied an error
  uint64_t kills = 0;      // runs ended by SCRIPT/FUNCTION KILL
  uint64_t rollbacks = 0;  // runs Lacewing stopped and rolled back
  uint64_t commands = 0;   // redis.call/pcall/acall/apcall issued
  uint64_t shards = 0;     // shards the runs' commands touched, summed over runs
  uint64_t lock_wait_ns = 0;
  Histogram latency;  // each run, start to reply

  void Merge(const ScriptStats& o) {
    calls += o.calls;
    errors += o.errors;
    kills += o.kills;
    rollbacks += o.rollbacks;
    commands += o.commands;
    shards += o.shards;
    lock_wait_ns += o.lock_wait_ns;
    latency.Merge(o.latency);
  }
};

class ScriptTable;    // script_manager.cc: sha -> ScriptInfo, immutable once published
class FunctionTable;  // script_manager.cc: libraries and their functions, immutable

class ScriptManager {
 public:
  // The part of the manager one thread owns.
  struct ThreadState {
    ScriptCounters counters;
    InterpreterPool interpreters;
    // Scripts this thread has looked up, valid while script_version matches the manager's.
    uint64_t script_version = 0;
    absl::flat_hash_map<std::string, std::shared_ptr<const ScriptInfo>> scripts;
    // This thread's copy of the function table, valid while function_version matches.
    uint64_t function_version = 0;
    std::shared_ptr<const FunctionTable> functions;
    std::vector<RunningScript*> running;
    std::atomic<size_t> running_count{0};  // running.size(), for RunningCount()
    // allow-undeclared-keys: the keys each script touched lately, locked up front next time.
    KeyHints key_hints;
    // ... and how each script builds its undeclared keys from its arguments.
    KeyTemplates key_templates;
    // By script sha (EVAL) or function name (FCALL); SCRIPT FLUSH does not clear them.
    absl::flat_hash_map<std::string, ScriptStats> stats;
  };

  ScriptManager();
  ~ScriptManager();

  // The calling thread's state (created on its first use).
  ThreadState& Local() {
    if (tls_cache_.id == id_) return *tls_cache_.state;
    return LocalSlow();
  }

  // --- EVAL scripts ---
  // The script with this sha (lower case), or null.
  std::shared_ptr<const ScriptInfo> Find(std::string_view sha);
  // Adds `body` under its SHA1 (`default_flags` for a body that declares none) and returns it,
  // with *sha set; on a flag error returns null with *error set to the reply text.
  std::shared_ptr<const ScriptInfo> Add(std::string_view body, uint32_t default_flags,
                                        std::string* sha, std::string* error);
  bool Exists(std::string_view sha) { return Find(sha) != nullptr; }
  // SCRIPT FLUSH: drops every script (and compiled code, via the script epoch).
  void Flush();
  // SCRIPT FLAGS sha flags...: replaces the flags of a script, loaded now or later.
  void SetFlagsOverride(std::string_view sha, uint32_t flags);
  std::vector<std::pair<std::string, std::string>> List() const;  // (sha, body), sorted
  size_t size() const;

  // Interpreters drop compiled scripts when the script epoch moves, and are replaced when the
  // function epoch does (interpreter_pool.h).
  uint64_t script_epoch() const { return script_epoch_.load(std::memory_order_acquire); }
  uint64_t function_epoch() const { return function_epoch_.load(std::memory_order_acquire); }

  // --- FUNCTION libraries ---
  // Stores a library after a successful load; with replace=false an existing name fails.
  // Returns "" on success or the error text.
  std::string StoreLibrary(LibraryInfo lib, bool replace);
  bool DeleteLibrary(std::string_view name);
  void FlushLibraries();
  std::vector<LibraryInfo> Libraries() const;
  // The library that registered `function` (and the function in *out), or null. *epoch (if
  // given) is the function epoch of the table it came from, for PooledInterpreter::NoteLibrary.
  std::shared_ptr<const LibraryInfo> FindFunction(std::string_view function,
                                                  lua::RegisteredFunction* out,
                                                  uint64_t* epoch = nullptr);

  // --- running scripts (each on the thread that runs it) ---
  void Register(RunningScript* s);
  void Unregister(RunningScript* s);
  enum class KillResult { kKilled, kNotBusy, kUnkillable };
  // Kills every running script (or function, per `functions`) if none of them has made an
  // irreversible write (their other writes are rolled back).
  // REQUIRES: a fiber (it visits every thread of `pool`).
  KillResult KillRunning(io::ProactorPool* pool, bool functions);
  // Scripts running on every thread (tests). Any thread.
  size_t RunningCount() const;

  // Every thread's counters, summed.
  struct CounterTotals {
    uint64_t runs_lock_ahead = 0, runs_global = 0, runs_non_atomic = 0;
    uint64_t async_flushes = 0, async_commands = 0, detached_flushes = 0;
    uint64_t reruns = 0, rollbacks = 0, global_fallbacks = 0;
    uint64_t predicted_keys = 0, predicted_keys_hit = 0, unpredicted_keys = 0;
  };
  CounterTotals SumCounters() const;

 private:
  ThreadState& LocalSlow();
  std::shared_ptr<const ScriptTable> PublishedScripts() const {
    return published_scripts_.load(std::memory_order_acquire);
  }
  std::shared_ptr<const FunctionTable> PublishedFunctions() const {
    return published_functions_.load(std::memory_order_acquire);
  }
  // REQUIRES: mu_ held. Publishes `libraries` as the new function table.
  void PublishLibraries(std::map<std::string, std::shared_ptr<const LibraryInfo>> libraries);

  // Which manager the calling thread used last, and its state there: the fast path of Local().
  struct TlsCache {
    uint64_t id = 0;
    ThreadState* state = nullptr;
  };
  static constinit thread_local TlsCache tls_cache_;

  const uint64_t id_;  // unique per process: thread caches never confuse two managers
  // Writers only (and the rare first Local() of a thread).
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, uint32_t> overrides_;
  std::vector<std::unique_ptr<ThreadState>> threads_;
  // Read without locks.
  std::atomic<std::shared_ptr<const ScriptTable>> published_scripts_;
  std::atomic<std::shared_ptr<const FunctionTable>> published_functions_;
  // Moves after a publish that removed or changed entries (thread caches then start over).
  std::atomic<uint64_t> script_version_{1};
  std::atomic<uint64_t> script_epoch_{1};
  std::atomic<uint64_t> function_epoch_{1};  // also the function table's version
};

}  // namespace lw
