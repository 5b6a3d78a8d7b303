#include "server/families/string_family.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "server/families/string_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

using Iterator = DbSlice::Iterator;

// An op's outcome when a command can fail in ways OpStatus does not name: `error` (static
// storage) is sent instead of the value when set.
template <typename T>
struct OpReply {
  T value{};
  std::string_view error;
  static OpReply Ok(T v) {
    OpReply r;
    r.value = std::move(v);
    return r;
  }
  static OpReply Error(std::string_view e) {
    OpReply r;
    r.error = e;
    return r;
  }
};

// The integer a string value holds, as Redis's getLongLongFromObject reads it.
bool ValueAsInt(const CompactObj& v, int64_t* out) {
  if (v.IsInt()) {
    *out = v.int_value();
    return true;
  }
  std::string scratch;
  return ParseRedisInt(v.GetSlice(&scratch), out);
}

// ---------------------------------------------------------------------------------------
// SET and friends.

enum ExpireUnit : uint8_t { kNoExpire, kEx, kPx, kExat, kPxat };

struct SetParams {
  enum Cond { kAlways, kIfMissing, kIfExists } cond = kAlways;
  bool get = false;
  bool keep_ttl = false;
  bool stick = false;        // SET ... STICK (Lacewing): mark the key never-evictable
  int64_t expire_at_ms = 0;  // 0: no expiry
};

// getExpireMillisecondsOrReply: the absolute deadline for `value` in `unit`, or an error.
// Returns the error text, empty on success.
std::string ResolveExpire(ExpireUnit unit, std::string_view value, std::string_view cmd,
                          int64_t* at_ms) {
  int64_t v;
  if (!ParseRedisInt(value, &v)) return std::string(errors::kNotInteger);
  bool seconds = unit == kEx || unit == kExat;
  if (v <= 0 || (seconds && v > INT64_MAX / 1000)) return errors::InvalidExpireTime(cmd);
  int64_t ms = seconds ? v * 1000 : v;
  if (unit == kEx || unit == kPx) {
    int64_t now = DbSlice::NowMs();
    if (ms > INT64_MAX - now) return errors::InvalidExpireTime(cmd);
    ms += now;
  }
  *at_ms = ms;
  return {};
}

// Redis's parseExtendedStringArgumentsOrReply for SET (is_set) and GETEX (!is_set): repeated
// options are accepted, conflicting ones are a syntax error. Returns false on syntax error.
struct ExtendedArgs {
  SetParams::Cond cond = SetParams::kAlways;
  bool get = false, keep_ttl = false, persist = false, stick = false;
  ExpireUnit unit = kNoExpire;
  std::string_view expire;
};

bool ParseExtendedArgs(CmdArgs args, size_t first, bool is_set, ExtendedArgs* out) {
  for (size_t i = first; i < args.size(); ++i) {
    std::string_view opt = args[i];
    bool has_next = i + 1 < args.size();
    bool no_expire = out->unit == kNoExpire;
    auto expire_ok = [&](ExpireUnit u) {
      return !out->keep_ttl && !out->persist && (out->unit == kNoExpire || out->unit == u) &&
             has_next;
    };
    if (is_set && EqualsIgnoreCase(opt, "NX") && out->cond != SetParams::kIfExists) {
      out->cond = SetParams::kIfMissing;
    } else if (is_set && EqualsIgnoreCase(opt, "XX") && out->cond != SetParams::kIfMissing) {
      out->cond = SetParams::kIfExists;
    } else if (is_set && EqualsIgnoreCase(opt, "GET")) {
      out->get = true;
    } else if (is_set && EqualsIgnoreCase(opt, "STICK")) {
      out->stick = true;  // Lacewing extension (issue 8): may combine with every option
    } else if (is_set && EqualsIgnoreCase(opt, "KEEPTTL") && no_expire) {
      out->keep_ttl = true;
    } else if (!is_set && EqualsIgnoreCase(opt, "PERSIST") && no_expire) {
      out->persist = true;
    } else {
      ExpireUnit u = EqualsIgnoreCase(opt, "EX")     ? kEx
                     : EqualsIgnoreCase(opt, "PX")   ? kPx
                     : EqualsIgnoreCase(opt, "EXAT") ? kExat
                     : EqualsIgnoreCase(opt, "PXAT") ? kPxat
                                                     : kNoExpire;
      if (u == kNoExpire || !expire_ok(u)) return false;
      out->unit = u;
      out->expire = args[++i];
    }
  }
  return true;
}

