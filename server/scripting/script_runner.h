// CommandRunner: the server side of lua_interp's ScriptRunner. Every redis.call / pcall /
// acall / apcall of a running script arrives here and becomes a command dispatched through
// the Service, exactly as if a client had sent it — but with the script's own database, the
// script's protocol (redis.setresp) and the script's rules:
//   - commands flagged noscript are refused;
//   - writes are refused in read-only scripts (no-writes, EVAL_RO, FCALL_RO);
//   - in lock-ahead mode every key a command touches must be one the script declared;
//   - acall/apcall are queued and flushed, in order, at the next synchronous call and at the
//     end of the script; an acall error aborts the script with that error.
// Locks: a lock-ahead script over keys on several shards begins scheduling its transaction
// when it starts and awaits it only at its first command, so the scheduling round trip
// overlaps with the script's own Lua work; other modes take their locks at first need. A
// script's end never waits: the last flush of apcalls (or nothing) runs as the concluding hop
// of its transaction, fire and forget (Transaction::RunDetached).
// A script whose keys all live on one shard runs on that shard's thread (direct_shard): its
// commands then execute inline, with no hop at all.
// Thread-safety: one script's fiber.
#pragma once

#include <array>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_set.h>
#include <absl/container/inlined_vector.h>

#include "base/string_arena.h"
#include "lua_interp/script_runner.h"
#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"
#include "server/engine/undo_log.h"
#include "server/scripting/script_manager.h"
#include "transaction/transaction.h"

namespace lw {

// kDynamic: allow-undeclared-keys — the declared keys (and those learned by an earlier run)
// are locked at start, every other key when the script first touches it (lock on first
// touch); kGlobal: every shard locked, the fallback when that cannot work.
enum class ScriptMode { kLockAhead, kDynamic, kGlobal, kNonAtomic };

// Why the runner stopped a script (CommandRunner::stop()).
enum class ScriptStop {
  kNone,
  kError,       // Lacewing's own error reaches the client (undeclared key, SCRIPT KILL)
  kRerun,       // kDynamic: a key's lock could not be granted safely: roll back, run again
  kWholeStore,  // kDynamic: a whole-keyspace command or SELECT: roll back, run under kGlobal
};

// The script's transaction: lock-ahead over its declared keys (shared when read-only) or
// global, acquired on first need and released at the end. Inside EXEC the client's
// transaction already holds every lock and is used as is. Non-atomic scripts hold nothing.
class ScriptLocks {
 public:
  // With `direct_shard`, the script's commands will touch that shard's data directly, so
  // Acquire() also waits until the transaction may run there (every older conflicting
  // transaction done), as a hop would.
  // `learned`: for kDynamic, keys an earlier run of the script touched, locked up front too.
  ScriptLocks(ConnectionContext* client, ScriptMode mode, CmdArgs keys, bool read_only,
              tx::EngineShard* direct_shard = nullptr, std::vector<std::string> learned = {});
  ~ScriptLocks() { Release(); }
  ScriptLocks(const ScriptLocks&) = delete;
  ScriptLocks& operator=(const ScriptLocks&) = delete;

  // The transaction holding the locks, taking them now if needed; null in non-atomic mode.
  tx::Transaction* Acquire();
  // The transaction if the locks are held (or being scheduled) already, else null.
  tx::Transaction* held() { return external_ ? external_ : own_.get(); }
  // True when held() is the script's own transaction (not the client's EXEC).
  bool owns() const { return own_ != nullptr; }
  // Gives the script's own transaction away (to conclude it detached); nothing is held after.
  std::unique_ptr<tx::Transaction> TakeOwn() { return std::move(own_); }
  // Releases the locks without waiting (a detached concluding hop). With `undo`, that hop
  // first commits the script's undo records on each shard (undo_log.h); it keeps the log alive.
  void Release(std::shared_ptr<UndoLog> undo = nullptr);
  // For a batch of scripts whose locks were begun in order (scripting_family.cc): waits until
  // the script's own transaction is scheduled; true if it had to take a newer id, which may
  // put it after transactions begun later. Reschedule() then puts it last: it releases the
  // locks and begins scheduling them again (AwaitScheduled waits for that).
  bool AwaitScheduled() { return own_ != nullptr && own_->AwaitScheduled(); }
  void Reschedule();

