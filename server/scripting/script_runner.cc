#include "server/scripting/script_runner.h"

#include "server/engine/command_keys.h"

#include <cstring>
#include <optional>

#include "base/clock.h"
#include "base/hash.h"
#include "base/logging.h"
#include "lua_interp/error_format.h"
#include "server/engine/service.h"
#include "server/engine/shard_set.h"
#include "server/engine/squashed_dispatch.h"
#include "server/engine/tracking.h"
#include "server/resp/error_strings.h"
#include "server/scripting/lua_bridge.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {
// Queued async calls are flushed once this many are pending, bounding the queue's memory.
constexpr size_t kMaxQueuedCalls = 1024;
}  // namespace

ScriptLocks::ScriptLocks(ConnectionContext* client, ScriptMode mode, CmdArgs keys, bool read_only,
                         tx::EngineShard* direct_shard, std::vector<std::string> learned)
    : client_(client),
      mode_(mode),
      keys_(keys),
      read_only_(read_only),
      external_(mode == ScriptMode::kNonAtomic ? nullptr : client->multi_tx),
      direct_shard_(direct_shard),
      learned_(std::move(learned)) {
  if (mode_ == ScriptMode::kDynamic) {
    lock_keys_.assign(keys_.begin(), keys_.end());
    lock_keys_.insert(lock_keys_.end(), learned_.begin(), learned_.end());
  }
  // Scheduling begins now and overlaps the script's Lua work; its first command awaits it. A
  // kDynamic script does so too when it has keys to lock up front (declared or predicted).
  const bool has_keys = mode_ == ScriptMode::kDynamic ? !lock_keys_.empty() : !keys_.empty();
  if ((mode_ == ScriptMode::kLockAhead || mode_ == ScriptMode::kDynamic) && external_ == nullptr &&
      direct_shard_ == nullptr && has_keys) {
    StartOwn(/*wait=*/false);
  }
}

void ScriptLocks::StartOwn(bool wait) {
  own_ = std::make_unique<tx::Transaction>(client_->service->shards().tx());
  tx::LockMode lock_mode = read_only_ ? tx::LockMode::kShared : tx::LockMode::kExclusive;
  if (mode_ == ScriptMode::kLockAhead) {
    own_->StartMulti(tx::MultiMode::kLockAhead, keys_, lock_mode, wait);
  } else if (mode_ == ScriptMode::kDynamic) {
    own_->StartMulti(tx::MultiMode::kLockAhead, lock_keys_, lock_mode, wait);
    own_->set_learn_keys(true);  // a key not locked yet is locked on first touch
  } else {
    // A read-only script under the whole-store lock takes it shared: such scripts run
    // alongside each other and alongside keyed readers.
    own_->StartMulti(tx::MultiMode::kGlobal, {}, lock_mode, wait);
  }
}

tx::Transaction* ScriptLocks::Acquire() {
  if (mode_ == ScriptMode::kNonAtomic) return nullptr;
  if (tx::Transaction* t = held()) return t;
  StartOwn(/*wait=*/true);
  if (direct_shard_ != nullptr) {
    // Being scheduled is not enough to touch data outside a hop: an older transaction that
    // conflicts may still be due on this shard. An empty hop returns once it is our turn;
    // from then on the locks keep everyone else out.
    tx::ShardId sid[] = {direct_shard_->id()};
    own_->ExecuteOnShards(sid, [](tx::Transaction*, tx::EngineShard*) { return OpStatus::kOk; });
  }
  return own_.get();
}

void ScriptLocks::Reschedule() {
  if (own_ == nullptr) return;
  Release();
  StartOwn(/*wait=*/false);
}

void ScriptLocks::Release(std::shared_ptr<UndoLog> undo) {
  if (!own_) return;
  if (undo == nullptr || undo->WrittenShards().empty()) {
    tx::Transaction::RunDetached(std::move(own_),
                                 [](tx::Transaction*, tx::EngineShard*) { return OpStatus::kOk; });
    return;
  }
  // The script's end: its WATCH touches apply, and its saved values are freed, on each shard
  // in the hop that releases its locks there.
  tx::Transaction::RunDetached(std::move(own_),
                               [undo = std::move(undo)](tx::Transaction*, tx::EngineShard* es) {
                                 undo->Commit(&ShardSet::Of(es)->db_slice);
                                 return OpStatus::kOk;
                               });
}