struct SetOutcome {
  bool written = false;
  bool had_old = false;
  std::string old;  // with GET
};

// Stores `value` at `key` with Redis's SET semantics (any old value of any type is replaced;
// the TTL is cleared unless keep_ttl or a new one is given). With may_fail, a new key that
// does not fit in the memory budget is not stored and kOutOfMemory is returned; without it
// (MSET, which must store all or nothing) the insert always succeeds.
OpStatus StoreString(const OpArgs& op, std::string_view key, std::string_view value,
                     int64_t expire_at_ms, bool keep_ttl, bool may_fail = false,
                     bool stick = false) {
  DbSlice& slice = *op.slice;
  // An expiry that has passed already (PXAT in the past, or PX 1 reaching the shard a
  // millisecond late) is stored as it is: the key expires at its next lookup or sweep and
  // counts in expired_keys, as in Redis.
  std::pair<DbSlice::Iterator, bool> added;
  if (may_fail) {
    auto res = slice.TryAddOrFind(op.db, key);
    if (!res.ok()) return res.status();
    added = *res;
  } else {
    added = slice.AddOrFind(op.db, key);
  }
  auto [it, inserted] = added;
  it.value().SetString(value);  // keeps the sticky bit (stickiness survives overwrite)
  slice.MarkModified(op.db, key);
  if (stick) it.value().set_sticky(true);
  if (expire_at_ms != 0) {
    slice.SetExpire(op.db, it, expire_at_ms);
  } else if (!keep_ttl && !inserted) {
    slice.RemoveExpire(op.db, it);
  }
  slice.Notify(notify::kString, "set", op.db, key);
  if (expire_at_ms != 0) slice.Notify(notify::kGeneric, "expire", op.db, key);
  return OpStatus::kOk;
}

// REQUIRES: runs on the key's shard.
OpResult<SetOutcome> OpSet(const OpArgs& op, std::string_view key, std::string_view value,
                           const SetParams& p) {
  SetOutcome out;
  // A plain SET (no GET, NX or XX) needs no look first: the store finds an existing key
  // itself, one hash-table lookup instead of two.
  if (!p.get && p.cond == SetParams::kAlways) {
    OpStatus st = StoreString(op, key, value, p.expire_at_ms, p.keep_ttl, true, p.stick);
    if (st != OpStatus::kOk) return st;
    out.written = true;
    return out;
  }
  auto existing = op.slice->Peek(op.db, key);
  if (p.get) op.slice->CountRead(op.db, key, existing.has_value());  // Redis's lookupKeyRead
  if (existing) {
    if (p.get) {
      op.slice->Touch(*existing);  // Redis reads the old value (a touch) before the write
      if (existing->value().type() != ObjType::kString) return OpStatus::kWrongType;
      existing->value().GetString(&out.old);
    }
    out.had_old = true;
  }
  if ((p.cond == SetParams::kIfMissing && existing) ||
      (p.cond == SetParams::kIfExists && !existing)) {
    if (existing) op.slice->Touch(*existing);  // Redis looked the key up for writing
    return out;
  }
  OpStatus st = StoreString(op, key, value, p.expire_at_ms, p.keep_ttl, true, p.stick);
  if (st != OpStatus::kOk) return st;
  out.written = true;
  return out;
}

// The shared tail of SET, SETNX, SETEX and PSETEX.
OpResult<SetOutcome> RunSet(ConnectionContext* cntx, std::string_view key, std::string_view value,
                            const SetParams& p) {
  return RunOnKeyShard(cntx, key, [&](const OpArgs& op) { return OpSet(op, key, value, p); });
}

// The error reply of a failed RunSet.
void SendSetError(OpStatus st, ReplyBuilder* rb) {
  if (st == OpStatus::kOutOfMemory) return rb->SendError(errors::kOom);
  if (st == OpStatus::kInvalidArg) return rb->SendError(errors::kUndeclaredKeys);
  rb->SendError(errors::kWrongType);
}

