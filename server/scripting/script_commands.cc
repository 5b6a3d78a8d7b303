#include "server/scripting/script_commands.h"

#include <absl/strings/str_cat.h>

#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "lua_interp/interpreter.h"
#include "lua_interp/script_flags.h"
#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/scripting/scripting_family.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

void SendKillResult(ScriptManager::KillResult r, ConnectionContext* cntx) {
  switch (r) {
    case ScriptManager::KillResult::kKilled:
      return cntx->rb->SendOk();
    case ScriptManager::KillResult::kNotBusy:
      return cntx->rb->SendError(errors::kNotBusy);
    case ScriptManager::KillResult::kUnkillable:
      return cntx->rb->SendError(errors::kUnkillable);
  }
}

// After a flush: every thread destroys its idle interpreters, so their heaps (counted in
// used_memory) are released now rather than at each thread's next script.
void DropIdleInterpreters(ScriptManager& mgr, ConnectionContext* cntx) {
  cntx->service->pool()->AwaitFiberOnAll(
      [&mgr](io::Proactor*) { mgr.Local().interpreters.DropIdle(); });
}

bool FlushModeOk(CmdArgs args, size_t pos) {
  if (args.size() == pos) return true;
  if (args.size() > pos + 1) return false;
  return EqualsIgnoreCase(args[pos], "ASYNC") || EqualsIgnoreCase(args[pos], "SYNC");
}

void ScriptLoad(ScriptManager& mgr, std::string_view body, ConnectionContext* cntx) {
  std::string error, sha;
  const ServiceConfig& config = cntx->service->config();
  if (!mgr.Add(body, config.default_lua_flags, &sha, &error) && !error.empty()) {
    return cntx->rb->SendError(error);
  }
  // Compile now so syntax errors surface at load time, as Redis does.
  InterpreterPool& pool = mgr.Local().interpreters;
  auto pooled = pool.Acquire(mgr.script_epoch(), mgr.function_epoch());
  if (!pooled->interp->HasFunction(sha) &&
      pooled->interp->AddFunction(sha, body, &error, config.lua_auto_async) ==
          lua::Interpreter::AddResult::kCompileError) {
    pool.Release(std::move(pooled));
    return cntx->rb->SendError(error);
  }
  pool.Release(std::move(pooled));
  cntx->rb->SendBulk(sha);
}

void SendScriptHelp(ReplyBuilder* rb) {
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
  rb->SendStringArray(kHelp);
}

// SCRIPT STATS' map for one script: counts, then latency percentiles and lock waits in
// microseconds.
void SendScriptStats(const ScriptStats& s, ReplyBuilder* rb) {
  const std::pair<const char*, uint64_t> fields[] = {
      {"calls", s.calls},
      {"errors", s.errors},
      {"kills", s.kills},
      {"rollbacks", s.rollbacks},
      {"commands", s.commands},
      {"shards_touched", s.shards},
      {"lock_wait_usec", s.lock_wait_ns / 1000},
      {"usec_p50", s.latency.Percentile(0.5) / 1000},
      {"usec_p99", s.latency.Percentile(0.99) / 1000},
      {"usec_p99.9", s.latency.Percentile(0.999) / 1000},
      {"usec_max", s.latency.max() / 1000},
  };
  rb->StartMap(std::size(fields));
  for (const auto& [name, v] : fields) {
    rb->SendBulk(name);
    rb->SendLong(int64_t(v));
  }
}

// SCRIPT STATS [sha|function]: every script's map by name, or one script's (null if it never
// ran).
void ScriptStatsCommand(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx) {
  std::map<std::string, ScriptStats> all = MergedScriptStats(mgr, cntx->service);
  ReplyBuilder* rb = cntx->rb;
  if (args.size() == 3) {
    auto it = all.find(std::string(args[2]));
    if (it == all.end()) it = all.find(AsciiLower(args[2]));  // a sha in upper case
    if (it == all.end()) return rb->SendNull();
    return SendScriptStats(it->second, rb);
  }
  rb->StartMap(all.size());
  for (const auto& [name, s] : all) {
    rb->SendBulk(name);
    SendScriptStats(s, rb);
  }
}

}  // namespace

