#include "server/families/multi_family.h"

#include <absl/container/flat_hash_set.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/fiber.h"
#include "server/engine/connection_context.h"
#include "server/engine/db_slice.h"
#include "server/engine/op_args.h"
#include "server/engine/service.h"
#include "server/engine/squashed_dispatch.h"
#include "server/resp/error_strings.h"
#include "transaction/transaction.h"

namespace lw {

namespace {

// One WATCHed key of a client, with its state at WATCH time (for expiry at EXEC).
struct WatchedKey {
  int db;
  std::string key;
  bool existed;
  int64_t deadline_ms;  // 0: no expiry
};

// The client's MULTI queue (MultiState) plus its watches.
class ClientMulti : public MultiState {
 public:
  explicit ClientMulti(ShardSet* shards) : shards_(shards) {}
  ~ClientMulti() override { Unwatch(); }

  // Ends this round of watches. Each shard drops the watcher from its table on its own
  // thread, later: nobody awaits that, and a write meanwhile only marks a watcher that no one
  // reads any more (the next round gets a new one).
  void Unwatch() {
    if (!keys.empty()) {
      std::vector<std::vector<WatchedKey>> by_shard(shards_->size());
      for (WatchedKey& k : keys) by_shard[shards_->ShardOf(k.key)].push_back(std::move(k));
      for (uint32_t sid = 0; sid < by_shard.size(); ++sid) {
        if (by_shard[sid].empty()) continue;
        shards_->Post(sid, [w = watcher, mine = std::move(by_shard[sid])](Shard* shard) {
          for (const WatchedKey& k : mine) shard->db_slice.watches().Remove(w.get(), k.db, k.key);
        });
      }
    }
    keys.clear();
    watcher.reset();
  }
  bool Watches(int db, std::string_view key) const {
    for (const WatchedKey& k : keys) {
      if (k.db == db && k.key == key) return true;
    }
    return false;
  }

  std::shared_ptr<Watcher> watcher;  // null while nothing is watched
  std::vector<WatchedKey> keys;

 private:
  ShardSet* shards_;
};

ClientMulti* State(ConnectionContext* cntx, bool create) {
  if (!cntx->multi && create) {
    cntx->multi = std::make_unique<ClientMulti>(&cntx->service->shards());
  }
  return static_cast<ClientMulti*>(cntx->multi.get());
}

// True if EXEC must lock every shard to run `spec`: its keys are not all at its legacy key
// positions (kMovableKeys: scripts, numkeys commands), or it reaches the keyspace without
// naming keys (FLUSHDB, KEYS, SCAN, DBSIZE, RANDOMKEY, DEBUG...: keyless, not kNoKeyspace).
bool NeedsGlobal(const CommandSpec& spec) {
  if (spec.Has(cmd::kMovableKeys)) return true;
  if (spec.first_key > 0) return false;
  return !spec.Has(cmd::kNoKeyspace);
}

// Whether the watches of `st` say EXEC must fail. REQUIRES: the watched keys are locked and a
// hop over them has run, so every write of them that ran before EXEC has reported itself.
bool WatchesDirty(ClientMulti* st) {
  Watcher* w = st->watcher.get();
  if (w == nullptr) return false;
  if (w->dirty.load(std::memory_order_relaxed)) return true;
  // Existed at WATCH with a deadline that has passed: expired since, as Redis sees it.
  int64_t now = DbSlice::NowMs();
  for (const WatchedKey& k : st->keys) {
    if (k.existed && k.deadline_ms != 0 && k.deadline_ms <= now) return true;
  }
  return false;
}

void Multi(CmdArgs, ConnectionContext* cntx) {
  ClientMulti* st = State(cntx, true);
  if (st->queuing) return cntx->rb->SendError(errors::kMultiNested);
  st->queuing = true;
  st->aborted = false;
  st->queued.clear();
  cntx->rb->SendOk();
}

void Discard(CmdArgs, ConnectionContext* cntx) {
  ClientMulti* st = State(cntx, false);
  if (st == nullptr || !st->queuing) return cntx->rb->SendError(errors::kDiscardWithoutMulti);
  st->queuing = false;
  st->aborted = false;
  st->queued.clear();
  st->Unwatch();
  cntx->rb->SendOk();
}

void Watch(CmdArgs args, ConnectionContext* cntx) {
  ClientMulti* st = State(cntx, true);
  if (st->queuing) return cntx->rb->SendError(errors::kWatchInsideMulti);
  if (!st->watcher) st->watcher = std::make_shared<Watcher>();
  int db = cntx->db_index;
  std::vector<std::string_view> fresh;
  for (std::string_view key : args.subspan(1)) {
    if (st->Watches(db, key)) continue;
    if (std::find(fresh.begin(), fresh.end(), key) != fresh.end()) continue;
    fresh.push_back(key);
  }
  struct Seen {
    bool added = false;
    bool existed = false;
    int64_t deadline_ms = 0;
  };
  std::vector<Seen> seen(fresh.size());
  std::shared_ptr<Watcher> watcher = st->watcher;
  // Registered inside a hop under the key's lock: a write of the key is either before it (and
  // does not count) or after it (and sees the registration).
  RunOnKeys(cntx, fresh, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      Seen& s = seen[a.index];
      std::optional<DbSlice::Iterator> it = op.slice->Peek(op.db, a.key);
      s.existed = it.has_value();
      if (s.existed) s.deadline_ms = op.slice->GetExpire(op.db, *it);
      s.added = op.slice->watches().Add(watcher, op.db, a.key);
    }
  });
  for (size_t i = 0; i < fresh.size(); ++i) {
    if (seen[i].added) {
      st->keys.push_back(
          WatchedKey{db, std::string(fresh[i]), seen[i].existed, seen[i].deadline_ms});
    }
  }
  cntx->rb->SendOk();
}