void Set(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  ExtendedArgs ext;
  if (!ParseExtendedArgs(args, 3, true, &ext)) return rb->SendError(errors::kSyntax);
  SetParams p;
  p.cond = ext.cond;
  p.get = ext.get;
  p.keep_ttl = ext.keep_ttl;
  p.stick = ext.stick;
  if (ext.unit != kNoExpire) {
    std::string err = ResolveExpire(ext.unit, ext.expire, "set", &p.expire_at_ms);
    if (!err.empty()) return rb->SendError(err);
  }
  OpResult<SetOutcome> res = RunSet(cntx, args[1], args[2], p);
  if (!res.ok()) return SendSetError(res.status(), rb);
  if (p.get) return res->had_old ? rb->SendBulk(res->old) : rb->SendNull();
  if (!res->written) return rb->SendNull();
  rb->SendOk();
}

void SetNx(CmdArgs args, ConnectionContext* cntx) {
  SetParams p;
  p.cond = SetParams::kIfMissing;
  OpResult<SetOutcome> res = RunSet(cntx, args[1], args[2], p);
  if (!res.ok()) return SendSetError(res.status(), cntx->rb);
  cntx->rb->SendLong(res->written ? 1 : 0);
}

// SETEX key seconds value / PSETEX key milliseconds value.
void SetExGeneric(CmdArgs args, ConnectionContext* cntx, ExpireUnit unit, std::string_view name) {
  SetParams p;
  std::string err = ResolveExpire(unit, args[2], name, &p.expire_at_ms);
  if (!err.empty()) return cntx->rb->SendError(err);
  OpResult<SetOutcome> res = RunSet(cntx, args[1], args[3], p);
  if (!res.ok()) return SendSetError(res.status(), cntx->rb);
  cntx->rb->SendOk();
}

void SetEx(CmdArgs args, ConnectionContext* cntx) { SetExGeneric(args, cntx, kEx, "setex"); }
void PSetEx(CmdArgs args, ConnectionContext* cntx) { SetExGeneric(args, cntx, kPx, "psetex"); }

// ---------------------------------------------------------------------------------------
// Reads.

// Sends a looked-up string, nil for a missing key, or WRONGTYPE.
void SendStringResult(const OpResult<std::string>& res, ReplyBuilder* rb) {
  if (res.ok()) return rb->SendBulk(*res);
  if (res.status() == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  rb->SendNull();
}

void Get(CmdArgs args, ConnectionContext* cntx) {
  if (cntx->direct_shard != nullptr) {
    // A squashed command runs on its key's thread, as does its reply builder: the value goes
    // from the store into the reply with no string copied in between.
    std::string scratch;  // only an integer-encoded value is formatted here
    OpStatus st = RunOnKeyShard(cntx, args[1], [&](const OpArgs& op) {
      auto it = op.slice->Find(op.db, args[1], ObjType::kString);
      if (!it.ok()) return it.status();
      cntx->rb->SendBulk(it->value().GetSlice(&scratch));
      return OpStatus::kOk;
    });
    if (st == OpStatus::kOk) return;
    return SendStringResult(OpResult<std::string>(st), cntx->rb);
  }
  SendStringResult(ReadString(cntx, args[1]), cntx->rb);
}

void GetDel(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<std::string> res =
      RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<std::string> {
        auto it = op.slice->Find(op.db, key, ObjType::kString);
        if (!it.ok()) return it.status();
        std::string value;
        it->value().GetString(&value);
        op.slice->Del(op.db, *it);
        op.slice->Notify(notify::kGeneric, "del", op.db, key);
        return value;
      });
  SendStringResult(res, cntx->rb);
}

void GetSet(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1], value = args[2];
  SetParams p;
  p.get = true;
  OpResult<SetOutcome> res = RunSet(cntx, key, value, p);
  ReplyBuilder* rb = cntx->rb;
  if (!res.ok()) return SendSetError(res.status(), rb);
  res->had_old ? rb->SendBulk(res->old) : rb->SendNull();
}

