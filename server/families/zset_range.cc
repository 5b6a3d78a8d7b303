// The sorted-set range commands: ZRANGE (with BYSCORE/BYLEX/REV/LIMIT) and its legacy forms
// ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX, ZRANGESTORE, ZCOUNT,
// ZLEXCOUNT and ZREMRANGEBYRANK/BYSCORE/BYLEX. Arguments are fully parsed on the connection
// fiber in Redis's order; one op on the key's shard then turns the range into a rank span.
#include <functional>

#include "server/engine/connection_context.h"
#include "server/engine/family_util.h"
#include "server/families/zset_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

// A parsed ZRANGE-style request.
struct RangeSpec {
  RangeType type = RangeType::kAuto;
  bool reverse = false;
  bool with_scores = false;
  int64_t offset = 0, limit = -1;
  int64_t start = 0, stop = 0;  // kRank
  ScoreRange score_range;       // kScore
  LexRange lex_range;           // kLex
};

// Visits the selected part of rank span [start, end) with Redis's LIMIT rules: a negative
// offset selects nothing, a negative limit means "all the rest". Reverse walks from the top.
void VisitSpan(const ZSetObj& z, size_t start, size_t end, bool reverse, int64_t offset,
               int64_t limit, ScoredItems* out) {
  if (offset < 0 || start >= end) return;
  size_t len = end - start;
  if (uint64_t(offset) >= len) return;
  size_t take = len - size_t(offset);
  if (limit >= 0 && uint64_t(limit) < take) take = size_t(limit);
  size_t from = reverse ? end - size_t(offset) - take : start + size_t(offset);
  out->reserve(take);
  z.Visit(from, from + take, reverse,
          [&](std::string_view m, double s) { out->emplace_back(std::string(m), s); });
}

// Parses min, max and the options of ZRANGE (args[base], args[base + 1], then options) in
// Redis's order. `store` (ZRANGESTORE) refuses WITHSCORES. Returns the error to send, or "".
std::string_view ParseRangeSpec(CmdArgs args, size_t base, bool store, RangeType type,
                                Direction dir, RangeSpec* spec) {
  for (size_t j = base + 2; j < args.size(); ++j) {
    size_t left = args.size() - j - 1;
    if (!store && EqualsIgnoreCase(args[j], "WITHSCORES")) {
      spec->with_scores = true;
    } else if (EqualsIgnoreCase(args[j], "LIMIT") && left >= 2) {
      if (!ParseRedisInt(args[j + 1], &spec->offset) || !ParseRedisInt(args[j + 2], &spec->limit)) {
        return errors::kNotInteger;
      }
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(args[j], "REV")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(args[j], "BYLEX")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(args[j], "BYSCORE")) {
      type = RangeType::kScore;
    } else {
      return errors::kSyntax;
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  spec->type = type;
  spec->reverse = dir == Direction::kReverse;
  if (spec->limit != -1 && type == RangeType::kRank) return errors::kZLimitNeedsByScoreOrLex;
  if (spec->with_scores && type == RangeType::kLex) return errors::kZWithScoresByLex;

  std::string_view min_arg = args[base], max_arg = args[base + 1];
  if (spec->reverse && type != RangeType::kRank) std::swap(min_arg, max_arg);  // max, min
  switch (type) {
    case RangeType::kScore:
      if (!ParseScoreRange(min_arg, max_arg, &spec->score_range)) return errors::kZMinMaxNotFloat;
      break;
    case RangeType::kLex:
      if (!ParseLexRange(min_arg, max_arg, &spec->lex_range)) return errors::kZMinMaxNotLex;
      break;
    default:
      if (!ParseRedisInt(min_arg, &spec->start) || !ParseRedisInt(max_arg, &spec->stop)) {
        return errors::kNotInteger;
      }
      break;
  }
  return {};
}

// The elements a RangeSpec selects, in reply order.
ScoredItems RangeOf(const ZSetObj& z, RangeSpec spec) {
  ScoredItems out;
  if (spec.type == RangeType::kRank) {
    int64_t len = int64_t(z.size());
    if (!ClampRanks(len, &spec.start, &spec.stop)) return out;
    size_t from = spec.reverse ? size_t(len - 1 - spec.stop) : size_t(spec.start);
    size_t to = spec.reverse ? size_t(len - spec.start) : size_t(spec.stop + 1);
    out.reserve(to - from);
    z.Visit(from, to, spec.reverse,
            [&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
    return out;
  }
  if (spec.type == RangeType::kLex && z.is_listpack()) {
    return LexWalk(z, spec.lex_range, spec.reverse, spec.offset, spec.limit);
  }
  auto [lo, hi] =
      spec.type == RangeType::kScore ? RankSpan(z, spec.score_range) : RankSpan(z, spec.lex_range);
  VisitSpan(z, lo, hi, spec.reverse, spec.offset, spec.limit, &out);
  return out;
}

// ZCOUNT / ZLEXCOUNT: the size of a rank span.
template <typename Range>
void CountRange(std::string_view key, const Range& range, ConnectionContext* cntx) {
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<ZSetObj*> z = FindZSet(op, key);
    if (!z.ok()) return z.status() == OpStatus::kKeyNotFound ? 0 : OpResult<int64_t>(z.status());
    auto [start, end] = RankSpan(**z, range);
    return int64_t(end - start);
  });
  if (!res.ok()) return SendZsetOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

void RemRangeGeneric(std::string_view key, ConnectionContext* cntx, std::string_view event,
                     const std::function<std::pair<size_t, size_t>(const ZSetObj&)>& span) {
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<ZSetObj*> z = FindZSet(op, key);
    if (!z.ok()) return z.status() == OpStatus::kKeyNotFound ? 0 : OpResult<int64_t>(z.status());
    auto [start, end] = span(**z);
    (*z)->EraseRanks(start, end);
    if (end > start) {
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kZset, event, op.db, key);
    }
    DeleteIfEmpty(op, key, *z);
    return int64_t(end - start);
  });
  if (!res.ok()) return SendZsetOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

}  // namespace

