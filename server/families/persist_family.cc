#include "server/families/persist_family.h"

#include <optional>
#include <string>

#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "server/engine/persistence.h"
#include "server/engine/rdb_load.h"
#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/rdb_value.h"

namespace lw {

namespace {

// DUMP key: the payload, or nil.
void Dump(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  std::optional<std::string> payload =
      RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> std::optional<std::string> {
        auto it = op.slice->Find(op.db, key);
        if (!it.ok()) return std::nullopt;
        return rdb::DumpPayload(it->value());
      });
  if (!payload) return cntx->rb->SendNull();
  cntx->rb->SendBulk(*payload);
}

struct RestoreArgs {
  bool replace = false, absttl = false;
  bool ttl_ok = false;
  int64_t ttl = 0;
};

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], in Redis's order of checks:
// options, then an existing key (BUSYKEY), then the TTL, then the payload's footer, then
// its value.
void Restore(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  RestoreArgs a;
  int64_t idle = -1, freq = -1;
  for (size_t j = 4; j < args.size(); ++j) {
    bool more = j + 1 < args.size();
    if (EqualsIgnoreCase(args[j], "REPLACE")) {
      a.replace = true;
    } else if (EqualsIgnoreCase(args[j], "ABSTTL")) {
      a.absttl = true;
    } else if (EqualsIgnoreCase(args[j], "IDLETIME") && more && freq < 0) {
      int64_t v;
      if (!ParseRedisInt(args[j + 1], &v)) return rb->SendError(errors::kNotInteger);
      if (v < 0) return rb->SendError(errors::kInvalidIdletime);
      idle = v;
      ++j;
    } else if (EqualsIgnoreCase(args[j], "FREQ") && more && idle < 0) {
      int64_t v;
      if (!ParseRedisInt(args[j + 1], &v)) return rb->SendError(errors::kNotInteger);
      if (v < 0 || v > 255) return rb->SendError(errors::kInvalidFreq);
      freq = v;
      ++j;
    } else {
      return rb->SendError(errors::kSyntax);
    }
  }
  a.ttl_ok = ParseRedisInt(args[2], &a.ttl);
  std::string_view key = args[1], payload = args[3];
  rdb::LoadLimits limits = LoadLimitsOf(cntx->service);
  int64_t now = DbSlice::NowMs();
  OpResult<std::string_view> res =
      RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<std::string_view> {
        DbSlice& slice = *op.slice;
        auto existing = slice.Peek(op.db, key);
        if (existing && !a.replace) return std::string_view(errors::kBusyKey);
        if (!a.ttl_ok) return std::string_view(errors::kNotInteger);
        if (a.ttl < 0) return std::string_view(errors::kInvalidTtl);
        CompactObj obj;
        bool bad_format;
        if (!rdb::RestorePayload(payload, limits, &obj, &bad_format)) {
          return std::string_view(bad_format ? errors::kBadDataFormat : errors::kDumpPayload);
        }
        if (existing) slice.Del(op.db, *existing);
        int64_t at = a.ttl == 0 ? 0 : a.absttl ? a.ttl : now + a.ttl;
        if (at != 0 && at <= now) {  // expired already: OK, no key
          if (existing) slice.Notify(notify::kGeneric, "del", op.db, key);
          return std::string_view();
        }
        auto added = slice.TryAddOrFind(op.db, key);
        if (!added.ok()) return added.status();
        auto it = added->first;
        it.value() = std::move(obj);
        slice.SetAccessHint(it, idle, int(freq));
        slice.MarkModified(op.db, key);
        if (at != 0) slice.SetExpire(op.db, it, at);
        slice.Notify(notify::kGeneric, "restore", op.db, key);
        return std::string_view();
      });
  if (!res.ok()) {
    return rb->SendError(res.status() == OpStatus::kOutOfMemory ? errors::kOom
                                                                : errors::kUndeclaredKeys);
  }
  if (!res->empty()) return rb->SendError(*res);
  rb->SendOk();
}

// True (and -BUSY sent) if a script runs past the busy threshold: a save's cut waits for every
// transaction, that script's too, so the command would wait for it (as Redis, which answers
// -BUSY to SAVE/BGSAVE then; a script looping forever would hold the client until SCRIPT KILL).
bool RefusedForBusyScript(ConnectionContext* cntx) {
  Service* service = cntx->service;
  if (!service->busy().active()) return false;
  std::string_view busy = service->busy().AnyBusy(
      service->runtime().busy_reply_threshold_ms.load(std::memory_order_relaxed));
  if (busy.empty()) return false;
  cntx->rb->SendError(busy);
  return true;
}

// SAVE: a consistent snapshot now; the server keeps serving meanwhile (no fork, no block).
void Save(CmdArgs, ConnectionContext* cntx) {
  if (RefusedForBusyScript(cntx)) return;
  switch (cntx->service->persistence().Save()) {
    case Persistence::SaveStatus::kOk:
      return cntx->rb->SendOk();
    case Persistence::SaveStatus::kInProgress:
      return cntx->rb->SendError(errors::kBgsaveInProgress);
    case Persistence::SaveStatus::kFailed:
      return cntx->rb->SendError("ERR");
  }
}

// BGSAVE [SCHEDULE]
void BgSave(CmdArgs args, ConnectionContext* cntx) {
  bool schedule = false;
  if (args.size() > 2) return cntx->rb->SendError(errors::kSyntax);
  if (args.size() == 2) {
    if (!EqualsIgnoreCase(args[1], "SCHEDULE")) return cntx->rb->SendError(errors::kSyntax);
    schedule = true;
  }
  // Inside EXEC the client's transaction holds keys the cut would wait for: no wait there.
  // Redis 7.0 schedules every BGSAVE inside EXEC (it forks after EXEC); here the save may
  // start at once, but its cut comes after EXEC's transaction all the same.
  const bool in_exec = cntx->in_exec;
  if (!in_exec && RefusedForBusyScript(cntx)) return;
  switch (cntx->service->persistence().BgSave(schedule || in_exec, !in_exec)) {
    case Persistence::BgStatus::kStarted:
      if (in_exec) return cntx->rb->SendSimpleString("Background saving scheduled");
      return cntx->rb->SendSimpleString("Background saving started");
    case Persistence::BgStatus::kScheduled:
      return cntx->rb->SendSimpleString("Background saving scheduled");
    case Persistence::BgStatus::kInProgress:
      return cntx->rb->SendError(errors::kBgsaveInProgress);
  }
}

void LastSave(CmdArgs, ConnectionContext* cntx) {
  cntx->rb->SendLong(cntx->service->persistence().lastsave());
}

}  // namespace

void RegisterPersistFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"dump", 2, kReadOnly, 1, 1, 1, Dump});
  r->Register({"restore", -4, kWrite | kDenyOom, 1, 1, 1, Restore});
  r->Register({"save", 1, kAdmin | kNoScript | kNoMulti | kNoKeyspace, 0, 0, 0, Save});
  r->Register({"bgsave", -1, kAdmin | kNoScript | kNoKeyspace, 0, 0, 0, BgSave});
  r->Register({"lastsave", 1, kLoading | kStale | kFast | kNoKeyspace, 0, 0, 0, LastSave});
}

}  // namespace lw
