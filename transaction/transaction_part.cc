// Transaction: hops over a part of the declared keys (ExecuteOnKeys). See README.md, "Hops
// over a part of the keys".
#include <algorithm>

#include "base/logging.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"
#include "transaction/transaction.h"

namespace lw::tx {

std::vector<ShardId> Transaction::PreparePart(std::span<const uint32_t> keys,
                                              std::span<const uint32_t> later, bool conclude,
                                              std::vector<ShardId>* release) {
  auto contains = [](std::span<const uint32_t> list, uint32_t index) {
    return std::find(list.begin(), list.end(), index) != list.end();
  };
  std::vector<ShardId> run;
  for (ShardId sid : active_) {
    PerShard& sd = shard_[sid];
    if (!sd.queued) continue;  // concluded here already
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

}  // namespace lw::tx
