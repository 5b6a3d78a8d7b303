// SCRIPT and FUNCTION: the commands that manage cached scripts and FUNCTION libraries (load,
// list, flush, kill, dump/restore...), as opposed to running them (scripting_family.cc).
// Thread-safety: any thread, from the client's fiber, like every command handler.
#pragma once

#include <map>
#include <string>

#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/scripting/script_manager.h"

namespace lw {

void ScriptCommand(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx);

// Every thread's per-script statistics merged, by script sha / function name.
// REQUIRES: a fiber on a pool thread (it waits on every thread).
std::map<std::string, ScriptStats> MergedScriptStats(ScriptManager& mgr, Service* service);
void FunctionCommand(ScriptManager& mgr, CmdArgs args, ConnectionContext* cntx);

}  // namespace lw
