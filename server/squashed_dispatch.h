// Squashed dispatch: running a batch of commands, each on the single shard that owns its keys,
// as one parallel hop per involved shard (transaction/squasher.h) — each command executes
// directly on its shard's thread, in batch order per shard, and its reply is captured.
// Pipelined client commands, a script's async calls and an EXEC body all run this way.
//
//   SquashItem item;
//   if (ClassifyForSquash(service, args, &item)) batch.push_back(item);  // else: a barrier
//   RunSquashed(service, client, batch, tx, &replies);
//
// Thread-safety: called by the coordinator fiber; the commands run on shard threads.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_registry.h"
#include "server/connection_context.h"
#include "transaction/transaction.h"

namespace lw {

class Service;

struct SquashItem {
  std::span<const std::string_view> args;  // must stay valid until RunSquashed returns
  std::vector<std::string_view> keys;
  tx::LockMode mode = tx::LockMode::kExclusive;
  int db = 0;
};

// True if `args` is a plain data command (read or write, not blocking, pub/sub or
// transaction-control) with keys that all live on one shard; fills `out` (but not out->db).
bool ClassifyForSquash(Service* service, std::span<const std::string_view> args,
                       SquashItem* out);

// Runs `items` squashed. With `tx` (a lock-ahead or global multi transaction that holds every
// key) the batch runs under it; without, the batch is one transaction of its own over its
// keys. `client` supplies the identity and protocol of the sub-contexts; `from_script` marks
// them as a script's calls. replies[i] receives item i's reply bytes.
void RunSquashed(Service* service, const ConnectionContext& client,
                 std::span<const SquashItem> items, tx::Transaction* tx, bool from_script,
                 std::vector<std::string>* replies);

}  // namespace lw
