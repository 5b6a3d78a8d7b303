// Sorted-set commands (Redis 7.0): ZADD ZINCRBY ZREM ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT
// ZRANGE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZRANK ZREVRANK
// ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZSCAN ZRANDMEMBER, and the
// multi-key ones: ZUNION ZINTER ZDIFF (and their *STORE forms) ZINTERCARD ZRANGESTORE ZMPOP.
//
// Values are ZSetObj (zset_obj.h). Arguments are fully parsed on the connection fiber in
// Redis's order (so a bad argument is reported before WRONGTYPE exactly when Redis does),
// then one op runs on the key's shard and copies out what the reply needs.
// Every range is turned into a rank interval [start, end) with ZSetObj::CountBefore.
// Multi-key commands run as one transaction over all their keys (KeyHops): the sources are
// copied out of their shards in one parallel hop, the result is computed on the connection
// fiber, and a destination is written in a second hop while every key is still locked.
#include "server/families/zset_family.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/engine/blocking_cmd.h"
#include "server/engine/connection_context.h"
#include "server/engine/family_util.h"
#include "server/engine/op_args.h"
#include "server/engine/scan_args.h"
#include "server/engine/service.h"
#include "server/families/zset_blocking.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/set_obj.h"
#include "server/types/zset_obj.h"

