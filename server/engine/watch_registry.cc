#include "server/engine/watch_registry.h"

namespace lw {

std::string ShardWatches::MapKey(int db, std::string_view key) {
  std::string k;
  k.reserve(key.size() + 1);
  k.push_back(char(db));
  k.append(key);
  return k;
}

bool ShardWatches::Add(const std::shared_ptr<Watcher>& w, int db, std::string_view key) {
  std::vector<std::shared_ptr<Watcher>>& watchers = by_key_[MapKey(db, key)];
  for (const auto& e : watchers) {
    if (e == w) return false;
  }
  watchers.push_back(w);
  ++registrations_;
  return true;
}

void ShardWatches::Remove(const Watcher* w, int db, std::string_view key) {
  auto it = by_key_.find(MapKey(db, key));
  if (it == by_key_.end()) return;
  std::vector<std::shared_ptr<Watcher>>& watchers = it->second;
  for (size_t i = 0; i < watchers.size(); ++i) {
    if (watchers[i].get() == w) {
      watchers.erase(watchers.begin() + i);
      --registrations_;
      break;
    }
  }
  if (watchers.empty()) by_key_.erase(it);
}

void ShardWatches::Touch(int db, std::string_view key) {
  // The probe key is built on the stack for the common short key (no allocation per write
  // while someone watches other keys of this shard).
  char buf[128];
  std::string heap;
  std::string_view probe;
  if (key.size() < sizeof(buf)) {
    buf[0] = char(db);
    key.copy(buf + 1, key.size());
    probe = std::string_view(buf, key.size() + 1);
  } else {
    heap = MapKey(db, key);
    probe = heap;
  }
  auto it = by_key_.find(absl::string_view(probe.data(), probe.size()));
  if (it == by_key_.end()) return;
  for (const auto& w : it->second) w->dirty.store(true, std::memory_order_relaxed);
}

}  // namespace lw
