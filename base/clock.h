// Clock helpers: the one definition of "now" that every layer uses, so durations measured in
// one place (command latency, client idle time, uptime) compare with those taken elsewhere.
// Steady time never goes back and suits durations; Unix time is the wall clock that EXPIRE,
// TIME and INFO's server_time_usec report.
// Thread-safety: any thread (they read the kernel's clocks only).
#pragma once

#include <chrono>
#include <cstdint>

namespace lw {

// Monotonic time since an arbitrary fixed point (boot), in nanoseconds / milliseconds.
inline int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
inline int64_t SteadyNowMs() { return SteadyNowNs() / 1000000; }

// Wall-clock time since the Unix epoch, in milliseconds / microseconds.
inline int64_t UnixNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline int64_t UnixNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace lw