namespace lw {

namespace {

using ScoredItems = std::vector<std::pair<std::string, double>>;

uint64_t Rand64() { return ThreadRng()(); }

void SendOpError(ReplyBuilder* rb, OpStatus st) {
  if (st == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  if (st == OpStatus::kInvalidFloat) return rb->SendError(errors::kZScoreNan);
  rb->SendError(errors::kSyntax);
}

void SendScored(ReplyBuilder* rb, const ScoredItems& items, bool with_scores) {
  std::vector<std::pair<std::string_view, double>> views;
  views.reserve(items.size());
  for (const auto& [m, s] : items) views.emplace_back(m, s);
  rb->SendScoredArray(views, with_scores);
}

// --- argument parsing ---

// One end of a BYSCORE interval: "(" prefix = exclusive, then zslParseRange's grammar.
bool ParseScoreBound(std::string_view s, double* v, bool* exclusive) {
  *exclusive = !s.empty() && s[0] == '(';
  if (*exclusive) s.remove_prefix(1);
  return ParseRangeDouble(s, v);
}

struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
};

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

struct LexBound {
  enum Kind : uint8_t { kMinusInf, kPlusInf, kValue } kind = kValue;
  bool exclusive = false;
  std::string value;
};

bool ParseLexBound(std::string_view s, LexBound* b) {
  if (s == "-") {
    b->kind = LexBound::kMinusInf;
  } else if (s == "+") {
    b->kind = LexBound::kPlusInf;
  } else if (!s.empty() && (s[0] == '(' || s[0] == '[')) {
    b->kind = LexBound::kValue;
    b->exclusive = s[0] == '(';
    b->value = std::string(s.substr(1));
  } else {
    return false;
  }
  return true;
}

struct LexRange {
  LexBound min, max;
};

// The rank interval [start, end) of a score range.
std::pair<size_t, size_t> RankSpan(const ZSetObj& z, const ScoreRange& r) {
  size_t start =
      z.CountBefore([&](double s, std::string_view) { return r.minex ? s <= r.min : s < r.min; });
  size_t end =
      z.CountBefore([&](double s, std::string_view) { return r.maxex ? s < r.max : s <= r.max; });
  return {start, std::max(start, end)};
}

// True if member `m` sorts before bound `b`; with `or_at`, also when it sits exactly on a
// value bound (used for the end of a range whose bound is inclusive).
bool BeforeLexBound(const LexBound& b, std::string_view m, bool or_at) {
  switch (b.kind) {
    case LexBound::kMinusInf:
      return false;
    case LexBound::kPlusInf:
      return true;
    case LexBound::kValue:
      break;
  }
  return or_at ? m <= b.value : m < b.value;
}

std::pair<size_t, size_t> RankSpan(const ZSetObj& z, const LexRange& r) {
  size_t start = z.CountBefore(
      [&](double, std::string_view m) { return BeforeLexBound(r.min, m, r.min.exclusive); });
  size_t end = z.CountBefore(
      [&](double, std::string_view m) { return BeforeLexBound(r.max, m, !r.max.exclusive); });
  return {start, std::max(start, end)};
}

// Redis's index sanitising for rank ranges: negative counts from the end; returns false when
// the range is empty, else the inclusive [*start, *end] within [0, len).
bool ClampRanks(int64_t len, int64_t* start, int64_t* end) {
  if (*start < 0) *start += len;
  if (*end < 0) *end += len;
  if (*start < 0) *start = 0;
  if (*start > *end || *start >= len) return false;
  if (*end >= len) *end = len - 1;
  return true;
}

// CONFIG's zset-max-listpack-* thresholds, read once where a command that builds or grows a
// sorted set starts (the shard callbacks then use this copy).
ZSetLimits Limits(ConnectionContext* cntx) {
  const RuntimeConfig& rt = cntx->service->runtime();
  return {size_t(rt.zset_max_listpack_entries.load(std::memory_order_relaxed)),
          size_t(rt.zset_max_listpack_value.load(std::memory_order_relaxed))};
}

OpResult<ZSetObj*> FindZSet(const OpArgs& op, std::string_view key) {
  return FindContainer<ZSetObj>(op, key, ObjType::kZSet);
}

// --- ZADD / ZINCRBY ---

struct ZAddParams {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  std::vector<std::pair<double, std::string_view>> items;
  size_t max_len = 0;
};

struct ZAddResult {
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;  // INCR: the new score
};

void ZAddGeneric(std::string_view key, const ZAddParams& p, ConnectionContext* cntx) {
  ZSetLimits limits = Limits(cntx);
  OpResult<ZAddResult> res =
      RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<ZAddResult> {
        ZAddResult out;
        OpResult<ZSetObj*> found = FindZSet(op, key);
        ZSetObj* z;
        if (found.ok()) {
          z = *found;
        } else if (found.status() == OpStatus::kKeyNotFound) {
          if (p.xx) return out;
          z = new ZSetObj(p.items.size(), p.max_len, limits);
          auto [it, inserted] = op.slice->AddOrFind(op.db, key);
          it.value().SetRobj(ObjType::kZSet, z);
        } else {
          return found.status();
        }
        for (const auto& [given, member] : p.items) {
          double score = given;
          std::optional<double> cur = z->Score(member);
          if (cur) {
            if (p.nx) continue;
            if (p.incr) {
              score += *cur;
              if (std::isnan(score)) return OpStatus::kInvalidFloat;
            }
            if ((p.lt && score >= *cur) || (p.gt && score <= *cur)) continue;
            out.score = score;
            if (score != *cur) {
              z->UpdateScore(member, *cur, score);
              ++out.updated;
            }
            ++out.processed;
          } else {
            if (p.xx) continue;
            z->Insert(member, score, limits);
            out.score = score;
            ++out.added;
            ++out.processed;
          }
        }
        // Redis's rule: a ZADD that neither added nor changed a score modified nothing.
        if (out.added > 0 || out.updated > 0) op.slice->MarkModified(op.db, key);
        DeleteIfEmpty(op, key, z);
        if (z->size() > 0) NotifyKeyReady(key);  // wakes BZPOPMIN & co. (zset_blocking.cc)
        return out;
      });
  ReplyBuilder* rb = cntx->rb;
  if (!res.ok()) return SendOpError(rb, res.status());
  if (p.incr) return res->processed ? rb->SendDouble(res->score) : rb->SendNull();
  rb->SendLong(p.ch ? res->added + res->updated : res->added);
}

void ZAdd(CmdArgs args, ConnectionContext* cntx) {
  ZAddParams p;
  size_t i = 2;
  for (; i < args.size(); ++i) {
    std::string opt = AsciiUpper(args[i]);
    if (opt == "NX") {
      p.nx = true;
    } else if (opt == "XX") {
      p.xx = true;
    } else if (opt == "GT") {
      p.gt = true;
    } else if (opt == "LT") {
      p.lt = true;
    } else if (opt == "CH") {
      p.ch = true;
    } else if (opt == "INCR") {
      p.incr = true;
    } else {
      break;
    }
  }
  size_t elements = args.size() - i;
  ReplyBuilder* rb = cntx->rb;
  if (elements == 0 || elements % 2 != 0) return rb->SendError(errors::kSyntax);
  elements /= 2;
  if (p.nx && p.xx) return rb->SendError(errors::kZAddXxNx);
  if ((p.gt && p.nx) || (p.lt && p.nx) || (p.gt && p.lt)) return rb->SendError(errors::kZAddGtLtNx);
  if (p.incr && elements > 1) return rb->SendError(errors::kZAddIncrPair);
  p.items.reserve(elements);
  for (size_t j = i; j < args.size(); j += 2) {
    double score;
    if (!ParseRedisDouble(args[j], &score)) return rb->SendError(errors::kNotFloat);
    p.items.emplace_back(score, args[j + 1]);
    p.max_len = std::max(p.max_len, args[j + 1].size());
  }
  ZAddGeneric(args[1], p, cntx);
}

void ZIncrBy(CmdArgs args, ConnectionContext* cntx) {
  ZAddParams p;
  p.incr = true;
  double incr;
  if (!ParseRedisDouble(args[2], &incr)) return cntx->rb->SendError(errors::kNotFloat);
  p.items.emplace_back(incr, args[3]);
  p.max_len = args[3].size();
  ZAddGeneric(args[1], p, cntx);
}

// --- simple reads and ZREM ---

void ZRem(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) {
    return RemoveMembers<ZSetObj>(op, key, ObjType::kZSet, args.subspan(2),
                                  [](ZSetObj* z, std::string_view m) { return z->Erase(m); });
  });
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

