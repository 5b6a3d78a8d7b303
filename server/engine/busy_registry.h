// BusyRegistry: which long-running scripts hold which keys, so a command that would wait for
// one of them past the busy threshold is answered -BUSY at once (Redis's behaviour for every
// command during a long script; in Lacewing only commands that need the script's keys are
// affected — everything else keeps running).
//
// A script keeps its Entry on its own stack and reports nothing while it is young: its hook
// (every thousand Lua instructions) calls Poll, which lists the entry here only once the
// script has run past the threshold. So Service::Dispatch pays one relaxed load (active())
// per keyed command unless some script is past its threshold, and only then takes the mutex
// to compare keys. A script that waits (for a lock, for a long command) without running Lua
// is listed at its next hook.
// Thread-safety: Poll/Finish from the script's thread, active()/Check from any thread.
// Lifetime: an Entry must be Finish()ed before it dies.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

namespace lw {

class BusyRegistry {
 public:
  struct Entry {
    bool global = false;       // holds every key of every db
    bool is_function = false;  // FCALL: the error names FUNCTION KILL
    int db = 0;
    std::span<const std::string_view> keys;  // the script's KEYS; they outlive the script
    int64_t start_ms = 0;                    // NowMs() when the script started
    bool listed = false;                     // in the registry (past the threshold)
  };

  // Lists `entry` if its script has run `threshold_ms` or longer. Cheap while it has not (one
  // clock read) and once listed (nothing).
  void Poll(Entry* entry, int64_t threshold_ms) {
    if (!entry->listed && NowMs() - entry->start_ms >= threshold_ms) List(entry);
  }
  // The script ended: unlists its entry if listed.
  void Finish(Entry* entry) {
    if (entry->listed) Unlist(entry);
  }

  // False unless some script is past its threshold: the only cost to other commands.
  bool active() const { return listed_count_.load(std::memory_order_relaxed) > 0; }

  // The -BUSY text if a listed script, started `threshold_ms` or more ago, holds one of `keys`
  // in `db` (or runs in global mode); empty otherwise.
  std::string_view Check(std::span<const std::string_view> keys, int db, int64_t threshold_ms);
  // The -BUSY text if any listed script started `threshold_ms` or more ago, whatever it
  // holds; empty otherwise. For SHUTDOWN, which Redis refuses (unless NOSAVE) while a script
  // is busy rather than save half of it.
  std::string_view AnyBusy(int64_t threshold_ms);

  static int64_t NowMs();

 private:
  void List(Entry* entry);
  void Unlist(Entry* entry);

  std::mutex mu_;
  std::vector<Entry*> listed_;
  std::atomic<int> listed_count_{0};
};

}  // namespace lw
