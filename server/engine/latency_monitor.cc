#include "server/engine/latency_monitor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "base/clock.h"

namespace lw {

void LatencyMonitor::AddSample(std::string_view event, int64_t latency_ms) {
  int64_t now = UnixNowMs() / 1000;
  std::lock_guard lock(mu_);
  auto it =
      std::find_if(events_.begin(), events_.end(), [&](const Event& e) { return e.name == event; });
  if (it == events_.end()) {
    events_.emplace_back();
    events_.back().name = std::string(event);
    it = events_.end() - 1;
  }
  Event& e = *it;
  e.max = std::max(e.max, latency_ms);
  // One sample per second: a second spike within it only raises that second's sample.
  Sample& prev = e.samples[(e.idx + kSamples - 1) % kSamples];
  if (prev.time == now) {
    prev.latency = std::max(prev.latency, latency_ms);
    return;
  }
  e.samples[e.idx] = {now, latency_ms};
  e.idx = (e.idx + 1) % kSamples;
}

std::vector<LatencyMonitor::Event> LatencyMonitor::Snapshot() const {
  std::lock_guard lock(mu_);
  return events_;
}

size_t LatencyMonitor::Reset(const std::vector<std::string>& events) {
  std::lock_guard lock(mu_);
  size_t n = 0;
  if (events.empty()) {
    n = events_.size();
    events_.clear();
    return n;
  }
  for (const std::string& name : events) {
    auto it = std::find_if(events_.begin(), events_.end(),
                           [&](const Event& e) { return e.name == name; });
    if (it == events_.end()) continue;
    events_.erase(it);
    ++n;
  }
  return n;
}

namespace {

std::string Format(const char* fmt, auto... args) {
  char buf[512];
  snprintf(buf, sizeof(buf), fmt, args...);
  return buf;
}

// Redis's analyzeLatencyForEvent line: "N. event: S latency spikes (average ...)". False when
// the event has no samples.
bool AppendEventLine(const LatencyMonitor::Event& e, int64_t now_s, int num, std::string* out) {
  int64_t sum = 0, samples = 0, min_time = now_s;
  for (const auto& s : e.samples) {
    if (s.time == 0) continue;
    sum += s.latency;
    ++samples;
    min_time = std::min(min_time, s.time);
  }
  if (samples == 0) return false;
  int64_t avg = sum / samples, mad = 0;
  for (const auto& s : e.samples) {
    if (s.time != 0) mad += std::llabs(s.latency - avg);
  }
  mad /= samples;
  int64_t period = std::max<int64_t>(now_s - min_time, 1);
  *out += Format(
      "%d. %s: %d latency spikes (average %lldms, mean deviation %lldms, period %.2f sec). "
      "Worst all time event %lldms.\n",
      num, e.name.c_str(), int(samples), (long long)avg, (long long)mad,
      double(period) / double(samples), (long long)e.max);
  return true;
}

}  // namespace

std::string LatencyDoctorReport(const std::vector<LatencyMonitor::Event>& events,
                                int64_t threshold_ms, int64_t slowlog_slower_than_us, int64_t hz,
                                int64_t now_s) {
  if (events.empty() && threshold_ms == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
           "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
           "order to enable it. If we weren't in a deep space mission I'd suggest to take a "
           "look at https://redis.io/topics/latency-monitor.\n";
  }
  if (events.empty()) {
    return "Dave, no latency spike was observed during the lifetime of this Redis instance, "
           "not in the slightest bit. I honestly think you ought to sit down calmly, take a "
           "stress pill, and think things over.\n";
  }
  std::string out =
      "Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
      "about it, do you Dave?\n\n";
  bool slowlog_enabled = false, slowlog_tuning = false, slowlog_inspect = false;
  bool large_objects = false, scheduler = false, hz_advice = false, mass_eviction = false;
  int num = 1;
  for (const LatencyMonitor::Event& e : events) {
    if (!AppendEventLine(e, now_s, num, &out)) continue;
    ++num;
    if (e.name == "command") {
      if (slowlog_slower_than_us < 0) {
        slowlog_enabled = true;
      } else if (slowlog_slower_than_us / 1000 > threshold_ms) {
        slowlog_tuning = true;
      }
      slowlog_inspect = large_objects = true;
    }
    if (e.name == "fast-command") scheduler = true;
    if (e.name == "expire-cycle") hz_advice = large_objects = true;
    if (e.name == "eviction-cycle") mass_eviction = true;
  }
  out += "\nI have a few advices for you:\n\n";
  if (slowlog_enabled) {
    out += Format(
        "- Enable the Slow Log with 'CONFIG SET slowlog-log-slower-than %lld'. "
        "Commands are recorded in the Slow Log only if they are slower than the "
        "configured latency monitor threshold.\n",
        (long long)threshold_ms * 1000);
  }
  if (slowlog_tuning) {
    out += Format(
        "- Your current Slow Log configuration only logs events that are slower than "
        "your configured latency monitor threshold. Please use 'CONFIG SET "
        "slowlog-log-slower-than %lld'.\n",
        (long long)threshold_ms * 1000);
  }
  if (slowlog_inspect) {
    out +=
        "- Check your Slow Log to understand what are the commands you are running which are "
        "too slow to execute. Please check https://redis.io/commands/slowlog for more "
        "information.\n";
  }
  if (scheduler) {
    out +=
        "- The system is slow to execute Redis code paths not containing system calls. This "
        "usually means the system does not provide Redis CPU time to run for long periods. "
        "You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for "
        "Redis if you are running other software in the same system.\n  3) Check if you "
        "have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli "
        "--intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check "
        "if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you "
        "are using Jemalloc. However this may create fragmentation problems.\n";
  }
  if (hz_advice && hz < 100) {
    out +=
        "- In order to make the Redis keys expiring process more incremental, try to set "
        "the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
  }
  if (large_objects) {
    out +=
        "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a "
        "blocking operation. If you have very large objects that are often deleted, "
        "expired, or evicted, try to fragment those objects into multiple smaller "
        "objects.\n";
  }
  if (mass_eviction) {
    out +=
        "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of "
        "large objects via sets or sorted sets intersections, STORE option of SORT, Redis "
        "Cluster large keys migrations (RESTORE command), may create sudden memory pressure "
        "forcing the server to block trying to evict keys. \n";
  }
  return out;
}

}  // namespace lw
