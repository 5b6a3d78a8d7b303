// Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *, FUNCTION *, FCALL,
// FCALL_RO. See scripting_family.cc for how a script runs (modes, the command runner, async
// calls) and script_manager.h for the shared state.
#pragma once

#include <cstdint>

#include "server/engine/command_registry.h"
#include "server/engine/service.h"  // ScriptingInfo

namespace lw {

class Service;

void RegisterScriptingFamily(CommandRegistry* registry);

// Figures for INFO (memory and stats sections).
// REQUIRES: called from a fiber or plain thread (it visits every proactor thread).
ScriptingInfo GetScriptingInfo(Service* service);

}  // namespace lw
