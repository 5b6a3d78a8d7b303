// Logging: glog (abseil 20220623 predates absl/log). Include this header rather than glog's so
// the choice stays in one place. LOG(INFO/WARNING/ERROR/FATAL), VLOG(n), CHECK*, DCHECK*.
// Thread-safety: glog is thread-safe. InitLogging is called once from main().
#pragma once

#include <glog/logging.h>

namespace lw {

// Sends logs to stderr (no log files) and installs the failure signal handler.
void InitLogging(const char* argv0);

}  // namespace lw
