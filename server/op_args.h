// OpArgs and RunOnKeyShard: how a command family reaches the keyspace.
//
// A family writes its data operations as functions of OpArgs (the shard's DbSlice and the
// client's database) that run on the shard's thread, and its handler calls
// RunOnKeyShard(cntx, key, op) from the connection fiber to run one there and get the
// result back. Families never touch a DbSlice any other way, so the scheduling underneath
// (today a direct hop; with the transaction layer, intent locks) can change without them.
#pragma once

#include <string_view>

#include "server/connection_context.h"
#include "server/db_slice.h"
#include "server/service.h"

namespace lw {

struct OpArgs {
  DbSlice* slice;
  int db;
};

// Runs op(const OpArgs&) on the shard that owns `key` and returns its result.
// REQUIRES: called from the connection fiber; op must not suspend.
template <typename Op>
auto RunOnKeyShard(ConnectionContext* cntx, std::string_view key, Op&& op) {
  ShardSet& shards = cntx->service->shards();
  int db = cntx->db_index;
  return shards.Await(shards.ShardOf(key),
                      [&](Shard* shard) { return op(OpArgs{&shard->db_slice, db}); });
}

}  // namespace lw
