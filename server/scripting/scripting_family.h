// Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *, FUNCTION *, FCALL,
// FCALL_RO. See scripting_family.cc for how a script runs (modes, the command runner, async
// calls), script_commands.cc for SCRIPT and FUNCTION, and script_manager.h for the state.
// Thread-safety: Register at start-up; the rest from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/engine/command_registry.h"
#include "server/engine/service.h"  // ScriptingInfo

namespace lw {

class Service;
class ScriptManager;

// Registers the commands with a new ScriptManager, which their handlers own.
void RegisterScriptingFamily(CommandRegistry* registry);

// The ScriptManager of `service`'s scripting commands, or null if they are not registered.
ScriptManager* ScriptManagerOf(Service* service);

// Snapshots (ServiceConfig::function_codes / load_function): every FUNCTION library's code,
// and loading one from a snapshot (validated in a fresh interpreter, replacing a library of
// the same name); "" or the error text.
std::vector<std::string> FunctionLibraryCodes(Service* service);
std::string LoadFunctionLibrary(Service* service, std::string_view code);

// Figures for INFO (memory and stats sections).
// REQUIRES: called from a fiber or plain thread (it visits every proactor thread).
ScriptingInfo GetScriptingInfo(Service* service);

// The per-script families of GET /metrics (ServiceConfig::script_metrics), Prometheus text
// format: calls, errors, kills, rollbacks, commands, shards touched, lock wait and a latency
// histogram per script (label script="<sha or function name>").
std::string ScriptMetrics(Service* service);

}  // namespace lw
