#include "server/scripting/key_hints.h"

#include <algorithm>

namespace lw {

std::vector<std::string> KeyHints::Predict(std::string_view script) const {
  std::vector<std::string> out;
  auto it = scripts_.find(absl::string_view(script.data(), script.size()));
  if (it == scripts_.end()) return out;
  const Script& s = it->second;
  for (const auto& [key, seen] : s.keys) {
    if (seen.runs >= 2 && seen.last_run + kWindow > s.runs) {
      out.push_back(key);
      if (out.size() == kMaxPredicted) break;
    }
  }
  return out;
}

void KeyHints::MakeRoom(Script& s, uint64_t run) {
  // A key last seen kWindow runs ago counts as never seen (Learn restarts it at 1), so
  // dropping all such keys at once changes no prediction; scripts over ever-new keys (a
  // random key per run) then pay one sweep every few runs instead of a scan per new key.
  const size_t before = s.keys.size();
  absl::erase_if(s.keys, [run](const auto& kv) { return kv.second.last_run + kWindow <= run; });
  if (s.keys.size() < before) return;
  auto oldest = s.keys.begin();
  for (auto it = s.keys.begin(); it != s.keys.end(); ++it) {
    if (it->second.last_run < oldest->second.last_run) oldest = it;
  }
  s.keys.erase(oldest);
}

void KeyHints::Learn(std::string_view script, std::span<const std::string> touched) {
  auto it = scripts_.find(absl::string_view(script.data(), script.size()));
  if (it == scripts_.end()) {
    if (touched.empty()) return;  // nothing to predict: keep no entry
    if (scripts_.size() >= kMaxScripts) scripts_.clear();
    it = scripts_.emplace(std::string(script), Script{}).first;
  }
  Script& s = it->second;
  const uint64_t run = ++s.runs;
  for (const std::string& key : touched) {
    auto k = s.keys.find(key);
    if (k == s.keys.end()) {
      if (s.keys.size() >= kMaxKeysPerScript) MakeRoom(s, run);
      k = s.keys.emplace(key, Seen{}).first;
    }
    if (k->second.last_run == run) continue;  // counted once per run
    k->second.runs = k->second.last_run + kWindow > run ? k->second.runs + 1 : 1;
    k->second.last_run = run;
  }
}

}  // namespace lw
