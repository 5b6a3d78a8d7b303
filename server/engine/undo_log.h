// UndoLog: what one running script changed, per shard, so that Lacewing can put it back when
// it stops the script itself (an undeclared key in lock-ahead mode, SCRIPT KILL / FUNCTION
// KILL, a rerun of an allow-undeclared-keys script). Errors that Redis itself raises
// mid-script (WRONGTYPE, OOM, redis.error_reply, a Lua error) keep Redis's semantics: the
// script's log is committed, not rolled back.
//
// Cost model: the first write command of the script on a key saves that key's state on its
// shard — absent, or a clone of its value with its type, TTL and stickiness; later writes to
// the same key save nothing. A large collection (more than kCloneWholeUpTo elements) is not
// cloned for the writes that name their elements (SADD, HSET, ZADD, pushes and pops...):
// each such write records only those elements' previous state (undo_elements.h), so a
// script's cost does not grow with the size of the values it writes to. A script that is
// never stopped pays those saves and nothing else: Commit() frees them on the shard's thread
// at the script's conclusion.
//
// Side effects of undone writes stay invisible to other clients:
//   - WATCH: while a script's write runs under a WriteScope, DbSlice::MarkModified notes the
//     touched keys here instead of dirtying the watchers; Commit() applies them (before the
//     script's locks are released, so an EXEC that waits for those locks sees them),
//     Rollback() drops them.
//   - blocked clients (BLPOP...): keys made ready are served only when the script's
//     transaction concludes on the shard (transaction/README.md), after a rollback; the
//     waiter then checks the restored data.
// Keyless writes (FLUSHDB, FLUSHALL) cannot be undone: they mark the log irreversible, and a
// script with such a log is neither killable nor rolled back (its writes stay, as in Redis).
//
// Thread-safety: the per-shard part of shard `sid` is touched only on that shard's thread
// (inside the script's hops, or by the script itself when it runs on that thread); the
// coordinator reads Written()/WrittenShards() only between hops, which orders the two.
// irreversible() and MarkIrreversible() may be called from any thread.
// Lifetime: saved values are allocated on their shard's thread and must be freed there:
// call Commit() or Rollback() for every written shard before destroying the log.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "server/engine/undo_elements.h"
#include "server/types/compact_object.h"

namespace lw {

class DbSlice;

class UndoLog {
 public:
  explicit UndoLog(uint32_t shard_count);
  ~UndoLog();
  UndoLog(const UndoLog&) = delete;
  UndoLog& operator=(const UndoLog&) = delete;

  // Shard thread of `slice`, before a write command `args` (args[0] its name; empty if
  // unknown) changes `key` of `db` there: saves the key's state the first time the script
  // writes it (later calls cost one lookup), or the previous state of the elements `args`
  // names when the key holds a large collection (see the cost model).
  void Record(DbSlice* slice, int db, std::string_view key,
              std::span<const std::string_view> args = {});
  // A write that cannot be undone (keyless: FLUSHDB...). Any thread.
  void MarkIrreversible() { irreversible_.store(true, std::memory_order_relaxed); }
  bool irreversible() const { return irreversible_.load(std::memory_order_relaxed); }

  // Coordinator, between hops: whether the script wrote on shard `sid` (saved a key or has
  // WATCH touches pending there), and the list of such shards, ascending.
  bool Written(uint32_t sid) const { return !shards_[sid].entries.empty(); }
  std::vector<uint32_t> WrittenShards() const;
  // Keys saved so far on every shard (tests, stats).
  size_t size() const;

  // Shard thread: puts every saved key of this shard back as it was before the script's
  // first write to it (latest saves first), drops pending WATCH touches and frees the saves.
  void Rollback(DbSlice* slice);
  // Shard thread: applies the pending WATCH touches of this shard and frees its saves.
  void Commit(DbSlice* slice);

  // While alive (around one write command's work on one shard), the slice's WATCH touches
  // are kept in the log instead of dirtying watchers. Shard thread.
  class WriteScope {
   public:
    WriteScope(UndoLog* log, DbSlice* slice);
    ~WriteScope();
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

   private:
    DbSlice* slice_;
    std::vector<std::pair<int, std::string>>* previous_;
  };

 private:
  struct Saved {
    int db;
    std::string key;
    bool existed = false;
    CompactObj value;  // a clone, when existed
    int64_t expire_at = 0;
    bool sticky = false;
    std::unique_ptr<ElementUndo> elements;  // set: an element record, not a whole save
  };
  struct PerShard {
    std::vector<Saved> entries;
    // db byte + key of every whole-saved key, once there are more than kLinearSearch entries.
    absl::flat_hash_set<std::string> index;
    std::vector<std::pair<int, std::string>> touches;  // deferred WATCH touches
  };
  static constexpr size_t kLinearSearch = 8;
  bool Saved_(const PerShard& sd, int db, std::string_view key) const;
  static void BuildIndex(PerShard& sd);

  std::vector<PerShard> shards_;
  std::atomic<bool> irreversible_{false};
};

}  // namespace lw
