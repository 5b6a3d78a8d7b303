#include "server/engine/shard_set.h"

namespace lw {

ShardSet::ShardSet(io::ProactorPool* pool, tx::ShardSetOptions options)
    : pool_(pool), tx_(std::make_unique<tx::ShardSet>(pool, options)) {
  for (uint32_t i = 0; i < pool->size(); ++i) {
    shards_.push_back(std::make_unique<Shard>(i));
  }
  tx_->AwaitBriefOnAll([this](tx::EngineShard* es) { es->set_user_data(shards_[es->id()].get()); });
}

ShardSet::~ShardSet() = default;

void ShardSet::Shutdown() {
  if (!tx_) return;
  tx_->AwaitBriefOnAll([](tx::EngineShard* es) { es->set_user_data(nullptr); });
  tx_.reset();
}

void ShardSet::Post(uint32_t shard_id, std::function<void(Shard*)> fn) {
  Shard* shard = shards_[shard_id].get();
  pool_->at(shard_id)->DispatchBrief([shard, fn = std::move(fn)] { fn(shard); });
}

void ShardSet::AwaitOnAll(const std::function<void(Shard*)>& fn) {
  pool_->AwaitBriefOnAll([&](io::Proactor* p) { fn(shards_[p->index()].get()); });
}

}  // namespace lw