std::map<std::string, ScriptStats> MergedScriptStats(ScriptManager& mgr, Service* service) {
  std::map<std::string, ScriptStats> out;
  std::mutex mu;  // INFO-time merge, never on the run path
  service->pool()->AwaitBriefOnAll([&](io::Proactor*) {
    const auto& mine = mgr.Local().stats;
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& [name, s] : mine) out[name].Merge(s);
  });
  return out;
}

void ScriptCommand(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string sub = AsciiUpper(args[1]);
  if (sub == "LOAD" && args.size() == 3) return ScriptLoad(mgr, args[2], cntx);
  if (sub == "EXISTS" && args.size() >= 3) {
    rb->StartArray(args.size() - 2);
    for (size_t i = 2; i < args.size(); ++i) rb->SendLong(mgr.Exists(AsciiLower(args[i])) ? 1 : 0);
    return;
  }
  if (sub == "FLUSH") {
    if (!FlushModeOk(args, 2)) return rb->SendError(errors::kScriptFlushOption);
    mgr.Flush();
    DropIdleInterpreters(mgr, cntx);
    return rb->SendOk();
  }
  if (sub == "KILL" && args.size() == 2) {
    return SendKillResult(mgr.KillRunning(cntx->service->pool(), false), cntx);
  }
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
      if (!parsed) return rb->SendError(errors::UnknownScriptFlag(bad));
      flags |= *parsed;
    }
    mgr.SetFlagsOverride(AsciiLower(args[2]), flags);
    return rb->SendOk();
  }
  if (sub == "STATS" && args.size() <= 3) return ScriptStatsCommand(mgr, args, cntx);
  if (sub == "HELP" && args.size() == 2) return SendScriptHelp(rb);
  if (sub == "LOAD" || sub == "EXISTS" || sub == "KILL" || sub == "LIST" || sub == "FLAGS" ||
      sub == "HELP") {
    return rb->SendError(errors::WrongArity("script|" + AsciiLower(sub)));
  }
  rb->SendError(errors::UnknownSubcommand(args[1], "SCRIPT"));
}

namespace {

// FUNCTION LOAD validates the library in a fresh interpreter, then stores it; every thread's
// interpreters load it lazily on the first FCALL (the function epoch retires stale ones).
void FunctionLoad(ScriptManager& mgr, std::string_view code, bool replace,
                  ConnectionContext* cntx) {
  lua::Interpreter scratch;
  scratch.SetMemoryLimit(
      size_t(cntx->service->runtime().lua_heap_limit.load(std::memory_order_relaxed)));
  LibraryInfo lib;
  std::string error;
  if (!scratch.LoadLibrary(code, &lib.name, &lib.functions, &error)) {
    return cntx->rb->SendError(error);
  }
  lib.code = std::string(code);
  std::string name = lib.name;
  std::string stored = mgr.StoreLibrary(std::move(lib), replace);
  if (!stored.empty()) return cntx->rb->SendError(stored);
  cntx->rb->SendBulk(name);
}

}  // namespace

std::vector<std::string> FunctionLibraryCodes(Service* service) {
  std::vector<std::string> out;
  ScriptManager* mgr = ScriptManagerOf(service);
  if (mgr == nullptr) return out;
  for (const LibraryInfo& lib : mgr->Libraries()) out.push_back(lib.code);
  return out;
}

std::string LoadFunctionLibrary(Service* service, std::string_view code) {
  ScriptManager* mgr = ScriptManagerOf(service);
  if (mgr == nullptr) return "scripting is not available";
  lua::Interpreter scratch;
  LibraryInfo lib;
  std::string error;
  if (!scratch.LoadLibrary(code, &lib.name, &lib.functions, &error)) return error;
  lib.code = std::string(code);
  return mgr->StoreLibrary(std::move(lib), true);
}

