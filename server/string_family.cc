#include "server/string_family.h"

#include <optional>

#include "server/arg_utils.h"
#include "server/connection_context.h"
#include "server/error_strings.h"
#include "server/op_args.h"

namespace lw {

namespace {

struct SetParams {
  enum Cond { kAlways, kIfMissing, kIfExists } cond = kAlways;
  bool get = false;
  bool keep_ttl = false;
  int64_t expire_at_ms = 0;  // 0: no expiry
};

struct SetOutcome {
  bool written = false;
  bool had_old = false;
  std::string old;  // with GET
};

// REQUIRES: runs on the key's shard.
OpResult<SetOutcome> OpSet(const OpArgs& op, std::string_view key, std::string_view value,
                           const SetParams& p) {
  DbSlice& slice = *op.slice;
  SetOutcome out;
  auto existing = slice.Peek(op.db, key);
  if (existing) {
    if (p.get) {
      if (existing->value().type() != ObjType::kString) return OpStatus::kWrongType;
      existing->value().GetString(&out.old);
    }
    out.had_old = true;
  }
  if ((p.cond == SetParams::kIfMissing && existing) ||
      (p.cond == SetParams::kIfExists && !existing)) {
    return out;
  }
  if (p.expire_at_ms != 0 && p.expire_at_ms <= DbSlice::NowMs()) {
    // Redis: an expiry already in the past deletes the key and still answers OK.
    if (existing) slice.Del(op.db, *existing);
    out.written = true;
    return out;
  }
  auto [it, inserted] = slice.AddOrFind(op.db, key);
  it.value().SetString(value);  // keeps the sticky bit (stickiness survives overwrite)
  if (p.expire_at_ms != 0) {
    slice.SetExpire(op.db, it, p.expire_at_ms);
  } else if (!p.keep_ttl) {
    slice.RemoveExpire(op.db, it);
  }
  out.written = true;
  return out;
}

void Set(CmdArgs args, ConnectionContext* cntx) {
  SetParams p;
  bool have_expire = false;
  for (size_t i = 3; i < args.size(); ++i) {
    std::string opt = AsciiUpper(args[i]);
    bool has_next = i + 1 < args.size();
    if (opt == "NX" && p.cond != SetParams::kIfExists) {
      p.cond = SetParams::kIfMissing;
    } else if (opt == "XX" && p.cond != SetParams::kIfMissing) {
      p.cond = SetParams::kIfExists;
    } else if (opt == "GET") {
      p.get = true;
    } else if (opt == "KEEPTTL" && !have_expire) {
      p.keep_ttl = true;
    } else if ((opt == "EX" || opt == "PX" || opt == "EXAT" || opt == "PXAT") && has_next &&
               !have_expire && !p.keep_ttl) {
      int64_t v;
      if (!ParseRedisInt(args[++i], &v)) return cntx->rb->SendError(errors::kNotInteger);
      bool seconds = opt == "EX" || opt == "EXAT";
      bool relative = opt == "EX" || opt == "PX";
      if (v <= 0 || (seconds && v > INT64_MAX / 1000)) {
        return cntx->rb->SendError("ERR invalid expire time in 'set' command");
      }
      int64_t ms = seconds ? v * 1000 : v;
      if (relative) {
        int64_t now = DbSlice::NowMs();
        if (ms > INT64_MAX - now) return cntx->rb->SendError("ERR invalid expire time in 'set' command");
        ms += now;
      }
      p.expire_at_ms = ms;
      have_expire = true;
    } else {
      return cntx->rb->SendError(errors::kSyntax);
    }
  }
  std::string_view key = args[1], value = args[2];
  OpResult<SetOutcome> res =
      RunOnKeyShard(cntx, key, [&](const OpArgs& op) { return OpSet(op, key, value, p); });
  ReplyBuilder* rb = cntx->rb;
  if (!res.ok()) return rb->SendError(errors::kWrongType);
  if (p.get) return res->had_old ? rb->SendBulk(res->old) : rb->SendNull();
  if (!res->written) return rb->SendNull();
  rb->SendOk();
}

void Get(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<std::string> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<std::string> {
    auto it = op.slice->Find(op.db, key, ObjType::kString);
    if (!it.ok()) return it.status();
    std::string value;
    it->value().GetString(&value);
    return value;
  });
  if (res.ok()) return cntx->rb->SendBulk(*res);
  if (res.status() == OpStatus::kWrongType) return cntx->rb->SendError(errors::kWrongType);
  cntx->rb->SendNull();
}

}  // namespace

void RegisterStringFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"set", -3, kWrite | kDenyOom, 1, 1, 1, Set});
  r->Register({"get", 2, kReadOnly | kFast, 1, 1, 1, Get});
}

}  // namespace lw
