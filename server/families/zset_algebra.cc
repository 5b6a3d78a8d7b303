// The sorted-set algebra: ZUNION ZINTER ZDIFF, their *STORE forms, and ZINTERCARD. Each runs
// as one transaction over all its keys (KeyHops): the sources (sorted sets, or plain sets
// whose every score is 1) are copied out of their shards in one parallel hop, the result is
// computed on the connection fiber, and a destination is written in a second hop while every
// key is still locked.
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cmath>

#include "server/engine/connection_context.h"
#include "server/families/zset_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/set_obj.h"

namespace lw {

namespace {

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

using View = absl::string_view;
View AsView(const std::string& s) { return View(s.data(), s.size()); }

// Union: every member of any input, its weighted scores aggregated.
ScoredItems ComputeUnion(const ZOpSpec& spec, const std::vector<ZSource>& sources,
                         const std::vector<size_t>& order) {
  absl::flat_hash_map<View, double> acc;
  std::vector<View> members;
  for (size_t i : order) {
    for (const auto& [m, s] : sources[i].items) {
      double score = spec.weights[i] * s;
      if (std::isnan(score)) score = 0;
      auto [it, inserted] = acc.try_emplace(AsView(m), score);
      if (inserted) {
        members.push_back(AsView(m));
      } else {
        AggregateInto(&it->second, score, spec.aggregate);
      }
    }
  }
  ScoredItems out;
  out.reserve(members.size());
  for (View m : members) out.emplace_back(std::string(m.data(), m.size()), acc[m]);
  return out;
}

// Intersection: the members of the smallest input found in every other; with `count_only`,
// stops after spec.limit members (ZINTERCARD's LIMIT, 0 = none).
ScoredItems ComputeInter(const ZOpSpec& spec, const std::vector<ZSource>& sources,
                         const std::vector<size_t>& order, bool count_only) {
  ScoredItems out;
  const ZSource& smallest = sources[order[0]];
  if (smallest.items.empty()) return out;
  std::vector<absl::flat_hash_map<View, double>> others(order.size() - 1);
  for (size_t k = 1; k < order.size(); ++k) {
    for (const auto& [m, s] : sources[order[k]].items) others[k - 1].emplace(AsView(m), s);
  }
  for (const auto& [m, s] : smallest.items) {
    double score = spec.weights[order[0]] * s;
    if (std::isnan(score)) score = 0;
    bool everywhere = true;
    for (size_t k = 1; k < order.size() && everywhere; ++k) {
      auto it = others[k - 1].find(AsView(m));
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
  return out;
}

// Difference: the members of the first input in none of the others, with their own scores.
ScoredItems ComputeDiff(const std::vector<ZSource>& sources) {
  absl::flat_hash_map<View, double> removed;
  for (size_t i = 1; i < sources.size(); ++i) {
    for (const auto& [m, s] : sources[i].items) removed.emplace(AsView(m), s);
  }
  ScoredItems out;
  for (const auto& [m, s] : sources[0].items) {
    if (!removed.contains(AsView(m))) out.emplace_back(m, s);
  }
  return out;
}

// Computes the operation over the copied sources; the result is in (score, member) order.
// With `count_only` (ZINTERCARD) the result is left unordered.
ScoredItems ComputeZOp(const ZOpSpec& spec, const std::vector<ZSource>& sources,
                       bool count_only = false) {
  // Union and intersection walk the inputs from the smallest (as Redis, so that sums add up in
  // the same order); the difference keeps the first input first.
  std::vector<size_t> order(sources.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (spec.op != ZOp::kDiff) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return sources[a].items.size() < sources[b].items.size();
    });
  }
  ScoredItems out;
  switch (spec.op) {
    case ZOp::kUnion:
      out = ComputeUnion(spec, sources, order);
      break;
    case ZOp::kInter:
      out = ComputeInter(spec, sources, order, count_only);
      break;
    case ZOp::kDiff:
      out = ComputeDiff(sources);
      break;
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

// Redis's order once the sources are read: a key the script did not declare, then WRONGTYPE,
// then an option error. Returns false after replying.
bool SourcesUsable(bool ran, const std::vector<ZSource>& sources, const ZOpSpec& spec,
                   ReplyBuilder* rb) {
  if (!ran) {
    rb->SendError(errors::kUndeclaredKeys);
  } else if (AnyWrongType(sources)) {
    rb->SendError(errors::kWrongType);
  } else if (!spec.error.empty()) {
    rb->SendError(spec.error);
  } else {
    return true;
  }
  return false;
}

// Copies the sources of a command that writes nothing (ZUNION/ZINTER/ZDIFF, ZINTERCARD) in one
// hop. Returns false after replying with an error.
bool ReadOnlySources(ConnectionContext* cntx, CmdArgs keys, const ZOpSpec& spec,
                     std::vector<ZSource>* sources) {
  sources->resize(keys.size());
  bool ran = RunOnKeys(cntx, keys, [&](const OpArgs& o, std::span<const tx::ShardArg> mine) {
    ReadZSources(o, mine, 0, sources);
  });
  return SourcesUsable(ran, *sources, spec, cntx->rb);
}

}  // namespace

// ZUNION / ZINTER / ZDIFF numkeys key [key ...] [options]
void ZOpGeneric(CmdArgs args, ConnectionContext* cntx, ZOp op, std::string_view name) {
  ReplyBuilder* rb = cntx->rb;
  ZOpSpec spec;
  spec.op = op;
  CmdArgs keys;
  if (!ParseZOp(args, 1, name, false, false, &spec, &keys, rb)) return;
  std::vector<ZSource> sources;
  if (!ReadOnlySources(cntx, keys, spec, &sources)) return;
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
  // Sources shared, the destination exclusive, each hop over its own keys (KeyHops).
  const std::vector<uint32_t> from = KeyHops::Positions(1, uint32_t(keys.size()));
  const uint32_t dest[] = {0};
  KeyHops hops(cntx, keys, KeyHops::DestinationModes(keys.size(), 0));
  bool ran = hops.RunPart(from, dest, [&](const OpArgs& o, std::span<const tx::ShardArg> mine) {
    ReadZSources(o, mine, 1, &sources);
  });
  if (!SourcesUsable(ran, sources, spec, rb)) return;
  ScoredItems result = ComputeZOp(spec, sources);
  ZSetLimits limits = ZsetLimits(cntx);
  hops.NextIsLast();
  hops.RunPart(dest, {}, [&](const OpArgs& o, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) StoreZSet(o, a.key, result, limits, name);
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
  std::vector<ZSource> sources;
  if (!ReadOnlySources(cntx, keys, spec, &sources)) return;
  rb->SendLong(int64_t(ComputeZOp(spec, sources, true).size()));
}

}  // namespace lw
