// KeyHints: the undeclared keys an allow-undeclared-keys script touched in its recent runs,
// remembered per script so that its next run locks the recurring ones up front.
//
// Why: such a script locks an undeclared key when it first touches it, and a shard refuses
// that lock when a younger transaction already touched the key (transaction/README.md); the
// script is then rolled back and rerun. Queue scripts touch the same few hot keys on every
// run ('done', 'queue:default', 'bull:wait'), so on a busy server nearly every first run was
// refused: the Sidekiq-style test ran 17x slower than redis-server, with a rerun per call. A
// key a script touched in at least two of its last runs is a good prediction of its next run
// (Calvin's reconnaissance, kept across runs): locking it at the start orders the script
// among the key's other users instead of failing behind them. Keys seen once (a job id, a
// random key) are not predicted, so scripts over ever-new keys lock nothing extra.
//
// A wrong prediction costs parallelism, never correctness: the script holds one more lock
// than it needed; a missing one costs what it cost before (a lock on first touch, perhaps a
// rerun).
//
// Bounded memory: at most kMaxKeysPerScript keys per script (stale ones go first, else the
// least recently seen), at most kMaxScripts scripts (all forgotten when that is exceeded).
//
// Thread-safety: none; each thread owns its KeyHints (ScriptManager::ThreadState), so hints
// are learned per thread. Lifetime: the thread state's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace lw {

class KeyHints {
 public:
  // More than kWindow runs of a script with 5 random keys hold, so MakeRoom finds stale ones.
  static constexpr size_t kMaxKeysPerScript = 64;
  static constexpr size_t kMaxScripts = 256;
  static constexpr uint64_t kWindow = 8;  // runs after which an unseen key stops counting
  static constexpr size_t kMaxPredicted = 16;

  // The keys to lock up front for the next run of `script` (sha or function name): those
  // seen in at least two runs, the last of them within the last kWindow runs.
  std::vector<std::string> Predict(std::string_view script) const;

  // Records the undeclared keys one run of `script` touched (duplicates allowed).
  void Learn(std::string_view script, std::span<const std::string> touched);

  size_t scripts() const { return scripts_.size(); }

 private:
  struct Seen {
    uint64_t last_run = 0;
    uint32_t runs = 0;
  };
  struct Script {
    uint64_t runs = 0;
    absl::flat_hash_map<std::string, Seen> keys;
  };
  // Frees at least one entry of a full script: every stale key, else the oldest.
  static void MakeRoom(Script& s, uint64_t run);

  absl::flat_hash_map<std::string, Script> scripts_;
};

}  // namespace lw