void GetEx(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  ExtendedArgs ext;
  if (!ParseExtendedArgs(args, 2, false, &ext)) return rb->SendError(errors::kSyntax);
  // Redis validates the expire value only once it has found the key (a missing key answers
  // nil whatever the value), so the error is carried into the op.
  int64_t at_ms = 0;
  std::string expire_err;
  if (ext.unit != kNoExpire) expire_err = ResolveExpire(ext.unit, ext.expire, "getex", &at_ms);
  std::string_view key = args[1];
  OpResult<std::string> res =
      RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<std::string> {
        auto it = op.slice->Find(op.db, key, ObjType::kString);
        if (!it.ok()) return it.status();
        if (!expire_err.empty()) return OpStatus::kInvalidValue;
        std::string value;
        it->value().GetString(&value);
        if (at_ms != 0 && at_ms <= DbSlice::NowMs()) {
          op.slice->Del(op.db, *it);
          op.slice->Notify(notify::kGeneric, "del", op.db, key);
        } else if (at_ms != 0) {
          op.slice->SetExpire(op.db, *it, at_ms);
          op.slice->Notify(notify::kGeneric, "expire", op.db, key);
        } else if (ext.persist && op.slice->RemoveExpire(op.db, *it)) {
          op.slice->Notify(notify::kGeneric, "persist", op.db, key);
        }
        return value;
      });
  if (res.status() == OpStatus::kInvalidValue) return rb->SendError(expire_err);
  SendStringResult(res, rb);
}

void Strlen(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    auto it = op.slice->Find(op.db, key, ObjType::kString);
    if (!it.ok()) return it.status();
    return int64_t(it->value().StringSize());
  });
  if (res.ok()) return cntx->rb->SendLong(*res);
  if (res.status() == OpStatus::kWrongType) return cntx->rb->SendError(errors::kWrongType);
  cntx->rb->SendLong(0);
}

void GetRange(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t start, end;
  if (!ParseRedisInt(args[2], &start) || !ParseRedisInt(args[3], &end)) {
    return rb->SendError(errors::kNotInteger);
  }
  std::string_view key = args[1];
  OpResult<std::string> res =
      RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<std::string> {
        auto it = op.slice->Find(op.db, key, ObjType::kString);
        if (!it.ok()) return it.status();
        std::string scratch;
        std::string_view s = it->value().GetSlice(&scratch);
        int64_t from = start, to = end;
        if (!ClampRange(int64_t(s.size()), &from, &to)) return std::string();
        return std::string(s.substr(size_t(from), size_t(to - from + 1)));
      });
  if (res.ok()) return rb->SendBulk(*res);
  if (res.status() == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  rb->SendBulk("");
}

// ---------------------------------------------------------------------------------------
// In-place writes.

void Append(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1], tail = args[2];
  OpReply<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) {
    auto found = op.slice->Find(op.db, key, ObjType::kString);
    if (found.status() == OpStatus::kWrongType) {
      return OpReply<int64_t>::Error(errors::kWrongType);
    }
    if (!found.ok()) {
      // A new key is stored like SET stores it (so "int"/"embstr" encodings apply).
      auto added = op.slice->TryAddOrFind(op.db, key);
      if (!added.ok()) return OpReply<int64_t>::Error(errors::kOom);
      added->first.value().SetString(tail);
      op.slice->Notify(notify::kString, "append", op.db, key);
      return OpReply<int64_t>::Ok(int64_t(tail.size()));
    }
    CompactObj& v = found->value();
    size_t old_len = v.StringSize();
    if (int64_t(old_len) + int64_t(tail.size()) > kMaxStringLen) {
      return OpReply<int64_t>::Error(errors::kStringTooLong);
    }
    char* p = v.ResizeRawString(old_len + tail.size());
    if (!tail.empty()) std::memcpy(p + old_len, tail.data(), tail.size());
    op.slice->MarkModified(op.db, key);  // even an empty tail, as in Redis
    op.slice->Notify(notify::kString, "append", op.db, key);
    return OpReply<int64_t>::Ok(int64_t(old_len + tail.size()));
  });
  if (!res.error.empty()) return cntx->rb->SendError(res.error);
  cntx->rb->SendLong(res.value);
}

