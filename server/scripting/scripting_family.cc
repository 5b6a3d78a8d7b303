// How a script runs (DESIGN.md, "How a script runs"):
//   1. EVAL/EVALSHA/FCALL find the script in this thread's cache (ScriptManager::Local, no
//      lock) and borrow an interpreter of this thread (InterpreterPool), compiling the script
//      there on first use.
//   2. The mode comes from the script's effective flags: lock-ahead (default), global
//      (allow-undeclared-keys: locks on first touch, reruns, whole-store fallback) or
//      non-atomic (disable-atomicity).
//   3. The interpreter runs the script; every redis.* call goes to a CommandRunner, which
//      dispatches it as a command. The count hook checks for SCRIPT KILL and, where atomicity
//      does not depend on holding the thread, yields the fiber so the thread keeps serving.
//   4. The result is written in the client's protocol; a failed async flush replaces it.
#include "server/scripting/scripting_family.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <map>
#include <new>
#include <optional>

#include "base/clock.h"
#include "base/logging.h"
#include "io/blocking_counter.h"
#include "io/done.h"
#include "io/fiber.h"
#include "lua_interp/error_format.h"
#include "lua_interp/script_flags.h"
#include "lua_interp/sha1.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/scripting/interpreter_pool.h"
#include "server/scripting/key_prediction.h"
#include "server/scripting/lua_bridge.h"
#include "server/scripting/script_commands.h"
#include "server/scripting/script_manager.h"
#include "server/scripting/script_runner.h"
#include "server/types/arg_utils.h"
#include "transaction/transaction.h"

