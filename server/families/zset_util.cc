#include "server/families/zset_util.h"

#include <algorithm>

#include "server/engine/blocking_cmd.h"
#include "server/engine/family_util.h"
#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

// One end of a BYSCORE interval: "(" prefix = exclusive, then zslParseRange's grammar.
bool ParseScoreBound(std::string_view s, double* v, bool* exclusive) {
  *exclusive = !s.empty() && s[0] == '(';
  if (*exclusive) s.remove_prefix(1);
  return ParseRangeDouble(s, v);
}

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

}  // namespace

void SendZsetOpError(ReplyBuilder* rb, OpStatus st) {
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

OpResult<ZSetObj*> FindZSet(const OpArgs& op, std::string_view key) {
  return FindContainer<ZSetObj>(op, key, ObjType::kZSet);
}

ZSetLimits ZsetLimits(ConnectionContext* cntx) {
  const RuntimeConfig& rt = cntx->service->runtime();
  return {size_t(rt.zset_max_listpack_entries.load(std::memory_order_relaxed)),
          size_t(rt.zset_max_listpack_value.load(std::memory_order_relaxed))};
}

void StoreZSet(const OpArgs& op, std::string_view key, const ScoredItems& items,
               const ZSetLimits& limits, std::string_view event) {
  if (items.empty()) {
    if (op.slice->Del(op.db, key)) op.slice->Notify(notify::kGeneric, "del", op.db, key);
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
  op.slice->Notify(notify::kZset, event, op.db, key);
  NotifyKeyReady(key);  // BZPOPMIN & co. blocked on the destination wake (Redis's dbAdd)
}

ScoredItems PopExtremes(const OpArgs& op, std::string_view key, ZSetObj* z, bool max,
                        size_t count) {
  ScoredItems out;
  size_t n = std::min(count, z->size());
  size_t from = max ? z->size() - n : 0;
  out.reserve(n);
  z->Visit(from, from + n, max,
           [&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
  z->EraseRanks(from, from + n);
  if (n > 0) {  // ZPOPMIN key 0 changes nothing
    op.slice->MarkModified(op.db, key);
    op.slice->Notify(notify::kZset, max ? "zpopmax" : "zpopmin", op.db, key);
  }
  DeleteIfEmpty(op, key, z);
  return out;
}

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* r) {
  return ParseLexBound(min, &r->min) && ParseLexBound(max, &r->max);
}

// The rank interval [start, end) of a score range.
std::pair<size_t, size_t> RankSpan(const ZSetObj& z, const ScoreRange& r) {
  size_t start =
      z.CountBefore([&](double s, std::string_view) { return r.minex ? s <= r.min : s < r.min; });
  size_t end =
      z.CountBefore([&](double s, std::string_view) { return r.maxex ? s < r.max : s <= r.max; });
  return {start, std::max(start, end)};
}

namespace {

int LexKindOrder(const LexBound& b) {
  return b.kind == LexBound::kMinusInf ? 0 : b.kind == LexBound::kValue ? 1 : 2;
}

bool LexGteMin(const LexRange& r, std::string_view m) {
  return !BeforeLexBound(r.min, m, r.min.exclusive);
}

bool LexLteMax(const LexRange& r, std::string_view m) {
  return BeforeLexBound(r.max, m, !r.max.exclusive);
}

std::vector<std::pair<std::string_view, double>> PackedEntries(const ZSetObj& z) {
  std::vector<std::pair<std::string_view, double>> out;
  out.reserve(z.size());
  z.Visit(0, z.size(), false, [&](std::string_view m, double s) { out.emplace_back(m, s); });
  return out;
}

// Where Redis's listpack walk over a lexical range starts (zzlFirstInLexRange /
// zzlLastInLexRange), or -1: an impossible range, a last member below min or a first above max
// give nothing; else the first member from the head that is >= min (forward) or from the tail
// that is <= max (reverse), if it is also within the other bound.
int64_t LexWalkStart(const std::vector<std::pair<std::string_view, double>>& e, const LexRange& r,
                     bool reverse) {
  int order = LexKindOrder(r.min) - LexKindOrder(r.max);
  if (order == 0 && r.min.kind == LexBound::kValue) order = r.min.value.compare(r.max.value);
  if (order > 0 || (order == 0 && (r.min.exclusive || r.max.exclusive))) return -1;
  if (e.empty() || !LexGteMin(r, e.back().first) || !LexLteMax(r, e.front().first)) return -1;
  int64_t n = int64_t(e.size());
  for (int64_t k = 0; k < n; ++k) {
    int64_t i = reverse ? n - 1 - k : k;
    if (reverse ? LexLteMax(r, e[i].first) : LexGteMin(r, e[i].first)) {
      return (reverse ? LexGteMin(r, e[i].first) : LexLteMax(r, e[i].first)) ? i : -1;
    }
  }
  return -1;
}

}  // namespace

ScoredItems LexWalk(const ZSetObj& z, const LexRange& r, bool reverse, int64_t offset,
                    int64_t limit) {
  ScoredItems out;
  auto e = PackedEntries(z);
  int64_t i = LexWalkStart(e, r, reverse);
  if (i < 0 || offset < 0) return out;
  // Redis skips `offset` members unchecked, then stops at the first one past the far bound.
  i += reverse ? -offset : offset;
  for (; i >= 0 && i < int64_t(e.size()) && limit != 0; i += reverse ? -1 : 1, --limit) {
    if (reverse ? !LexGteMin(r, e[i].first) : !LexLteMax(r, e[i].first)) break;
    out.emplace_back(std::string(e[i].first), e[i].second);
  }
  return out;
}

std::pair<size_t, size_t> RankSpan(const ZSetObj& z, const LexRange& r) {
  if (z.is_listpack()) {
    auto e = PackedEntries(z);
    int64_t start = LexWalkStart(e, r, false);
    if (start < 0) return {0, 0};
    size_t end = size_t(start);
    while (end < e.size() && LexLteMax(r, e[end].first)) ++end;
    return {size_t(start), end};
  }
  size_t start = z.CountBefore(
      [&](double, std::string_view m) { return BeforeLexBound(r.min, m, r.min.exclusive); });
  size_t end = z.CountBefore(
      [&](double, std::string_view m) { return BeforeLexBound(r.max, m, !r.max.exclusive); });
  return {start, std::max(start, end)};
}

bool ClampRanks(int64_t len, int64_t* start, int64_t* end) {
  if (*start < 0) *start += len;
  if (*end < 0) *end += len;
  if (*start < 0) *start = 0;
  if (*start > *end || *start >= len) return false;
  if (*end >= len) *end = len - 1;
  return true;
}

}  // namespace lw
