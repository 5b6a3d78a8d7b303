// Hash commands: HSET HSETNX HGET HMSET HMGET HDEL HLEN HSTRLEN HEXISTS HGETALL HKEYS HVALS
// HINCRBY HINCRBYFLOAT HSCAN HRANDFIELD, with Redis 7's replies and its order of checks.
#include "server/families/hash_family.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/engine/connection_context.h"
#include "server/engine/family_util.h"
#include "server/engine/op_args.h"
#include "server/engine/scan_args.h"
#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/glob.h"
#include "server/types/hash_obj.h"

namespace lw {

namespace {

using Iter = DbSlice::Iterator;
using Pair = std::pair<std::string, std::string>;
using Pairs = std::vector<Pair>;

HashObj* HashOf(Iter it) { return it.value().GetRobj<HashObj>(); }

OpResult<HashObj*> FindHash(const OpArgs& op, std::string_view key) {
  return FindContainer<HashObj>(op, key, ObjType::kHash);
}

OpResult<HashObj*> FindOrCreateHash(const OpArgs& op, std::string_view key) {
  auto [it, inserted] = op.slice->AddOrFind(op.db, key);
  if (inserted) {
    auto* hash = new HashObj();
    it.value().SetRobj(ObjType::kHash, hash);
    return hash;
  }
  if (it.value().type() != ObjType::kHash) return OpStatus::kWrongType;
  return HashOf(it);
}

// CONFIG's hash-max-listpack-* thresholds, read once where a writing command starts (the
// shard callbacks then use this copy).
HashLimits Limits(ConnectionContext* cntx) {
  const RuntimeConfig& rt = cntx->service->runtime();
  return {size_t(rt.hash_max_listpack_entries.load(std::memory_order_relaxed)),
          size_t(rt.hash_max_listpack_value.load(std::memory_order_relaxed))};
}

std::mt19937_64& Rng() { return ThreadRng(); }

void SendWrongTypeOr(OpStatus status, ReplyBuilder* rb) {
  if (status == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  rb->SendError(errors::kSyntax);  // not reached: callers map the other statuses
}

// ----- writes -----

void SetPairs(CmdArgs args, ConnectionContext* cntx, bool reply_ok) {
  if (args.size() % 2 == 1) return cntx->rb->SendError(errors::WrongArity(args[0]));
  std::string_view key = args[1];
  HashLimits limits = Limits(cntx);
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<HashObj*> hash = FindOrCreateHash(op, key);
    if (!hash.ok()) return hash.status();
    int64_t added = 0;
    for (size_t i = 2; i < args.size(); i += 2) {
      added += (*hash)->Set(args[i], args[i + 1], limits);
    }
    op.slice->MarkModified(op.db, key);  // even when no value changed, as in Redis
    op.slice->Notify(notify::kHash, "hset", op.db, key);
    return added;
  });
  if (!res.ok()) return SendWrongTypeOr(res.status(), cntx->rb);
  if (reply_ok) return cntx->rb->SendOk();
  cntx->rb->SendLong(*res);
}

void HSet(CmdArgs args, ConnectionContext* cntx) { SetPairs(args, cntx, false); }
void HMSet(CmdArgs args, ConnectionContext* cntx) { SetPairs(args, cntx, true); }

void HSetNx(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1], field = args[2], value = args[3];
  HashLimits limits = Limits(cntx);
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<HashObj*> hash = FindOrCreateHash(op, key);
    if (!hash.ok()) return hash.status();
    if ((*hash)->Get(field)) return int64_t(0);
    (*hash)->Set(field, value, limits);
    op.slice->MarkModified(op.db, key);
    op.slice->Notify(notify::kHash, "hset", op.db, key);
    return int64_t(1);
  });
  if (!res.ok()) return SendWrongTypeOr(res.status(), cntx->rb);
  cntx->rb->SendLong(*res);
}

void HDel(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    auto it = op.slice->Find(op.db, key, ObjType::kHash);
    if (!it.ok()) return it.status();
    HashObj* hash = HashOf(*it);
    int64_t deleted = 0;
    for (size_t i = 2; i < args.size() && !hash->empty(); ++i) deleted += hash->Del(args[i]);
    if (deleted > 0) {
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kHash, "hdel", op.db, key);
    }
    if (hash->empty()) {
      op.slice->Del(op.db, *it);
      op.slice->Notify(notify::kGeneric, "del", op.db, key);
    }
    return deleted;
  });
  if (res.status() == OpStatus::kWrongType) return cntx->rb->SendError(errors::kWrongType);
  cntx->rb->SendLong(res.value_or(0));
}