CommandRunner::CommandRunner(ConnectionContext* client, ScriptMode mode, bool read_only,
                             CmdArgs keys, RunningScript* running, ScriptCounters* counters,
                             ScriptLocks* locks, tx::EngineShard* direct_shard,
                             std::shared_ptr<UndoLog> undo)
    : client_(client),
      mode_(mode),
      read_only_(read_only),
      db_(client->db_index),
      running_(running),
      counters_(counters),
      locks_(locks),
      direct_shard_(direct_shard),
      tags_lock_(client->service->shards().tx()->options().lock_on_hashtags),
      keys_(keys),
      undo_(std::move(undo)) {
  // A handful of keys is searched faster by comparing than by hashing.
  if (keys.size() > kLinearKeySearch) {
    for (std::string_view k : keys) declared_keys_.insert(std::string(k));
  }
  if (tags_lock_) {
    for (std::string_view k : keys) declared_tags_.insert(std::string(HashTagOf(k)));
  }
}

bool CommandRunner::IsDeclared(std::string_view key) const {
  if (keys_.size() > kLinearKeySearch) {
    return declared_keys_.contains(absl::string_view(key.data(), key.size()));
  }
  for (std::string_view k : keys_) {
    if (k == key) return true;
  }
  return false;
}

std::string CommandRunner::Check(const CommandSpec* spec,
                                 std::span<const std::string_view> args) const {
  if (spec == nullptr) return std::string(errors::kUnknownScriptCommand);
  if (spec->flags & cmd::kNoScript) return std::string(errors::kNoScriptCommand);
  if (!spec->ArityOk(args.size())) {
    return std::string(errors::kScriptCallArity);
  }
  std::string denied = client_->service->AclScriptCall(*spec, args, client_);
  if (!denied.empty()) return denied;
  if (read_only_ && (spec->flags & cmd::kWrite)) {
    return std::string(errors::kWriteFromReadOnlyScript);
  }
  // maxmemory: Dispatch skips its own check for script calls (oom_checked), so the script's
  // allow-oom flag is honoured here.
  if ((spec->flags & cmd::kDenyOom) && !allow_oom_ && client_->service->OomRefuses()) {
    return std::string(errors::kOom);
  }
  return "";
}

bool CommandRunner::FindUndeclared(const CommandSpec* spec, std::span<const std::string_view> args,
                                   std::string_view* undeclared) const {
  // A key is usable if the script declared it, or (--lock_on_hashtags) if a declared key
  // has the same {tag}: the script's lock on that tag covers it.
  bool found = false;
  ForEachCommandKey(*spec, args, [&](std::string_view key) {
    if (found || IsDeclared(key)) return;
    if (tags_lock_) {
      std::string_view tag = HashTagOf(key);
      if (declared_tags_.contains(absl::string_view(tag.data(), tag.size()))) return;
    }
    *undeclared = key;
    found = true;
  });
  return found;
}

const CommandSpec* CommandRunner::FindSpec(std::string_view name) {
  if (const CommandSpec* const* cached = spec_cache_.Find(name)) return *cached;
  const CommandSpec* spec = client_->service->registry().Find(name);
  if (spec != nullptr && spec_cache_.Fits(name)) spec_cache_.Put(name, spec);
  return spec;
}

uint32_t CommandRunner::ShardOfCached(std::string_view key) {
  ShardSet& shards = client_->service->shards();
  if (!shard_cache_.Fits(key) || shards.size() > 256) return shards.ShardOf(key);
  if (const uint8_t* cached = shard_cache_.Find(key)) return *cached;
  const uint32_t shard = shards.ShardOf(key);
  shard_cache_.Put(key, uint8_t(shard));
  return shard;
}