void ZCard(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(
      cntx, key, [&](const OpArgs& op) { return ContainerSize<ZSetObj>(op, key, ObjType::kZSet); });
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

OpResult<std::vector<std::optional<double>>> OpScores(ConnectionContext* cntx, std::string_view key,
                                                      CmdArgs members) {
  using Out = std::vector<std::optional<double>>;
  return RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Out> {
    Out out(members.size());
    OpResult<ZSetObj*> z = FindZSet(op, key);
    if (!z.ok()) {
      if (z.status() == OpStatus::kKeyNotFound) return out;
      return z.status();
    }
    for (size_t i = 0; i < members.size(); ++i) out[i] = (*z)->Score(members[i]);
    return out;
  });
}

void ZScore(CmdArgs args, ConnectionContext* cntx) {
  auto res = OpScores(cntx, args[1], args.subspan(2, 1));
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  if ((*res)[0]) return cntx->rb->SendDouble(*(*res)[0]);
  cntx->rb->SendNull();
}

void ZMScore(CmdArgs args, ConnectionContext* cntx) {
  auto res = OpScores(cntx, args[1], args.subspan(2));
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->StartArray(res->size());
  for (const auto& s : *res) s ? cntx->rb->SendDouble(*s) : cntx->rb->SendNull();
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
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

void ZCount(CmdArgs args, ConnectionContext* cntx) {
  ScoreRange range;
  if (!ParseScoreRange(args[2], args[3], &range))
    return cntx->rb->SendError(errors::kZMinMaxNotFloat);
  CountRange(args[1], range, cntx);
}

void ZLexCount(CmdArgs args, ConnectionContext* cntx) {
  LexRange range;
  if (!ParseLexBound(args[2], &range.min) || !ParseLexBound(args[3], &range.max)) {
    return cntx->rb->SendError(errors::kZMinMaxNotLex);
  }
  CountRange(args[1], range, cntx);
}

// ZRANK / ZREVRANK
void RankGeneric(CmdArgs args, ConnectionContext* cntx, bool reverse) {
  std::string_view key = args[1], member = args[2];
  using Out = std::optional<int64_t>;
  auto res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Out> {
    OpResult<ZSetObj*> z = FindZSet(op, key);
    if (!z.ok()) {
      if (z.status() == OpStatus::kKeyNotFound) return Out{};
      return z.status();
    }
    std::optional<size_t> rank = (*z)->Rank(member);
    if (!rank) return Out{};
    return Out(reverse ? int64_t((*z)->size() - 1 - *rank) : int64_t(*rank));
  });
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  if (!*res) return cntx->rb->SendNull();
  cntx->rb->SendLong(**res);
}

// --- ZRANGE and its legacy forms ---

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

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
      if (!ParseLexBound(min_arg, &spec->lex_range.min) ||
          !ParseLexBound(max_arg, &spec->lex_range.max)) {
        return errors::kZMinMaxNotLex;
      }
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
  auto [lo, hi] =
      spec.type == RangeType::kScore ? RankSpan(z, spec.score_range) : RankSpan(z, spec.lex_range);
  VisitSpan(z, lo, hi, spec.reverse, spec.offset, spec.limit, &out);
  return out;
}

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
  if (!res.ok()) return SendOpError(rb, res.status());
  SendScored(rb, *res, spec.with_scores);
}

// --- removals by range ---

void RemRangeGeneric(std::string_view key, ConnectionContext* cntx,
                     const std::function<std::pair<size_t, size_t>(const ZSetObj&)>& span) {
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<ZSetObj*> z = FindZSet(op, key);
    if (!z.ok()) return z.status() == OpStatus::kKeyNotFound ? 0 : OpResult<int64_t>(z.status());
    auto [start, end] = span(**z);
    (*z)->EraseRanks(start, end);
    if (end > start) op.slice->MarkModified(op.db, key);
    DeleteIfEmpty(op, key, *z);
    return int64_t(end - start);
  });
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

void ZRemRangeByRank(CmdArgs args, ConnectionContext* cntx) {
  int64_t start, stop;
  if (!ParseRedisInt(args[2], &start) || !ParseRedisInt(args[3], &stop)) {
    return cntx->rb->SendError(errors::kNotInteger);
  }
  RemRangeGeneric(args[1], cntx, [&](const ZSetObj& z) -> std::pair<size_t, size_t> {
    int64_t a = start, b = stop;
    if (!ClampRanks(int64_t(z.size()), &a, &b)) return {0, 0};
    return {size_t(a), size_t(b + 1)};
  });
}

void ZRemRangeByScore(CmdArgs args, ConnectionContext* cntx) {
  ScoreRange range;
  if (!ParseScoreRange(args[2], args[3], &range))
    return cntx->rb->SendError(errors::kZMinMaxNotFloat);
  RemRangeGeneric(args[1], cntx, [&](const ZSetObj& z) { return RankSpan(z, range); });
}

void ZRemRangeByLex(CmdArgs args, ConnectionContext* cntx) {
  LexRange range;
  if (!ParseLexBound(args[2], &range.min) || !ParseLexBound(args[3], &range.max)) {
    return cntx->rb->SendError(errors::kZMinMaxNotLex);
  }
  RemRangeGeneric(args[1], cntx, [&](const ZSetObj& z) { return RankSpan(z, range); });
}

// --- ZPOPMIN / ZPOPMAX ---

