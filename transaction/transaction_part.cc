// Transaction: hops over a part of the declared keys (ExecuteOnKeys). See README.md, "Hops
// over a part of the keys".
#include <algorithm>
#include <utility>

#include "base/logging.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"
#include "transaction/transaction.h"

namespace lw::tx {

std::vector<ShardId> Transaction::PreparePart(std::span<const uint32_t> keys,
                                              std::span<const uint32_t> later, bool conclude,
                                              bool fresh, std::vector<ShardId>* release) {
  auto contains = [](std::span<const uint32_t> list, uint32_t index) {
    return std::find(list.begin(), list.end(), index) != list.end();
  };
  std::vector<ShardId> run;
  for (ShardId sid : active_) {
    PerShard& sd = shard_[sid];
    if (!fresh && !sd.queued) continue;  // concluded here already
    sd.part_args.clear();
    sd.part_locks.clear();
    bool later_here = false;
    for (const ShardArg& arg : sd.args) {
      if (contains(keys, arg.index)) sd.part_args.push_back(arg);
      later_here = later_here || contains(later, arg.index);
    }
    const bool concludes = conclude || !later_here;
    if (sd.part_args.empty()) {
      if (concludes) release->push_back(sid);
      continue;
    }
    // The held request of each key (its strongest mode, if the key was named twice).
    for (const ShardArg& arg : sd.part_args) {
      const uint64_t fp = shard_set_->LockFingerprint(arg.key);
      auto it =
          std::lower_bound(sd.locks.begin(), sd.locks.end(), fp,
                           [](const LockRequest& r, uint64_t f) { return r.fingerprint < f; });
      DCHECK(it != sd.locks.end() && it->fingerprint == fp);
      sd.part_locks.push_back(*it);
    }
    std::sort(
        sd.part_locks.begin(), sd.part_locks.end(),
        [](const LockRequest& a, const LockRequest& b) { return a.fingerprint < b.fingerprint; });
    sd.part_locks.erase(std::unique(sd.part_locks.begin(), sd.part_locks.end(),
                                    [](const LockRequest& a, const LockRequest& b) {
                                      return a.fingerprint == b.fingerprint;
                                    }),
                        sd.part_locks.end());
    sd.part = true;
    sd.part_concludes = concludes;
    run.push_back(sid);
  }
  return run;
}

OpStatus Transaction::StartWithPart(HopCallback cb, std::span<const uint32_t> keys,
                                    std::span<const uint32_t> later, bool conclude) {
  std::vector<ShardId> release;
  const std::vector<ShardId> run = PreparePart(keys, later, conclude, true, &release);
  return StartWith(cb, run, release, conclude);
}

OpStatus Transaction::StartWith(HopCallback cb, const std::vector<ShardId>& run,
                                const std::vector<ShardId>& release, bool conclude) {
  // Scheduling and the first hop in one message per remote shard, as RunPaired: the local
  // shard (if any) queues inline first; the remote one queues and, once accepted, runs or
  // releases at once; only after its answer does the local part run, so a refused (late)
  // arrival is withdrawn before anything ran anywhere.
  ShardId local = kInvalidShard, remote = kInvalidShard;
  for (ShardId sid : active_) (shard_set_->IsLocal(sid) ? local : remote) = sid;
  auto in = [](const std::vector<ShardId>& list, ShardId sid) {
    return std::find(list.begin(), list.end(), sid) != list.end();
  };
  scheduled_ = true;
  ran_ = !run.empty();
  cb_.emplace(cb);
  conclude_hop_ = false;
  EngineShard* here = local == kInvalidShard ? nullptr : shard_set_->shard(local);
  while (true) {
    const bool alone = here == nullptr;  // one remote shard: it takes the id, never refuses
    if (!alone) {
      txid_ = shard_set_->NextTxId();
      if (!here->ScheduleWithId(this)) continue;  // a younger one already ran here
    }
    bool refused = false;
    io::BlockingCounter remote_done(1);
    pending_ = &remote_done;
    EngineShard* there = shard_set_->shard(remote);
    const bool arm = in(run, remote), drop = in(release, remote);
    shard_set_->proactor(remote)->DispatchBrief([this, there, alone, arm, drop, &refused] {
      if (alone) {
        there->ScheduleAtTail(this);
      } else if (!there->ScheduleWithId(this)) {
        refused = true;
        return HopDone();
      }
      if (arm) return there->Arm(this);  // counts down when the hop has run there
      if (drop) there->Release(this);
      HopDone();
    });
    remote_done.Wait();
    if (!refused) break;
    here->Release(this);
  }
  if (here != nullptr && (in(run, local) || in(release, local))) {
    io::BlockingCounter local_done(1);
    pending_ = &local_done;
    ArmOrRelease(here, in(run, local));
    local_done.Wait();
  }
  pending_ = nullptr;
  cb_.reset();
  if (conclude) scheduled_ = false;
  for (ShardId sid : run) shard_[sid].part = shard_[sid].part_concludes = false;
  return FirstError(run);
}

std::vector<ShardId> Transaction::PrepareShards(std::span<const ShardId> run_on,
                                                std::span<const ShardId> later, bool conclude,
                                                bool fresh, std::vector<ShardId>* release) {
  auto contains = [](std::span<const ShardId> list, ShardId sid) {
    return std::find(list.begin(), list.end(), sid) != list.end();
  };
  std::vector<ShardId> run;
  for (ShardId sid : active_) {
    PerShard& sd = shard_[sid];
    if (!fresh && !sd.queued) continue;  // concluded here already
    const bool concludes = conclude || !contains(later, sid);
    if (!contains(run_on, sid)) {
      if (concludes) release->push_back(sid);
      continue;
    }
    sd.part_concludes = concludes;  // `part` stays false: the hop waits on the whole shard
    run.push_back(sid);
  }
  return run;
}

OpStatus Transaction::ExecuteOnShardPart(HopCallback cb, std::span<const ShardId> run_on,
                                         std::span<const ShardId> later, bool conclude) {
  CHECK(multi_ == MultiMode::kNone && global_ && detached_ == nullptr);
  CHECK(!conclude || later.empty());
  std::vector<ShardId> release;
  if (!scheduled_) {
    // As ExecuteOnKeys: one message per remote shard schedules and runs the hop.
    size_t local = 0;
    for (ShardId sid : active_) local += shard_set_->IsLocal(sid) ? 1 : 0;
    if ((active_.size() == 1 && local == 0) || (active_.size() == 2 && local == 1)) {
      const std::vector<ShardId> run = PrepareShards(run_on, later, conclude, true, &release);
      return StartWith(cb, run, release, conclude);
    }
    Schedule();
  }
  AwaitScheduled();
  if (conclude) scheduled_ = false;
  const std::vector<ShardId> run = PrepareShards(run_on, later, conclude, false, &release);
  if (!run.empty()) ran_ = true;
  cb_.emplace(cb);
  conclude_hop_ = false;  // per shard: part_concludes
  io::BlockingCounter done{int64_t(run.size() + release.size())};
  pending_ = &done;
  // The remote shards first, the local one (inline) last, so their work overlaps.
  std::vector<ShardId> all;
  for (const std::vector<ShardId>* list : {&run, &std::as_const(release)}) {
    for (ShardId sid : *list) {
      if (shard_set_->IsLocal(sid)) {
        all.push_back(sid);
      } else {
        all.insert(all.begin(), sid);
      }
    }
  }
  for (ShardId sid : all) {
    const bool arm = std::find(run.begin(), run.end(), sid) != run.end();
    PostToShard(sid, [this, sid, arm] { ArmOrRelease(shard_set_->shard(sid), arm); });
  }
  done.Wait();
  pending_ = nullptr;
  cb_.reset();
  for (ShardId sid : run) shard_[sid].part_concludes = false;
  return FirstError(run);
}

}  // namespace lw::tx
