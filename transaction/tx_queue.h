// TxQueue: the transactions scheduled on one shard, ordered by transaction id. A transaction
// may run a hop once no older transaction in the queue conflicts with it; the head, having no
// older one, always may. See README.md for why ids give one order every shard agrees on.
// Thread-safety: owned by one EngineShard; its thread only.
#pragma once

#include <cstddef>
#include <map>

#include "transaction/tx_types.h"

namespace lw::tx {

class TxQueue {
 public:
  using Map = std::map<TxId, Transaction*>;

  bool empty() const { return queue_.empty(); }
  size_t size() const { return queue_.size(); }

  // REQUIRES: `id` not queued.
  void Insert(TxId id, Transaction* tx) { queue_.emplace(id, tx); }
  void Erase(TxId id) { queue_.erase(id); }

  // REQUIRES: !empty().
  Transaction* Head() const { return queue_.begin()->second; }
  TxId TailId() const { return queue_.empty() ? 0 : queue_.rbegin()->first; }

  Map::const_iterator begin() const { return queue_.begin(); }
  Map::const_iterator end() const { return queue_.end(); }

 private:
  Map queue_;
};

}  // namespace lw::tx
