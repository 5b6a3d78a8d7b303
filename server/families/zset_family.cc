// Sorted-set family (Redis 7.0). This file: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK
// ZREVRANK ZPOPMIN ZPOPMAX ZSCAN ZRANDMEMBER, and the registration of every sorted-set command.
// The others live beside it: ranges (ZRANGE & co., ZCOUNT, ZREMRANGEBY*, ZRANGESTORE) in
// zset_range.cc, the algebra (ZUNION ZINTER ZDIFF, *STORE, ZINTERCARD) in zset_algebra.cc,
// ZMPOP and the blocking pops in zset_blocking.cc; what they share is zset_util.h.
//
// Values are ZSetObj (zset_obj.h). Arguments are fully parsed on the connection fiber in
// Redis's order (so a bad argument is reported before WRONGTYPE exactly when Redis does),
// then one op runs on the key's shard and copies out what the reply needs.
#include "server/families/zset_family.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/engine/blocking_cmd.h"
#include "server/engine/connection_context.h"
#include "server/engine/family_util.h"
#include "server/engine/op_args.h"
#include "server/engine/scan_args.h"
#include "server/families/zset_blocking.h"
#include "server/families/zset_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/zset_obj.h"

namespace lw {

namespace {

uint64_t Rand64() { return ThreadRng()(); }

// --- ZADD / ZINCRBY ---

struct ZAddResult {
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;  // INCR: the new score
};

}  // namespace

void ZAddGeneric(std::string_view key, const ZAddParams& p, ConnectionContext* cntx) {
  ZSetLimits limits = ZsetLimits(cntx);
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
        if (out.added > 0 || out.updated > 0) {
          op.slice->MarkModified(op.db, key);
          op.slice->Notify(notify::kZset, p.incr ? "zincr" : "zadd", op.db, key);
        }
        DeleteIfEmpty(op, key, z);
        if (z->size() > 0) NotifyKeyReady(key);  // wakes BZPOPMIN & co. (zset_blocking.cc)
        return out;
      });
  ReplyBuilder* rb = cntx->rb;
  if (!res.ok()) return SendZsetOpError(rb, res.status());
  if (p.incr) return res->processed ? rb->SendDouble(res->score) : rb->SendNull();
  rb->SendLong(p.ch ? res->added + res->updated : res->added);
}

namespace {

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
    return RemoveMembers<ZSetObj>(
        op, key, ObjType::kZSet, args.subspan(2),
        [](ZSetObj* z, std::string_view m) { return z->Erase(m); }, notify::kZset, "zrem");
  });
  if (!res.ok()) return SendZsetOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

void ZCard(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(
      cntx, key, [&](const OpArgs& op) { return ContainerSize<ZSetObj>(op, key, ObjType::kZSet); });
  if (!res.ok()) return SendZsetOpError(cntx->rb, res.status());
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
  if (!res.ok()) return SendZsetOpError(cntx->rb, res.status());
  if ((*res)[0]) return cntx->rb->SendDouble(*(*res)[0]);
  cntx->rb->SendNull();
}

void ZMScore(CmdArgs args, ConnectionContext* cntx) {
  auto res = OpScores(cntx, args[1], args.subspan(2));
  if (!res.ok()) return SendZsetOpError(cntx->rb, res.status());
  cntx->rb->StartArray(res->size());
  for (const auto& s : *res) s ? cntx->rb->SendDouble(*s) : cntx->rb->SendNull();
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
  if (!res.ok()) return SendZsetOpError(cntx->rb, res.status());
  if (!*res) return cntx->rb->SendNull();
  cntx->rb->SendLong(**res);
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
    OpResult<ZSetObj*> found = FindZSet(op, key);
    if (found.status() == OpStatus::kKeyNotFound) return ScoredItems{};
    if (!found.ok()) return found.status();
    return PopExtremes(op, key, *found, max, size_t(count));
  });
  if (!res.ok()) return SendZsetOpError(rb, res.status());
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
  if (!res.ok()) return SendZsetOpError(rb, res.status());
  if (!has_count) {
    if (!res->exists) return rb->SendNull();
    return rb->SendBulk(res->items[0].first);
  }
  SendScored(rb, res->items, with_scores);
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
  r->Register({"zunionstore", -4, kWrite | kReadLookups | kDenyOom | kMovableKeys, 1, 1, 1,
               zstore(ZOp::kUnion, "zunionstore")});
  r->Register({"zinterstore", -4, kWrite | kReadLookups | kDenyOom | kMovableKeys, 1, 1, 1,
               zstore(ZOp::kInter, "zinterstore")});
  r->Register({"zdiffstore", -4, kWrite | kReadLookups | kDenyOom | kMovableKeys, 1, 1, 1,
               zstore(ZOp::kDiff, "zdiffstore")});
  r->Register({"zintercard", -3, kReadOnly | kMovableKeys, 0, 0, 0, ZInterCard});
  r->Register({"zrangestore", -5, kWrite | kReadLookups | kDenyOom, 1, 2, 1, ZRangeStore});
  r->Register({"zmpop", -4, kWrite | kMovableKeys, 0, 0, 0, ZMPop});
  // The blocking pops (BZPOPMIN BZPOPMAX BZMPOP) live in zset_blocking.cc.
  RegisterZsetBlockingCommands(r);
}

}  // namespace lw
