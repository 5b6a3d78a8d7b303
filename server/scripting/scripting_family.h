// Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *, FUNCTION *, FCALL,
// FCALL_RO. See scripting_family.cc for how a script runs (modes, the command runner, async
// calls), script_commands.cc for SCRIPT and FUNCTION, and script_manager.h for the state.
// Thread-safety: Register at start-up; the rest from any thread.
#pragma once

#include <cstdint>

#include "server/engine/command_registry.h"
#include "server/engine/service.h"  // ScriptingInfo

namespace lw {

class Service;
class ScriptManager;

// Registers the commands with a new ScriptManager, which their handlers own.
void RegisterScriptingFamily(CommandRegistry* registry);

// The ScriptManager of `service`'s scripting commands, or null if they are not registered.
ScriptManager* ScriptManagerOf(Service* service);

// Figures for INFO (memory and stats sections).
// REQUIRES: called from a fiber or plain thread (it visits every proactor thread).
ScriptingInfo GetScriptingInfo(Service* service);

}  // namespace lw
