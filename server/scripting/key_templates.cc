#include "server/scripting/key_templates.h"

#include <algorithm>

#include <absl/container/inlined_vector.h>

namespace lw {

namespace {

bool Contains(KeyTemplates::Args keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

bool KeyTemplates::Derive(std::string_view key, Args keys, Args argv, Template* out) {
  if (key.empty() || key.size() > kMaxKeyBytes) return false;
  std::string_view best;
  size_t best_pos = 0;
  bool best_from_keys = false;
  uint32_t best_index = 0;
  size_t scanned = 0;
  auto scan = [&](Args args, bool from_keys) {
    for (size_t i = 0; i < args.size() && scanned < kMaxArgsScanned; ++i, ++scanned) {
      std::string_view a = args[i];
      // Longest first; a key shorter than what we found cannot hold a longer match either.
      if (a.size() <= best.size() || a.size() > key.size() || key.size() - a.size() > kMaxAffix) {
        continue;
      }
      size_t pos = key.find(a);
      if (pos == std::string_view::npos) continue;
      best = a;
      best_pos = pos;
      best_from_keys = from_keys;
      best_index = uint32_t(i);
    }
  };
  scan(keys, true);
  scan(argv, false);
  if (best.empty()) return false;
  out->from_keys = best_from_keys;
  out->index = best_index;
  out->prefix_len = uint32_t(best_pos);
  out->affix.assign(key.substr(0, best_pos));
  out->affix.append(key.substr(best_pos + best.size()));
  // The rest of the key may vary, or the argument be there by coincidence: an affixed template
  // waits for a second run to derive it again.
  out->confirmed = out->affix.empty();
  out->misses = 0;
  out->derived_run = 0;
  return true;
}

bool KeyTemplates::Instantiate(const Template& t, Args keys, Args argv, std::string* out) {
  Args args = t.from_keys ? keys : argv;
  if (t.index >= args.size()) return false;
  std::string_view a = args[t.index];
  out->clear();
  out->reserve(t.affix.size() + a.size());
  out->append(t.affix, 0, t.prefix_len);
  out->append(a);
  out->append(t.affix, t.prefix_len, std::string::npos);
  return true;
}

std::vector<std::string> KeyTemplates::Predict(std::string_view script, Args keys,
                                               Args argv) const {
  std::vector<std::string> out;
  auto it = scripts_.find(absl::string_view(script.data(), script.size()));
  if (it == scripts_.end()) return out;
  std::string key;
  for (const Template& t : it->second.templates) {
    if (!t.confirmed || !Instantiate(t, keys, argv, &key)) continue;
    if (Contains(keys, key) || std::find(out.begin(), out.end(), key) != out.end()) continue;
    out.push_back(key);
  }
  return out;
}

void KeyTemplates::Learn(std::string_view script, Args keys, Args argv,
                         std::span<const std::string> touched,
                         std::vector<std::string>* unexplained) {
  std::vector<std::string_view> seen(touched.begin(), touched.end());
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  LearnSorted(script, keys, argv, seen, unexplained);
}

void KeyTemplates::LearnSorted(std::string_view script, Args keys, Args argv, Args seen,
                               std::vector<std::string>* unexplained) {
  auto it = scripts_.find(absl::string_view(script.data(), script.size()));
  if (it == scripts_.end()) {
    if (seen.empty()) return;  // nothing to learn: keep no entry
    if (scripts_.size() >= kMaxScripts) scripts_.clear();
    it = scripts_.emplace(std::string(script), Script{}).first;
  }
  Script& s = it->second;
  const uint64_t run = ++s.runs;
  auto was_touched = [&seen](std::string_view k) {
    return std::binary_search(seen.begin(), seen.end(), k);
  };

  // Verdicts on what Predict named for this run: a touched key confirms its template, an
  // untouched one is a miss. The keys predicted rightly need no new template.
  absl::InlinedVector<std::string, 8> hits;
  std::string key;
  std::erase_if(s.templates, [&](Template& t) {
    if (!t.confirmed) return t.derived_run + kWindow <= run;  // not derived again: forget it
    if (!Instantiate(t, keys, argv, &key) || Contains(keys, key)) return false;
    if (was_touched(key)) {
      t.misses = 0;
      hits.push_back(std::move(key));
      return false;
    }
    return ++t.misses >= kMaxMisses;
  });

  size_t budget = kMaxDerivesPerRun;
  for (std::string_view k : seen) {
    if (std::find(hits.begin(), hits.end(), k) != hits.end()) continue;
    if (budget == 0) break;  // bounded time; later runs learn the rest
    --budget;
    ++derives_;
    Template d;
    if (!Derive(k, keys, argv, &d)) {
      if (unexplained != nullptr) unexplained->emplace_back(k);
      continue;
    }
    auto same = std::find(s.templates.begin(), s.templates.end(), d);
    if (same != s.templates.end()) {
      // Derived again in another run: no coincidence.
      if (same->derived_run != run) same->confirmed = true;
      same->derived_run = run;
      continue;
    }
    if (s.templates.size() >= kMaxTemplates) continue;  // full: misses make room
    d.derived_run = run;
    s.templates.push_back(std::move(d));
  }
}

size_t KeyTemplates::templates(std::string_view script) const {
  auto it = scripts_.find(absl::string_view(script.data(), script.size()));
  return it == scripts_.end() ? 0 : it->second.templates.size();
}

}  // namespace lw