void HIncrBy(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t incr;
  if (!ParseRedisInt(args[3], &incr)) return rb->SendError(errors::kNotInteger);
  std::string_view key = args[1], field = args[2];
  HashLimits limits = Limits(cntx);
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<HashObj*> hash = FindOrCreateHash(op, key);
    if (!hash.ok()) return hash.status();
    int64_t value = 0;
    if (auto old = (*hash)->Get(field)) {
      if (!ParseRedisInt(*old, &value)) return OpStatus::kInvalidInt;
    }
    if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
        (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
      return OpStatus::kOutOfRange;
    }
    value += incr;
    (*hash)->Set(field, std::to_string(value), limits);
    op.slice->MarkModified(op.db, key);
    op.slice->Notify(notify::kHash, "hincrby", op.db, key);
    return value;
  });
  if (res.ok()) return rb->SendLong(*res);
  switch (res.status()) {
    case OpStatus::kInvalidInt:
      return rb->SendError(errors::kHashValueNotInteger);
    case OpStatus::kOutOfRange:
      return rb->SendError(errors::kIncrOverflow);
    default:
      return SendWrongTypeOr(res.status(), rb);
  }
}

void HIncrByFloat(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  long double incr;
  if (!ParseLongDouble(args[3], &incr)) return rb->SendError(errors::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return rb->SendError(errors::kHashIncrNanOrInf);
  std::string_view key = args[1], field = args[2];
  HashLimits limits = Limits(cntx);
  OpResult<std::string> res =
      RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<std::string> {
        OpResult<HashObj*> hash = FindOrCreateHash(op, key);
        if (!hash.ok()) return hash.status();
        long double value = 0;
        if (auto old = (*hash)->Get(field)) {
          if (!ParseLongDouble(*old, &value)) return OpStatus::kInvalidFloat;
        }
        value += incr;
        if (std::isnan(value) || std::isinf(value)) return OpStatus::kOutOfRange;
        std::string formatted = FormatLongDouble(value);
        (*hash)->Set(field, formatted, limits);
        op.slice->MarkModified(op.db, key);
        op.slice->Notify(notify::kHash, "hincrbyfloat", op.db, key);
        return formatted;
      });
  if (res.ok()) return rb->SendBulk(*res);
  switch (res.status()) {
    case OpStatus::kInvalidFloat:
      return rb->SendError(errors::kHashValueNotFloat);
    case OpStatus::kOutOfRange:
      return rb->SendError(errors::kNanOrInfinity);
    default:
      return SendWrongTypeOr(res.status(), rb);
  }
}

// ----- reads -----

void HGet(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1], field = args[2];
  using Value = std::optional<std::string>;
  OpResult<Value> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Value> {
    OpResult<HashObj*> hash = FindHash(op, key);
    if (!hash.ok()) return hash.status();
    auto v = (*hash)->Get(field);
    return v ? Value(std::string(*v)) : Value();
  });
  if (res.status() == OpStatus::kWrongType) return cntx->rb->SendError(errors::kWrongType);
  if (!res.ok() || !*res) return cntx->rb->SendNull();
  cntx->rb->SendBulk(**res);
}

void HMGet(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  using Values = std::vector<std::optional<std::string>>;
  OpResult<Values> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Values> {
    OpResult<HashObj*> hash = FindHash(op, key);
    if (!hash.ok()) return hash.status();
    Values out;
    out.reserve(args.size() - 2);
    for (size_t i = 2; i < args.size(); ++i) {
      auto v = (*hash)->Get(args[i]);
      out.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    }
    return out;
  });
  ReplyBuilder* rb = cntx->rb;
  if (res.status() == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  rb->StartArray(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    const auto* v = res.ok() ? &(*res)[i - 2] : nullptr;
    if (v && *v) {
      rb->SendBulk(**v);
    } else {
      rb->SendNull();
    }
  }
}