void Unwatch(CmdArgs, ConnectionContext* cntx) {
  if (ClientMulti* st = State(cntx, false)) st->Unwatch();
  cntx->rb->SendOk();
}

void Exec(CmdArgs, ConnectionContext* cntx) {
  ClientMulti* st = State(cntx, false);
  if (st == nullptr || !st->queuing) return cntx->rb->SendError(errors::kExecWithoutMulti);
  std::vector<std::vector<std::string>> cmds = std::move(st->queued);
  st->queued.clear();
  st->queuing = false;
  bool aborted = st->aborted;
  st->aborted = false;
  if (aborted) {
    st->Unwatch();
    return cntx->rb->SendError(errors::kExecAbort);
  }

  // Plan the locks: the union of every queued command's keys and the watched keys.
  const CommandRegistry& registry = cntx->service->registry();
  std::vector<std::vector<std::string_view>> argvs(cmds.size());
  std::vector<std::string_view> lock_keys;
  absl::flat_hash_set<std::string_view> seen;
  bool global = false;
  bool read_only = true;
  for (size_t i = 0; i < cmds.size(); ++i) {
    argvs[i].assign(cmds[i].begin(), cmds[i].end());
    const CommandSpec* spec = registry.Find(argvs[i][0]);
    if (spec == nullptr) continue;  // cannot happen: validated when queued
    if (NeedsGlobal(*spec)) global = true;
    std::vector<std::string_view> keys = CommandRegistry::KeysOf(*spec, argvs[i]);
    if (!keys.empty() && (!(spec->flags & cmd::kReadOnly) || spec->Has(cmd::kWritesCache))) {
      read_only = false;
    }
    for (std::string_view k : keys) {
      if (seen.insert(k).second) lock_keys.push_back(k);
    }
  }
  std::vector<std::string_view> watched;
  for (const WatchedKey& k : st->keys) {
    watched.push_back(k.key);
    if (seen.insert(k.key).second) lock_keys.push_back(k.key);
  }

  std::optional<tx::Transaction> multi;
  if (global || !lock_keys.empty()) {
    multi.emplace(cntx->service->shards().tx());
    if (global) {
      multi->StartMulti(tx::MultiMode::kGlobal);
    } else {
      multi->StartMulti(tx::MultiMode::kLockAhead, lock_keys,
                        read_only ? tx::LockMode::kShared : tx::LockMode::kExclusive);
    }
  }
  if (!watched.empty()) {
    // Our place in every watched key's order: writes before it have reported themselves.
    multi->ExecuteCommand(watched, tx::LockMode::kShared,
                          [](tx::Transaction*, tx::EngineShard*) { return OpStatus::kOk; });
  }
  bool dirty = WatchesDirty(st);
  st->Unwatch();  // EXEC unwatches whatever happens next
  if (dirty) {
    if (multi) multi->UnlockMulti();
    return cntx->rb->SendNullArray();
  }

  cntx->rb->StartArray(cmds.size());
  st->executing = true;
  tx::Transaction* outer = cntx->multi_tx;
  cntx->multi_tx = multi ? &*multi : nullptr;
  cntx->in_exec = true;  // ACL denials now have Redis's EXEC-time text
  // Consecutive single-shard commands run squashed: one parallel hop per shard under the
  // EXEC's locks (server/engine/squashed_dispatch.h); any other command runs alone, in order.
  std::vector<SquashItem> run;
  std::vector<std::string> replies;
  auto flush_run = [&] {
    if (run.empty()) return;
    if (run.size() == 1) {
      cntx->service->Dispatch(run[0].args, cntx);
    } else {
      RunSquashed(cntx->service, *cntx, run, cntx->multi_tx, /*from_script=*/false, &replies);
      for (const std::string& r : replies) cntx->rb->buffer().append(r);
    }
    run.clear();
  };
  for (const std::vector<std::string_view>& argv : argvs) {
    SquashItem item;
    // While a client monitors, each command runs alone, so the monitor sees it in order; a
    // tracking client's commands each pass Dispatch, which registers their reads.
    if (cntx->multi_tx != nullptr && !cntx->service->unbatched() && !cntx->tracking_on &&
        ClassifyForSquash(cntx->service, argv, &item)) {
      item.db = cntx->db_index;
      run.push_back(std::move(item));
      continue;
    }
    flush_run();
    cntx->service->Dispatch(argv, cntx);
  }
  flush_run();
  st->executing = false;
  cntx->in_exec = false;
  cntx->multi_tx = outer;
  if (multi) multi->UnlockMulti();
}

}  // namespace

void RegisterMultiFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"multi", 1, kNoScript | kLoading | kStale | kFast | kNotQueued, 0, 0, 0, Multi});
  r->Register({"exec", 1, kNoScript | kLoading | kStale | kNotQueued, 0, 0, 0, Exec});
  r->Register({"discard", 1, kNoScript | kLoading | kStale | kFast | kNotQueued, 0, 0, 0, Discard});
  r->Register({"watch", -2, kNoScript | kLoading | kStale | kFast | kNotQueued | kConnState, 1, -1,
               1, Watch});
  r->Register(
      {"unwatch", 1, kNoScript | kLoading | kStale | kFast | kNoKeyspace, 0, 0, 0, Unwatch});
}

}  // namespace lw
