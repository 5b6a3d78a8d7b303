// MOVE and SWAPDB (Redis 7.0 db.c): the commands that move data between logical databases.
//
// MOVE key db: the key's name is the same in both databases, so both live on one shard and
// the move is one hop there (the value keeps its expiry and sticky bit, as RENAME's does).
// SWAPDB a b: one global transaction swaps the two databases on every shard in the same hop,
// so no command sees one shard swapped and another not. On each shard it then marks dirty the
// WATCHers of keys that existed in either database (Redis's touchAllWatchedKeysInDb) and
// wakes clients blocked on keys that now exist (BLPOP on a key that came in with the swap),
// as Redis's scanDatabaseForReadyKeys; the waiters check their own database and type.
#include <climits>
#include <string>
#include <vector>

#include "server/engine/blocking_cmd.h"
#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "server/families/keys_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

// MOVE key db
void Move(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t db;
  if (!ParseRedisInt(args[2], &db)) return rb->SendError(errors::kNotInteger);
  if (db < INT_MIN || db > INT_MAX) return rb->SendError(errors::kNotInt32);
  if (db < 0 || db >= DbSlice::NumDbs()) return rb->SendError(errors::kDbIndexOutOfRange);
  int src_db = cntx->db_index, dst_db = int(db);
  if (src_db == dst_db) return rb->SendError(errors::kSameObject);
  std::string_view key = args[1];
  OpResult<bool> moved = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<bool> {
    if (!op.slice->Find(src_db, key).ok()) return false;
    if (op.slice->Find(dst_db, key).ok()) return false;
    ValueInTransit v = TakeValue(op.slice, src_db, key);
    // A script's MOVE writes the key in another database too (undo_log.h).
    if (op.undo != nullptr) op.undo->Record(op.slice, dst_db, key);
    PutValue(op.slice, dst_db, key, &v);
    op.slice->Notify(notify::kGeneric, "move_from", src_db, key);
    op.slice->Notify(notify::kGeneric, "move_to", dst_db, key);
    return true;
  });
  if (!moved.ok()) return rb->SendError(errors::kUndeclaredKeys);
  rb->SendLong(*moved ? 1 : 0);
}

// SWAPDB index1 index2
void SwapDb(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t a, b;
  if (!ParseRedisInt(args[1], &a) || a < INT_MIN || a > INT_MAX) {
    return rb->SendError(errors::kSwapDbFirst);
  }
  if (!ParseRedisInt(args[2], &b) || b < INT_MIN || b > INT_MAX) {
    return rb->SendError(errors::kSwapDbSecond);
  }
  if (a < 0 || a >= DbSlice::NumDbs() || b < 0 || b >= DbSlice::NumDbs()) {
    return rb->SendError(errors::kDbIndexOutOfRange);
  }
  if (a != b) {
    GlobalHops hops(cntx);
    bool ran = hops.Run([&](const OpArgs& op) {
      op.slice->SwapDbs(int(a), int(b));
      for (const std::string& key : BlockedKeys()) {
        if (op.slice->Peek(int(a), key) || op.slice->Peek(int(b), key)) NotifyKeyReady(key);
      }
    });
    if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  }
  rb->SendOk();
}

}  // namespace lw