int CommandRunner::AclCheck(std::span<const std::string_view> args) {
  Service* service = client_->service;
  const CommandSpec* spec = FindSpec(args[0]);
  if (spec == nullptr) return -1;
  const acl::CommandTable& table = service->acl().table();
  int id = table.IdFor(*spec, args);
  if (id < 0) return 1;
  if (!table.at(id).subs.empty() && args.size() >= 2) return -1;  // unknown subcommand
  if (service->acl().FullAccess(client_)) return 1;
  int pos = -1;
  return acl::Check(*client_->user, table, id, args, &pos) == acl::Verdict::kOk ? 1 : 0;
}

void CommandRunner::Execute(const CommandSpec* spec, std::span<const std::string_view> args,
                            int resp, std::string* raw) {
  if (before_keyless_ && spec != nullptr && spec->first_key <= 0) {
    std::function<void()> wait = std::move(before_keyless_);
    before_keyless_ = nullptr;
    wait();
  }
  if (spec && spec->IsWrite() &&
      (undo_ == nullptr || (spec->first_key <= 0 && !(spec->flags & cmd::kMovableKeys)))) {
    // Nothing can undo it: a non-atomic script's write, or a keyless one (FLUSHALL...). A
    // movable-keys write (LMPOP numkeys...) names its keys, which its family records.
    running_->irreversible.store(true, std::memory_order_relaxed);
    if (undo_) undo_->MarkIrreversible();
  }
  ReplyBuilder capture(resp == 3 ? RespVersion::kResp3 : RespVersion::kResp2);
  ConnectionContext sub;
  sub.service = client_->service;
  sub.rb = &capture;
  sub.client_id = client_->client_id;
  sub.db_index = db_;
  sub.authenticated = true;
  sub.acl_checked = true;  // Check() applied the ACL with the script's error texts
  sub.from_script = true;
  sub.undo = unrecorded_ ? nullptr : undo_.get();
  if (locks_->held() == nullptr) {
    // The first command takes the script's locks (later ones find them held): time the wait.
    int64_t t0 = SteadyNowNs();
    sub.multi_tx = locks_->Acquire();
    lock_wait_ns_ += SteadyNowNs() - t0;
  } else {
    sub.multi_tx = locks_->Acquire();
  }
  if (direct_shard_ != nullptr && sub.multi_tx != nullptr) sub.direct_shard = direct_shard_;
  sub.oom_checked = true;  // Check() applied maxmemory with the script's flags
  executed_ = true;
  client_->service->DispatchSpec(spec, args, &sub);
  db_ = sub.db_index;  // SELECT inside a script changes the script's database only
  *raw = std::move(capture.buffer());
}

namespace {
// An error the runner answers a call with itself (no command ran to count it): counted in
// errorstats here, as Redis counts a refused script call; the error table Lua gets says so
// (ignore_error_stats_update), so the script's own error reply does not count it again.
// (A stop that reruns the script is internal: never counted.)
void Refuse(std::string_view error, lua::ReplyWriter* reply, bool internal = false) {
  if (!internal) ReplyBuilder::CountErrorReply(error);
  reply->SendError(error);
}
}  // namespace

