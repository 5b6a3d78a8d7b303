#include "server/engine/busy_registry.h"

#include <chrono>

namespace lw {

namespace {
constexpr std::string_view kBusyScript =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
constexpr std::string_view kBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
}  // namespace

int64_t BusyRegistry::NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

uint64_t BusyRegistry::Add(Entry entry) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t id = next_id_++;
  entries_.emplace(id, std::move(entry));
  count_.fetch_add(1, std::memory_order_relaxed);
  return id;
}

void BusyRegistry::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.erase(id) > 0) count_.fetch_sub(1, std::memory_order_relaxed);
}

std::string_view BusyRegistry::Check(std::span<const std::string_view> keys, int db,
                                     int64_t threshold_ms) {
  int64_t now = NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, e] : entries_) {
    if (now - e.start_ms < threshold_ms) continue;
    bool holds = e.global;
    for (size_t i = 0; !holds && e.db == db && i < keys.size(); ++i) {
      for (const std::string& k : e.keys) {
        if (k == keys[i]) {
          holds = true;
          break;
        }
      }
    }
    if (holds) return e.is_function ? kBusyFunction : kBusyScript;
  }
  return {};
}

}  // namespace lw