namespace {

// FUNCTION DUMP payload: "LWFN1" then, per library, "<len>\n<code>".
constexpr std::string_view kDumpMagic = "LWFN1";

// One function of FUNCTION LIST: name, description, flags.
void SendFunctionEntry(const lua::RegisteredFunction& f, ReplyBuilder* rb) {
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

// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE].
void FunctionList(ScriptManager& mgr, CmdArgs args, ReplyBuilder* rb) {
  bool with_code = false;
  std::string pattern;
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "WITHCODE")) {
      with_code = true;
    } else if (EqualsIgnoreCase(args[i], "LIBRARYNAME") && i + 1 < args.size()) {
      pattern = std::string(args[++i]);
    } else {
      return rb->SendError(errors::UnknownArgument(args[i]));
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
    for (const auto& f : lib->functions) SendFunctionEntry(f, rb);
    if (with_code) {
      rb->SendBulk("library_code");
      rb->SendBulk(lib->code);
    }
  }
}

void FunctionDump(ScriptManager& mgr, ReplyBuilder* rb) {
  std::string payload(kDumpMagic);
  for (const LibraryInfo& lib : mgr.Libraries()) {
    absl::StrAppend(&payload, lib.code.size(), "\n");
    payload += lib.code;
  }
  rb->SendBulk(payload);
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: every library is validated before any is
// stored.
void FunctionRestore(ScriptManager& mgr, CmdArgs args, ReplyBuilder* rb) {
  std::string policy = args.size() == 4 ? AsciiUpper(args[3]) : "APPEND";
  if (policy != "APPEND" && policy != "REPLACE" && policy != "FLUSH") {
    return rb->SendError(errors::kRestorePolicy);
  }
  std::string_view payload = args[2];
  if (payload.substr(0, kDumpMagic.size()) != kDumpMagic) {
    return rb->SendError(errors::kBadFunctionPayload);
  }
  payload.remove_prefix(kDumpMagic.size());
  std::vector<LibraryInfo> libs;
  while (!payload.empty()) {
    size_t nl = payload.find('\n');
    int64_t len;
    if (nl == std::string_view::npos || !ParseRedisInt(payload.substr(0, nl), &len) || len < 0 ||
        size_t(len) > payload.size() - nl - 1) {
      return rb->SendError(errors::kBadFunctionPayload);
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
  rb->SendOk();
}

void FunctionStats(ScriptManager& mgr, ReplyBuilder* rb) {
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
}

void SendFunctionHelp(ReplyBuilder* rb) {
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
  rb->SendStringArray(kHelp);
}

}  // namespace

void FunctionCommand(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string sub = AsciiUpper(args[1]);
  if (sub == "LOAD") {
    if (args.size() == 3) return FunctionLoad(mgr, args[2], false, cntx);
    if (args.size() == 4 && EqualsIgnoreCase(args[2], "REPLACE")) {
      return FunctionLoad(mgr, args[3], true, cntx);
    }
    if (args.size() == 4) return rb->SendError(errors::UnknownOptionGiven(args[2]));
    return rb->SendError(errors::WrongArity("function|load"));
  }
  if (sub == "DELETE" && args.size() == 3) {
    if (!mgr.DeleteLibrary(args[2])) return rb->SendError(errors::kLibraryNotFound);
    return rb->SendOk();
  }
  if (sub == "FLUSH") {
    if (!FlushModeOk(args, 2)) return rb->SendError(errors::kFunctionFlushOption);
    mgr.FlushLibraries();
    DropIdleInterpreters(mgr, cntx);
    return rb->SendOk();
  }
  if (sub == "KILL" && args.size() == 2) {
    return SendKillResult(mgr.KillRunning(cntx->service->pool(), true), cntx);
  }
  if (sub == "LIST") return FunctionList(mgr, args, rb);
  if (sub == "DUMP" && args.size() == 2) return FunctionDump(mgr, rb);
  if (sub == "RESTORE" && (args.size() == 3 || args.size() == 4)) {
    return FunctionRestore(mgr, args, rb);
  }
  if (sub == "STATS" && args.size() == 2) return FunctionStats(mgr, rb);
  if (sub == "HELP" && args.size() == 2) return SendFunctionHelp(rb);
  if (sub == "DELETE" || sub == "KILL" || sub == "DUMP" || sub == "RESTORE" || sub == "STATS" ||
      sub == "HELP") {
    return rb->SendError(errors::WrongArity("function|" + AsciiLower(sub)));
  }
  rb->SendError(errors::UnknownSubcommand(args[1], "FUNCTION"));
}

}  // namespace lw