void CommandRunner::Call(const lua::CallInfo& info, std::span<const std::string_view> args,
                         lua::ReplyWriter* reply) {
  // A SCRIPT KILL stops the script here too, before its next command could run.
  if (running_->kill_requested.load(std::memory_order_relaxed)) {
    Stop(ScriptStop::kError, std::string("ERR ") + std::string(lua::kErrScriptKilled));
    return Refuse(stop_reason_, reply);
  }
  const CommandSpec* spec = FindSpec(args[0]);
  ++calls_issued_;
  int call_shard = -1;  // the shard of all its keys, if one
  if (spec != nullptr && (spec->first_key > 0 || (spec->flags & cmd::kMovableKeys))) {
    bool first = true;
    ForEachCommandKey(*spec, args, [&](std::string_view key) {
      const int id = int(ShardOfCached(key));
      if (id < 64) shard_mask_ |= uint64_t(1) << id;
      call_shard = first || call_shard == id ? id : -2;
      first = false;
    });
    call_shard = std::max(call_shard, -1);
  }
  std::string refusal = Check(spec, args);
  if (!refusal.empty()) {
    // A known command refused here is a rejected call of it, as Redis's scriptCall counts.
    if (spec != nullptr) {
      ++client_->service->LocalCommandStats()[CommandRegistry::StatSlot(*spec, args)]
            .rejected_calls;
    }
    return Refuse(refusal, reply);
  }
  if (client_->tracking_on && (spec->flags & cmd::kReadOnly)) [[unlikely]]
    TrackScriptRead(client_, keys_);
  std::string_view undeclared;
  if (mode_ == ScriptMode::kLockAhead && FindUndeclared(spec, args, &undeclared)) {
    // Lacewing's own rule, not Redis's: the script stops here and is rolled back.
    Stop(ScriptStop::kError, errors::UndeclaredKey(undeclared));
    return Refuse(stop_reason_, reply);
  }
  if (mode_ == ScriptMode::kLockAhead && spec != nullptr && spec->whole_store != nullptr &&
      spec->whole_store(args) &&
      !(locks_->held() != nullptr &&
        locks_->held()->HoldsGlobal((spec->flags & cmd::kReadOnly) ? tx::LockMode::kShared
                                                                   : tx::LockMode::kExclusive))) {
    // Keys no argument names (SORT's BY/GET patterns) cannot be declared: only the whole
    // store covers them. Stopped and rolled back like any undeclared key.
    Stop(ScriptStop::kError, std::string(errors::kUndeclaredKeys) + ", key: (those " +
                                 AsciiUpper(args[0]) +
                                 "'s patterns name; give the script the "
                                 "allow-undeclared-keys flag)");
    return Refuse(stop_reason_, reply);
  }
  if (mode_ == ScriptMode::kDynamic && !LockKeys(spec, args, /*lock=*/!info.async)) {
    return Refuse(stop_reason_, reply, stop_ != ScriptStop::kError);
  }

  if (info.async) {
    if (queue_.empty()) {  // room for a fan-out's calls without regrowth
      queue_.reserve(kQueueReserve);
      queued_views_.reserve(kQueueReserve * 4);
    }
    queue_.push_back(QueuedCall{spec, call_shard, uint32_t(queued_views_.size()),
                                uint32_t(args.size()), info.raise_error, info.resp});
    for (std::string_view a : args) queued_views_.push_back(queued_args_.Copy(a));
    if (queue_.size() >= kMaxQueuedCalls) {
      std::string err = FlushAsync();
      if (!err.empty() && pending_error_.empty()) pending_error_ = err;
    }
    return;
  }
  // A synchronous call sees every earlier write of the script: flush the queue first.
  if (!queue_.empty()) {
    std::string err = FlushAsync();
    if (!err.empty() && pending_error_.empty()) pending_error_ = err;
  }
  if (!pending_error_.empty()) return reply->SendError(pending_error_);

  const int db_before = db_;
  std::string raw;
  Execute(spec, args, info.resp, &raw);
  if (mode_ == ScriptMode::kDynamic) {
    tx::Transaction* t = locks_->held();
    // A key at a position the spec does not list (a movable-key command) was refused.
    if (t != nullptr && t->refused()) Stop(ScriptStop::kRerun, "ERR script rerun");
    // SELECT: the script's other databases take the whole-store lock.
    if (db_ != db_before) Stop(ScriptStop::kWholeStore, "ERR script rerun");
    if (stop_ != ScriptStop::kNone) return Refuse(stop_reason_, reply, stop_ != ScriptStop::kError);
  }
  RespValue value;
  size_t consumed = 0;
  if (DecodeReply(raw, &consumed, &value) != DecodeResult::kOk) {
    return Refuse(errors::kUndecodableReply, reply);
  }
  WriteRespValue(value, reply);
}

