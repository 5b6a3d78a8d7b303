#include "transaction/transaction.h"

#include <algorithm>

#include "base/logging.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"

namespace lw::tx {

Transaction::Transaction(ShardSet* shard_set) : shard_set_(shard_set), shard_(shard_set->size()) {}

Transaction::~Transaction() {
  // A coordinator that gives up (error, disconnect) still releases everything it holds.
  if (scheduled_) Conclude();
}

void Transaction::Reset() {
  CHECK(!scheduled_) << "re-declaring a scheduled transaction";
  for (auto& sd : shard_) {
    sd.args.clear();
    sd.locks.clear();
    sd.active = false;
    sd.status = OpStatus::kOk;
  }
  active_.clear();
  global_ = false;
  global_shared_ = false;
  txid_ = 0;
  ran_ = false;
  refused_ = false;
}

void Transaction::AddKeys(std::span<const std::string_view> keys, std::span<const LockMode> modes,
                          LockMode default_mode, std::span<const ShardId> known_shards) {
  for (uint32_t i = 0; i < keys.size(); ++i) {
    ShardId sid = known_shards.empty() ? shard_set_->ShardOf(keys[i]) : known_shards[i];
    DCHECK_EQ(sid, shard_set_->ShardOf(keys[i]));
    PerShard& sd = shard_[sid];
    if (!sd.active) {  // one allocation per shard instead of one per doubling
      sd.args.reserve(keys.size() - i);
      sd.locks.reserve(keys.size() - i);
    }
    sd.args.push_back(ShardArg{keys[i], i});
    sd.locks.push_back(
        LockRequest{shard_set_->LockFingerprint(keys[i]), modes.empty() ? default_mode : modes[i]});
    sd.active = true;
  }
  for (ShardId sid = 0; sid < shard_.size(); ++sid) {
    PerShard& sd = shard_[sid];
    if (!sd.active) continue;
    active_.push_back(sid);
    // One request per fingerprint, in its strongest mode, so a transaction never waits for
    // itself (a key named twice, or two keys under one hash tag).
    std::sort(sd.locks.begin(), sd.locks.end(), [](const LockRequest& a, const LockRequest& b) {
      return a.fingerprint < b.fingerprint || (a.fingerprint == b.fingerprint && a.mode > b.mode);
    });
    auto same = [](const LockRequest& a, const LockRequest& b) {
      return a.fingerprint == b.fingerprint;
    };
    sd.locks.erase(std::unique(sd.locks.begin(), sd.locks.end(), same), sd.locks.end());
  }
}

void Transaction::InitByKeys(std::span<const std::string_view> keys, LockMode mode) {
  Reset();
  AddKeys(keys, {}, mode);
}

void Transaction::InitByKeys(std::span<const std::string_view> keys,
                             std::span<const LockMode> modes) {
  CHECK_EQ(keys.size(), modes.size());
  Reset();
  AddKeys(keys, modes, LockMode::kExclusive);
}

void Transaction::InitByKeys(std::span<const std::string_view> keys,
                             std::span<const LockMode> modes, std::span<const ShardId> shards) {
  CHECK_EQ(keys.size(), modes.size());
  CHECK_EQ(keys.size(), shards.size());
  Reset();
  AddKeys(keys, modes, LockMode::kExclusive, shards);
}

void Transaction::InitGlobal(LockMode mode) {
  Reset();
  global_ = true;
  global_shared_ = mode == LockMode::kShared;
  for (ShardId sid = 0; sid < shard_.size(); ++sid) {
    shard_[sid].active = true;
    active_.push_back(sid);
  }
}

void Transaction::IncludeShard(ShardId sid) {
  CHECK(!scheduled_);
  CHECK_LT(sid, shard_.size());
  if (shard_[sid].active) return;
  shard_[sid].active = true;
  active_.insert(std::upper_bound(active_.begin(), active_.end(), sid), sid);
}

std::span<const ShardArg> Transaction::ShardArgs(ShardId sid) const {
  const PerShard& sd = shard_[sid];
  if (sd.part) return sd.part_args;
  return sd.args;
}

void Transaction::PostToShard(ShardId sid, std::function<void()> fn) {
  if (shard_set_->IsLocal(sid)) {
    fn();
  } else {
    shard_set_->proactor(sid)->DispatchBrief(std::move(fn));
  }
}

template <typename Fn>
void Transaction::PostToShards(std::span<const ShardId> shards, Fn fn) {
  ShardId local = kInvalidShard;
  for (ShardId sid : shards) {
    if (shard_set_->IsLocal(sid)) {
      local = sid;
    } else {
      shard_set_->proactor(sid)->DispatchBrief([fn, sid] { fn(sid); });
    }
  }
  if (local != kInvalidShard) fn(local);
}

struct Transaction::Detached {
  OwnedHopCallback cb;
  std::unique_ptr<Transaction> tx;
  std::atomic<int64_t> remaining{0};
  // The coordinator's thread: the batch is freed where it was allocated, because freeing
  // another thread's memory is slow in mimalloc. Null for a plain-thread coordinator.
  io::Proactor* origin = nullptr;
};

void Transaction::HopDone() {
  if (detached_ == nullptr) {
    pending_->Dec();
    return;
  }
  if (detached_->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  Detached* detached = detached_;  // destroys this transaction
  if (detached->origin == nullptr || detached->origin == io::Proactor::Current()) {
    delete detached;
  } else {
    detached->origin->DispatchBrief([detached] { delete detached; });
  }
}

OpStatus Transaction::FirstError(std::span<const ShardId> shards) const {
  for (ShardId sid : shards) {
    if (shard_[sid].status != OpStatus::kOk) return shard_[sid].status;
  }
  return OpStatus::kOk;
}

// --- Scheduling. ---

void Transaction::Schedule() {
  BeginSchedule();
  AwaitScheduled();
}

void Transaction::BeginSchedule() {
  CHECK(!scheduled_) << "already scheduled";
  scheduled_ = true;
  if (!active_.empty()) RequestSchedule();
}

void Transaction::RequestSchedule() {
  schedule_acks_ = std::make_unique<io::BlockingCounter>(int64_t(active_.size()));
  io::BlockingCounter* acks = schedule_acks_.get();
  if (active_.size() == 1) {
    // One shard: let it pick the id, so the arrival is never late.
    PostToShards(active_, [this, acks](ShardId sid) {
      shard_set_->shard(sid)->ScheduleAtTail(this);
      acks->Dec();
    });
    return;
  }
  txid_ = shard_set_->NextTxId();
  PostToShards(active_, [this, acks](ShardId sid) {
    shard_set_->shard(sid)->ScheduleWithId(this);
    acks->Dec();
  });
}

bool Transaction::AwaitScheduled() {
  bool retried = false;
  while (schedule_acks_ != nullptr) {
    schedule_acks_->Wait();
    schedule_acks_.reset();
    std::vector<ShardId> queued;
    for (ShardId sid : active_) {
      if (shard_[sid].queued) queued.push_back(sid);
    }
    if (queued.size() == active_.size()) break;
    retried = true;

    // Some shard refused a late arrival: withdraw everywhere and try again with a newer id.
    io::BlockingCounter withdrawn{int64_t(queued.size())};
    PostToShards(queued, [this, &withdrawn](ShardId sid) {
      shard_set_->shard(sid)->Release(this);
      withdrawn.Dec();
    });
    withdrawn.Wait();
    RequestSchedule();
  }
  return retried;
}

OpStatus Transaction::RunHop(HopCallback cb, std::span<const ShardId> shards, bool conclude) {
  CHECK(scheduled_);
  AwaitScheduled();
  if (conclude) scheduled_ = false;
  if (shards.empty()) return OpStatus::kOk;
  ran_ = true;
  cb_.emplace(cb);
  conclude_hop_ = conclude;
  io::BlockingCounter done{int64_t(shards.size())};
  pending_ = &done;
  for (ShardId sid : shards) {
    DCHECK(shard_[sid].queued) << "hop on a shard the transaction did not schedule";
  }
  PostToShards(shards, [this](ShardId sid) { shard_set_->shard(sid)->Arm(this); });
  done.Wait();
  pending_ = nullptr;
  cb_.reset();
  return FirstError(shards);
}

OpStatus Transaction::Execute(HopCallback cb, bool conclude) {
  CHECK(multi_ == MultiMode::kNone || !conclude) << "use UnlockMulti";
  // Every active shard runs the hop, so concluding releases everything.
  std::vector<ShardId> shards = active_;
  return RunHop(cb, shards, conclude);
}

OpStatus Transaction::ExecuteOnKeys(HopCallback cb, std::span<const uint32_t> keys,
                                    std::span<const uint32_t> later, bool conclude) {
  CHECK(multi_ == MultiMode::kNone && !global_ && detached_ == nullptr);
  CHECK(!conclude || later.empty());
  if (!scheduled_) {
    // One remote shard, or the caller's own and one other: one message per remote shard
    // schedules and runs the hop (StartWithPart). Otherwise schedule as usual first.
    size_t local = 0;
    for (ShardId sid : active_) local += shard_set_->IsLocal(sid) ? 1 : 0;
    if ((active_.size() == 1 && local == 0) || (active_.size() == 2 && local == 1)) {
      return StartWithPart(cb, keys, later, conclude);
    }
    Schedule();
  }
  AwaitScheduled();
  if (conclude) scheduled_ = false;
  std::vector<ShardId> release;
  const std::vector<ShardId> run = PreparePart(keys, later, conclude, false, &release);
  if (!run.empty()) ran_ = true;
  cb_.emplace(cb);
  conclude_hop_ = false;  // per shard: part_concludes
  io::BlockingCounter done{int64_t(run.size() + release.size())};
  pending_ = &done;
  std::vector<ShardId> all = run;
  all.insert(all.end(), release.begin(), release.end());
  PostToShards(all,
               [this](ShardId sid) { ArmOrRelease(shard_set_->shard(sid), shard_[sid].part); });
  done.Wait();
  pending_ = nullptr;
  cb_.reset();
  for (ShardId sid : run) {
    shard_[sid].part = false;
    shard_[sid].part_concludes = false;
  }
  return FirstError(run);
}

void Transaction::ArmOrRelease(EngineShard* shard, bool run) {
  if (run) {
    shard->Arm(this);  // counts the hop done when it has run
  } else {
    shard->Release(this);
    HopDone();
  }
}

void Transaction::Conclude() {
  if (!scheduled_) return;
  AwaitScheduled();
  scheduled_ = false;
  std::vector<ShardId> queued;
  for (ShardId sid : active_) {
    if (shard_[sid].queued) queued.push_back(sid);
  }
  if (queued.empty()) return;
  io::BlockingCounter released{int64_t(queued.size())};
  for (ShardId sid : queued) {
    PostToShard(sid, [this, sid, &released] {
      shard_set_->shard(sid)->Release(this);
      released.Dec();
    });
  }
  released.Wait();
}

OpStatus Transaction::ScheduleSingleHop(HopCallback cb) {
  CHECK(!scheduled_);
  if (active_.size() == 2 && multi_ == MultiMode::kNone) {
    // One shard here and one elsewhere: one round trip instead of two (see RunPaired).
    for (int i = 0; i < 2; ++i) {
      if (shard_set_->IsLocal(active_[i])) return RunPaired(cb, active_[i], active_[1 - i]);
    }
  }
  if (active_.size() != 1 || global_ || multi_ != MultiMode::kNone) {
    Schedule();
    return Execute(cb, /*conclude=*/true);
  }

  // The single-shard fast path: the shard runs the hop at once when nothing holds its keys,
  // else it queues it with an id of its own choosing; either way one message at most.
  ShardId sid = active_[0];
  EngineShard* shard = shard_set_->shard(sid);
  cb_.emplace(cb);
  conclude_hop_ = true;
  io::BlockingCounter done(1);
  pending_ = &done;
  if (shard_set_->IsLocal(sid)) {
    if (shard->TryRunQuick(this, /*inline_call=*/true)) {
      done.Dec();
    } else {
      shard->ScheduleAtTail(this);
      shard->Arm(this);
    }
  } else {
    shard_set_->proactor(sid)->DispatchBrief([this, shard] { shard->QuickOrQueue(this); });
  }
  done.Wait();
  pending_ = nullptr;
  cb_.reset();
  return shard_[sid].status;
}

OpStatus Transaction::RunPaired(HopCallback cb, ShardId local, ShardId remote) {
  // The local shard queues the transaction first (inline, so a refusal costs nothing), then
  // one message asks the remote shard to queue it and run the hop there when allowed. Only
  // after that answer does the local hop run: had the remote shard refused the id (a late
  // arrival), nothing has run anywhere, so withdrawing and retrying with a newer id is safe.
  // Meanwhile the transaction holds its place in the local queue, so the order is that of
  // Schedule + Execute: every shard still runs conflicting transactions in id order.
  EngineShard* here = shard_set_->shard(local);
  EngineShard* there = shard_set_->shard(remote);
  cb_.emplace(cb);
  conclude_hop_ = true;
  scheduled_ = true;
  while (true) {
    txid_ = shard_set_->NextTxId();
    if (!here->ScheduleWithId(this)) continue;  // a younger one already ran here
    paired_refused_ = false;
    io::BlockingCounter remote_done(1);
    pending_ = &remote_done;
    // Two words of capture: std::function holds them without an allocation.
    shard_set_->proactor(remote)->DispatchBrief([this, there] {
      if (there->TryRunQuickWithId(this)) {
        HopDone();
      } else if (there->ScheduleWithId(this)) {
        there->Arm(this);  // counts down when the hop has run there
      } else {
        paired_refused_ = true;
        HopDone();
      }
    });
    remote_done.Wait();
    if (!paired_refused_) break;
    here->Release(this);
  }
  io::BlockingCounter local_done(1);
  pending_ = &local_done;
  here->Arm(this);
  local_done.Wait();
  pending_ = nullptr;
  scheduled_ = false;
  cb_.reset();
  return FirstError(active_);
}

void Transaction::RunDetached(std::unique_ptr<Transaction> owned, OwnedHopCallback cb) {
  Transaction* tx = owned.get();
  const bool fresh = !tx->scheduled_;
  CHECK(fresh ? tx->multi_ == MultiMode::kNone
              : tx->multi_ == MultiMode::kLockAhead || tx->multi_ == MultiMode::kGlobal)
      << "RunDetached: a fresh or a scheduled multi transaction";
  if (!fresh) {
    tx->AwaitScheduled();
    tx->multi_ = MultiMode::kNone;
    for (auto& sd : tx->shard_) sd.args.clear();
  }
  const std::vector<ShardId> shards = tx->active_;  // `tx` may be gone before the loop ends
  if (shards.empty()) return;
  auto* detached = new Detached{std::move(cb), std::move(owned)};
  detached->remaining.store(int64_t(shards.size()), std::memory_order_relaxed);
  tx->cb_.emplace(detached->cb);
  tx->conclude_hop_ = true;
  detached->origin = io::Proactor::Current();
  tx->detached_ = detached;
  ShardSet* shard_set = tx->shard_set_;

  if (fresh && shards.size() == 1 && !tx->global_) {
    // As ScheduleSingleHop: quick when uncontended, else queued at the tail with a fresh id.
    EngineShard* shard = shard_set->shard(shards[0]);
    if (!shard_set->IsLocal(shards[0])) {
      shard_set->proactor(shards[0])->DispatchBrief([tx, shard] { shard->QuickOrQueue(tx); });
    } else if (shard->TryRunQuick(tx, /*inline_call=*/true)) {
      tx->HopDone();
    } else {
      shard->ScheduleAtTail(tx);
      shard->Arm(tx);
    }
    return;
  }

  if (fresh) tx->Schedule();
  tx->scheduled_ = false;  // the hop below concludes it on every shard
  tx->PostToShards(shards, [shard_set, tx](ShardId sid) { shard_set->shard(sid)->Arm(tx); });
}

void Transaction::RunDetachedOnKeys(std::unique_ptr<Transaction> owned, OwnedHopCallback cb,
                                    std::span<const uint32_t> keys) {
  Transaction* tx = owned.get();
  CHECK(tx->scheduled_ && tx->multi_ == MultiMode::kNone && !tx->global_);
  tx->AwaitScheduled();
  std::vector<ShardId> release;
  std::vector<ShardId> all = tx->PreparePart(keys, {}, /*conclude=*/true, false, &release);
  all.insert(all.end(), release.begin(), release.end());
  tx->scheduled_ = false;  // the hop below concludes it on every shard still queued
  if (all.empty()) return;
  auto* detached = new Detached{std::move(cb), std::move(owned)};
  detached->remaining.store(int64_t(all.size()), std::memory_order_relaxed);
  tx->cb_.emplace(detached->cb);
  tx->conclude_hop_ = false;  // per shard: part_concludes
  detached->origin = io::Proactor::Current();
  tx->detached_ = detached;
  ShardSet* shard_set = tx->shard_set_;
  tx->PostToShards(all, [shard_set, tx](ShardId sid) {
    // `tx` stays alive until the last shard's HopDone, which is after this read.
    if (tx->shard_[sid].part) return shard_set->shard(sid)->Arm(tx);
    shard_set->shard(sid)->Release(tx);
    tx->HopDone();
  });
}

// --- Locks learned while running (README.md). ---

void Transaction::MergeLocks(std::vector<LockRequest>* locks, std::vector<LockRequest>* add) {
  locks->insert(locks->end(), add->begin(), add->end());
  // As AddKeys: one request per fingerprint, in its strongest mode.
  std::sort(locks->begin(), locks->end(), [](const LockRequest& a, const LockRequest& b) {
    return a.fingerprint < b.fingerprint || (a.fingerprint == b.fingerprint && a.mode > b.mode);
  });
  auto same = [](const LockRequest& a, const LockRequest& b) {
    return a.fingerprint == b.fingerprint;
  };
  locks->erase(std::unique(locks->begin(), locks->end(), same), locks->end());
}

bool Transaction::LockMore(std::span<const std::string_view> keys, LockMode mode) {
  CHECK(multi_ == MultiMode::kLockAhead && scheduled_);
  if (global_) return true;
  std::vector<std::vector<LockRequest>> add(shard_.size());
  bool any = false;
  for (std::string_view key : keys) {
    if (IsKeyLocked(key, mode)) continue;
    add[shard_set_->ShardOf(key)].push_back(LockRequest{shard_set_->LockFingerprint(key), mode});
    any = true;
  }
  if (!any) return true;
  AwaitScheduled();
  if (!ran_) {
    Restart(add);
    return true;
  }
  // Each shard decides for its own requests (EngineShard::TryAddLocks); nothing runs meanwhile.
  std::vector<ShardId> shards;
  for (ShardId sid = 0; sid < shard_.size(); ++sid) {
    if (add[sid].empty()) continue;
    shards.push_back(sid);
    shard_[sid].adding = std::move(add[sid]);
    shard_[sid].granted = false;
  }
  io::BlockingCounter answered{int64_t(shards.size())};
  PostToShards(shards, [this, &answered](ShardId sid) {
    shard_[sid].granted = shard_set_->shard(sid)->TryAddLocks(this);
    answered.Dec();
  });
  answered.Wait();
  bool all = true;
  for (ShardId sid : shards) {
    PerShard& sd = shard_[sid];
    sd.adding.clear();
    if (!sd.granted) {
      all = false;
      continue;
    }
    if (!sd.active) {
      sd.active = true;
      active_.insert(std::upper_bound(active_.begin(), active_.end(), sid), sid);
    }
  }
  if (!all) refused_ = true;
  return all;
}

void Transaction::Restart(std::vector<std::vector<LockRequest>>& add) {
  std::vector<ShardId> queued;
  for (ShardId sid : active_) {
    if (shard_[sid].queued) queued.push_back(sid);
  }
  io::BlockingCounter withdrawn{int64_t(queued.size())};
  PostToShards(queued, [this, &withdrawn](ShardId sid) {
    shard_set_->shard(sid)->Release(this);
    withdrawn.Dec();
  });
  withdrawn.Wait();
  active_.clear();
  for (ShardId sid = 0; sid < shard_.size(); ++sid) {
    PerShard& sd = shard_[sid];
    if (!add[sid].empty()) {
      MergeLocks(&sd.locks, &add[sid]);
      sd.active = true;
    }
    if (sd.active) active_.push_back(sid);
  }
  txid_ = 0;
  RequestSchedule();
  AwaitScheduled();
}

}  // namespace lw::tx