 private:
  ConnectionContext* client_;
  ScriptMode mode_;
  CmdArgs keys_;
  bool read_only_;
  tx::Transaction* external_;
  tx::EngineShard* direct_shard_;
  std::unique_ptr<tx::Transaction> own_;
  std::vector<std::string> learned_;
  std::vector<std::string_view> lock_keys_;  // keys_ + learned_ (kDynamic)
  // Creates own_ and starts its multi transaction (lock-ahead or global, per mode_).
  void StartOwn(bool wait);
};

class CommandRunner final : public lua::ScriptRunner {
 public:
  // `direct_shard`: set when the script runs on the thread of the one shard all its keys
  // live on; commands then run inline there.
  // `undo`: the script's undo records (atomic modes), which its writes fill; null for a
  // non-atomic script.
  CommandRunner(ConnectionContext* client, ScriptMode mode, bool read_only, CmdArgs keys,
                RunningScript* running, ScriptCounters* counters, ScriptLocks* locks,
                tx::EngineShard* direct_shard, std::shared_ptr<UndoLog> undo = nullptr);

  void Call(const lua::CallInfo& info, std::span<const std::string_view> args,
            lua::ReplyWriter* reply) override;
  // Set when the runner stopped the script: an undeclared key in lock-ahead mode, or a
  // SCRIPT KILL seen at a call.
  std::string_view StopReason() const override { return stop_reason_; }
  int AclCheck(std::span<const std::string_view> args) override;
  ScriptStop stop() const { return stop_; }
  // kDynamic: every key the script's commands named (at their key positions), for a rerun.
  std::vector<std::string> TakeTouched() { return std::move(touched_); }

  // Runs the queued async calls; returns the first error of an acall (not apcall), or "".
  // `final`: the script has ended; if it never needed its locks, the batch takes them itself.
  std::string FlushAsync(bool final = false);
  // Ends the script's undo records before its locks go: `rollback` puts every key it wrote
  // back (a stopped or killed script; its queued async calls are dropped), else the records
  // are committed. Returns true if it rolled back. The final commit of a script that holds
  // its own transaction rides on its concluding hop (ScriptLocks::Release) instead.
  bool ConcludeUndo(bool rollback);

  // Scripts flagged allow-oom may write over maxmemory; others get the OOM error at each
  // denyoom call (issue 8).
  void set_allow_oom(bool v) { allow_oom_ = v; }
  // Runs once, before the script's first keyless command (PUBLISH, SCAN, DBSIZE...): a
  // pipelined script waits there for the scripts before it, since locks order only keys.
  void set_before_keyless(std::function<void()> fn) { before_keyless_ = std::move(fn); }

  // Per-script statistics of this run: calls issued, shards their keys are on (a bit per shard,
  // the first 64), and the time spent waiting for the script's locks.
  uint64_t calls_issued() const { return calls_issued_; }
  uint64_t shard_mask() const { return shard_mask_; }
  int64_t lock_wait_ns() const { return lock_wait_ns_; }

 private:
  uint64_t calls_issued_ = 0;
  uint64_t shard_mask_ = 0;
  int64_t lock_wait_ns_ = 0;
  // Dispatches one command and returns its decoded reply.
  // REQUIRES: spec == registry().Find(args[0]).
  void Execute(const CommandSpec* spec, std::span<const std::string_view> args, int resp,
               std::string* raw);
  // "" if the script may run the command, else the error reply text.
  std::string Check(const CommandSpec* spec, std::span<const std::string_view> args) const;
  // Lock-ahead mode: true with *undeclared set when the command names a key the script's
  // locks do not cover.
  bool FindUndeclared(const CommandSpec* spec, std::span<const std::string_view> args,
                      std::string_view* undeclared) const;

  // registry().Find(name) through a small cache of this script's command names: a script
  // calls few commands many times each, and the registry lookup (lowercasing and hashing the
  // name) cost ~4% of the CPU of the seed's fan-out script on two threads.
  const CommandSpec* FindSpec(std::string_view name);
  // ShardOf(key) through a small cache of this script's keys (a fan-out names each of its
  // keys ten times); keys longer than the slots are hashed each time.
  uint32_t ShardOfCached(std::string_view key);

  // The values of a few recently used byte strings of up to kMaxLen bytes, compared by
  // content; the last hit is tried first (scripts tend to repeat a name). A miss replaces the
  // oldest entry.
  template <typename V, size_t kSlots, size_t kMaxLen>
  class RecentBytes {
   public:
    static bool Fits(std::string_view s) { return !s.empty() && s.size() <= kMaxLen; }
    const V* Find(std::string_view s) {
      if (Matches(slots_[hit_], s)) return &slots_[hit_].value;
      for (uint32_t i = 0; i < kSlots; ++i) {
        if (Matches(slots_[i], s)) return &slots_[hit_ = i].value;
      }
      return nullptr;
    }
    // REQUIRES: Fits(s).
    void Put(std::string_view s, V value) {
      Slot& slot = slots_[hit_ = next_++ % kSlots];
      std::memcpy(slot.bytes, s.data(), s.size());
      slot.len = uint8_t(s.size());
      slot.value = value;
    }