// Queued calls run grouped by shard: each maximal run of single-shard commands becomes one
// squashed batch (one hop per involved shard, all in parallel, per-shard order kept), where
// every command executes directly on its shard's thread under the script's locks. A call
// whose keys span shards, or that has no keys (SELECT, ...), is a barrier: the batch before
// it runs first, then it runs as a normal call, so the script's order is kept on every key.
std::string CommandRunner::FlushAsync(bool final) {
  if (queue_.empty()) return pending_error_;
  ScriptCounters::Add(counters_->async_flushes);
  ScriptCounters::Add(counters_->async_commands, queue_.size());
  std::string first_error = pending_error_;
  std::vector<QueuedCall> batch;
  batch.swap(queue_);
  // Every call's arguments as views, back to back in one vector; call i's are views[i].
  StringArena arg_store = std::move(queued_args_);
  std::vector<std::string_view> flat;
  flat.swap(queued_views_);

  Service* service = client_->service;
  const size_t n = batch.size();
  std::vector<std::span<const std::string_view>> views(n);
  std::vector<SquashItem> items(n);
  std::vector<bool> squashable(n);
  bool any_barrier = false;
  for (size_t i = 0; i < n; ++i) {
    views[i] =
        std::span<const std::string_view>(flat).subspan(batch[i].first_arg, batch[i].arg_count);
    // A script that runs on its keys' shard executes everything inline there instead.
    squashable[i] = direct_shard_ == nullptr &&
                    ClassifyForSquash(service, batch[i].spec, views[i], &items[i], batch[i].shard);
    any_barrier |= !squashable[i];
  }

  for (size_t i = 0; i < n; ++i) {
    if (!squashable[i]) continue;
    items[i].db = db_;
    if (items[i].mode == tx::LockMode::kExclusive && undo_ == nullptr) {
      running_->irreversible.store(true, std::memory_order_relaxed);
    }
  }
  // allow-undeclared-keys: the batch's keys are locked together (LockBatch).
  if (mode_ == ScriptMode::kDynamic && !LockBatch(batch, views, final && !any_barrier))
    return stop_reason_;

  // The last flush of a script, with only squashable apcalls: nobody reads these replies, so
  // the batch runs fire and forget as the concluding hop of the script's own transaction (or,
  // when the script holds none, as one transaction of its own over its keys), atomic as a
  // whole. The script returns as soon as the batch holds its place in the order of
  // transactions, so anything that comes after the script's reply, from any client, sees it.
  bool any_acall = false;
  for (const QueuedCall& call : batch) any_acall |= call.raise_error;
  if (final && !any_barrier && !any_acall && (locks_->held() == nullptr || locks_->owns())) {
    struct DetachedFlush {
      std::vector<QueuedCall> calls;
      StringArena args;
      std::vector<std::string_view> flat;
      std::vector<SquashItem> items;
    };
    // Moving the containers keeps their elements in place, so the views stay valid.
    auto owned = std::make_shared<DetachedFlush>(
        DetachedFlush{std::move(batch), std::move(arg_store), std::move(flat), std::move(items)});
    const std::vector<SquashItem>& detached_items = owned->items;
    RunSquashedDetached(service, *client_, detached_items, std::move(owned),
                        /*from_script=*/true, locks_->TakeOwn(), undo_);
    undo_committed_ = true;  // by that batch, on each shard
    ScriptCounters::Add(counters_->detached_flushes);
    return first_error;
  }

  // Under the script's locks (taken now if needed) — except the last flush of a script that
  // never needed them and has only squashable calls: that batch is one transaction of its own
  // over its keys, atomic as a whole, with one scheduling round trip fewer.
  tx::Transaction* locked = locks_->held();
  if (locked == nullptr && (!final || any_barrier)) locked = locks_->Acquire();

  unrecorded_ = final && direct_shard_ != nullptr && mode_ != ScriptMode::kDynamic;
  std::vector<std::string> replies(n);
  std::vector<SquashItem> run;  // the current run of squashable calls
  std::vector<size_t> run_index;
  std::vector<std::string> run_replies;
  auto flush_run = [&] {
    if (run.empty()) return;
    executed_ = true;
    // Without the script's locks (its last batch, as a transaction of its own) nothing can stop
    // the script any more, and no hop of its transaction could restore or commit records: keep
    // none (an acall-only allow-undeclared-keys script hit ConcludeUndo's CHECK here).
    RunSquashed(service, *client_, run, locked, /*from_script=*/true, &run_replies,
                locked != nullptr ? undo_.get() : nullptr);
    for (size_t j = 0; j < run.size(); ++j) replies[run_index[j]] = std::move(run_replies[j]);
    run.clear();
    run_index.clear();
  };
  for (size_t i = 0; i < n; ++i) {
    if (!squashable[i]) {
      flush_run();  // a barrier: it runs alone, after the calls before it
      Execute(batch[i].spec, views[i], batch[i].resp, &replies[i]);
      continue;
    }
    run.push_back(items[i]);
    run_index.push_back(i);
  }
  flush_run();
  unrecorded_ = false;

  return first_error.empty() ? FirstAcallError(batch, replies) : first_error;
}