// HLEN, HSTRLEN and HEXISTS: one integer computed from the hash (0 when the key is missing).
template <typename Fn>
void ReplyHashInt(std::string_view key, ConnectionContext* cntx, Fn fn) {
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<HashObj*> hash = FindHash(op, key);
    if (!hash.ok()) return hash.status();
    return fn(**hash);
  });
  if (res.status() == OpStatus::kWrongType) return cntx->rb->SendError(errors::kWrongType);
  cntx->rb->SendLong(res.value_or(0));
}

void HLen(CmdArgs args, ConnectionContext* cntx) {
  ReplyHashInt(args[1], cntx, [](const HashObj& h) { return int64_t(h.size()); });
}

void HStrLen(CmdArgs args, ConnectionContext* cntx) {
  std::string_view field = args[2];
  ReplyHashInt(args[1], cntx, [&](const HashObj& h) {
    auto v = h.Get(field);
    return v ? int64_t(v->size()) : int64_t(0);
  });
}

void HExists(CmdArgs args, ConnectionContext* cntx) {
  std::string_view field = args[2];
  ReplyHashInt(args[1], cntx, [&](const HashObj& h) { return int64_t(h.Get(field) ? 1 : 0); });
}

enum GetAllMode { kFields = 1, kValues = 2, kBoth = 3 };

void GetAll(CmdArgs args, ConnectionContext* cntx, GetAllMode mode) {
  std::string_view key = args[1];
  using Items = std::vector<std::string>;
  OpResult<Items> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Items> {
    OpResult<HashObj*> hash = FindHash(op, key);
    if (!hash.ok()) return hash.status();
    Items out;
    out.reserve((*hash)->size() * (mode == kBoth ? 2 : 1));
    (*hash)->ForEach([&](std::string_view f, std::string_view v) {
      if (mode & kFields) out.emplace_back(f);
      if (mode & kValues) out.emplace_back(v);
    });
    return out;
  });
  ReplyBuilder* rb = cntx->rb;
  if (res.status() == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  Items empty;
  const Items& items = res.ok() ? *res : empty;
  if (mode == kBoth) {
    rb->StartMap(items.size() / 2);
  } else {
    rb->StartArray(items.size());
  }
  for (const std::string& s : items) rb->SendBulk(s);
}

void HGetAll(CmdArgs args, ConnectionContext* cntx) { GetAll(args, cntx, kBoth); }
void HKeys(CmdArgs args, ConnectionContext* cntx) { GetAll(args, cntx, kFields); }
void HVals(CmdArgs args, ConnectionContext* cntx) { GetAll(args, cntx, kValues); }

// ----- HSCAN -----

// One HSCAN page: a small (listpack) hash is returned whole with cursor 0; a large one, as
// Redis, until `count` entries were returned (fields and values both count) or 10 * count
// buckets were visited. Filtering happens per bucket, so a MATCH that rejects most fields does
// not hold up the bound.
uint64_t HScanPage(const HashObj& hash, uint64_t cursor, const ScanOptions& opts,
                   std::vector<std::string>* items) {
  auto add = [&](std::string_view f, std::string_view v) {
    if (!opts.Matches(f)) return;
    items->emplace_back(f);
    items->emplace_back(v);
  };
  if (hash.packed()) {
    hash.ForEach(add);
    return 0;
  }
  size_t visited = 0;
  size_t max_steps = size_t(std::min<uint64_t>(opts.count, INT64_MAX / 10)) * 10;
  do {
    cursor = hash.ScanStep(cursor, [&](std::string_view f, std::string_view v) {
      ++visited;
      add(f, v);
    });
  } while (cursor != 0 && max_steps-- > 0 && visited * 2 < opts.count);
  return cursor;
}

void HScan(CmdArgs args, ConnectionContext* cntx) {
  ScanContainer<HashObj>(args, cntx, ObjType::kHash, HScanPage);
}

// ----- HRANDFIELD -----

