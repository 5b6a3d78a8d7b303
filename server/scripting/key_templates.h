// KeyTemplates: how an allow-undeclared-keys script builds its undeclared key names from its
// arguments, learned from its finished runs, so that the next run locks those keys up front
// with its declared ones (Calvin/OLLP's reconnaissance applied to a script's *first* run).
//
// Why: such a script locks an undeclared key on first touch, one lock request (a round trip to
// the key's shard) per key before the script can go on, where a script that declares its keys
// locks them all in one schedule that overlaps its Lua work. KeyHints (key_hints.h) predicts
// keys that recur verbatim (a queue's 'done' list); it cannot predict keys taken from the
// arguments (`local k = ARGV[i]`, `'job:' .. ARGV[1]`), which change on every call. A template
// names a key relative to the arguments: "prefix .. KEYS[i] or ARGV[i] .. suffix" (the longest
// argument found in the key; prefix and suffix may be empty). Keys no argument occurs in are
// left to KeyHints.
//
// A prediction costs at most a lock the run did not need, never correctness: a key the run
// touches that no template named is locked on first touch as before. A template whose key the
// run did not touch misses; after kMaxMisses misses in a row it is dropped, so a script whose
// key pattern changes stops paying for the old one. Only a key that *is* an argument is
// predicted after one run; a template with a prefix or suffix is used once a second run
// derived it again (within kWindow runs, else it is dropped): the rest of the key may vary
// from run to run ('bull:job:' .. id, id popped from a list, is "ARGV[1] .. '17'" once), or
// the argument may be there by coincidence ("1" in "job:12").
//
// Bounded memory: at most kMaxTemplates templates per script (new ones are not added while
// full; misses free room), affixes of at most kMaxAffix bytes, kMaxScripts scripts (all
// forgotten when exceeded), arguments scanned per key at most kMaxArgsScanned.
// Bounded time: learning runs after the script, outside the busy threshold and SCRIPT KILL, so
// a hostile run (thousands of 4 KB keys, 64 arguments of nearly their length) must not stall
// the thread. Keys over kMaxKeyBytes are not templated, and a run derives templates for at
// most kMaxDerivesPerRun keys: at most that many x kMaxArgsScanned substring searches, each
// over (kMaxAffix + 1) positions of a key of kMaxKeyBytes.
//
// Thread-safety: none; each thread owns its KeyTemplates (ScriptManager::ThreadState).
// Lifetime: the thread state's. Arguments are read during a call only, never kept.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace lw {

class KeyTemplates {
 public:
  using Args = std::span<const std::string_view>;
  static constexpr size_t kMaxTemplates = 16;
  static constexpr size_t kMaxScripts = 256;
  static constexpr size_t kMaxAffix = 128;  // prefix + suffix bytes
  static constexpr size_t kMaxArgsScanned = 64;
  static constexpr size_t kMaxKeyBytes = 512;
  static constexpr size_t kMaxDerivesPerRun = 2 * kMaxTemplates;
  static constexpr uint32_t kMaxMisses = 2;
  static constexpr uint64_t kWindow = 8;  // runs an unconfirmed template waits for a second

  // The keys the templates of `script` name for these arguments, declared keys and duplicates
  // left out.
  std::vector<std::string> Predict(std::string_view script, Args keys, Args argv) const;

  // After a finished run of `script` with these arguments, `touched` being the undeclared keys
  // it touched (duplicates allowed): confirms the templates whose key was touched, counts a
  // miss for the others (dropping those at kMaxMisses), and derives templates for the touched
  // keys none explains. Appends to *unexplained (if not null) the touched keys no argument
  // occurs in (KeyHints' share).
  void Learn(std::string_view script, Args keys, Args argv, std::span<const std::string> touched,
             std::vector<std::string>* unexplained = nullptr);
  // As Learn, with the touched keys sorted and distinct.
  void LearnSorted(std::string_view script, Args keys, Args argv, Args touched,
                   std::vector<std::string>* unexplained = nullptr);

  size_t scripts() const { return scripts_.size(); }
  // Keys a Learn tried to derive a template for, over this object's life (tests).
  uint64_t derives() const { return derives_; }
  size_t templates(std::string_view script) const;

 private:
  struct Template {
    bool from_keys = false;  // KEYS[index] (else ARGV[index])
    uint32_t index = 0;
    uint32_t prefix_len = 0;  // affix = prefix .. suffix
    std::string affix;
    bool confirmed = false;    // an argument verbatim, or derived in two runs
    uint32_t misses = 0;       // in a row
    uint64_t derived_run = 0;  // the last run that derived it
    bool operator==(const Template& o) const {
      return from_keys == o.from_keys && index == o.index && prefix_len == o.prefix_len &&
             affix == o.affix;
    }
  };
  struct Script {
    uint64_t runs = 0;
    std::vector<Template> templates;
  };
  // The template for `key`: the longest of the first kMaxArgsScanned arguments (KEYS first)
  // that occurs in it, at its first occurrence; false if none does or the affixes are too long.
  static bool Derive(std::string_view key, Args keys, Args argv, Template* out);
  // The key `t` names for these arguments; false if its argument is missing.
  static bool Instantiate(const Template& t, Args keys, Args argv, std::string* out);

  absl::flat_hash_map<std::string, Script> scripts_;
  uint64_t derives_ = 0;
};

}  // namespace lw