std::string CommandRunner::FirstAcallError(const std::vector<QueuedCall>& batch,
                                           const std::vector<std::string>& replies) {
  for (size_t i = 0; i < batch.size(); ++i) {
    const std::string& raw = replies[i];
    if (batch[i].raise_error && raw.size() >= 3 && raw[0] == '-') {
      return raw.substr(1, raw.size() - 3);  // drop '-' and CRLF
    }
  }
  return "";
}

bool CommandRunner::ConcludeUndo(bool rollback) {
  if (undo_ == nullptr || undo_committed_) return false;
  if (rollback && undo_->irreversible()) rollback = false;  // a FLUSHALL stays, as in Redis
  if (rollback) ClearQueue();                               // never ran: nothing to undo
  std::vector<uint32_t> shards = undo_->WrittenShards();
  if (shards.empty()) return rollback;
  // A script that holds its own transaction commits in its concluding hop (Release); inside
  // EXEC, or to roll back, the script's transaction runs one more hop on the written shards,
  // before its locks go.
  if (!rollback && locks_->owns()) return false;
  tx::Transaction* tx = locks_->held();
  CHECK(tx != nullptr) << "a script wrote without holding its locks";
  UndoLog* undo = undo_.get();
  tx->ExecuteOnShards(shards, [undo, rollback](tx::Transaction*, tx::EngineShard* es) {
    DbSlice* slice = &ShardSet::Of(es)->db_slice;
    rollback ? undo->Rollback(slice) : undo->Commit(slice);
    return OpStatus::kOk;
  });
  return rollback;
}

void CommandRunner::Stop(ScriptStop kind, std::string reason) {
  if (stop_ != ScriptStop::kNone) return;
  stop_ = kind;
  stop_reason_ = std::move(reason);
}

bool CommandRunner::LockKeys(const CommandSpec* spec, std::span<const std::string_view> args,
                             bool lock) {
  // Commands that see the whole keyspace (SCAN, KEYS, RANDOMKEY, DBSIZE, FLUSH*), and
  // PUBLISH, whose delivery a rerun could not take back, run under the whole-store lock.
  // So do commands that reach keys no argument names (SORT with a BY/GET pattern).
  // An async call of a command with keys at fixed positions and no such pattern needs nothing
  // here: its flush notes and locks its keys with the batch's (LockBatch).
  if (!lock && spec->first_key > 0 && spec->whole_store == nullptr) return true;
  absl::InlinedVector<std::string_view, 4> keys;
  ForEachCommandKey(*spec, args, [&](std::string_view key) { keys.push_back(key); });
  if ((keys.empty() && spec->first_key <= 0 &&
       (!(spec->flags & cmd::kNoKeyspace) || (spec->flags & cmd::kPubSub))) ||
      (spec->whole_store != nullptr && spec->whole_store(args))) {
    NoteQueuedKeys();
    Stop(ScriptStop::kWholeStore, "ERR script rerun");
    return false;
  }
  // An async call: its flush notes and locks the batch's keys together (LockBatch).
  if (keys.empty() || !lock) return true;
  for (std::string_view k : keys) {
    if (!IsDeclared(k)) NoteTouched(k);
  }
  tx::Transaction* t = locks_->Acquire();
  const bool shared =
      read_only_ || ((spec->flags & cmd::kReadOnly) && !(spec->flags & cmd::kWritesCache));
  if (t->LockMore(keys, shared ? tx::LockMode::kShared : tx::LockMode::kExclusive)) return true;
  NoteQueuedKeys();
  Stop(ScriptStop::kRerun, "ERR script rerun");
  return false;
}