void SetRange(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t offset;
  if (!ParseRedisInt(args[2], &offset)) return rb->SendError(errors::kNotInteger);
  if (offset < 0) return rb->SendError(errors::kOffsetOutOfRange);
  std::string_view key = args[1], value = args[3];
  bool too_long = offset > kMaxStringLen - int64_t(value.size());
  OpReply<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) {
    auto found = op.slice->Find(op.db, key, ObjType::kString);
    if (found.status() == OpStatus::kWrongType) {
      return OpReply<int64_t>::Error(errors::kWrongType);
    }
    if (!found.ok()) {
      if (value.empty()) return OpReply<int64_t>::Ok(0);
      if (too_long) return OpReply<int64_t>::Error(errors::kStringTooLong);
      auto added = op.slice->TryAddOrFind(op.db, key);
      if (!added.ok()) return OpReply<int64_t>::Error(errors::kOom);
      char* p = added->first.value().ResizeRawString(size_t(offset) + value.size());
      std::memcpy(p + offset, value.data(), value.size());
      op.slice->Notify(notify::kString, "setrange", op.db, key);
      return OpReply<int64_t>::Ok(offset + int64_t(value.size()));
    }
    CompactObj& v = found->value();
    size_t old_len = v.StringSize();
    if (value.empty()) return OpReply<int64_t>::Ok(int64_t(old_len));
    if (too_long) return OpReply<int64_t>::Error(errors::kStringTooLong);
    size_t new_len = std::max(old_len, size_t(offset) + value.size());
    char* p = v.ResizeRawString(new_len);
    std::memcpy(p + offset, value.data(), value.size());
    op.slice->MarkModified(op.db, key);
    op.slice->Notify(notify::kString, "setrange", op.db, key);
    return OpReply<int64_t>::Ok(int64_t(new_len));
  });
  if (!res.error.empty()) return rb->SendError(res.error);
  rb->SendLong(res.value);
}

// ---------------------------------------------------------------------------------------
// Counters.

// INCR/DECR/INCRBY/DECRBY: adds `delta`, keeping the key's TTL.
void IncrBy(ConnectionContext* cntx, std::string_view key, int64_t delta) {
  OpReply<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) {
    auto found = op.slice->Find(op.db, key, ObjType::kString);
    if (found.status() == OpStatus::kWrongType) {
      return OpReply<int64_t>::Error(errors::kWrongType);
    }
    int64_t old = 0;
    if (found.ok() && !ValueAsInt(found->value(), &old)) {
      return OpReply<int64_t>::Error(errors::kNotInteger);
    }
    if ((delta < 0 && old < 0 && delta < INT64_MIN - old) ||
        (delta > 0 && old > 0 && delta > INT64_MAX - old)) {
      return OpReply<int64_t>::Error(errors::kIncrOverflow);
    }
    int64_t result = old + delta;
    if (found.ok()) {
      found->value().SetInt(result);
      op.slice->MarkModified(op.db, key);
    } else {
      auto added = op.slice->TryAddOrFind(op.db, key);
      if (!added.ok()) return OpReply<int64_t>::Error(errors::kOom);
      added->first.value().SetInt(result);
    }
    op.slice->Notify(notify::kString, "incrby", op.db, key);
    return OpReply<int64_t>::Ok(result);
  });
  if (!res.error.empty()) return cntx->rb->SendError(res.error);
  cntx->rb->SendLong(res.value);
}

void Incr(CmdArgs args, ConnectionContext* cntx) { IncrBy(cntx, args[1], 1); }
void Decr(CmdArgs args, ConnectionContext* cntx) { IncrBy(cntx, args[1], -1); }

void IncrByCmd(CmdArgs args, ConnectionContext* cntx) {
  int64_t delta;
  if (!ParseRedisInt(args[2], &delta)) return cntx->rb->SendError(errors::kNotInteger);
  IncrBy(cntx, args[1], delta);
}

