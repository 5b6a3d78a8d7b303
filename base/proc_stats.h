// What the kernel says about this process and machine, for INFO's memory section: resident
// set size and physical memory. Each call reads /proc or sysconf afresh (a few microseconds),
// so call them on INFO, not per command.
// Thread-safety: any thread.
#pragma once

#include <cstdint>

namespace lw {

// Resident set size of the process, from /proc/self/statm (0 if unavailable).
uint64_t ProcessRssBytes();

// Physical memory of the machine (0 if unavailable).
uint64_t TotalSystemMemoryBytes();

}  // namespace lw
