// Key prediction for allow-undeclared-keys scripts: what a call locks up front besides its
// declared keys, and what a finished run teaches. Joins the two per-thread predictors of
// ScriptManager::ThreadState — KeyTemplates (keys built from the arguments, key_templates.h)
// and KeyHints (literal keys that recur, key_hints.h) — and counts INFO's prediction stats.
//
// Thread-safety: the calling thread's ThreadState only (no lock). Lifetime: stateless.
#pragma once

#include <string>
#include <vector>

#include "server/engine/command_registry.h"
#include "server/scripting/script_manager.h"

namespace lw {

// The undeclared keys to lock up front for this call of script `name` (sha or function name):
// those its templates name for these arguments, then its recurring literal keys; distinct.
std::vector<std::string> PredictKeys(ScriptManager::ThreadState& local, const std::string& name,
                                     CmdArgs keys, CmdArgs argv);

// After a run that finished (not stopped for a rerun, not killed): the templates learn from the
// undeclared keys it touched, the hints from those no argument explains; INFO counts the
// predicted keys it touched (lua_predicted_keys_hit) and the keys nothing predicted
// (lua_unpredicted_keys). `predicted`: what PredictKeys returned for the call.
void LearnFromRun(ScriptManager::ThreadState& local, const std::string& name, CmdArgs keys,
                  CmdArgs argv, const std::vector<std::string>& predicted,
                  const std::vector<std::string>& touched);

}  // namespace lw