   private:
    struct Slot {
      char bytes[kMaxLen];
      uint8_t len = 0;  // 0: empty slot
      V value{};
    };
    static bool Matches(const Slot& slot, std::string_view s) {
      return slot.len == s.size() && std::memcmp(slot.bytes, s.data(), s.size()) == 0;
    }
    std::array<Slot, kSlots> slots_;
    uint32_t next_ = 0;  // the slot the next miss fills
    uint32_t hit_ = 0;   // the slot of the last lookup
  };
  RecentBytes<const CommandSpec*, 4, 15> spec_cache_;
  RecentBytes<uint8_t, 8, 30> shard_cache_;

  struct QueuedCall {
    const CommandSpec* spec;  // registry entry of args[0] (stable for the server's life)
    int shard;                // the shard of all its keys; -1: none, or several
    uint32_t first_arg;       // its arguments are queued_views_[first_arg, +arg_count)
    uint32_t arg_count;
    bool raise_error;
    int resp;
  };
  // The queued calls' arguments: copies in an arena (an append never moves them, nor does a
  // move of the arena), viewed back to back in queued_views_. A fan-out script queues 50 calls
  // of ~250 arguments: a deque of strings cost ~11 allocations for them, the arena one.
  StringArena queued_args_;
  std::vector<std::string_view> queued_views_;
  void ClearQueue();
  // The error text of the first acall (raise_error) in `batch` that got an error reply, or "".
  static std::string FirstAcallError(const std::vector<QueuedCall>& batch,
                                     const std::vector<std::string>& replies);

  ConnectionContext* client_;
  ScriptMode mode_;
  bool read_only_;
  int db_;
  // The script's KEYS: compared one by one when there are few, else looked up in the set.
  static constexpr size_t kLinearKeySearch = 8;
  static constexpr size_t kQueueReserve = 64;  // async calls queued without regrowth
  bool IsDeclared(std::string_view key) const;
  RunningScript* running_;
  ScriptCounters* counters_;  // the running thread's (INFO)
  std::vector<QueuedCall> queue_;
  std::string pending_error_;  // first acall error seen by a flush inside the script
  ScriptLocks* locks_;
  tx::EngineShard* direct_shard_;
  bool tags_lock_;  // --lock_on_hashtags: a declared key's {tag} covers the tag's keys
  absl::flat_hash_set<std::string> declared_tags_;
  CmdArgs keys_;                                    // the script's KEYS (they outlive the runner)
  absl::flat_hash_set<std::string> declared_keys_;  // only with more than kLinearKeySearch
  bool allow_oom_ = false;
  std::function<void()> before_keyless_;
  // kDynamic: locks the command's keys not held yet; false (stopped) if that cannot be done.
  // With `lock` false (an async call) only checks and notes the keys.
  bool LockKeys(const CommandSpec* spec, std::span<const std::string_view> args, bool lock);
  // kDynamic, at a flush: locks the keys of the queued calls (unless `may_defer` and the
  // script never needed locks: the final batch then locks its own); false (stopped) if refused.
  bool LockBatch(const std::vector<QueuedCall>& batch,
                 const std::vector<std::span<const std::string_view>>& views, bool may_defer);
  // Notes an undeclared key the script touched (touched_), unless noted just before.
  void NoteTouched(std::string_view key);
  // Notes the undeclared keys of the queued async calls (a stop drops them; a rerun needs them).
  void NoteQueuedKeys();
  static constexpr size_t kTouchedRecent = 8;
  bool executed_ = false;  // a command of the script ran (under its locks)
  void Stop(ScriptStop kind, std::string reason);

  std::shared_ptr<UndoLog> undo_;
  bool undo_committed_ = false;  // handed to the final detached flush
  // Set during the last flush of a script that runs on its keys' shard, inline and without
  // suspending: nothing can stop the script after it (only allow-undeclared-keys reruns after
  // a flush), so its writes keep no undo records (a fan-out cloned each of its lists for them).
  bool unrecorded_ = false;
  std::string stop_reason_;
  ScriptStop stop_ = ScriptStop::kNone;
  std::vector<std::string> touched_;
};

}  // namespace lw