namespace lw {

namespace {

// Every scripting command's handler: its function and the ScriptManager all of them share,
// created by RegisterScriptingFamily — so no command looks the manager up.
using ScriptingFn = void (*)(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx);
struct ScriptingHandler {
  std::shared_ptr<ScriptManager> manager;
  ScriptingFn fn;
  void operator()(CmdArgs args, ConnectionContext* cntx) const { fn(*manager, args, cntx); }
};

// The manager behind a scripting command's spec (batch handlers get only the context).
ScriptManager& ManagerOf(const CommandSpec& spec) {
  return *spec.handler.target<ScriptingHandler>()->manager;
}

ScriptMode ModeOf(uint32_t flags) {
  if (flags & lua::kScriptDisableAtomicity) return ScriptMode::kNonAtomic;
  if (flags & lua::kScriptAllowUndeclaredKeys) return ScriptMode::kDynamic;
  return ScriptMode::kLockAhead;
}

// Parses "numkeys key... arg..." starting at args[pos] into *keys and *argv. Returns the
// error reply for bad input, empty on success.
std::string_view ParseKeysAndArgs(CmdArgs args, size_t pos, CmdArgs* keys, CmdArgs* argv) {
  int64_t numkeys;
  if (!ParseRedisInt(args[pos], &numkeys)) return errors::kNotInteger;
  if (numkeys < 0) return errors::kNumkeysNegative;
  if (uint64_t(numkeys) > args.size() - pos - 1) return errors::kTooManyNumkeys;
  *keys = args.subspan(pos + 1, size_t(numkeys));
  *argv = args.subspan(pos + 1 + size_t(numkeys));
  return {};
}

// Appends a script's finished reply to the client's; a reply too big to copy (bad_alloc, e.g.
// under an address-space limit) becomes Redis's out-of-memory error for the script instead of
// taking the process down.
// A script's error: once in errorstats (lua::kCountedErrorMark: counted when the command the
// script called failed), and the EVAL/FCALL is failed either way.
void SendScriptError(std::string_view error, ConnectionContext* cntx) {
  if (!error.empty() && error.front() == lua::kCountedErrorMark) {
    return cntx->rb->SendErrorUncounted(error.substr(1));
  }
  cntx->rb->SendError(error);
}

void SendScriptResult(const ReplyBuilder& result, std::string_view name, ConnectionContext* cntx) {
  std::string& out = cntx->rb->buffer();
  size_t mark = out.size();
  // Error replies inside the result (counted by `result`) make the call failed.
  cntx->rb->AddErrorsSent(result);
  try {
    out.append(result.buffer());
  } catch (const std::bad_alloc&) {
    out.resize(mark);
    out.shrink_to_fit();
    cntx->rb->SendError(lua::ScriptFailure(name, "not enough memory"));
  }
}

// As ParseKeysAndArgs; replies with the error and returns false on bad input.
bool SplitKeysAndArgs(CmdArgs args, size_t pos, ConnectionContext* cntx, CmdArgs* keys,
                      CmdArgs* argv) {
  std::string_view error = ParseKeysAndArgs(args, pos, keys, argv);
  if (!error.empty()) cntx->rb->SendError(error);
  return error.empty();
}

// What to run: an EVAL script (by sha) or a FUNCTION (by name).
struct Target {
  bool is_function = false;
  std::string name;  // sha or function name
  std::shared_ptr<const ScriptInfo> script;
  std::shared_ptr<const LibraryInfo> library;
  uint64_t library_epoch = 0;  // the function epoch `library` was found in
  uint32_t flags = 0;
};

// Borrows an interpreter of this thread with the target compiled (or its library loaded)
// there; null with *error set if that failed.
std::unique_ptr<PooledInterpreter> PrepareInterpreter(ScriptManager& mgr,
                                                      ScriptManager::ThreadState& local,
                                                      const Target& target, bool auto_async,
                                                      std::string* error) {
  std::unique_ptr<PooledInterpreter> pooled =
      local.interpreters.Acquire(mgr.script_epoch(), mgr.function_epoch());
  lua::Interpreter* interp = pooled->interp.get();
  bool ok = true;
  if (target.is_function) {
    if (!pooled->libraries.contains(target.library->name)) {
      std::string lib_name;
      std::vector<lua::RegisteredFunction> fns;
      ok = interp->LoadLibrary(target.library->code, &lib_name, &fns, error);
      if (ok) pooled->NoteLibrary(target.library->name, target.library_epoch);
    }
  } else if (!interp->HasFunction(target.name)) {
    ok = interp->AddFunction(target.name, target.script->body, error, auto_async) !=
         lua::Interpreter::AddResult::kCompileError;
  }
  if (ok) return pooled;
  local.interpreters.Release(std::move(pooled));
  return nullptr;
}

// Runs the script on the calling thread's interpreters: compiles it there if needed, holds
// its locks (lazily, see ScriptLocks), runs it and flushes its async calls. On success the
// result is in *result; otherwise *error holds the error reply.
// `prepared`: the script's locks, created by the caller (a pipelined batch schedules them in
// request order before any script runs); null to create them here.
// A script in kDynamic mode that had to stop (ScriptStop::kRerun / kWholeStore) was rolled
// back; Run() runs it again, with what it learned.
struct RunAgain {
  std::vector<std::string> learned;     // in: keys to lock up front (kDynamic)
  ScriptStop stop = ScriptStop::kNone;  // out
  std::vector<std::string> touched;     // out: the keys this run named
};

// After the Lua run: a script Lacewing stopped (kKilled: SCRIPT KILL, an undeclared key, a
// rerun) has its writes undone before its locks go, so nobody sees them; errors Redis raises
// keep the writes before them. Returns the error of a failed async flush, if any.
std::string EndRun(CommandRunner& runner, lua::Interpreter::RunStatus status,
                   ScriptCounters& counters) {
  const bool stopped = status == lua::Interpreter::RunStatus::kKilled;
  if (stopped && runner.ConcludeUndo(/*rollback=*/true)) {
    ScriptCounters::Add(counters.rollbacks);
    return "";
  }
  if (stopped && runner.stop() >= ScriptStop::kRerun) return "";  // read-only: nothing to undo
  std::string flush_error = runner.FlushAsync(/*final=*/true);
  // The last flush could not lock its keys (allow-undeclared-keys): roll back, run again.
  const bool rerun = runner.stop() >= ScriptStop::kRerun;
  if (runner.ConcludeUndo(/*rollback=*/rerun)) ScriptCounters::Add(counters.rollbacks);
  return rerun ? "" : flush_error;
}

// SCRIPT STATS: this run in its script's statistics on the running thread.
void RecordScriptStats(ScriptManager::ThreadState& local, const std::string& name,
                       const CommandRunner& runner, lua::Interpreter::RunStatus status,
                       int64_t start_ns, bool rolled_back, bool killed, const ReplyBuilder* result,
                       const std::string& flush_error) {
  ScriptStats& s = local.stats[name];
  ++s.calls;
  s.errors += status != lua::Interpreter::RunStatus::kOk || !flush_error.empty() ||
              (result != nullptr && result->errors_sent() > 0);
  s.kills += killed && status == lua::Interpreter::RunStatus::kKilled;
  s.rollbacks += rolled_back;
  s.commands += runner.calls_issued();
  s.shards += uint64_t(std::popcount(runner.shard_mask()));
  s.lock_wait_ns += uint64_t(std::max<int64_t>(runner.lock_wait_ns(), 0));
  s.latency.Add(uint64_t(std::max<int64_t>(SteadyNowNs() - start_ns, 0)));
}

bool RunOnThisThread(ScriptManager& mgr, const Target& target, CmdArgs keys, CmdArgs argv,
                     ScriptMode mode, bool read_only, tx::EngineShard* direct_shard,
                     ConnectionContext* cntx, ReplyBuilder* result, std::string* error,
                     std::unique_ptr<ScriptLocks> prepared = nullptr,
                     std::function<void()> before_keyless = nullptr, RunAgain* again = nullptr) {
  Service* service = cntx->service;
  ScriptManager::ThreadState& local = mgr.Local();
  const int64_t run_start = SteadyNowNs();
  std::unique_ptr<PooledInterpreter> pooled =
      PrepareInterpreter(mgr, local, target, service->config().lua_auto_async, error);
  if (!pooled) return false;
  lua::Interpreter* interp = pooled->interp.get();
  interp->SetMemoryLimit(size_t(service->runtime().lua_heap_limit.load(std::memory_order_relaxed)));

  // Atomicity comes from locks, not from holding the thread: lock-ahead locks the declared
  // keys (shared for read-only scripts), global mode every shard. Inside MULTI/EXEC the
  // EXEC's transaction already holds them.
  std::unique_ptr<ScriptLocks> owned_locks =
      prepared ? std::move(prepared)
               : std::make_unique<ScriptLocks>(
                     cntx, mode, keys, read_only, direct_shard,
                     again ? std::move(again->learned) : std::vector<std::string>{});
  ScriptLocks& locks = *owned_locks;

  // Long atomic scripts answer -BUSY to commands that would wait for their keys: the hook
  // lists this entry once the script is past the threshold (busy_registry.h).
  const bool tracks_busy = mode != ScriptMode::kNonAtomic;
  BusyRegistry::Entry busy;
  if (tracks_busy) {
    busy.global = mode == ScriptMode::kGlobal;  // kDynamic: only its declared keys answer -BUSY
    busy.is_function = target.is_function;
    busy.db = cntx->db_index;
    busy.keys = keys;
    busy.start_ms = BusyRegistry::NowMs();
  }

  RunningScript running;
  running.is_function = target.is_function;
  running.name = target.name;
  mgr.Register(&running);
  // Undo records (undo_log.h): an atomic script that Lacewing stops (an undeclared key,
  // SCRIPT KILL) is rolled back. A read-only script writes nothing to undo.
  std::shared_ptr<UndoLog> undo;
  if (mode != ScriptMode::kNonAtomic && !read_only) {
    undo = std::make_shared<UndoLog>(service->shards().size());
  }
  CommandRunner runner(cntx, mode, read_only, keys, &running, &local.counters, &locks, direct_shard,
                       undo);
  runner.set_allow_oom(target.flags & lua::kScriptAllowOom);
  runner.set_before_keyless(std::move(before_keyless));
  // The hook runs every thousand Lua instructions: it ends a killed script, reports a long
  // one to the busy registry and yields the fiber, so this thread keeps serving every command
  // that does not need the script's keys.
  interp->SetHook([&running, &busy, tracks_busy, service] {
    // SCRIPT KILL, or the server stopping: a shutdown never waits for a looping script.
    if (running.kill_requested.load(std::memory_order_relaxed) || service->stopping()) {
      return true;
    }
    if (tracks_busy) {
      service->busy().Poll(
          &busy, service->runtime().busy_reply_threshold_ms.load(std::memory_order_relaxed));
    }
    io::this_fiber::Yield();
    return false;
  });

  BuilderReplyWriter writer(result);
  lua::Interpreter::RunStatus status =
      target.is_function ? interp->CallFunction(target.name, keys, argv, &runner, &writer, error)
                         : interp->RunFunction(target.name, keys, argv, &runner, &writer, error);
  const uint64_t rollbacks_before = local.counters.rollbacks.load(std::memory_order_relaxed);
  std::string flush_error = EndRun(runner, status, local.counters);
  RecordScriptStats(local, target.name, runner, status, run_start,
                    local.counters.rollbacks.load(std::memory_order_relaxed) != rollbacks_before,
                    running.kill_requested.load(std::memory_order_relaxed), result, flush_error);
  if (again != nullptr) {
    again->stop = runner.stop();
    again->touched = runner.TakeTouched();
  }
  locks.Release(std::move(undo));
  service->busy().Finish(&busy);
  mgr.Unregister(&running);
  local.interpreters.Release(std::move(pooled));

  if (status != lua::Interpreter::RunStatus::kOk) return false;
  if (!flush_error.empty()) {
    *error = flush_error;
    return false;
  }
  return true;
}

// allow-undeclared-keys (README "Scripts that compute their key names"): runs the script with
// its keys locked on first touch; a run that could not lock a key safely was rolled back and
// runs again with every key it named locked up front (Calvin's OLLP), up to kMaxReruns times;
// after that — or at once for a whole-keyspace command or SELECT — it runs under the
// whole-store lock, which always succeeds. The client sees one reply; SLOWLOG one entry.
constexpr int kMaxReruns = 3;

bool RunDynamic(ScriptManager& mgr, const Target& target, CmdArgs keys, CmdArgs argv,
                bool read_only, ConnectionContext* cntx, ReplyBuilder* result, std::string* error) {
  ScriptManager::ThreadState& local = mgr.Local();
  ScriptCounters& counters = local.counters;
  ScriptMode mode = ScriptMode::kDynamic;
  RunAgain again;
  // The keys this script's earlier runs predict are locked up front with the declared ones.
  const std::vector<std::string> predicted = PredictKeys(local, target.name, keys, argv);
  ScriptCounters::Add(counters.predicted_keys, predicted.size());
  again.learned = predicted;
  absl::flat_hash_set<std::string> learned;  // for reruns
  for (int run = 0;; ++run) {
    bool ok = RunOnThisThread(mgr, target, keys, argv, mode, read_only, nullptr, cntx, result,
                              error, nullptr, nullptr, &again);
    if (again.stop != ScriptStop::kRerun && again.stop != ScriptStop::kWholeStore) {
      // A killed run (kError) ended early: what it did not touch proves nothing.
      if (again.stop == ScriptStop::kNone) {
        LearnFromRun(local, target.name, keys, argv, predicted, again.touched);
      }
      return ok;
    }
    // A stopped run proves nothing about the templates; its keys still hint.
    local.key_hints.Learn(target.name, again.touched);
    ScriptCounters::Add(counters.reruns);
    if (again.stop == ScriptStop::kWholeStore || run + 1 >= kMaxReruns) {
      ScriptCounters::Add(counters.global_fallbacks);
      error->clear();
      result->buffer().clear();
      return RunOnThisThread(mgr, target, keys, argv, ScriptMode::kGlobal, read_only, nullptr, cntx,
                             result, error);
    }
    if (run == 0) learned.insert(predicted.begin(), predicted.end());
    for (std::string& k : again.touched) learned.insert(std::move(k));
    again = RunAgain{};
    again.learned.assign(learned.begin(), learned.end());
    error->clear();
    result->buffer().clear();  // a run stopped in its last flush had written its reply
  }
}

// The shard every one of `keys` lives on; nullopt if none or several.
std::optional<uint32_t> HomeShard(ShardSet& shards, CmdArgs keys) {
  if (keys.empty()) return std::nullopt;
  uint32_t home = shards.ShardOf(keys[0]);
  for (std::string_view k : keys.subspan(1)) {
    if (shards.ShardOf(k) != home) return std::nullopt;
  }
  return home;
}

void Run(ScriptManager& mgr, const Target& target, CmdArgs keys, CmdArgs argv, bool read_only_cmd,
         ConnectionContext* cntx) {
  // A script that declares its flags must declare no-writes to run under *_RO; a legacy
  // script may, and fails at its first write instead.
  bool declared = target.is_function || target.script->flags_declared;
  if (read_only_cmd && declared && !(target.flags & lua::kScriptNoWrites)) {
    return cntx->rb->SendError(errors::kWriteScriptFromRo);
  }
  // maxmemory (Redis 7): over the limit, a script with declared flags starts only if it is
  // allow-oom or no-writes; a legacy script starts and its denyoom calls fail (script_runner).
  if (declared && !read_only_cmd &&
      !(target.flags & (lua::kScriptAllowOom | lua::kScriptNoWrites)) &&
      cntx->service->OomRefuses()) {
    return cntx->rb->SendError(errors::kOom);
  }
  // CLIENT PAUSE WRITE holds a script that may write (Redis 7.0: not a no-writes one, not *_RO).
  if (!read_only_cmd && !(target.flags & lua::kScriptNoWrites) && cntx->service->pause_active() &&
      !cntx->from_script && cntx->multi_tx == nullptr) {
    cntx->service->WaitWhilePaused(/*writes=*/true, cntx);
  }
  ScriptMode mode = ModeOf(target.flags);
  // Inside MULTI/EXEC the script runs under EXEC's transaction, which cannot take more locks
  // (or roll back and rerun): as before lock-on-first-touch, it takes the whole store.
  if (mode == ScriptMode::kDynamic &&
      (!cntx->service->config().lua_lock_on_first_touch || cntx->multi_tx != nullptr)) {
    mode = ScriptMode::kGlobal;
  }
  bool read_only = read_only_cmd || (target.flags & lua::kScriptNoWrites);
  ScriptCounters& counters = mgr.Local().counters;
  switch (mode) {
    case ScriptMode::kLockAhead:
      ScriptCounters::Add(counters.runs_lock_ahead);
      break;
    case ScriptMode::kDynamic:
    case ScriptMode::kGlobal:
      ScriptCounters::Add(counters.runs_global);
      break;
    case ScriptMode::kNonAtomic:
      ScriptCounters::Add(counters.runs_non_atomic);
      break;
  }

  // A lock-ahead script whose keys all live on one shard runs on that shard's thread, where its
  // locks and every command are local: one hop for the whole script (none if already there).
  ShardSet& shards = cntx->service->shards();
  std::optional<uint32_t> home;
  if (mode == ScriptMode::kLockAhead && cntx->multi_tx == nullptr) home = HomeShard(shards, keys);

  ReplyBuilder result(cntx->rb->resp_version());
  std::string error;
  bool ok;
  if (mode == ScriptMode::kDynamic) {
    ok = RunDynamic(mgr, target, keys, argv, read_only, cntx, &result, &error);
  } else if (home && !shards.tx()->IsLocal(*home)) {
    shards.tx()->proactor(*home)->AwaitFiber([&] {
      ok = RunOnThisThread(mgr, target, keys, argv, mode, read_only, tx::EngineShard::Current(),
                           cntx, &result, &error);
    });
  } else {
    ok = RunOnThisThread(mgr, target, keys, argv, mode, read_only,
                         home ? tx::EngineShard::Current() : nullptr, cntx, &result, &error);
  }
  if (!ok) return SendScriptError(error, cntx);
  SendScriptResult(result, target.name, cntx);
}

// Finds the script of an EVAL (adding it) or EVALSHA; false with the error reply in *error.
bool ResolveScript(ScriptManager& mgr, CmdArgs args, bool by_sha, ConnectionContext* cntx,
                   Target* target, std::string* error) {
  if (by_sha) {
    target->name = AsciiLower(args[1]);
    target->script = target->name.size() == 40 ? mgr.Find(target->name) : nullptr;
  } else {
    target->script =
        mgr.Add(args[1], cntx->service->config().default_lua_flags, &target->name, error);
    if (!target->script && !error->empty()) return false;  // a bad shebang
  }
  if (!target->script) {
    *error = lua::kErrNoScript;
    return false;
  }
  target->flags = target->script->flags;
  return true;
}

void EvalGeneric(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx, bool by_sha,
                 bool read_only) {
  CmdArgs keys, argv;
  if (!SplitKeysAndArgs(args, 2, cntx, &keys, &argv)) return;
  Target target;
  std::string error;
  if (!ResolveScript(mgr, args, by_sha, cntx, &target, &error)) {
    return cntx->rb->SendError(error);
  }
  Run(mgr, target, keys, argv, read_only, cntx);
}

// ---- Pipelined EVAL / EVALSHA (the batch handler, see command_registry.h). ----
//
// A client that pipelines scripts waits for none of them, so consecutive scripts may run at
// once, one per thread, when nobody can tell: each must be a lock-ahead script with at least
// two keys (on one shard or several), outside MULTI. Their transactions are scheduled here, in
// request order, before any of them runs; every shard then orders their hops as if the scripts had
// run one after another (a later script's command on a key waits for the earlier script to finish
// with it), and the replies go out in request order. Keyless commands (PUBLISH, SCAN...) are
// not ordered by locks: a script waits for every earlier script of its group to finish
// before its first one. Any other request ends the concurrent group: it runs through
// Dispatch after the group is done. A group holds at most kMaxPipelinedGroup scripts.
constexpr size_t kMaxPipelinedGroup = 16;

struct PipelinedScript {
  explicit PipelinedScript(RespVersion version) : result(version) {}
  CmdArgs request;
  Target target;
  CmdArgs keys, argv;
  std::unique_ptr<ScriptLocks> locks;
  ReplyBuilder result;
  std::string error;
  bool ok = false;
  int64_t start_ns = 0;
  int64_t usec = 0;
  io::Done finished;
};

// Whether `args` can join a concurrent group; fills `out` (without locks) if so.
bool Pipelinable(ScriptManager& mgr, CmdArgs args, bool by_sha, ConnectionContext* cntx,
                 PipelinedScript* out) {
  if (cntx->multi_tx != nullptr || cntx->service->shards().size() < 2) return false;
  if (cntx->service->unbatched()) return false;  // one by one through DispatchSpec
  int64_t numkeys;
  if (args.size() < 3 || !ParseRedisInt(args[2], &numkeys) || numkeys < 2 ||
      uint64_t(numkeys) > args.size() - 3) {
    return false;
  }
  out->keys = args.subspan(3, size_t(numkeys));
  out->argv = args.subspan(3 + size_t(numkeys));
  std::string error;
  if (!ResolveScript(mgr, args, by_sha, cntx, &out->target, &error)) return false;
  if (ModeOf(out->target.flags) != ScriptMode::kLockAhead) return false;
  // Over maxmemory, Run() may refuse the script: let it, through Dispatch.
  // A script whose keys all live on one shard joins the group too: taking it to that shard's
  // thread (as Run() does for a lone script) would end the group before it and wait for a
  // fiber there and a wake-up here, two turns of busy threads' run queues.
  return !(out->target.script->flags_declared && cntx->service->OomRefuses());
}

void RunPipelinedGroup(std::vector<std::unique_ptr<PipelinedScript>>* group,
                       const CommandSpec* spec, ConnectionContext* cntx) {
  if (group->empty()) return;
  ScriptManager& mgr = ManagerOf(*spec);
  io::ProactorPool* pool = cntx->service->pool();
  const size_t here = io::Proactor::Current()->index();
  auto run = [&mgr, cntx, group](size_t index) {
    PipelinedScript* s = (*group)[index].get();
    auto before_keyless = [group, index] {
      if (index == 0) return;
      for (size_t j = 0; j < index; ++j) (*group)[j]->finished.Wait();
      // What the earlier scripts sent this thread from others (a PUBLISH's deliveries to
      // subscribers here) may still wait in its task queue, while a delivery from here would
      // be immediate: let those messages go first.
      io::Done drained;
      io::Proactor::Current()->DispatchBrief([&drained] { drained.Notify(); });
      drained.Wait();
    };
    s->start_ns = SteadyNowNs();
    s->ok = RunOnThisThread(mgr, s->target, s->keys, s->argv, ScriptMode::kLockAhead,
                            /*read_only=*/s->target.flags & lua::kScriptNoWrites,
                            /*direct_shard=*/nullptr, cntx, &s->result, &s->error,
                            std::move(s->locks), before_keyless);
    s->usec = (SteadyNowNs() - s->start_ns) / 1000;
    s->finished.Notify();
  };
  // Schedule every transaction in request order first.
  ScriptCounters& counters = mgr.Local().counters;
  for (auto& s : *group) {
    ScriptCounters::Add(counters.runs_lock_ahead);
    bool read_only = s->target.flags & lua::kScriptNoWrites;
    s->locks =
        std::make_unique<ScriptLocks>(cntx, ScriptMode::kLockAhead, s->keys, read_only, nullptr);
  }
  // Every transaction must sit after the previous script's. A shard may refuse a request
  // that arrives late, and the retry takes a newer id — younger than the scripts begun after
  // it; those then begin again, in order, after it (their requests travel together).
  for (size_t i = 0; i < group->size(); ++i) {
    if (!(*group)[i]->locks->AwaitScheduled()) continue;
    for (size_t j = i + 1; j < group->size(); ++j) (*group)[j]->locks->Reschedule();
  }
  // Script i goes to thread here+i (mod n) if that thread is idle and this one has nothing
  // else to do, else stays here: on a busy server every thread has clients of its own, and
  // moving scripts around would only add messages and make the group wait for a busy
  // thread. This thread's share runs inline, in order, after the others were sent off.
  const bool spread = !io::Proactor::Current()->HasOtherWork();
  io::BlockingCounter remote{0};
  std::vector<size_t> local;
  for (size_t i = 0; i < group->size(); ++i) {
    size_t thread = (here + i) % pool->size();
    if (thread == here || !spread || !pool->at(thread)->idle()) {
      local.push_back(i);
      continue;
    }
    remote.Add(1);
    pool->at(thread)->Dispatch(
        [run, i, &remote] {
          run(i);
          remote.Dec();
        },
        "pipelined-script");
  }
  for (size_t i : local) run(i);
  remote.Wait();
  for (auto& s : *group) {
    if (s->ok) {
      SendScriptResult(s->result, s->target.name, cntx);
    } else {
      SendScriptError(s->error, cntx);
    }
    cntx->service->RecordCall(*spec, s->request, s->start_ns, s->usec,
                              !s->ok || s->result.errors_sent() > 0, cntx);
  }
  group->clear();
}

void EvalBatch(std::span<const CmdArgs> requests, ConnectionContext* cntx, bool by_sha) {
  const CommandSpec* spec = cntx->service->registry().Find(requests[0][0]);
  std::vector<std::unique_ptr<PipelinedScript>> group;
  for (CmdArgs args : requests) {
    auto s = std::make_unique<PipelinedScript>(cntx->rb->resp_version());
    s->request = args;
    if (Pipelinable(ManagerOf(*spec), args, by_sha, cntx, s.get())) {
      group.push_back(std::move(s));
      if (group.size() == kMaxPipelinedGroup) RunPipelinedGroup(&group, spec, cntx);
      continue;
    }
    RunPipelinedGroup(&group, spec, cntx);
    cntx->service->DispatchSpec(spec, args, cntx);
    // The connection's time slice (io::this_fiber::MaybeYield) between pipelined scripts too.
    io::this_fiber::MaybeYield(cntx->last_active_ns);
  }
  RunPipelinedGroup(&group, spec, cntx);
}

void EvalBatchByBody(std::span<const CmdArgs> requests, ConnectionContext* cntx) {
  EvalBatch(requests, cntx, false);
}
void EvalBatchBySha(std::span<const CmdArgs> requests, ConnectionContext* cntx) {
  EvalBatch(requests, cntx, true);
}

void Eval(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx) {
  EvalGeneric(mgr, args, cntx, false, false);
}
void EvalSha(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx) {
  EvalGeneric(mgr, args, cntx, true, false);
}
void EvalRo(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx) {
  EvalGeneric(mgr, args, cntx, false, true);
}
void EvalShaRo(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx) {
  EvalGeneric(mgr, args, cntx, true, true);
}

void FCallGeneric(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx, bool read_only) {
  CmdArgs keys, argv;
  if (!SplitKeysAndArgs(args, 2, cntx, &keys, &argv)) return;
  Target target;
  target.is_function = true;
  target.name = std::string(args[1]);
  lua::RegisteredFunction fn;
  target.library = mgr.FindFunction(target.name, &fn, &target.library_epoch);
  if (!target.library) return cntx->rb->SendError(errors::kFunctionNotFound);
  target.flags = fn.flags;
  Run(mgr, target, keys, argv, read_only, cntx);
}

void FCall(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx) {
  FCallGeneric(mgr, args, cntx, false);
}
void FCallRo(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx) {
  FCallGeneric(mgr, args, cntx, true);
}

}  // namespace

ScriptManager* ScriptManagerOf(Service* service) {
  const CommandSpec* spec = service->registry().Find("eval");
  if (spec == nullptr) return nullptr;
  const auto* handler = spec->handler.target<ScriptingHandler>();
  return handler ? handler->manager.get() : nullptr;
}

ScriptingInfo GetScriptingInfo(Service* service) {
  ScriptingInfo info;
  ScriptManager* mgr = ScriptManagerOf(service);
  if (mgr == nullptr) return info;
  std::atomic<uint64_t> lua_bytes{0};
  service->pool()->AwaitBriefOnAll([&](io::Proactor*) {
    lua_bytes.fetch_add(mgr->Local().interpreters.IdleMemory(), std::memory_order_relaxed);
  });
  info.used_memory_lua = lua_bytes.load();
  info.cached_scripts = mgr->size();
  for (const auto& [sha, body] : mgr->List()) {
    info.scripts_eval_bytes += sizeof(ScriptInfo) + sha.size() + body.capacity();
  }
  std::vector<LibraryInfo> libraries = mgr->Libraries();
  info.libraries = libraries.size();
  for (const LibraryInfo& lib : libraries) {
    info.functions += lib.functions.size();
    info.functions_bytes += sizeof(LibraryInfo) + lib.name.capacity() + lib.code.capacity();
    for (const lua::RegisteredFunction& f : lib.functions) {
      info.functions_bytes += sizeof(f) + f.name.capacity() + f.description.capacity();
    }
  }
  ScriptManager::CounterTotals c = mgr->SumCounters();
  info.runs_lock_ahead = c.runs_lock_ahead;
  info.runs_global = c.runs_global;
  info.runs_non_atomic = c.runs_non_atomic;
  info.async_flushes = c.async_flushes;
  info.async_commands = c.async_commands;
  info.detached_flushes = c.detached_flushes;
  info.reruns = c.reruns;
  info.rollbacks = c.rollbacks;
  info.global_fallbacks = c.global_fallbacks;
  info.predicted_keys = c.predicted_keys;
  info.predicted_keys_hit = c.predicted_keys_hit;
  info.unpredicted_keys = c.unpredicted_keys;
  return info;
}

std::string ScriptMetrics(Service* service) {
  ScriptManager* mgr = ScriptManagerOf(service);
  if (mgr == nullptr) return "";
  std::map<std::string, ScriptStats> all = MergedScriptStats(*mgr, service);
  std::string out;
  struct Counter {
    const char* name;
    const char* help;
    uint64_t ScriptStats::*field;
  };
  const Counter counters[] = {
      {"lacewing_script_calls_total", "Runs of each script.", &ScriptStats::calls},
      {"lacewing_script_errors_total", "Runs that replied an error.", &ScriptStats::errors},
      {"lacewing_script_kills_total", "Runs ended by SCRIPT/FUNCTION KILL.", &ScriptStats::kills},
      {"lacewing_script_rolled_back_total", "Runs stopped and rolled back.",
       &ScriptStats::rollbacks},
      {"lacewing_script_commands_total", "Commands the script issued.", &ScriptStats::commands},
      {"lacewing_script_shards_touched_total", "Shards the runs' commands touched, summed.",
       &ScriptStats::shards},
  };
  // Sha1s and function names need no escaping but a function name might hold a quote.
  auto label = [](const std::string& name) {
    std::string v;
    for (char c : name) {
      if (c == '\\' || c == '"') v += '\\';
      v += c == '\n' ? 'n' : c;
    }
    return "{script=\"" + v + "\"}";
  };
  for (const Counter& c : counters) {
    absl::StrAppend(&out, "# HELP ", c.name, " ", c.help, "\n# TYPE ", c.name, " counter\n");
    for (const auto& [name, s] : all)
      absl::StrAppend(&out, c.name, label(name), " ", s.*c.field, "\n");
  }
  const char* wait = "lacewing_script_lock_wait_seconds_total";
  absl::StrAppend(&out, "# HELP ", wait, " Time runs waited for their locks.\n# TYPE ", wait,
                  " counter\n");
  for (const auto& [name, s] : all) {
    absl::StrAppend(&out, wait, label(name), " ", absl::StrFormat("%.9f", s.lock_wait_ns / 1e9),
                    "\n");
  }
  const char* hist = "lacewing_script_latency_seconds";
  absl::StrAppend(&out, "# HELP ", hist, " Run time of each script.\n# TYPE ", hist,
                  " histogram\n");
  for (const auto& [name, s] : all) {
    std::string l = label(name);
    std::string inner = l.substr(1, l.size() - 2);
    for (int k = 10; k <= 34; k += 2) {
      uint64_t bound = (uint64_t(1) << k) - 1;
      absl::StrAppend(&out, hist, "_bucket{", inner, ",le=\"",
                      absl::StrFormat("%.6g", double(bound) / 1e9), "\"} ",
                      s.latency.CountAtOrBelow(bound), "\n");
    }
    absl::StrAppend(&out, hist, "_bucket{", inner, ",le=\"+Inf\"} ", s.latency.count(), "\n", hist,
                    "_sum", l, " ", absl::StrFormat("%.9f", s.latency.sum() / 1e9), "\n", hist,
                    "_count", l, " ", s.latency.count(), "\n");
  }
  return out;
}

namespace {
// SLOWLOG shows an EVAL's script (argument 1) by its SHA1 rather than by its (long) body.
bool ShowScriptBySha(size_t index, std::string_view arg, std::string* shown) {
  if (index != 1) return false;
  *shown = lua::Sha1Hex(arg);
  return true;
}
// EVAL/EVALSHA/FCALL script numkeys key... arg...: the declared keys, for the -BUSY check.
std::vector<std::string_view> ScriptKeys(CmdArgs args) {
  CmdArgs keys, argv;
  if (args.size() < 3 || !ParseKeysAndArgs(args, 2, &keys, &argv).empty()) return {};
  return {keys.begin(), keys.end()};
}

// Every script command's spec gets the same key hook.
CommandSpec ScriptSpec(std::string name, uint32_t flags, CommandHandler handler) {
  CommandSpec spec{std::move(name), -3, flags, 0, 0, 0, std::move(handler)};
  spec.busy_keys = ScriptKeys;
  return spec;
}
}  // namespace

void RegisterScriptingFamily(CommandRegistry* r) {
  using namespace cmd;
  // One manager for these commands, created here and owned by their handlers (so by the
  // registry, for the Service's lifetime).
  auto mgr = std::make_shared<ScriptManager>();
  auto handler = [&mgr](ScriptingFn fn) { return ScriptingHandler{mgr, fn}; };
  CommandSpec eval = ScriptSpec("eval", kNoScript | kStale | kMovableKeys, handler(Eval));
  eval.batch_handler = EvalBatchByBody;
  eval.slowlog_arg = ShowScriptBySha;
  r->Register(eval);
  CommandSpec evalsha = ScriptSpec("evalsha", kNoScript | kStale | kMovableKeys, handler(EvalSha));
  evalsha.batch_handler = EvalBatchBySha;
  r->Register(evalsha);
  CommandSpec eval_ro =
      ScriptSpec("eval_ro", kNoScript | kStale | kReadOnly | kMovableKeys, handler(EvalRo));
  eval_ro.slowlog_arg = ShowScriptBySha;
  r->Register(eval_ro);
  r->Register(
      ScriptSpec("evalsha_ro", kNoScript | kStale | kReadOnly | kMovableKeys, handler(EvalShaRo)));
  r->Register(ScriptSpec("fcall", kNoScript | kStale | kMovableKeys, handler(FCall)));
  r->Register(
      ScriptSpec("fcall_ro", kNoScript | kStale | kReadOnly | kMovableKeys, handler(FCallRo)));
  CommandSpec script{"script", -2, kNoScript | kNoKeyspace, 0, 0, 0, handler(ScriptCommand)};
  script.own_subcommands = {"list", "flags", "stats"};  // Lacewing's own
  r->Register(std::move(script));
  r->Register({"function", -2, kNoScript | kNoKeyspace, 0, 0, 0, handler(FunctionCommand)});
}

}  // namespace lw
