// Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *, FUNCTION *, FCALL,
// FCALL_RO. See scripting_family.cc for how a script runs (modes, the command runner, async
// calls) and script_manager.h for the shared state.
#pragma once

#include <cstdint>

#include "server/command_registry.h"

namespace lw {

class Service;

void RegisterScriptingFamily(CommandRegistry* registry);

// Figures for INFO (memory and stats sections).
struct ScriptingInfo {
  uint64_t used_memory_lua = 0;  // idle interpreters of every thread
  uint64_t cached_scripts = 0;
  uint64_t libraries = 0;
  uint64_t runs_lock_ahead = 0;
  uint64_t runs_global = 0;
  uint64_t runs_non_atomic = 0;
  uint64_t async_flushes = 0;
  uint64_t async_commands = 0;
  uint64_t detached_flushes = 0;
};
// REQUIRES: called from a fiber or plain thread (it visits every proactor thread).
ScriptingInfo GetScriptingInfo(Service* service);

}  // namespace lw
