// LATENCY GRAPH's text: an event's samples drawn as Redis 7.0 draws them — a header line
// ("<event> - high H ms, low L ms (all time high M ms)"), a rule of 80 dashes, then the
// samples oldest first, 80 columns per block: four rows of bars (characters '_', 'o', '#' and
// '|' for twelve levels between the lowest and highest sample), a blank row, and each
// sample's age ("12s", "3m", "2h", "1d") written downwards, one character per row.
// Thread-safety: a pure function of its arguments.
#pragma once

#include <cstdint>
#include <string>

#include "server/engine/latency_monitor.h"

namespace lw {

std::string LatencyGraph(const LatencyMonitor::Event& event, int64_t now_s);

}  // namespace lw
