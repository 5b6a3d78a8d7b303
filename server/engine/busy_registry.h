// BusyRegistry: which long-running scripts hold which keys, so a command that would wait
// for one of them past the busy threshold is answered -BUSY at once (Redis's behaviour for
// every command during a long script; in Lacewing only commands that need the script's keys
// are affected — everything else keeps running).
//
// Scripts register their locked keys (or "every key" in global mode) for their duration;
// Service::Dispatch asks Check() for keyed commands, only while some script is registered.
// Thread-safety: all methods, any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lw {

class BusyRegistry {
 public:
  struct Entry {
    bool global = false;       // holds every key of every db
    bool is_function = false;  // FCALL: the error names FUNCTION KILL
    int db = 0;
    std::vector<std::string> keys;
    int64_t start_ms = 0;  // steady clock
  };

  uint64_t Add(Entry entry);
  void Remove(uint64_t id);

  // Cheap pre-check: false when no script is running.
  bool active() const { return count_.load(std::memory_order_relaxed) > 0; }

  // The -BUSY text if a script registered longer than `threshold_ms` ago holds one of `keys`
  // in `db` (or runs in global mode); empty otherwise.
  std::string_view Check(std::span<const std::string_view> keys, int db, int64_t threshold_ms);

  static int64_t NowMs();

 private:
  std::mutex mu_;
  std::map<uint64_t, Entry> entries_;
  uint64_t next_id_ = 1;
  std::atomic<int> count_{0};
};

}  // namespace lw
