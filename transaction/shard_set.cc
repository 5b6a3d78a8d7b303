#include "transaction/shard_set.h"

#include "base/hash.h"
#include "base/logging.h"
#include "io/blocking_counter.h"
#include "transaction/engine_shard.h"

namespace lw::tx {
namespace {
constexpr uint64_t kShardSeed = 0x5eed5eed0000cafeULL;
constexpr uint64_t kLockSeed = 0x10c4ed0010c4ed00ULL;
}  // namespace

ShardSet::ShardSet(io::ProactorPool* pool, ShardSetOptions options)
    : pool_(pool), options_(options) {
  CHECK_GT(pool->size(), 0u);
  for (size_t i = 0; i < pool->size(); ++i) {
    shards_.push_back(std::make_unique<EngineShard>(ShardId(i), this));
  }
  const uint64_t n = shards_.size();
  if ((n & (n - 1)) == 0) shard_mask_ = n - 1;
  pool_->AwaitBriefOnAll([this](io::Proactor* p) { EngineShard::SetCurrent(shard(p->index())); });
}

ShardSet::~ShardSet() {
  pool_->AwaitBriefOnAll([this](io::Proactor* p) {
    DCHECK(shard(p->index())->queue_size() == 0) << "transaction still scheduled";
    if (EngineShard::Current() == shard(p->index())) EngineShard::SetCurrent(nullptr);
  });
}

ShardId ShardSet::ShardOf(std::string_view key) const {
  if (shards_.size() == 1) return 0;  // one thread: no hash per key and lookup
  const uint64_t h = ShardHash(key);
  return ShardId(shard_mask_ != 0 ? h & shard_mask_ : h % shards_.size());
}

uint64_t ShardSet::ShardHash(std::string_view key) { return HashBytes(HashTagOf(key), kShardSeed); }

uint64_t ShardSet::LockFingerprint(std::string_view key) const {
  return HashBytes(options_.lock_on_hashtags ? HashTagOf(key) : key, kLockSeed);
}

void ShardSet::AwaitBrief(ShardId id, const std::function<void(EngineShard*)>& fn) {
  if (IsLocal(id)) {
    fn(shard(id));
    return;
  }
  pool_->at(id)->Await([&] { fn(shard(id)); });
}

void ShardSet::AwaitBriefOnAll(const std::function<void(EngineShard*)>& fn) {
  pool_->AwaitBriefOnAll([&](io::Proactor* p) { fn(shard(p->index())); });
}

}  // namespace lw::tx
