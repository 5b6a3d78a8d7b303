// LatencyMonitor: Redis's latency monitor (LATENCY LATEST/HISTORY/RESET/DOCTOR): per event
// ("command", "fast-command", "expire-cycle", "eviction-cycle"), the last 160 samples at
// least `latency-monitor-threshold` ms, one per second (the worst of that second), and the
// worst ever.
//
// Cost: callers compare with the threshold first (a relaxed load) and call AddSample only for
// a spike, so the mutex is taken only then and by the LATENCY command.
// Thread-safety: every method may be called from any thread.
// Lifetime: owned by the Service.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lw {

class LatencyMonitor {
 public:
  static constexpr size_t kSamples = 160;  // Redis's LATENCY_TS_LEN
  struct Sample {
    int64_t time = 0;     // Unix seconds; 0: empty slot
    int64_t latency = 0;  // ms
  };
  struct Event {
    std::string name;
    Sample samples[kSamples];
    size_t idx = 0;  // the next slot to write
    int64_t max = 0;
  };

  void AddSample(std::string_view event, int64_t latency_ms);
  // A copy of every event, in the order they first occurred.
  std::vector<Event> Snapshot() const;
  // Resets the named events (all when `events` is empty); returns how many existed.
  size_t Reset(const std::vector<std::string>& events);

 private:
  mutable std::mutex mu_;
  std::vector<Event> events_;  // guarded by mu_; few (one per event name)
};

// LATENCY DOCTOR's report, as Redis's createLatencyReport for the events Lacewing records.
std::string LatencyDoctorReport(const std::vector<LatencyMonitor::Event>& events,
                                int64_t threshold_ms, int64_t slowlog_slower_than_us, int64_t hz,
                                int64_t now_s);

}  // namespace lw