void DecrByCmd(CmdArgs args, ConnectionContext* cntx) {
  int64_t delta;
  if (!ParseRedisInt(args[2], &delta)) return cntx->rb->SendError(errors::kNotInteger);
  if (delta == INT64_MIN) return cntx->rb->SendError(errors::kDecrOverflow);
  IncrBy(cntx, args[1], -delta);
}

void IncrByFloat(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1], incr_arg = args[2];
  OpReply<std::string> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) {
    // Redis checks the type, then the stored value, then the increment.
    auto found = op.slice->Find(op.db, key, ObjType::kString);
    if (found.status() == OpStatus::kWrongType) {
      return OpReply<std::string>::Error(errors::kWrongType);
    }
    long double value = 0, incr;
    if (found.ok()) {
      const CompactObj& v = found->value();
      std::string scratch;
      if (v.IsInt()) {
        value = (long double)v.int_value();
      } else if (!ParseLongDouble(v.GetSlice(&scratch), &value)) {
        return OpReply<std::string>::Error(errors::kNotFloat);
      }
    }
    if (!ParseLongDouble(incr_arg, &incr)) return OpReply<std::string>::Error(errors::kNotFloat);
    value += incr;
    if (std::isnan(value) || std::isinf(value)) {
      return OpReply<std::string>::Error(errors::kNanOrInfinity);
    }
    OpReply<std::string> out = OpReply<std::string>::Ok(FormatLongDouble(value));
    // Stored as the formatted text, never int-encoded (Redis keeps it an embstr/raw string).
    if (found.ok()) {
      found->value().SetString(out.value, false);
      op.slice->MarkModified(op.db, key);
    } else {
      auto added = op.slice->TryAddOrFind(op.db, key);
      if (!added.ok()) return OpReply<std::string>::Error(errors::kOom);
      added->first.value().SetString(out.value, false);
    }
    op.slice->Notify(notify::kString, "incrbyfloat", op.db, key);
    return out;
  });
  if (!res.error.empty()) return cntx->rb->SendError(res.error);
  cntx->rb->SendBulk(res.value);
}

// ---------------------------------------------------------------------------------------
// Multi-key commands: one transaction over all the keys, every involved shard in parallel.

// The keys at args[first], args[first + step], ...
std::vector<std::string_view> KeysAt(CmdArgs args, size_t first, size_t step) {
  std::vector<std::string_view> keys;
  for (size_t i = first; i < args.size(); i += step) keys.push_back(args[i]);
  return keys;
}

void MGet(CmdArgs args, ConnectionContext* cntx) {
  std::vector<std::string_view> keys = KeysAt(args, 1, 1);
  std::vector<std::optional<std::string>> values(keys.size());
  bool ran = RunOnKeys(cntx, keys, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      auto it = op.slice->Find(op.db, a.key);
      if (it.ok() && it->value().IsString()) it->value().GetString(&values[a.index].emplace());
    }
  });
  ReplyBuilder* rb = cntx->rb;
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  rb->StartArray(values.size());
  for (const auto& v : values) v ? rb->SendBulk(*v) : rb->SendNull();
}

void StorePairs(const OpArgs& op, CmdArgs args, std::span<const tx::ShardArg> mine) {
  // Key i of the command is args[1 + 2i], its value the next argument.
  for (const tx::ShardArg& a : mine) StoreString(op, a.key, args[2 + 2 * a.index], 0, false);
}

void MSet(CmdArgs args, ConnectionContext* cntx) {
  if (args.size() % 2 == 0) return cntx->rb->SendError(errors::WrongArity("mset"));
  std::vector<std::string_view> keys = KeysAt(args, 1, 2);
  bool ran = RunOnKeys(cntx, keys, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    StorePairs(op, args, mine);
  });
  if (!ran) return cntx->rb->SendError(errors::kUndeclaredKeys);
  cntx->rb->SendOk();
}

