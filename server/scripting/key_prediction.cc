#include "server/scripting/key_prediction.h"

#include <algorithm>
#include <string_view>

namespace lw {

std::vector<std::string> PredictKeys(ScriptManager::ThreadState& local, const std::string& name,
                                     CmdArgs keys, CmdArgs argv) {
  std::vector<std::string> out = local.key_templates.Predict(name, keys, argv);
  for (std::string& k : local.key_hints.Predict(name)) {
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(std::move(k));
  }
  return out;
}

void LearnFromRun(ScriptManager::ThreadState& local, const std::string& name, CmdArgs keys,
                  CmdArgs argv, const std::vector<std::string>& predicted,
                  const std::vector<std::string>& touched) {
  std::vector<std::string_view> seen(touched.begin(), touched.end());
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  std::vector<std::string> unexplained;
  local.key_templates.LearnSorted(name, keys, argv, seen, &unexplained);
  local.key_hints.Learn(name, unexplained);
  if (seen.empty()) return;
  size_t hits = 0;
  for (const std::string& k : predicted) hits += std::binary_search(seen.begin(), seen.end(), k);
  ScriptCounters::Add(local.counters.predicted_keys_hit, hits);
  ScriptCounters::Add(local.counters.unpredicted_keys, seen.size() - hits);
}

}  // namespace lw
