// SlowLog: the SLOWLOG ring of commands that ran longer than slowlog-log-slower-than
// microseconds, newest first, at most slowlog-max-len entries (Redis's semantics). Commands
// run by scripts or inside EXEC are not logged (their EVAL/EXEC is). A command may show an
// argument in another form (CommandSpec::slowlog_arg: EVAL names its script by SHA1 in place
// of the body, so long scripts are recognisable in the log).
// Thread-safety: all methods, any thread (one mutex; Add runs only for slow commands).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/engine/command_registry.h"

namespace lw {

struct SlowLogEntry {
  uint64_t id = 0;
  int64_t unix_time = 0;
  int64_t duration_us = 0;
  std::vector<std::string> args;  // at most 32, each at most 128 bytes (Redis's limits)
  std::string client_addr;
  std::string client_name;
};

class SlowLog {
 public:
  // `show_arg` (may be null): the command's CommandSpec::slowlog_arg.
  void Add(std::span<const std::string_view> args, SlowLogArgFn show_arg, int64_t duration_us,
           std::string client_addr, std::string client_name, size_t max_len);
  // The newest `count` entries (all if count < 0), newest first.
  std::vector<SlowLogEntry> Get(int64_t count) const;
  size_t size() const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::deque<SlowLogEntry> entries_;  // newest at the front
  uint64_t next_id_ = 0;
};

}  // namespace lw