void PopGeneric(CmdArgs args, ConnectionContext* cntx, bool max) {
  ReplyBuilder* rb = cntx->rb;
  if (args.size() > 3) return rb->SendError(errors::kSyntax);
  bool has_count = args.size() == 3;
  int64_t count = 1;
  if (has_count && (!ParseRedisInt(args[2], &count) || count < 0)) {
    return rb->SendError(errors::kMustBePositive);
  }
  std::string_view key = args[1];
  auto res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<ScoredItems> {
    ScoredItems out;
    OpResult<ZSetObj*> found = FindZSet(op, key);
    if (!found.ok()) {
      if (found.status() == OpStatus::kKeyNotFound) return out;
      return found.status();
    }
    ZSetObj* z = *found;
    size_t n = std::min<uint64_t>(uint64_t(count), z->size());
    size_t from = max ? z->size() - n : 0;
    z->Visit(from, from + n, max,
             [&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
    z->EraseRanks(from, from + n);
    if (n > 0) op.slice->MarkModified(op.db, key);  // ZPOPMIN key 0 changes nothing
    DeleteIfEmpty(op, key, z);
    return out;
  });
  if (!res.ok()) return SendOpError(rb, res.status());
  if (has_count) return SendScored(rb, *res, true);
  // Without a count the reply stays a flat [member, score] even in RESP3.
  rb->StartArray(res->size() * 2);
  for (const auto& [m, s] : *res) {
    rb->SendBulk(m);
    rb->SendDouble(s);
  }
}

// --- ZSCAN ---

void ZScan(CmdArgs args, ConnectionContext* cntx) {
  ScanContainer<ZSetObj>(args, cntx, ObjType::kZSet,
                         [](const ZSetObj& z, uint64_t cursor, const ScanOptions& opts,
                            std::vector<std::string>* items) {
                           return z.Scan(cursor, opts.count, [&](std::string_view m, double s) {
                             if (!opts.Matches(m)) return;
                             items->emplace_back(m);
                             items->push_back(FormatDouble(s));
                           });
                         });
}

// --- ZRANDMEMBER ---

void ZRandMember(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  bool has_count = args.size() >= 3, with_scores = false;
  int64_t count = 1;
  if (has_count) {
    if (!ParseRedisInt(args[2], &count)) return rb->SendError(errors::kNotInteger);
    if (count == INT64_MIN) return rb->SendError(errors::kNotInt64Range);
    if (args.size() > 4 || (args.size() == 4 && !EqualsIgnoreCase(args[3], "WITHSCORES"))) {
      return rb->SendError(errors::kSyntax);
    }
    if (args.size() == 4) {
      with_scores = true;
      if (count < -(INT64_MAX / 2) || count > INT64_MAX / 2)
        return rb->SendError(errors::kValueOutOfRange);
    }
  }
  std::string_view key = args[1];
  struct Out {
    bool exists = false;
    ScoredItems items;
  };
  auto res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Out> {
    Out out;
    OpResult<ZSetObj*> found = FindZSet(op, key);
    if (!found.ok()) {
      if (found.status() == OpStatus::kKeyNotFound) return out;
      return found.status();
    }
    out.exists = true;
    const ZSetObj& z = **found;
    size_t n = z.size();
    auto take = [&](size_t rank) {
      z.Visit(rank, rank + 1, false,
              [&](std::string_view m, double s) { out.items.emplace_back(std::string(m), s); });
    };
    if (!has_count) {
      take(Rand64() % n);
    } else if (count < 0) {  // repetitions allowed
      out.items.reserve(size_t(-count));
      for (int64_t i = 0; i < -count; ++i) take(Rand64() % n);
    } else if (uint64_t(count) >= n) {
      // The whole set; Redis 7.0 lists it from the highest rank down.
      z.Visit(0, n, true,
              [&](std::string_view m, double s) { out.items.emplace_back(std::string(m), s); });
    } else if (uint64_t(count) * 4 < n) {
      // Few distinct ranks out of many: draw and reject repeats.
      std::unordered_set<size_t> chosen;
      while (chosen.size() < size_t(count)) {
        size_t r = Rand64() % n;
        if (chosen.insert(r).second) take(r);
      }
    } else {
      // Distinct ranks: a partial Fisher-Yates shuffle over the rank sequence.
      std::vector<size_t> ranks(n);
      for (size_t i = 0; i < n; ++i) ranks[i] = i;
      for (size_t i = 0; i < size_t(count); ++i) {
        std::swap(ranks[i], ranks[i + Rand64() % (n - i)]);
        take(ranks[i]);
      }
    }
    return out;
  });
  if (!res.ok()) return SendOpError(rb, res.status());
  if (!has_count) {
    if (!res->exists) return rb->SendNull();
    return rb->SendBulk(res->items[0].first);
  }
  SendScored(rb, res->items, with_scores);
}

// ---------------------------------------------------------------------------------------
// Multi-key commands.

