#include "transaction/blocking.h"

#include <algorithm>

#include "base/logging.h"
#include "transaction/engine_shard.h"

namespace lw::tx {
namespace {
absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

void WatcherTable::Add(std::string_view key, BlockingWaiter* waiter) {
  watchers_[AbslView(key)].push_back(waiter);
  ++count_;
}

void WatcherTable::Remove(std::string_view key, BlockingWaiter* waiter) {
  auto it = watchers_.find(AbslView(key));
  if (it == watchers_.end()) return;
  auto& queue = it->second;
  auto pos = std::find(queue.begin(), queue.end(), waiter);
  if (pos == queue.end()) return;
  queue.erase(pos);
  --count_;
  if (queue.empty()) watchers_.erase(it);
}

size_t WatcherTable::Process(EngineShard* shard, std::string_view key) {
  auto it = watchers_.find(AbslView(key));
  if (it == watchers_.end()) return 0;
  auto& queue = it->second;
  size_t woken = 0;
  size_t i = 0;
  while (i < queue.size()) {
    BlockingWaiter* waiter = queue[i];
    // Stale: woken elsewhere, timed out or cancelled. Its coordinator unregisters later; that
    // finds nothing here, which is fine.
    if (waiter->state.load(std::memory_order_acquire) != BlockingWaiter::kWaiting) {
      queue.erase(queue.begin() + ptrdiff_t(i));
      --count_;
      continue;
    }
    // Not ready for this waiter: it may want something else of the key (another database's
    // key of the same name, another type: the server registers by key name only), so later
    // waiters still get their turn.
    if (!(*waiter->is_ready)(shard, key)) {
      ++i;
      continue;
    }
    if (!waiter->Finish(BlockingWaiter::kWoken)) continue;  // lost a race: stale next turn
    queue.erase(queue.begin() + ptrdiff_t(i));
    --count_;
    // Nothing else runs on this thread between is_ready and serve, so serve finds the key
    // as is_ready saw it.
    waiter->serve_status = (*waiter->serve)(shard, key);
    waiter->woken_shard = shard->id();
    waiter->woken_key.assign(key);
    ++woken;
    waiter->done.Notify();  // the coordinator may free nothing of ours: it unregisters first
  }
  if (queue.empty()) watchers_.erase(it);
  return woken;
}

}  // namespace lw::tx