// MSETNX looks at every key, then writes all or none, with the keys locked in between.
void MSetNx(CmdArgs args, ConnectionContext* cntx) {
  if (args.size() % 2 == 0) return cntx->rb->SendError(errors::WrongArity("msetnx"));
  std::vector<std::string_view> keys = KeysAt(args, 1, 2);
  KeyHops hops(cntx, keys);
  std::atomic<bool> any_exists{false};
  bool ran = hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      if (op.slice->Peek(op.db, a.key)) any_exists = true;
    }
  });
  if (!ran) return cntx->rb->SendError(errors::kUndeclaredKeys);
  if (any_exists) return cntx->rb->SendLong(0);
  hops.Run(
      [&](const OpArgs& op, std::span<const tx::ShardArg> mine) { StorePairs(op, args, mine); });
  cntx->rb->SendLong(1);
}

}  // namespace

// Clamps Redis's inclusive [start, end] (negative from the end) to a string of `len` units.
bool ClampRange(int64_t len, int64_t* start, int64_t* end) {
  if (*start < 0 && *end < 0 && *start > *end) return false;
  if (*start < 0) *start = len + *start;
  if (*end < 0) *end = len + *end;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= len) *end = len - 1;
  return *start <= *end && len > 0;
}

OpResult<std::string> ReadString(ConnectionContext* cntx, std::string_view key) {
  return RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<std::string> {
    auto it = op.slice->Find(op.db, key, ObjType::kString);
    if (!it.ok()) return it.status();
    std::string value;
    it->value().GetString(&value);
    return value;
  });
}

void RegisterStringFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"set", -3, kWrite | kDenyOom, 1, 1, 1, Set});
  r->Register({"setnx", 3, kWrite | kDenyOom | kFast, 1, 1, 1, SetNx});
  r->Register({"setex", 4, kWrite | kDenyOom, 1, 1, 1, SetEx});
  r->Register({"psetex", 4, kWrite | kDenyOom, 1, 1, 1, PSetEx});
  r->Register({"get", 2, kReadOnly | kFast, 1, 1, 1, Get});
  r->Register({"getex", -2, kWrite | kReadLookups | kFast, 1, 1, 1, GetEx});
  r->Register({"getdel", 2, kWrite | kReadLookups | kFast, 1, 1, 1, GetDel});
  r->Register({"getset", 3, kWrite | kDenyOom | kFast, 1, 1, 1, GetSet});
  r->Register({"append", 3, kWrite | kDenyOom | kFast, 1, 1, 1, Append});
  r->Register({"strlen", 2, kReadOnly | kFast, 1, 1, 1, Strlen});
  r->Register({"getrange", 4, kReadOnly, 1, 1, 1, GetRange});
  r->Register({"substr", 4, kReadOnly, 1, 1, 1, GetRange});
  r->Register({"setrange", 4, kWrite | kDenyOom, 1, 1, 1, SetRange});
  r->Register({"incr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, Incr});
  r->Register({"decr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, Decr});
  r->Register({"incrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, IncrByCmd});
  r->Register({"decrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, DecrByCmd});
  r->Register({"incrbyfloat", 3, kWrite | kDenyOom | kFast, 1, 1, 1, IncrByFloat});
  r->Register({"setbit", 4, kWrite | kDenyOom, 1, 1, 1, SetBit});
  r->Register({"getbit", 3, kReadOnly | kFast, 1, 1, 1, GetBit});
  r->Register({"bitcount", -2, kReadOnly, 1, 1, 1, BitCount});
  r->Register({"bitpos", -3, kReadOnly, 1, 1, 1, BitPos});
  CommandSpec bitop{"bitop", -4, kWrite | kReadLookups | kDenyOom, 2, -1, 1, BitOp};
  bitop.batch_handler = BitOpBatch;  // pipelined BITOPs share their hops (string_bitop.cc)
  r->Register(std::move(bitop));
  r->Register({"bitfield", -2, kWrite | kDenyOom, 1, 1, 1, BitField});
  r->Register({"bitfield_ro", -2, kReadOnly | kFast, 1, 1, 1, BitFieldRo});
  r->Register({"mget", -2, kReadOnly | kFast, 1, -1, 1, MGet});
  r->Register({"mset", -3, kWrite | kDenyOom, 1, -1, 2, MSet});
  r->Register({"msetnx", -3, kWrite | kDenyOom, 1, -1, 2, MSetNx});
  r->Register({"lcs", -3, kReadOnly, 1, 2, 1, Lcs});
}

}  // namespace lw
