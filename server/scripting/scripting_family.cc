// How a script runs (DESIGN.md, "How a script runs"):
//   1. EVAL/EVALSHA/FCALL find the script (ScriptManager) and borrow an interpreter of this
//      thread (InterpreterPool), compiling the script there on first use.
//   2. The mode comes from the script's effective flags: lock-ahead (default), global
//      (allow-undeclared-keys) or non-atomic (disable-atomicity).
//   3. The interpreter runs the script; every redis.* call goes to a CommandRunner, which
//      dispatches it as a command. The count hook checks for SCRIPT KILL and, where atomicity
//      does not depend on holding the thread, yields the fiber so the thread keeps serving.
//   4. The result is written in the client's protocol; a failed async flush replaces it.
#include "server/scripting/scripting_family.h"

#include <absl/strings/str_cat.h>

#include <atomic>
#include <chrono>
#include <optional>

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
#include "server/scripting/lua_bridge.h"
#include "server/scripting/script_manager.h"
#include "server/scripting/script_runner.h"
#include "server/types/arg_utils.h"
#include "transaction/transaction.h"

namespace lw {

namespace {

ScriptManager& Manager(ConnectionContext* cntx) {
  return cntx->service->FamilyState<ScriptManager>();
}

ScriptMode ModeOf(uint32_t flags) {
  if (flags & lua::kScriptDisableAtomicity) return ScriptMode::kNonAtomic;
  if (flags & lua::kScriptAllowUndeclaredKeys) return ScriptMode::kGlobal;
  return ScriptMode::kLockAhead;
}

// Parses "numkeys key... arg..." starting at args[pos]. Replies with the error and returns
// false on bad input.
bool SplitKeysAndArgs(CmdArgs args, size_t pos, ConnectionContext* cntx, CmdArgs* keys,
                      CmdArgs* argv) {
  int64_t numkeys;
  if (!ParseRedisInt(args[pos], &numkeys)) {
    cntx->rb->SendError(errors::kNotInteger);
    return false;
  }
  if (numkeys < 0) {
    cntx->rb->SendError("ERR Number of keys can't be negative");
    return false;
  }
  if (uint64_t(numkeys) > args.size() - pos - 1) {
    cntx->rb->SendError("ERR Number of keys can't be greater than number of args");
    return false;
  }
  *keys = args.subspan(pos + 1, size_t(numkeys));
  *argv = args.subspan(pos + 1 + size_t(numkeys));
  return true;
}

// What to run: an EVAL script (by sha) or a FUNCTION (by name).
struct Target {
  bool is_function = false;
  std::string name;  // sha or function name
  std::shared_ptr<const ScriptInfo> script;
  std::shared_ptr<const LibraryInfo> library;
  uint32_t flags = 0;
};

// Runs the script on the calling thread's interpreters: compiles it there if needed, holds
// its locks (lazily, see ScriptLocks), runs it and flushes its async calls. On success the
// result is in *result; otherwise *error holds the error reply.
// `prepared`: the script's locks, created by the caller (a pipelined batch schedules them in
// request order before any script runs); null to create them here.
bool RunOnThisThread(const Target& target, CmdArgs keys, CmdArgs argv, ScriptMode mode,
                     bool read_only, tx::EngineShard* direct_shard, ConnectionContext* cntx,
                     ReplyBuilder* result, std::string* error,
                     std::unique_ptr<ScriptLocks> prepared = nullptr,
                     std::function<void()> before_keyless = nullptr) {
  ScriptManager& mgr = Manager(cntx);
  InterpreterPool& pool = InterpreterPool::ForThisThread(&mgr);
  std::unique_ptr<PooledInterpreter> pooled = pool.Acquire();
  lua::Interpreter* interp = pooled->interp.get();

  if (target.is_function) {
    if (!pooled->libraries.contains(target.library->name)) {
      std::string lib_name;
      std::vector<lua::RegisteredFunction> fns;
      if (!interp->LoadLibrary(target.library->code, &lib_name, &fns, error)) {
        pool.Release(std::move(pooled));
        return false;
      }
      pooled->libraries.insert(target.library->name);
    }
  } else if (!interp->HasFunction(target.name)) {
    auto added = interp->AddFunction(target.name, target.script->body, error, mgr.auto_async());
    if (added == lua::Interpreter::AddResult::kCompileError) {
      pool.Release(std::move(pooled));
      return false;
    }
  }

  // Atomicity comes from locks, not from holding the thread: lock-ahead locks the declared
  // keys (shared for read-only scripts), global mode every shard. Inside MULTI/EXEC the
  // EXEC's transaction already holds them.
  std::unique_ptr<ScriptLocks> owned_locks =
      prepared ? std::move(prepared)
               : std::make_unique<ScriptLocks>(cntx, mode, keys, read_only, direct_shard);
  ScriptLocks& locks = *owned_locks;

  // Long scripts answer -BUSY to commands that would wait for their keys (busy_registry.h).
  uint64_t busy_id = 0;
  if (mode != ScriptMode::kNonAtomic) {
    BusyRegistry::Entry busy;
    busy.global = mode == ScriptMode::kGlobal;
    busy.is_function = target.is_function;
    busy.db = cntx->db_index;
    busy.keys.assign(keys.begin(), keys.end());
    busy.start_ms = BusyRegistry::NowMs();
    busy_id = cntx->service->busy().Add(std::move(busy));
  }

  RunningScript running;
  running.is_function = target.is_function;
  running.name = target.name;
  mgr.Register(&running);
  CommandRunner runner(cntx, mode, read_only, keys, &running, &mgr, &locks, direct_shard);
  runner.set_allow_oom(target.flags & lua::kScriptAllowOom);
  runner.set_before_keyless(std::move(before_keyless));
  // The hook runs every thousand Lua instructions: it ends a killed script and yields the
  // fiber, so this thread keeps serving every command that does not need the script's keys.
  interp->SetHook([&running] {
    if (running.kill_requested.load(std::memory_order_relaxed)) return true;
    io::this_fiber::Yield();
    return false;
  });

  BuilderReplyWriter writer(result);
  lua::Interpreter::RunStatus status =
      target.is_function ? interp->CallFunction(target.name, keys, argv, &runner, &writer, error)
                         : interp->RunFunction(target.name, keys, argv, &runner, &writer, error);
  std::string flush_error = runner.FlushAsync(/*final=*/true);
  locks.Release();
  if (busy_id != 0) cntx->service->busy().Remove(busy_id);
  mgr.Unregister(&running);
  pool.Release(std::move(pooled));

  if (status != lua::Interpreter::RunStatus::kOk) return false;
  if (!flush_error.empty()) {
    *error = flush_error;
    return false;
  }
  return true;
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

void Run(const Target& target, CmdArgs keys, CmdArgs argv, bool read_only_cmd,
         ConnectionContext* cntx) {
  // A script that declares its flags must declare no-writes to run under *_RO; a legacy
  // script may, and fails at its first write instead.
  bool declared = target.is_function || target.script->flags_declared;
  if (read_only_cmd && declared && !(target.flags & lua::kScriptNoWrites)) {
    return cntx->rb->SendError("ERR Can not execute a script with write flag using *_ro command.");
  }
  // maxmemory (Redis 7): over the limit, a script with declared flags starts only if it is
  // allow-oom or no-writes; a legacy script starts and its denyoom calls fail (script_runner).
  if (declared && !read_only_cmd &&
      !(target.flags & (lua::kScriptAllowOom | lua::kScriptNoWrites)) &&
      cntx->service->OomRefuses()) {
    return cntx->rb->SendError(errors::kOom);
  }
  ScriptMode mode = ModeOf(target.flags);
  bool read_only = read_only_cmd || (target.flags & lua::kScriptNoWrites);
  ScriptManager& mgr = Manager(cntx);
  switch (mode) {
    case ScriptMode::kLockAhead:
      mgr.runs_lock_ahead.fetch_add(1);
      break;
    case ScriptMode::kGlobal:
      mgr.runs_global.fetch_add(1);
      break;
    case ScriptMode::kNonAtomic:
      mgr.runs_non_atomic.fetch_add(1);
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
  auto run_here = [&](tx::EngineShard* direct_shard) {
    ok = RunOnThisThread(target, keys, argv, mode, read_only, direct_shard, cntx, &result, &error);
  };
  if (home && !shards.tx()->IsLocal(*home)) {
    shards.tx()->proactor(*home)->AwaitFiber([&] { run_here(tx::EngineShard::Current()); });
  } else {
    run_here(home ? tx::EngineShard::Current() : nullptr);
  }
  if (!ok) return cntx->rb->SendError(error);
  cntx->rb->buffer().append(result.buffer());
}

// Finds the script of an EVAL (adding it) or EVALSHA; false with the error reply in *error.
bool ResolveScript(CmdArgs args, bool by_sha, ConnectionContext* cntx, Target* target,
                   std::string* error) {
  ScriptManager& mgr = Manager(cntx);
  if (by_sha) {
    target->name = AsciiLower(args[1]);
    target->script = target->name.size() == 40 ? mgr.Get(target->name) : nullptr;
  } else {
    auto sha = mgr.Add(args[1], error);
    if (!sha) return false;
    target->name = *sha;
    target->script = mgr.Get(*sha);  // null if flushed meanwhile
  }
  if (!target->script) {
    *error = lua::kErrNoScript;
    return false;
  }
  target->flags = target->script->flags;
  return true;
}

void EvalGeneric(CmdArgs args, ConnectionContext* cntx, bool by_sha, bool read_only) {
  CmdArgs keys, argv;
  if (!SplitKeysAndArgs(args, 2, cntx, &keys, &argv)) return;
  Target target;
  std::string error;
  if (!ResolveScript(args, by_sha, cntx, &target, &error)) return cntx->rb->SendError(error);
  Run(target, keys, argv, read_only, cntx);
}

// ---- Pipelined EVAL / EVALSHA (the batch handler, see command_registry.h). ----
//
// A client that pipelines scripts waits for none of them, so consecutive scripts may run at
// once, one per thread, when nobody can tell: each must be a lock-ahead script over keys on
// several shards, outside MULTI. Their transactions are scheduled here, in request order,
// before any of them runs; every shard then orders their hops as if the scripts had run one
// after another (a later script's command on a key waits for the earlier script to finish
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
bool Pipelinable(CmdArgs args, bool by_sha, ConnectionContext* cntx, PipelinedScript* out) {
  if (cntx->multi_tx != nullptr || cntx->service->shards().size() < 2) return false;
  int64_t numkeys;
  if (args.size() < 3 || !ParseRedisInt(args[2], &numkeys) || numkeys < 2 ||
      uint64_t(numkeys) > args.size() - 3) {
    return false;
  }
  out->keys = args.subspan(3, size_t(numkeys));
  out->argv = args.subspan(3 + size_t(numkeys));
  std::string error;
  if (!ResolveScript(args, by_sha, cntx, &out->target, &error)) return false;
  if (ModeOf(out->target.flags) != ScriptMode::kLockAhead) return false;
  // Over maxmemory, Run() may refuse the script: let it, through Dispatch.
  if (out->target.script->flags_declared && cntx->service->OomRefuses()) return false;
  // Keys on one shard: Run() takes the script to that shard's thread instead.
  return !HomeShard(cntx->service->shards(), out->keys).has_value();
}

void RunPipelinedGroup(std::vector<std::unique_ptr<PipelinedScript>>* group,
                       const CommandSpec* spec, ConnectionContext* cntx) {
  if (group->empty()) return;
  ScriptManager& mgr = Manager(cntx);
  io::ProactorPool* pool = cntx->service->pool();
  const size_t here = io::Proactor::Current()->index();
  auto run = [cntx, group](size_t index) {
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
    auto start = std::chrono::steady_clock::now();
    s->start_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
    s->ok = RunOnThisThread(s->target, s->keys, s->argv, ScriptMode::kLockAhead,
                            /*read_only=*/s->target.flags & lua::kScriptNoWrites,
                            /*direct_shard=*/nullptr, cntx, &s->result, &s->error,
                            std::move(s->locks), before_keyless);
    s->usec = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    s->finished.Notify();
  };
  // Schedule every transaction in request order first.
  for (auto& s : *group) {
    mgr.runs_lock_ahead.fetch_add(1, std::memory_order_relaxed);
    bool read_only = s->target.flags & lua::kScriptNoWrites;
    s->locks =
        std::make_unique<ScriptLocks>(cntx, ScriptMode::kLockAhead, s->keys, read_only, nullptr);
  }
  // Every transaction must sit after the previous script's. A shard may refuse a request
  // that arrives late, and the retry takes a newer id — younger than the scripts begun after
  // it; those are then scheduled again, one by one, each after the one before (rare).
  bool reorder = false;
  for (auto& s : *group) {
    if (reorder) {
      s->locks->Reschedule();
    } else {
      reorder = s->locks->AwaitScheduled();
    }
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
      cntx->rb->buffer().append(s->result.buffer());
    } else {
      cntx->rb->SendError(s->error);
    }
    cntx->service->RecordCall(*spec, s->request, s->start_ns, s->usec, !s->ok, cntx);
  }
  group->clear();
}

void EvalBatch(std::span<const CmdArgs> requests, ConnectionContext* cntx, bool by_sha) {
  const CommandSpec* spec = cntx->service->registry().Find(requests[0][0]);
  std::vector<std::unique_ptr<PipelinedScript>> group;
  for (CmdArgs args : requests) {
    auto s = std::make_unique<PipelinedScript>(cntx->rb->resp_version());
    s->request = args;
    if (Pipelinable(args, by_sha, cntx, s.get())) {
      group.push_back(std::move(s));
      if (group.size() == kMaxPipelinedGroup) RunPipelinedGroup(&group, spec, cntx);
      continue;
    }
    RunPipelinedGroup(&group, spec, cntx);
    cntx->service->DispatchSpec(spec, args, cntx);
  }
  RunPipelinedGroup(&group, spec, cntx);
}

void EvalBatchByBody(std::span<const CmdArgs> requests, ConnectionContext* cntx) {
  EvalBatch(requests, cntx, false);
}
void EvalBatchBySha(std::span<const CmdArgs> requests, ConnectionContext* cntx) {
  EvalBatch(requests, cntx, true);
}

void Eval(CmdArgs args, ConnectionContext* cntx) { EvalGeneric(args, cntx, false, false); }
void EvalSha(CmdArgs args, ConnectionContext* cntx) { EvalGeneric(args, cntx, true, false); }
void EvalRo(CmdArgs args, ConnectionContext* cntx) { EvalGeneric(args, cntx, false, true); }
void EvalShaRo(CmdArgs args, ConnectionContext* cntx) { EvalGeneric(args, cntx, true, true); }

void FCallGeneric(CmdArgs args, ConnectionContext* cntx, bool read_only) {
  CmdArgs keys, argv;
  if (!SplitKeysAndArgs(args, 2, cntx, &keys, &argv)) return;
  Target target;
  target.is_function = true;
  target.name = std::string(args[1]);
  lua::RegisteredFunction fn;
  target.library = Manager(cntx).FindFunction(target.name, &fn);
  if (!target.library) return cntx->rb->SendError("ERR Function not found");
  target.flags = fn.flags;
  Run(target, keys, argv, read_only, cntx);
}

void FCall(CmdArgs args, ConnectionContext* cntx) { FCallGeneric(args, cntx, false); }
void FCallRo(CmdArgs args, ConnectionContext* cntx) { FCallGeneric(args, cntx, true); }

void SendKillResult(ScriptManager::KillResult r, ConnectionContext* cntx) {
  switch (r) {
    case ScriptManager::KillResult::kKilled:
      return cntx->rb->SendOk();
    case ScriptManager::KillResult::kNotBusy:
      return cntx->rb->SendError("NOTBUSY No scripts in execution right now.");
    case ScriptManager::KillResult::kUnkillable:
      return cntx->rb->SendError(
          "UNKILLABLE Sorry the script already executed write commands against the dataset. "
          "You can either wait the script termination or kill the server in a hard way using "
          "the SHUTDOWN NOSAVE command.");
  }
}

bool FlushModeOk(CmdArgs args, size_t pos) {
  if (args.size() == pos) return true;
  if (args.size() > pos + 1) return false;
  return EqualsIgnoreCase(args[pos], "ASYNC") || EqualsIgnoreCase(args[pos], "SYNC");
}

void Script(CmdArgs args, ConnectionContext* cntx) {
  ScriptManager& mgr = Manager(cntx);
  ReplyBuilder* rb = cntx->rb;
  std::string sub = AsciiUpper(args[1]);
  if (sub == "LOAD" && args.size() == 3) {
    std::string error;
    auto sha = mgr.Add(args[2], &error);
    if (!sha) return rb->SendError(error);
    // Compile now so syntax errors surface at load time, as Redis does.
    InterpreterPool& pool = InterpreterPool::ForThisThread(&mgr);
    auto pooled = pool.Acquire();
    if (!pooled->interp->HasFunction(*sha) &&
        pooled->interp->AddFunction(*sha, args[2], &error, mgr.auto_async()) ==
            lua::Interpreter::AddResult::kCompileError) {
      pool.Release(std::move(pooled));
      return rb->SendError(error);
    }
    pool.Release(std::move(pooled));
    return rb->SendBulk(*sha);
  }
  if (sub == "EXISTS" && args.size() >= 3) {
    rb->StartArray(args.size() - 2);
    for (size_t i = 2; i < args.size(); ++i) rb->SendLong(mgr.Exists(AsciiLower(args[i])) ? 1 : 0);
    return;
  }
  if (sub == "FLUSH") {
    if (!FlushModeOk(args, 2))
      return rb->SendError("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    mgr.Flush();
    return rb->SendOk();
  }
  if (sub == "KILL" && args.size() == 2) return SendKillResult(mgr.KillRunning(false), cntx);
  if (sub == "LIST" && args.size() == 2) {
    auto all = mgr.List();
    rb->StartArray(all.size());
    for (const auto& [sha, body] : all) {
      rb->StartArray(2);
      rb->SendBulk(sha);
      rb->SendBulk(body);
    }
    return;
  }
  if (sub == "FLAGS" && args.size() >= 3) {
    uint32_t flags = 0;
    for (size_t i = 3; i < args.size(); ++i) {
      std::string bad;
      auto parsed = lua::ParseFlagList(args[i], &bad);
      if (!parsed) return rb->SendError("ERR Unknown flag: " + bad);
      flags |= *parsed;
    }
    mgr.SetFlagsOverride(AsciiLower(args[2]), flags);
    return rb->SendOk();
  }
  if (sub == "LATENCY" && args.size() == 2) return rb->SendEmptyArray();
  if (sub == "HELP" && args.size() == 2) {
    static constexpr std::string_view kHelp[] = {
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLAGS <sha1> [<flag> ...]",
        "    Override the flags of a script (loaded now or later).",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LIST",
        "    List the cached scripts as [sha1, body] pairs.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Print this help.",
    };
    return rb->SendStringArray(kHelp);
  }
  if (sub == "LOAD" || sub == "EXISTS" || sub == "KILL" || sub == "LIST" || sub == "FLAGS" ||
      sub == "LATENCY" || sub == "HELP") {
    return rb->SendError(errors::WrongArity("script|" + AsciiLower(sub)));
  }
  rb->SendError(errors::UnknownSubcommand(args[1], "SCRIPT"));
}

// FUNCTION LOAD validates the library in a fresh interpreter, then stores it; every thread's
// interpreters load it lazily on the first FCALL (the function epoch retires stale ones).
void FunctionLoad(std::string_view code, bool replace, ConnectionContext* cntx) {
  lua::Interpreter scratch;
  LibraryInfo lib;
  std::string error;
  if (!scratch.LoadLibrary(code, &lib.name, &lib.functions, &error)) {
    return cntx->rb->SendError(error);
  }
  lib.code = std::string(code);
  std::string name = lib.name;
  std::string stored = Manager(cntx).StoreLibrary(std::move(lib), replace);
  if (!stored.empty()) return cntx->rb->SendError(stored);
  cntx->rb->SendBulk(name);
}

// FUNCTION DUMP payload: "LWFN1" then, per library, "<len>\n<code>".
constexpr std::string_view kDumpMagic = "LWFN1";

void Function(CmdArgs args, ConnectionContext* cntx) {
  ScriptManager& mgr = Manager(cntx);
  ReplyBuilder* rb = cntx->rb;
  std::string sub = AsciiUpper(args[1]);
  if (sub == "LOAD") {
    if (args.size() == 3) return FunctionLoad(args[2], false, cntx);
    if (args.size() == 4 && EqualsIgnoreCase(args[2], "REPLACE")) {
      return FunctionLoad(args[3], true, cntx);
    }
    if (args.size() == 4) return rb->SendError("ERR Unknown option given: " + std::string(args[2]));
    return rb->SendError(errors::WrongArity("function|load"));
  }
  if (sub == "DELETE" && args.size() == 3) {
    if (!mgr.DeleteLibrary(args[2])) return rb->SendError("ERR Library not found");
    return rb->SendOk();
  }
  if (sub == "FLUSH") {
    if (!FlushModeOk(args, 2))
      return rb->SendError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    mgr.FlushLibraries();
    return rb->SendOk();
  }
  if (sub == "KILL" && args.size() == 2) return SendKillResult(mgr.KillRunning(true), cntx);
  if (sub == "LIST") {
    bool with_code = false;
    std::string pattern;
    for (size_t i = 2; i < args.size(); ++i) {
      if (EqualsIgnoreCase(args[i], "WITHCODE")) {
        with_code = true;
      } else if (EqualsIgnoreCase(args[i], "LIBRARYNAME") && i + 1 < args.size()) {
        pattern = std::string(args[++i]);
      } else {
        return rb->SendError("ERR Unknown argument " + std::string(args[i]));
      }
    }
    std::vector<LibraryInfo> libs = mgr.Libraries();
    std::vector<const LibraryInfo*> shown;
    for (const LibraryInfo& lib : libs) {
      // LIBRARYNAME filters by substring-style glob; a plain name matches itself.
      if (pattern.empty() || lib.name.find(pattern) != std::string::npos) shown.push_back(&lib);
    }
    rb->StartArray(shown.size());
    for (const LibraryInfo* lib : shown) {
      rb->StartMap(with_code ? 4 : 3);
      rb->SendBulk("library_name");
      rb->SendBulk(lib->name);
      rb->SendBulk("engine");
      rb->SendBulk("LUA");
      rb->SendBulk("functions");
      rb->StartArray(lib->functions.size());
      for (const auto& f : lib->functions) {
        rb->StartMap(3);
        rb->SendBulk("name");
        rb->SendBulk(f.name);
        rb->SendBulk("description");
        if (f.description.empty()) {
          rb->SendNull();
        } else {
          rb->SendBulk(f.description);
        }
        rb->SendBulk("flags");
        std::string names = lua::FlagsToString(f.flags);
        std::vector<std::string> parts;
        for (size_t start = 0; start < names.size();) {
          size_t comma = names.find(',', start);
          if (comma == std::string::npos) comma = names.size();
          parts.push_back(names.substr(start, comma - start));
          start = comma + 1;
        }
        rb->StartSet(parts.size());
        for (const auto& p : parts) rb->SendBulk(p);
      }
      if (with_code) {
        rb->SendBulk("library_code");
        rb->SendBulk(lib->code);
      }
    }
    return;
  }
  if (sub == "DUMP" && args.size() == 2) {
    std::string payload(kDumpMagic);
    for (const LibraryInfo& lib : mgr.Libraries()) {
      absl::StrAppend(&payload, lib.code.size(), "\n");
      payload += lib.code;
    }
    return rb->SendBulk(payload);
  }
  if (sub == "RESTORE" && (args.size() == 3 || args.size() == 4)) {
    std::string policy = args.size() == 4 ? AsciiUpper(args[3]) : "APPEND";
    if (policy != "APPEND" && policy != "REPLACE" && policy != "FLUSH") {
      return rb->SendError(
          "ERR Wrong restore policy given, value should be either FLUSH, "
          "APPEND or REPLACE.");
    }
    std::string_view payload = args[2];
    if (payload.substr(0, kDumpMagic.size()) != kDumpMagic) {
      return rb->SendError("ERR payload version or checksum are wrong");
    }
    payload.remove_prefix(kDumpMagic.size());
    std::vector<LibraryInfo> libs;
    while (!payload.empty()) {
      size_t nl = payload.find('\n');
      int64_t len;
      if (nl == std::string_view::npos || !ParseRedisInt(payload.substr(0, nl), &len) || len < 0 ||
          size_t(len) > payload.size() - nl - 1) {
        return rb->SendError("ERR payload version or checksum are wrong");
      }
      LibraryInfo lib;
      lib.code = std::string(payload.substr(nl + 1, size_t(len)));
      payload.remove_prefix(nl + 1 + size_t(len));
      lua::Interpreter scratch;
      std::string error;
      if (!scratch.LoadLibrary(lib.code, &lib.name, &lib.functions, &error)) {
        return rb->SendError(error);
      }
      libs.push_back(std::move(lib));
    }
    if (policy == "FLUSH") mgr.FlushLibraries();
    for (LibraryInfo& lib : libs) {
      std::string err = mgr.StoreLibrary(std::move(lib), policy != "APPEND");
      if (!err.empty()) return rb->SendError(err);
    }
    return rb->SendOk();
  }
  if (sub == "STATS" && args.size() == 2) {
    std::vector<LibraryInfo> libs = mgr.Libraries();
    size_t functions = 0;
    for (const auto& lib : libs) functions += lib.functions.size();
    rb->StartMap(2);
    rb->SendBulk("running_script");
    rb->SendNull();
    rb->SendBulk("engines");
    rb->StartMap(1);
    rb->SendBulk("LUA");
    rb->StartMap(2);
    rb->SendBulk("libraries_count");
    rb->SendLong(int64_t(libs.size()));
    rb->SendBulk("functions_count");
    rb->SendLong(int64_t(functions));
    return;
  }
  if (sub == "HELP" && args.size() == 2) {
    static constexpr std::string_view kHelp[] = {
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "DELETE <LIBRARY NAME>",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "FLUSH [ASYNC|SYNC]",
        "DUMP",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "KILL",
        "STATS",
        "HELP",
    };
    return rb->SendStringArray(kHelp);
  }
  if (sub == "DELETE" || sub == "KILL" || sub == "DUMP" || sub == "RESTORE" || sub == "STATS" ||
      sub == "HELP") {
    return rb->SendError(errors::WrongArity("function|" + AsciiLower(sub)));
  }
  rb->SendError(errors::UnknownSubcommand(args[1], "FUNCTION"));
}

}  // namespace

ScriptingInfo GetScriptingInfo(Service* service) {
  ScriptManager& mgr = service->FamilyState<ScriptManager>();
  ScriptingInfo info;
  std::atomic<uint64_t> lua_bytes{0};
  service->pool()->AwaitBriefOnAll([&](io::Proactor*) {
    lua_bytes.fetch_add(InterpreterPool::ForThisThread(&mgr).IdleMemory());
  });
  info.used_memory_lua = lua_bytes.load();
  info.cached_scripts = mgr.size();
  info.libraries = mgr.Libraries().size();
  info.runs_lock_ahead = mgr.runs_lock_ahead.load();
  info.runs_global = mgr.runs_global.load();
  info.runs_non_atomic = mgr.runs_non_atomic.load();
  info.async_flushes = mgr.async_flushes.load();
  info.async_commands = mgr.async_commands.load();
  info.detached_flushes = mgr.detached_flushes.load();
  return info;
}

void RegisterScriptingFamily(CommandRegistry* r) {
  using namespace cmd;
  CommandSpec eval{"eval", -3, kNoScript | kStale, 0, 0, 0, Eval};
  eval.batch_handler = EvalBatchByBody;
  r->Register(eval);
  CommandSpec evalsha{"evalsha", -3, kNoScript | kStale, 0, 0, 0, EvalSha};
  evalsha.batch_handler = EvalBatchBySha;
  r->Register(evalsha);
  r->Register({"eval_ro", -3, kNoScript | kStale | kReadOnly, 0, 0, 0, EvalRo});
  r->Register({"evalsha_ro", -3, kNoScript | kStale | kReadOnly, 0, 0, 0, EvalShaRo});
  r->Register({"fcall", -3, kNoScript | kStale, 0, 0, 0, FCall});
  r->Register({"fcall_ro", -3, kNoScript | kStale | kReadOnly, 0, 0, 0, FCallRo});
  r->Register({"script", -2, kNoScript, 0, 0, 0, Script});
  r->Register({"function", -2, kNoScript, 0, 0, 0, Function});
}

}  // namespace lw
