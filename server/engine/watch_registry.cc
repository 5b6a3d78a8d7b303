#include "server/engine/watch_registry.h"

#include <algorithm>

#include "server/engine/db_slice.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

bool IsNullReply(std::string_view r) {
  return r == "$-1\r\n" || r == "*-1\r\n" || r == "_\r\n" || r == "*0\r\n";
}

}  // namespace

std::string WatchRegistry::MapKey(int db, std::string_view key) {
  std::string k;
  k.reserve(key.size() + 1);
  k.push_back(char(db));
  k.append(key);
  return k;
}

bool WatchRegistry::Add(const std::shared_ptr<Watcher>& w, int db, std::string_view key,
                        bool existed, int64_t deadline_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Entry>& entries = by_key_[MapKey(db, key)];
  for (const Entry& e : entries) {
    if (e.watcher == w) return false;
  }
  entries.push_back(Entry{w, existed, deadline_ms});
  registrations_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void WatchRegistry::Remove(const Watcher* w, int db, std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_key_.find(MapKey(db, key));
  if (it == by_key_.end()) return;
  std::vector<Entry>& entries = it->second;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].watcher.get() == w) {
      entries.erase(entries.begin() + i);
      registrations_.fetch_sub(1, std::memory_order_relaxed);
      break;
    }
  }
  if (entries.empty()) by_key_.erase(it);
}

void WatchRegistry::OnShardWrite(int db, std::span<const tx::ShardArg> keys, WriteScope* scope) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const tx::ShardArg& a : keys) {
    auto it = by_key_.find(MapKey(db, a.key));
    if (it == by_key_.end()) continue;
    for (const Entry& e : it->second) {
      e.watcher->pending.fetch_add(1, std::memory_order_relaxed);
      scope->touched.push_back(e.watcher);
    }
  }
}

void WatchRegistry::TouchDbLocked(int db, bool all) {
  int64_t now = DbSlice::NowMs();
  for (auto& [k, entries] : by_key_) {
    if (k[0] != char(db)) continue;
    for (const Entry& e : entries) {
      // A key that did not exist (or was already stale) at WATCH and was created since has
      // already dirtied its watchers; one that still lives is emptied now.
      bool lives = e.existed && (e.deadline_ms == 0 || e.deadline_ms > now);
      if (all || lives) e.watcher->dirty.store(true, std::memory_order_relaxed);
    }
  }
}

void WatchRegistry::AfterWrite(const CommandSpec& spec, CmdArgs args, int db, WriteScope* scope,
                               bool changed) {
  std::lock_guard<std::mutex> lock(mu_);
  if (changed) {
    for (const auto& w : scope->touched) w->dirty.store(true, std::memory_order_relaxed);
    if (!scope->ran_hop) {
      // The command reached its data some other way: its named keys stand for what it wrote.
      for (std::string_view key : CommandRegistry::KeysOf(spec, args)) {
        auto it = by_key_.find(MapKey(db, key));
        if (it == by_key_.end()) continue;
        for (const Entry& e : it->second) e.watcher->dirty.store(true, std::memory_order_relaxed);
      }
    }
    if (spec.name == "flushdb") {
      TouchDbLocked(db, false);
    } else if (spec.name == "flushall") {
      for (int i = 0; i < DbSlice::kNumDbs; ++i) TouchDbLocked(i, false);
    } else if (spec.name == "swapdb" && args.size() == 3) {
      int64_t a, b;
      if (ParseRedisInt(args[1], &a) && ParseRedisInt(args[2], &b) && a >= 0 && b >= 0 &&
          a < DbSlice::kNumDbs && b < DbSlice::kNumDbs) {
        TouchDbLocked(int(a), true);
        TouchDbLocked(int(b), true);
      }
    }
  }
  // Settled: release the pending marks only after the dirty flags are visible.
  for (const auto& w : scope->touched) w->pending.fetch_sub(1, std::memory_order_release);
}

bool WatchRegistry::ReplySaysUnchanged(const CommandSpec& spec, CmdArgs args,
                                       std::string_view reply) {
  const std::string& n = spec.name;
  // Integer 0: nothing was removed / set / added.
  if (reply == ":0\r\n") {
    static constexpr std::string_view kZeroMeansNoop[] = {"del",
                                                          "unlink",
                                                          "srem",
                                                          "hdel",
                                                          "zrem",
                                                          "lrem",
                                                          "expire",
                                                          "pexpire",
                                                          "expireat",
                                                          "pexpireat",
                                                          "persist",
                                                          "setnx",
                                                          "hsetnx",
                                                          "msetnx",
                                                          "lpushx",
                                                          "rpushx",
                                                          "sadd",
                                                          "smove",
                                                          "renamenx",
                                                          "linsert",
                                                          "zremrangebyrank",
                                                          "zremrangebyscore",
                                                          "zremrangebylex"};
    return std::find(std::begin(kZeroMeansNoop), std::end(kZeroMeansNoop), n) !=
           std::end(kZeroMeansNoop);
  }
  if (reply == ":-1\r\n") return n == "linsert";
  if (IsNullReply(reply)) {
    static constexpr std::string_view kNullMeansNoop[] = {
        "lpop",  "rpop",  "spop",  "getdel", "getex", "zpopmin",  "zpopmax", "rpoplpush",
        "lmove", "lmpop", "zmpop", "blpop",  "brpop", "bzpopmin", "bzpopmax"};
    if (std::find(std::begin(kNullMeansNoop), std::end(kNullMeansNoop), n) !=
        std::end(kNullMeansNoop)) {
      return true;
    }
    // SET NX/XX that did not set replies null, unless GET asked for the old value.
    if (n == "set") {
      for (size_t i = 3; i < args.size(); ++i) {
        if (EqualsIgnoreCase(args[i], "GET")) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace lw
