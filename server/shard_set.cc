#include "server/shard_set.h"

#include "base/hash.h"

namespace lw {

namespace {
// Seeded so that shard choice is independent of the bits the dash table uses for buckets.
constexpr uint64_t kShardSeed = 0x5eed5eed1ace3a11ULL;
}  // namespace

ShardSet::ShardSet(io::ProactorPool* pool) : pool_(pool) {
  for (uint32_t i = 0; i < pool->size(); ++i) {
    shards_.push_back(std::make_unique<Shard>(i));
  }
}

uint32_t ShardSet::ShardOf(std::string_view key) const {
  return uint32_t(HashBytes(HashTagOf(key), kShardSeed) % shards_.size());
}

void ShardSet::AwaitOnAll(const std::function<void(Shard*)>& fn) {
  pool_->AwaitBriefOnAll([&](io::Proactor* p) { fn(shards_[p->index()].get()); });
}

}  // namespace lw
