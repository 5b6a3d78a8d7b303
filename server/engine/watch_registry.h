// WatchRegistry: which clients WATCH which keys, and the signals that make their EXEC fail
// (MULTI/EXEC lives in server/families/multi_family.cc; this part is in core because
// Service::Dispatch and op_args.h feed it, so no command family has to cooperate).
//
// A watched key counts as modified since WATCH when
//   - a write command (flag kWrite) whose reply says it changed something named it (legacy key
//     positions), or ran a hop over it: Dispatch installs a WriteScope for every write command;
//     op_args.h reports from inside each hop which watched keys the command touched
//     (OnShardWrite, on the shard thread, under the key's lock), and Dispatch settles the
//     command afterwards (AfterWrite): dirty if the command changed data, else nothing;
//   - FLUSHDB / FLUSHALL emptied its database while it existed (SWAPDB: every watch on
//     either database, conservatively);
//   - it existed at WATCH with a deadline that has passed by EXEC (expired, lazily or not).
// Why report from inside the hop: EXEC locks the watched keys and runs a hop over them before
// checking. A write whose hop ran before EXEC's is then sure to be visible — as settled
// (dirty) or still unsettled (Watcher::pending > 0: EXEC waits for it briefly) — and a write
// queued behind EXEC's locks runs after EXEC, as in Redis.
//
// Thread-safety: every method may be called from any thread (one mutex, taken only while some
// client watches something). active() is a relaxed atomic load, so the hot path of a write
// command costs one load when nobody watches.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "server/engine/command_registry.h"
#include "transaction/tx_types.h"

namespace lw {

// One client's watches since its last UNWATCH/EXEC/DISCARD (a new one each time, so nothing
// from an earlier round leaks into the next).
struct Watcher {
  std::atomic<bool> dirty{false};
  // Write hops over a watched key whose command has not been settled by AfterWrite yet.
  std::atomic<int> pending{0};
};

class WatchRegistry {
 public:
  // Collects, for one write command, the watchers its hops touched. Lives on the
  // coordinator's stack for the command's duration (ConnectionContext::write_scope).
  struct WriteScope {
    std::vector<std::shared_ptr<Watcher>> touched;  // appended under the registry mutex
    bool ran_hop = false;  // the command reached data through op_args.h (coordinator only)
  };

  // True while some client watches some key.
  bool active() const { return registrations_.load(std::memory_order_relaxed) != 0; }

  // Registers `w` on `key` of `db`. `existed` / `deadline_ms` (0: none): the key's state at
  // WATCH. Returns false if `w` already watches it. Call on the key's shard thread, in a hop
  // that holds the key's lock, so the registration is ordered with the writes of that key.
  bool Add(const std::shared_ptr<Watcher>& w, int db, std::string_view key, bool existed,
           int64_t deadline_ms);
  // Removes `w` from `key` of `db` (a no-op if not registered).
  void Remove(const Watcher* w, int db, std::string_view key);

  // Shard thread, inside a write command's hop (op_args.h).
  void OnShardWrite(int db, std::span<const tx::ShardArg> keys, WriteScope* scope);
  // Coordinator, after a write command's handler returned. `changed`: it reported no error
  // and its reply does not say "nothing happened" (see ReplySaysUnchanged).
  void AfterWrite(const CommandSpec& spec, CmdArgs args, int db, WriteScope* scope, bool changed);

  // Redis signals a key as modified only when the command changed it: DEL of a missing key,
  // SREM of an absent member, LPOP of an empty list... do not. `reply` is the command's reply.
  static bool ReplySaysUnchanged(const CommandSpec& spec, CmdArgs args, std::string_view reply);

 private:
  struct Entry {
    std::shared_ptr<Watcher> watcher;
    bool existed;
    int64_t deadline_ms;
  };
  static std::string MapKey(int db, std::string_view key);
  // REQUIRES: mu_ held.
  void TouchDbLocked(int db, bool all);

  std::mutex mu_;
  absl::flat_hash_map<std::string, std::vector<Entry>> by_key_;  // MapKey(db, key)
  std::atomic<int64_t> registrations_{0};
};

}  // namespace lw
