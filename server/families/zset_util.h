// What the sorted-set command files share (zset_family.cc, zset_range.cc, zset_algebra.cc,
// zset_blocking.cc): score and lex intervals with Redis's grammar, their rank spans, ZRANGE's
// popping the extremes, storing a computed result, and the handlers that
// RegisterZsetFamily (zset_family.cc) registers from the other files.
//
// Every range is turned into a rank interval [start, end) with ZSetObj::CountBefore.
// Thread-safety: the Op helpers (taking OpArgs or a ZSetObj) run on the key's shard; the
// handlers on the connection fiber.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/op_status.h"
#include "server/engine/command_registry.h"
#include "server/engine/op_args.h"
#include "server/resp/reply_builder.h"
#include "server/types/zset_obj.h"

namespace lw {

using ScoredItems = std::vector<std::pair<std::string, double>>;

// WRONGTYPE, the NaN-score error (kInvalidFloat), or a syntax error.
void SendZsetOpError(ReplyBuilder* rb, OpStatus st);
// An array of members, with their scores when `with_scores` (pairs in RESP3).
void SendScored(ReplyBuilder* rb, const ScoredItems& items, bool with_scores);

// The sorted set at `key`, or kKeyNotFound / kWrongType.
OpResult<ZSetObj*> FindZSet(const OpArgs& op, std::string_view key);

// CONFIG's zset-max-listpack-* thresholds, read once where a command that builds or grows a
// sorted set starts (its shard callbacks then use this copy).
ZSetLimits ZsetLimits(ConnectionContext* cntx);

// Replaces `key` with a sorted set of `items` (distinct members), or deletes it when there are
// none. An overwritten key keeps its sticky bit but loses its expiry; clients blocked on the
// key wake. Notifies `event` (the storing command's name), or "del" if an old key went.
void StoreZSet(const OpArgs& op, std::string_view key, const ScoredItems& items,
               const ZSetLimits& limits, std::string_view event);

// Pops up to `count` lowest (or, with `max`, highest) members of `z` (stored at `key`) in pop
// order; deletes the key when emptied.
ScoredItems PopExtremes(const OpArgs& op, std::string_view key, ZSetObj* z, bool max, size_t count);

// A BYSCORE interval: "(" before a bound makes it exclusive.
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
};
bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* r);

// A BYLEX interval: "-", "+", or "[" / "(" followed by the bound.
struct LexBound {
  enum Kind : uint8_t { kMinusInf, kPlusInf, kValue } kind = kValue;
  bool exclusive = false;
  std::string value;
};
struct LexRange {
  LexBound min, max;
};
bool ParseLexRange(std::string_view min, std::string_view max, LexRange* r);

// The rank interval [start, end) of a score or lex range. A lex range over a listpack set is
// walked as Redis walks its listpack (LexWalk), which differs from the interval of members
// within the bounds when the scores are not all equal (Redis leaves that case unspecified,
// but its listpack answer is fixed: the fuzzer compares it); a skiplist set uses the interval
// (Redis's skiplist answer then depends on its random node levels).
std::pair<size_t, size_t> RankSpan(const ZSetObj& z, const ScoreRange& r);
std::pair<size_t, size_t> RankSpan(const ZSetObj& z, const LexRange& r);
// ZRANGEBYLEX's members of a listpack set, in reply order: Redis's walk from its first member
// in range, `offset` members skipped unchecked, then up to `limit` (-1: all) while within the
// far bound.
ScoredItems LexWalk(const ZSetObj& z, const LexRange& r, bool reverse, int64_t offset,
                    int64_t limit);

// Redis's index sanitising for rank ranges: negative counts from the end; returns false when
// the range is empty, else the inclusive [*start, *end] within [0, len).
bool ClampRanks(int64_t len, int64_t* start, int64_t* end);

// ZRANGE's forms: which interval the arguments name and which way the reply runs (kAuto: the
// options BYSCORE/BYLEX/REV decide, as in ZRANGE itself).
enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// ZADD's parsed arguments; GEOADD (geo_family.cc) fills them with geohash scores.
struct ZAddParams {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  std::vector<std::pair<double, std::string_view>> items;
  size_t max_len = 0;  // the longest member
};
// Runs ZADD on `key` and replies (zset_family.cc).
void ZAddGeneric(std::string_view key, const ZAddParams& p, ConnectionContext* cntx);

// Handlers defined in zset_range.cc.
void RangeGeneric(CmdArgs args, ConnectionContext* cntx, RangeType type, Direction dir);
void ZCount(CmdArgs args, ConnectionContext* cntx);
void ZLexCount(CmdArgs args, ConnectionContext* cntx);
void ZRemRangeByRank(CmdArgs args, ConnectionContext* cntx);
void ZRemRangeByScore(CmdArgs args, ConnectionContext* cntx);
void ZRemRangeByLex(CmdArgs args, ConnectionContext* cntx);
void ZRangeStore(CmdArgs args, ConnectionContext* cntx);

// Handlers defined in zset_algebra.cc.
enum class ZOp { kUnion, kInter, kDiff };
// ZUNION / ZINTER / ZDIFF; `name` is the command's name for its errors.
void ZOpGeneric(CmdArgs args, ConnectionContext* cntx, ZOp op, std::string_view name);
// ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE.
void ZOpStoreGeneric(CmdArgs args, ConnectionContext* cntx, ZOp op, std::string_view name);
void ZInterCard(CmdArgs args, ConnectionContext* cntx);

}  // namespace lw