// Replaces `key` with a sorted set of `items` (distinct members), or deletes it when there are
// none. An overwritten key keeps its sticky bit but loses its expiry.
void StoreZSet(const OpArgs& op, std::string_view key, const ScoredItems& items,
               const ZSetLimits& limits) {
  if (items.empty()) {
    op.slice->Del(op.db, key);
    return;
  }
  size_t max_len = 0;
  for (const auto& [m, s] : items) max_len = std::max(max_len, m.size());
  auto* z = new ZSetObj(items.size(), max_len, limits);
  for (const auto& [m, s] : items) z->Insert(m, s, limits);
  auto [it, inserted] = op.slice->AddOrFind(op.db, key);
  if (!inserted) op.slice->RemoveExpire(op.db, it);
  it.value().SetRobj(ObjType::kZSet, z);
  op.slice->MarkModified(op.db, key);
  NotifyKeyReady(key);  // BZPOPMIN & co. blocked on the destination wake (Redis's dbAdd)
}

// One input of ZUNION/ZINTER/ZDIFF as copied out of its shard: a sorted set, a plain set (every
// score 1), kKeyNotFound (empty) or kWrongType.
struct ZSource {
  OpStatus status = OpStatus::kKeyNotFound;
  ScoredItems items;
};

void ReadZSources(const OpArgs& op, std::span<const tx::ShardArg> mine, size_t first,
                  std::vector<ZSource>* out) {
  for (const tx::ShardArg& a : mine) {
    if (a.index < first) continue;
    ZSource& src = (*out)[a.index - first];
    auto it = op.slice->Find(op.db, a.key);
    if (!it.ok()) continue;
    const CompactObj& value = it->value();
    if (value.type() == ObjType::kZSet) {
      const ZSetObj* z = value.GetRobj<ZSetObj>();
      src.items.reserve(z->size());
      z->Visit(0, z->size(), false,
               [&](std::string_view m, double s) { src.items.emplace_back(std::string(m), s); });
    } else if (value.type() == ObjType::kSet) {
      const SetObj* set = value.GetRobj<SetObj>();
      src.items.reserve(set->size());
      set->ForEach([&](std::string_view m) { src.items.emplace_back(std::string(m), 1.0); });
    } else {
      src.status = OpStatus::kWrongType;
      continue;
    }
    src.status = OpStatus::kOk;
  }
}

enum class ZOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// A parsed ZUNION/ZINTER/ZDIFF/ZINTERCARD request (and the *STORE forms).
struct ZOpSpec {
  ZOp op = ZOp::kUnion;
  std::vector<double> weights;
  Aggregate aggregate = Aggregate::kSum;
  bool with_scores = false;
  int64_t limit = 0;  // ZINTERCARD; 0: none
  std::string error;  // an option error, reported only if no input has the wrong type
};

// Redis's rule: a sum of +inf and -inf is 0, not NaN.
void AggregateInto(double* target, double value, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin:
      *target = value < *target ? value : *target;
      break;
    case Aggregate::kMax:
      *target = value > *target ? value : *target;
      break;
  }
}

// Computes the operation over the copied sources; the result is in (score, member) order.
// With `count_only`, stops after spec.limit members (ZINTERCARD) and leaves them unordered.
ScoredItems ComputeZOp(const ZOpSpec& spec, const std::vector<ZSource>& sources,
                       bool count_only = false) {
  using View = absl::string_view;
  auto view = [](const std::string& s) { return View(s.data(), s.size()); };
  ScoredItems out;
  // Union and intersection walk the inputs from the smallest (as Redis, so that sums add up in
  // the same order); the difference keeps the first input first.
  std::vector<size_t> order(sources.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (spec.op != ZOp::kDiff) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return sources[a].items.size() < sources[b].items.size();
    });
  }
  switch (spec.op) {
    case ZOp::kUnion: {
      absl::flat_hash_map<View, double> acc;
      std::vector<View> members;
      for (size_t i : order) {
        for (const auto& [m, s] : sources[i].items) {
          double score = spec.weights[i] * s;
          if (std::isnan(score)) score = 0;
          auto [it, inserted] = acc.try_emplace(view(m), score);
          if (inserted) {
            members.push_back(view(m));
          } else {
            AggregateInto(&it->second, score, spec.aggregate);
          }
        }
      }
      out.reserve(members.size());
      for (View m : members) out.emplace_back(std::string(m.data(), m.size()), acc[m]);
      break;
    }
    case ZOp::kInter: {
      const ZSource& smallest = sources[order[0]];
      if (smallest.items.empty()) break;
      std::vector<absl::flat_hash_map<View, double>> others(order.size() - 1);
      for (size_t k = 1; k < order.size(); ++k) {
        for (const auto& [m, s] : sources[order[k]].items) others[k - 1].emplace(view(m), s);
      }
      for (const auto& [m, s] : smallest.items) {
        double score = spec.weights[order[0]] * s;
        if (std::isnan(score)) score = 0;
        bool everywhere = true;
        for (size_t k = 1; k < order.size() && everywhere; ++k) {
          auto it = others[k - 1].find(view(m));
          if (it == others[k - 1].end()) {
            everywhere = false;
          } else {
            AggregateInto(&score, it->second * spec.weights[order[k]], spec.aggregate);
          }
        }
        if (!everywhere) continue;
        out.emplace_back(m, score);
        if (count_only && spec.limit != 0 && out.size() >= uint64_t(spec.limit)) break;
      }
      break;
    }
    case ZOp::kDiff: {
      absl::flat_hash_map<View, double> removed;
      for (size_t i = 1; i < sources.size(); ++i) {
        for (const auto& [m, s] : sources[i].items) removed.emplace(view(m), s);
      }
      for (const auto& [m, s] : sources[0].items) {
        if (!removed.contains(view(m))) out.emplace_back(m, s);
      }
      break;
    }
  }
  if (!count_only) {
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.second < b.second || (a.second == b.second && a.first < b.first);
    });
  }
  return out;
}