void HRandField(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string_view key = args[1];
  if (args.size() == 2) {
    using Field = std::string;
    OpResult<Field> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Field> {
      OpResult<HashObj*> hash = FindHash(op, key);
      if (!hash.ok()) return hash.status();
      return Field((*hash)->RandomPair(Rng()).first);
    });
    if (res.status() == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
    if (!res.ok()) return rb->SendNull();
    return rb->SendBulk(*res);
  }

  int64_t count;
  if (!ParseRedisInt(args[2], &count)) return rb->SendError(errors::kNotInteger);
  if (count == INT64_MIN) {
    return rb->SendError(errors::kNotInt64Range);
  }
  bool with_values = false;
  if (args.size() > 4 || (args.size() == 4 && !EqualsIgnoreCase(args[3], "WITHVALUES"))) {
    return rb->SendError(errors::kSyntax);
  }
  if (args.size() == 4) {
    with_values = true;
    if (count < -INT64_MAX / 2 || count > INT64_MAX / 2) {
      return rb->SendError(errors::kValueOutOfRange);
    }
  }
  bool unique = count >= 0;
  uint64_t n = unique ? uint64_t(count) : uint64_t(-count);

  OpResult<Pairs> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Pairs> {
    OpResult<HashObj*> found = FindHash(op, key);
    if (!found.ok()) return found.status();
    const HashObj& hash = **found;
    Pairs out;
    if (n == 0) return out;
    std::mt19937_64& rng = Rng();
    if (!unique || n == 1) {
      // Repetitions allowed: n independent draws.
      out.reserve(n);
      for (uint64_t i = 0; i < n; ++i) {
        auto [f, v] = hash.RandomPair(rng);
        out.emplace_back(std::string(f), with_values ? std::string(v) : std::string());
      }
      return out;
    }
    Pairs all;
    if (n >= hash.size() || n * 3 > hash.size()) {
      all.reserve(hash.size());
      hash.ForEach([&](std::string_view f, std::string_view v) {
        all.emplace_back(std::string(f), with_values ? std::string(v) : std::string());
      });
      if (n >= all.size()) return all;  // the whole hash, in its order
      // Drop random pairs until n remain (cheaper than drawing when n is near the size).
      while (all.size() > n) {
        size_t victim = rng() % all.size();
        all[victim] = std::move(all.back());
        all.pop_back();
      }
      return all;
    }
    // Few pairs out of many: draw until n distinct fields are found.
    std::unordered_set<std::string_view> seen;
    while (out.size() < n) {
      auto [f, v] = hash.RandomPair(rng);
      if (!seen.insert(f).second) continue;
      out.emplace_back(std::string(f), with_values ? std::string(v) : std::string());
    }
    return out;
  });
  if (res.status() == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  if (!res.ok()) return rb->SendEmptyArray();
  const Pairs& pairs = *res;
  bool resp3 = rb->IsResp3();
  rb->StartArray(with_values && !resp3 ? pairs.size() * 2 : pairs.size());
  for (const Pair& p : pairs) {
    if (with_values && resp3) rb->StartArray(2);
    rb->SendBulk(p.first);
    if (with_values) rb->SendBulk(p.second);
  }
}

}  // namespace

void RegisterHashFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"hset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, HSet});
  r->Register({"hsetnx", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HSetNx});
  r->Register({"hmset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, HMSet});
  r->Register({"hget", 3, kReadOnly | kFast, 1, 1, 1, HGet});
  r->Register({"hmget", -3, kReadOnly | kFast, 1, 1, 1, HMGet});
  r->Register({"hdel", -3, kWrite | kFast, 1, 1, 1, HDel});
  r->Register({"hlen", 2, kReadOnly | kFast, 1, 1, 1, HLen});
  r->Register({"hstrlen", 3, kReadOnly | kFast, 1, 1, 1, HStrLen});
  r->Register({"hexists", 3, kReadOnly | kFast, 1, 1, 1, HExists});
  r->Register({"hgetall", 2, kReadOnly, 1, 1, 1, HGetAll});
  r->Register({"hkeys", 2, kReadOnly, 1, 1, 1, HKeys});
  r->Register({"hvals", 2, kReadOnly, 1, 1, 1, HVals});
  r->Register({"hincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HIncrBy});
  r->Register({"hincrbyfloat", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HIncrByFloat});
  r->Register({"hscan", -3, kReadOnly, 1, 1, 1, HScan});
  r->Register({"hrandfield", -2, kReadOnly, 1, 1, 1, HRandField});
}

}  // namespace lw
