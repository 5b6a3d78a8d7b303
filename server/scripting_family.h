// Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *, FUNCTION *, FCALL,
// FCALL_RO. See scripting_family.cc for how a script runs (modes, the command runner, async
// calls) and script_manager.h for the shared state.
#pragma once

#include "server/command_registry.h"

namespace lw {
void RegisterScriptingFamily(CommandRegistry* registry);
}  // namespace lw