// Parses "numkeys key... options" at args[numkeys_at]. Errors about numkeys come back at once
// (Redis checks them before looking at any key); option errors are left in spec->error.
// Returns false after replying.
bool ParseZOp(CmdArgs args, size_t numkeys_at, std::string_view name, bool store, bool card_only,
              ZOpSpec* spec, CmdArgs* keys, ReplyBuilder* rb) {
  int64_t setnum;
  if (!ParseRedisInt(args[numkeys_at], &setnum)) {
    rb->SendError(errors::kNotInteger);
    return false;
  }
  if (setnum < 1) {
    rb->SendError(errors::AtLeastOneInputKey(name));
    return false;
  }
  if (uint64_t(setnum) > args.size() - (numkeys_at + 1)) {
    rb->SendError(errors::kSyntax);
    return false;
  }
  *keys = args.subspan(numkeys_at + 1, size_t(setnum));
  spec->weights.assign(size_t(setnum), 1.0);
  bool diff = spec->op == ZOp::kDiff;
  for (size_t j = numkeys_at + 1 + size_t(setnum); j < args.size();) {
    size_t remaining = args.size() - j;
    if (!diff && !card_only && remaining >= size_t(setnum) + 1 &&
        EqualsIgnoreCase(args[j], "WEIGHTS")) {
      ++j;
      for (size_t i = 0; i < size_t(setnum); ++i, ++j) {
        if (!ParseRedisDouble(args[j], &spec->weights[i])) {
          spec->error = errors::kWeightNotFloat;
          return true;
        }
      }
    } else if (!diff && !card_only && remaining >= 2 && EqualsIgnoreCase(args[j], "AGGREGATE")) {
      std::string_view agg = args[j + 1];
      if (EqualsIgnoreCase(agg, "SUM")) {
        spec->aggregate = Aggregate::kSum;
      } else if (EqualsIgnoreCase(agg, "MIN")) {
        spec->aggregate = Aggregate::kMin;
      } else if (EqualsIgnoreCase(agg, "MAX")) {
        spec->aggregate = Aggregate::kMax;
      } else {
        spec->error = errors::kSyntax;
        return true;
      }
      j += 2;
    } else if (!store && !card_only && EqualsIgnoreCase(args[j], "WITHSCORES")) {
      spec->with_scores = true;
      ++j;
    } else if (card_only && remaining >= 2 && EqualsIgnoreCase(args[j], "LIMIT")) {
      if (!ParseRedisInt(args[j + 1], &spec->limit) || spec->limit < 0) {
        spec->error = errors::kLimitNegative;
        return true;
      }
      j += 2;
    } else {
      spec->error = errors::kSyntax;
      return true;
    }
  }
  return true;
}

bool AnyWrongType(const std::vector<ZSource>& sources) {
  return std::any_of(sources.begin(), sources.end(),
                     [](const ZSource& s) { return s.status == OpStatus::kWrongType; });
}

// ZUNION / ZINTER / ZDIFF numkeys key [key ...] [options]
void ZOpGeneric(CmdArgs args, ConnectionContext* cntx, ZOp op, std::string_view name) {
  ReplyBuilder* rb = cntx->rb;
  ZOpSpec spec;
  spec.op = op;
  CmdArgs keys;
  if (!ParseZOp(args, 1, name, false, false, &spec, &keys, rb)) return;
  std::vector<ZSource> sources(keys.size());
  bool ran = RunOnKeys(cntx, keys, [&](const OpArgs& o, std::span<const tx::ShardArg> mine) {
    ReadZSources(o, mine, 0, &sources);
  });
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (AnyWrongType(sources)) return rb->SendError(errors::kWrongType);
  if (!spec.error.empty()) return rb->SendError(spec.error);
  SendScored(rb, ComputeZOp(spec, sources), spec.with_scores);
}

// ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE destination numkeys key [key ...] [options]
void ZOpStoreGeneric(CmdArgs args, ConnectionContext* cntx, ZOp op, std::string_view name) {
  ReplyBuilder* rb = cntx->rb;
  ZOpSpec spec;
  spec.op = op;
  CmdArgs sources_args;
  if (!ParseZOp(args, 2, name, true, false, &spec, &sources_args, rb)) return;
  // The transaction's keys: the destination, then the sources.
  std::vector<std::string_view> keys;
  keys.reserve(sources_args.size() + 1);
  keys.push_back(args[1]);
  keys.insert(keys.end(), sources_args.begin(), sources_args.end());
  std::vector<ZSource> sources(sources_args.size());
  KeyHops hops(cntx, keys);
  bool ran = hops.Run([&](const OpArgs& o, std::span<const tx::ShardArg> mine) {
    ReadZSources(o, mine, 1, &sources);
  });
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (AnyWrongType(sources)) return rb->SendError(errors::kWrongType);
  if (!spec.error.empty()) return rb->SendError(spec.error);
  ScoredItems result = ComputeZOp(spec, sources);
  ZSetLimits limits = Limits(cntx);
  hops.Run([&](const OpArgs& o, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      if (a.index == 0) StoreZSet(o, a.key, result, limits);
    }
  });
  rb->SendLong(int64_t(result.size()));
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
void ZInterCard(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  ZOpSpec spec;
  spec.op = ZOp::kInter;
  CmdArgs keys;
  if (!ParseZOp(args, 1, "zintercard", false, true, &spec, &keys, rb)) return;
  std::vector<ZSource> sources(keys.size());
  bool ran = RunOnKeys(cntx, keys, [&](const OpArgs& o, std::span<const tx::ShardArg> mine) {
    ReadZSources(o, mine, 0, &sources);
  });
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (AnyWrongType(sources)) return rb->SendError(errors::kWrongType);
  if (!spec.error.empty()) return rb->SendError(spec.error);
  rb->SendLong(int64_t(ComputeZOp(spec, sources, true).size()));
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
  KeyHops hops(cntx, keys);
  bool ran = hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      if (a.index != 1) continue;
      OpResult<ZSetObj*> z = FindZSet(op, src);
      if (z.ok()) {
        items = RangeOf(**z, spec);
      } else if (z.status() == OpStatus::kWrongType) {
        status = OpStatus::kWrongType;
      }
    }
  });
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (status != OpStatus::kOk) return SendOpError(rb, status);
  ZSetLimits limits = Limits(cntx);
  hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      if (a.index == 0) StoreZSet(op, dst, items, limits);
    }
  });
  rb->SendLong(int64_t(items.size()));
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: pops from the first non-empty key.
void ZMPop(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t numkeys;
  if (!ParseRedisInt(args[1], &numkeys) || numkeys < 1) {
    return rb->SendError(errors::kNumkeysPositive);
  }
  if (uint64_t(numkeys) >= args.size() - 2) return rb->SendError(errors::kSyntax);
  size_t where_at = 2 + size_t(numkeys);
  bool max;
  if (EqualsIgnoreCase(args[where_at], "MIN")) {
    max = false;
  } else if (EqualsIgnoreCase(args[where_at], "MAX")) {
    max = true;
  } else {
    return rb->SendError(errors::kSyntax);
  }
  int64_t count = -1;
  for (size_t j = where_at + 1; j < args.size(); ++j) {
    if (count == -1 && EqualsIgnoreCase(args[j], "COUNT") && j + 1 < args.size()) {
      if (!ParseRedisInt(args[++j], &count) || count < 1) {
        return rb->SendError(errors::kCountPositive);
      }
    } else {
      return rb->SendError(errors::kSyntax);
    }
  }
  if (count == -1) count = 1;

  CmdArgs keys = args.subspan(2, size_t(numkeys));
  // Hop 1: which keys hold what. The candidate is the first key that exists; when every key
  // lives on one shard that hop also pops.
  std::vector<OpStatus> status(keys.size(), OpStatus::kKeyNotFound);
  auto candidate = [&]() -> std::optional<size_t> {
    for (size_t i = 0; i < status.size(); ++i) {
      if (status[i] != OpStatus::kKeyNotFound) return i;
    }
    return std::nullopt;
  };
  ScoredItems popped;
  bool done = false;
  auto pop = [&](const OpArgs& op, std::string_view key) {
    ZSetObj* z = *FindZSet(op, key);
    size_t n = std::min<uint64_t>(uint64_t(count), z->size());
    size_t from = max ? z->size() - n : 0;
    z->Visit(from, from + n, max,
             [&](std::string_view m, double s) { popped.emplace_back(std::string(m), s); });
    z->EraseRanks(from, from + n);
    if (n > 0) op.slice->MarkModified(op.db, key);
    DeleteIfEmpty(op, key, z);
  };
  KeyHops hops(cntx, keys);
  bool ran = hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) status[a.index] = FindZSet(op, a.key).status();
    if (mine.size() != keys.size()) return;
    std::optional<size_t> cand = candidate();
    if (cand && status[*cand] == OpStatus::kOk) pop(op, keys[*cand]);
    done = true;
  });
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  std::optional<size_t> cand = candidate();
  if (!cand) return rb->SendNullArray();
  if (status[*cand] == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  if (!done) {
    hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
      for (const tx::ShardArg& a : mine) {
        if (a.index == *cand) return pop(op, a.key);
      }
    });
  }
  rb->StartArray(2);
  rb->SendBulk(keys[*cand]);
  rb->StartArray(popped.size());
  for (const auto& [m, s] : popped) {
    rb->StartArray(2);
    rb->SendBulk(m);
    rb->SendDouble(s);
  }
}

}  // namespace