void RangeGeneric(CmdArgs args, ConnectionContext* cntx, RangeType type, Direction dir) {
  ReplyBuilder* rb = cntx->rb;
  RangeSpec spec;
  std::string_view error = ParseRangeSpec(args, 2, false, type, dir, &spec);
  if (!error.empty()) return rb->SendError(error);
  std::string_view key = args[1];
  auto res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<ScoredItems> {
    OpResult<ZSetObj*> found = FindZSet(op, key);
    if (!found.ok()) {
      if (found.status() == OpStatus::kKeyNotFound) return ScoredItems{};
      return found.status();
    }
    return RangeOf(**found, spec);
  });
  if (!res.ok()) return SendZsetOpError(rb, res.status());
  SendScored(rb, *res, spec.with_scores);
}

void ZCount(CmdArgs args, ConnectionContext* cntx) {
  ScoreRange range;
  if (!ParseScoreRange(args[2], args[3], &range))
    return cntx->rb->SendError(errors::kZMinMaxNotFloat);
  CountRange(args[1], range, cntx);
}

void ZLexCount(CmdArgs args, ConnectionContext* cntx) {
  LexRange range;
  if (!ParseLexRange(args[2], args[3], &range)) return cntx->rb->SendError(errors::kZMinMaxNotLex);
  CountRange(args[1], range, cntx);
}

void ZRemRangeByRank(CmdArgs args, ConnectionContext* cntx) {
  int64_t start, stop;
  if (!ParseRedisInt(args[2], &start) || !ParseRedisInt(args[3], &stop)) {
    return cntx->rb->SendError(errors::kNotInteger);
  }
  RemRangeGeneric(args[1], cntx, "zremrangebyrank",
                  [&](const ZSetObj& z) -> std::pair<size_t, size_t> {
                    int64_t a = start, b = stop;
                    if (!ClampRanks(int64_t(z.size()), &a, &b)) return {0, 0};
                    return {size_t(a), size_t(b + 1)};
                  });
}

void ZRemRangeByScore(CmdArgs args, ConnectionContext* cntx) {
  ScoreRange range;
  if (!ParseScoreRange(args[2], args[3], &range))
    return cntx->rb->SendError(errors::kZMinMaxNotFloat);
  RemRangeGeneric(args[1], cntx, "zremrangebyscore",
                  [&](const ZSetObj& z) { return RankSpan(z, range); });
}

void ZRemRangeByLex(CmdArgs args, ConnectionContext* cntx) {
  LexRange range;
  if (!ParseLexRange(args[2], args[3], &range)) return cntx->rb->SendError(errors::kZMinMaxNotLex);
  RemRangeGeneric(args[1], cntx, "zremrangebylex",
                  [&](const ZSetObj& z) { return RankSpan(z, range); });
}

// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
void ZRangeStore(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  RangeSpec spec;
  std::string_view error = ParseRangeSpec(args, 3, true, RangeType::kAuto, Direction::kAuto, &spec);
  if (!error.empty()) return rb->SendError(error);
  std::string_view dst = args[1], src = args[2];
  std::string_view keys[] = {dst, src};
  OpStatus status = OpStatus::kOk;
  ScoredItems items;
  // The source shared, the destination exclusive, each hop over its own key (KeyHops).
  const uint32_t from[] = {1}, dest[] = {0};
  KeyHops hops(cntx, keys, KeyHops::DestinationModes(2, 0));
  bool ran = hops.RunPart(from, dest, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    if (mine.empty()) return;
    OpResult<ZSetObj*> z = FindZSet(op, src);
    if (z.ok()) {
      items = RangeOf(**z, spec);
    } else if (z.status() == OpStatus::kWrongType) {
      status = OpStatus::kWrongType;
    }
  });
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (status != OpStatus::kOk) return SendZsetOpError(rb, status);
  ZSetLimits limits = ZsetLimits(cntx);
  hops.NextIsLast();
  hops.RunPart(dest, {}, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    if (!mine.empty()) StoreZSet(op, dst, items, limits, "zrangestore");
  });
  rb->SendLong(int64_t(items.size()));
}

}  // namespace lw