void CommandRunner::NoteQueuedKeys() {
  // The queued calls never run (a stopped script drops them), but a rerun locks their keys.
  for (const QueuedCall& call : queue_) {
    std::span<const std::string_view> args(queued_views_.data() + call.first_arg, call.arg_count);
    ForEachCommandKey(*call.spec, args, [&](std::string_view key) {
      if (!IsDeclared(key)) NoteTouched(key);
    });
  }
}

void CommandRunner::NoteTouched(std::string_view key) {
  // Scripts name a key several times in a row (a fan-out's LPUSH k, LTRIM k): a key among the
  // last few noted is not copied again.
  const size_t n = touched_.size();
  for (size_t i = n > kTouchedRecent ? n - kTouchedRecent : 0; i < n; ++i) {
    if (touched_[i] == key) return;
  }
  touched_.emplace_back(key);
}

void CommandRunner::ClearQueue() {
  queue_.clear();
  queued_args_.Clear();
  queued_views_.clear();
}

namespace {
// Appends `key` unless it is among the last few appended: a batch names the same keys over and
// over (a fan-out's LPUSH k, LTRIM k), and each key costs two hashes in LockMore.
void AppendRecent(std::vector<std::string_view>* keys, std::string_view key) {
  constexpr size_t kRecent = 8;
  const size_t n = keys->size();
  for (size_t i = n > kRecent ? n - kRecent : 0; i < n; ++i) {
    if ((*keys)[i] == key) return;
  }
  keys->push_back(key);
}

bool AllLocked(tx::Transaction* t, std::span<const std::string_view> keys, tx::LockMode mode) {
  for (std::string_view k : keys) {
    if (!t->IsKeyLocked(k, mode)) return false;
  }
  return true;
}
}  // namespace

bool CommandRunner::LockBatch(const std::vector<QueuedCall>& batch,
                              const std::vector<std::span<const std::string_view>>& views,
                              bool may_defer) {
  std::vector<std::string_view> exclusive, shared;
  for (size_t i = 0; i < batch.size(); ++i) {
    const CommandSpec* spec = batch[i].spec;
    const bool is_shared =
        read_only_ || ((spec->flags & cmd::kReadOnly) && !(spec->flags & cmd::kWritesCache));
    ForEachCommandKey(*spec, views[i], [&](std::string_view key) {
      AppendRecent(is_shared ? &shared : &exclusive, key);
    });
  }
  for (const auto* keys : {&exclusive, &shared}) {
    for (std::string_view k : *keys) {
      if (!IsDeclared(k)) NoteTouched(k);
    }
  }
  tx::Transaction* t = locks_->held();
  // The script's last flush, holding nothing: the batch becomes a transaction of its own over
  // its keys (FlushAsync), with no lock to learn.
  if (t == nullptr && may_defer) return true;
  // Holding only its up-front locks, no command run under them yet: when the batch needs a
  // key they miss (a wrong prediction), adding it would withdraw and schedule them again;
  // dropping them and running the batch as that transaction of its own costs less, and
  // nothing was read or written under them.
  if (may_defer && !executed_ && locks_->owns() &&
      !(AllLocked(t, exclusive, tx::LockMode::kExclusive) &&
        AllLocked(t, shared, tx::LockMode::kShared))) {
    locks_->Release();
    return true;
  }
  if (t == nullptr) t = locks_->Acquire();
  if (t->LockMore(exclusive, tx::LockMode::kExclusive) &&
      t->LockMore(shared, tx::LockMode::kShared)) {
    return true;
  }
  Stop(ScriptStop::kRerun, "ERR script rerun");
  return false;
}

}  // namespace lw
