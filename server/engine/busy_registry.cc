#include "server/engine/busy_registry.h"

#include <algorithm>

#include "base/clock.h"
#include "server/resp/error_strings.h"

namespace lw {

int64_t BusyRegistry::NowMs() { return SteadyNowMs(); }

void BusyRegistry::List(Entry* entry) {
  std::lock_guard<std::mutex> lock(mu_);
  listed_.push_back(entry);
  entry->listed = true;
  listed_count_.fetch_add(1, std::memory_order_relaxed);
}

void BusyRegistry::Unlist(Entry* entry) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase(listed_, entry);
  entry->listed = false;
  listed_count_.fetch_sub(1, std::memory_order_relaxed);
}

std::string_view BusyRegistry::Check(std::span<const std::string_view> keys, int db,
                                     int64_t threshold_ms) {
  int64_t now = NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Entry* e : listed_) {
    // CONFIG SET may have raised the threshold since the script was listed.
    if (now - e->start_ms < threshold_ms) continue;
    bool holds = e->global;
    for (size_t i = 0; !holds && e->db == db && i < keys.size(); ++i) {
      holds = std::find(e->keys.begin(), e->keys.end(), keys[i]) != e->keys.end();
    }
    if (holds) return e->is_function ? errors::kBusyFunction : errors::kBusyScript;
  }
  return {};
}

std::string_view BusyRegistry::AnyBusy(int64_t threshold_ms) {
  int64_t now = NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Entry* e : listed_) {
    if (now - e->start_ms >= threshold_ms) {
      return e->is_function ? errors::kBusyFunction : errors::kBusyScript;
    }
  }
  return {};
}

}  // namespace lw
