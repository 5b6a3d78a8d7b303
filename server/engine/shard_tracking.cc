#include "server/engine/shard_tracking.h"

#include <algorithm>

namespace lw {

void ShardTracking::Remember(std::string_view key, TrackingClientRef reader) {
  auto& readers = readers_[absl::string_view(key.data(), key.size())];
  for (const TrackingClientRef& r : readers) {
    if (r.client == reader.client) return;
  }
  readers.push_back(reader);
  ++items_;
  if (readers.size() == 1 && max_keys_ != nullptr) EnforceLimit(key);
}

void ShardTracking::EnforceLimit(std::string_view keep) {
  int64_t max = max_keys_->load(std::memory_order_relaxed);
  if (max <= 0) return;
  size_t limit = std::max<size_t>(1, size_t(max) / shards_);
  while (readers_.size() > limit) {
    auto it = readers_.begin();
    if (it->first == keep) ++it;
    std::string key = it->first;
    auto readers = std::move(it->second);
    readers_.erase(it);
    items_ -= readers.size();
    for (const TrackingClientRef& r : readers) {
      if (deliver_ != nullptr) deliver_(ctx_, r, /*modifier=*/0, {key});
    }
  }
}

void ShardTracking::SetPrefixes(TrackingClientRef reader, bool noloop,
                                const std::vector<std::string>& prefixes) {
  RemovePrefixes(reader.client);
  for (const std::string& p : prefixes) bcast_.push_back(Bcast{reader, noloop, p, {}});
}

void ShardTracking::RemovePrefixes(uint64_t client) {
  std::erase_if(bcast_, [client](const Bcast& b) { return b.reader.client == client; });
}

void ShardTracking::Invalidate(std::string_view key, uint64_t modifier) {
  if (!readers_.empty()) {
    auto it = readers_.find(absl::string_view(key.data(), key.size()));
    if (it != readers_.end()) {
      // One-shot: the readers are forgotten before they are told (a reader's own command may
      // read the key again and register anew).
      auto readers = std::move(it->second);
      readers_.erase(it);
      items_ -= readers.size();
      for (const TrackingClientRef& r : readers) {
        if (deliver_ != nullptr) deliver_(ctx_, r, modifier, {std::string(key)});
      }
    }
  }
  bool any = false;
  for (Bcast& b : bcast_) {
    if (key.substr(0, b.prefix.size()) != b.prefix) continue;
    auto [it, added] = b.pending.try_emplace(std::string(key), modifier);
    if (!added && it->second != modifier) it->second = 0;
    any = true;
  }
  if (any && !flush_scheduled_ && defer_ != nullptr) {
    flush_scheduled_ = true;
    defer_(ctx_, [this] { FlushBcast(); });
  }
}

void ShardTracking::FlushBcast() {
  flush_scheduled_ = false;
  for (Bcast& b : bcast_) {
    if (b.pending.empty()) continue;
    std::vector<std::string> keys;
    for (auto& [key, modifier] : b.pending) {
      // NOLOOP: a client is not told of its own changes.
      if (b.noloop && modifier == b.reader.client) continue;
      keys.push_back(key);
    }
    b.pending.clear();
    if (!keys.empty() && deliver_ != nullptr) deliver_(ctx_, b.reader, 0, std::move(keys));
  }
}

}  // namespace lw
