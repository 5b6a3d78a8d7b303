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

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"
#include "transaction/transaction.h"

namespace lw {

class Service;

struct SquashItem {
  const CommandSpec* spec = nullptr;       // the registry's entry for args[0]
  std::span<const std::string_view> args;  // must stay valid until RunSquashed returns
  // Inline for up to 2 keys (GET, SET, LPUSH...): no allocation per command.
  absl::InlinedVector<std::string_view, 2> keys;
  tx::LockMode mode = tx::LockMode::kExclusive;
  tx::ShardId shard = 0;  // where every key lives
  int db = 0;
};

// True if `args` is a plain data command (read or write, not blocking, pub/sub or
// transaction-control) with keys that all live on one shard; fills `out` (but not out->db).
bool ClassifyForSquash(Service* service, std::span<const std::string_view> args, SquashItem* out);
// The same, for a caller that has looked the command up: spec == registry().Find(args[0]).
// `known_shard`, if not negative, is the shard of every key of args (the caller hashed them
// already): the keys are not hashed again.
bool ClassifyForSquash(Service* service, const CommandSpec* spec,
                       std::span<const std::string_view> args, SquashItem* out,
                       int known_shard = -1);

// Runs `items` squashed. With `tx` (a lock-ahead or global multi transaction that holds every
// key) the batch runs under it; without, the batch is one transaction of its own over its
// keys. `client` supplies the identity and protocol of the sub-contexts; `from_script` marks
// them as a script's calls. replies[i] receives item i's reply bytes. `undo`: the running
// script's undo records (undo_log.h), which its write commands fill.
void RunSquashed(Service* service, const ConnectionContext& client,
                 std::span<const SquashItem> items, tx::Transaction* tx, bool from_script,
                 std::vector<std::string>* replies, UndoLog* undo = nullptr);

// A client's pipeline: runs `items` squashed as one transaction of their own and appends
// their replies, in order, to `out`. Cheaper than RunSquashed: the keys are borrowed (they
// must stay valid until it returns), each shard writes its replies into one buffer, and the
// commands on a shard share clock reads (ConnectionContext::clock_chain).
// From a fiber, pipelines that need another thread's shard are grouped: those of the
// thread's fibers that call it in the same turn of the loop (and speak the same RESP
// version) run as one transaction, each pipeline's commands in its order; every pipeline
// stays atomic and sees its own earlier writes. One that needs only this thread's shard
// runs at once, alone.
// ACL: the items were admitted under the client's user snapshot of generation
// client.acl_gen (which must be current then). A command that finds an ACL change published
// since when it runs on its shard is checked again against the user's new snapshot, as Redis
// checks each command when it executes: refused, its reply is the NOPERM error.
// Returns false, having run none of the items and written nothing to `out`, when a CLIENT
// PAUSE, MONITOR or busy script began while the pipeline waited for its group: the caller
// must then dispatch the items one by one (DispatchSpec), as it would have had it
// classified them after that.
[[nodiscard]] bool RunSquashedInto(Service* service, const ConnectionContext& client,
                     std::span<const SquashItem> items, ReplyBuilder* out);

// As RunSquashed, but fire and forget (tx::Squasher::RunDetached): returns once the batch
// holds its place in the order of transactions, before it runs; replies are discarded. With
// `held` (a scheduled multi transaction, given away) the batch is its concluding hop, else a
// transaction of its own. `keep_alive` owns what the items' args and keys point into (and
// the items' spans themselves); it is released after the last command ran. `undo`: the
// records of the script that `held` belongs to; each shard commits its part first
// (undo_log.h). REQUIRES: `held` holds every shard `undo` was written on.
void RunSquashedDetached(Service* service, const ConnectionContext& client,
                         std::span<const SquashItem> items, std::shared_ptr<const void> keep_alive,
                         bool from_script, std::unique_ptr<tx::Transaction> held = nullptr,
                         std::shared_ptr<UndoLog> undo = nullptr);

}  // namespace lw