void RegisterZsetFamily(CommandRegistry* r) {
  using namespace cmd;
  auto range = [](RangeType t, Direction d) {
    return [t, d](CmdArgs args, ConnectionContext* cntx) { RangeGeneric(args, cntx, t, d); };
  };
  r->Register({"zadd", -4, kWrite | kDenyOom | kFast, 1, 1, 1, ZAdd});
  r->Register({"zincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, ZIncrBy});
  r->Register({"zrem", -3, kWrite | kFast, 1, 1, 1, ZRem});
  r->Register({"zcard", 2, kReadOnly | kFast, 1, 1, 1, ZCard});
  r->Register({"zscore", 3, kReadOnly | kFast, 1, 1, 1, ZScore});
  r->Register({"zmscore", -3, kReadOnly | kFast, 1, 1, 1, ZMScore});
  r->Register({"zcount", 4, kReadOnly | kFast, 1, 1, 1, ZCount});
  r->Register({"zlexcount", 4, kReadOnly | kFast, 1, 1, 1, ZLexCount});
  r->Register({"zrank", 3, kReadOnly | kFast, 1, 1, 1,
               [](CmdArgs a, ConnectionContext* c) { RankGeneric(a, c, false); }});
  r->Register({"zrevrank", 3, kReadOnly | kFast, 1, 1, 1,
               [](CmdArgs a, ConnectionContext* c) { RankGeneric(a, c, true); }});
  r->Register({"zrange", -4, kReadOnly, 1, 1, 1, range(RangeType::kAuto, Direction::kAuto)});
  r->Register({"zrevrange", -4, kReadOnly, 1, 1, 1, range(RangeType::kRank, Direction::kReverse)});
  r->Register(
      {"zrangebyscore", -4, kReadOnly, 1, 1, 1, range(RangeType::kScore, Direction::kForward)});
  r->Register(
      {"zrevrangebyscore", -4, kReadOnly, 1, 1, 1, range(RangeType::kScore, Direction::kReverse)});
  r->Register({"zrangebylex", -4, kReadOnly, 1, 1, 1, range(RangeType::kLex, Direction::kForward)});
  r->Register(
      {"zrevrangebylex", -4, kReadOnly, 1, 1, 1, range(RangeType::kLex, Direction::kReverse)});
  r->Register({"zremrangebyrank", 4, kWrite, 1, 1, 1, ZRemRangeByRank});
  r->Register({"zremrangebyscore", 4, kWrite, 1, 1, 1, ZRemRangeByScore});
  r->Register({"zremrangebylex", 4, kWrite, 1, 1, 1, ZRemRangeByLex});
  r->Register({"zpopmin", -2, kWrite | kFast, 1, 1, 1,
               [](CmdArgs a, ConnectionContext* c) { PopGeneric(a, c, false); }});
  r->Register({"zpopmax", -2, kWrite | kFast, 1, 1, 1,
               [](CmdArgs a, ConnectionContext* c) { PopGeneric(a, c, true); }});
  r->Register({"zscan", -3, kReadOnly, 1, 1, 1, ZScan});
  r->Register({"zrandmember", -2, kReadOnly, 1, 1, 1, ZRandMember});
  auto zop = [](ZOp op, std::string_view name) {
    return [op, name](CmdArgs a, ConnectionContext* c) { ZOpGeneric(a, c, op, name); };
  };
  auto zstore = [](ZOp op, std::string_view name) {
    return [op, name](CmdArgs a, ConnectionContext* c) { ZOpStoreGeneric(a, c, op, name); };
  };
  // Key positions are Redis's legacy triples: numkeys commands have movable keys, so only a
  // destination in a fixed place is listed (the handlers lock exactly the keys they touch).
  r->Register({"zunion", -3, kReadOnly | kMovableKeys, 0, 0, 0, zop(ZOp::kUnion, "zunion")});
  r->Register({"zinter", -3, kReadOnly | kMovableKeys, 0, 0, 0, zop(ZOp::kInter, "zinter")});
  r->Register({"zdiff", -3, kReadOnly | kMovableKeys, 0, 0, 0, zop(ZOp::kDiff, "zdiff")});
  r->Register({"zunionstore", -4, kWrite | kDenyOom | kMovableKeys, 1, 1, 1,
               zstore(ZOp::kUnion, "zunionstore")});
  r->Register({"zinterstore", -4, kWrite | kDenyOom | kMovableKeys, 1, 1, 1,
               zstore(ZOp::kInter, "zinterstore")});
  r->Register({"zdiffstore", -4, kWrite | kDenyOom | kMovableKeys, 1, 1, 1,
               zstore(ZOp::kDiff, "zdiffstore")});
  r->Register({"zintercard", -3, kReadOnly | kMovableKeys, 0, 0, 0, ZInterCard});
  r->Register({"zrangestore", -5, kWrite | kDenyOom, 1, 2, 1, ZRangeStore});
  r->Register({"zmpop", -4, kWrite | kMovableKeys, 0, 0, 0, ZMPop});
  // The blocking pops (BZPOPMIN BZPOPMAX BZMPOP) live in zset_blocking.cc.
  RegisterZsetBlockingCommands(r);
}

}  // namespace lw
