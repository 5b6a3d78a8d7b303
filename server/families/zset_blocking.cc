#include "server/families/zset_blocking.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "server/engine/blocking_cmd.h"
#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "server/families/zset_util.h"
#include "server/resp/error_strings.h"
#include "server/types/zset_obj.h"

namespace lw {

namespace {

KeyState ProbeZSet(const OpArgs& op, std::string_view key) {
  auto it = op.slice->Find(op.db, key, ObjType::kZSet);
  if (it.ok())
    return it->value().GetRobj<ZSetObj>()->size() == 0 ? KeyState::kEmpty : KeyState::kReady;
  return it.status() == OpStatus::kWrongType ? KeyState::kWrongType : KeyState::kEmpty;
}

// Pops up to `count` lowest (or highest) members of the sorted set at `key`, in pop order;
// deletes the key when emptied.
ScoredItems PopFrom(const OpArgs& op, std::string_view key, bool max, size_t count) {
  OpResult<ZSetObj*> z = FindZSet(op, key);
  return z.ok() ? PopExtremes(op, key, *z, max, count) : ScoredItems{};
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout: [key, member, score].
void BZPop(CmdArgs args, ConnectionContext* cntx, bool max) {
  ReplyBuilder* rb = cntx->rb;
  io::Clock::time_point deadline;
  if (!ParseBlockTimeout(args.back(), rb, &deadline)) return;
  ScoredItems popped;
  PopOutcome out = BlockingPop(
      cntx, args.subspan(1, args.size() - 2), /*may_block=*/true, deadline, ProbeZSet,
      [&](const OpArgs& op, std::string_view key) { popped = PopFrom(op, key, max, 1); });
  if (out.status != OpStatus::kOk) return SendPopFailure(rb, out.status);
  rb->StartArray(3);
  rb->SendBulk(out.key);
  rb->SendBulk(popped.front().first);
  rb->SendDouble(popped.front().second);
}

// BZMPOP, and ZMPOP with blocking == false: [key, [[member, score], ...]].
void MPopGeneric(CmdArgs args, ConnectionContext* cntx, bool blocking) {
  ReplyBuilder* rb = cntx->rb;
  MPopArgs mp;
  if (!ParseMPopArgs(args, blocking ? 2 : 1, "MIN", "MAX", rb, &mp)) return;
  io::Clock::time_point deadline{};
  if (blocking && !ParseBlockTimeout(args[1], rb, &deadline)) return;
  ScoredItems popped;
  PopOutcome out = BlockingPop(cntx, mp.keys, blocking, deadline, ProbeZSet,
                               [&](const OpArgs& op, std::string_view key) {
                                 popped = PopFrom(op, key, !mp.first, size_t(mp.count));
                               });
  if (out.status != OpStatus::kOk) return SendPopFailure(rb, out.status);
  rb->StartArray(2);
  rb->SendBulk(out.key);
  rb->StartArray(popped.size());
  for (const auto& [member, score] : popped) {
    rb->StartArray(2);
    rb->SendBulk(member);
    rb->SendDouble(score);
  }
}

}  // namespace

void ZMPop(CmdArgs args, ConnectionContext* cntx) { MPopGeneric(args, cntx, false); }

void RegisterZsetBlockingCommands(CommandRegistry* r) {
  using namespace cmd;
  // ZMPOP itself is registered by zset_family.cc.
  r->Register({"bzpopmin", -3, kWrite | kNoScript | kBlocking | kFast, 1, -2, 1,
               [](CmdArgs a, ConnectionContext* c) { BZPop(a, c, false); }});
  r->Register({"bzpopmax", -3, kWrite | kNoScript | kBlocking | kFast, 1, -2, 1,
               [](CmdArgs a, ConnectionContext* c) { BZPop(a, c, true); }});
  r->Register({"bzmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0,
               [](CmdArgs a, ConnectionContext* c) { MPopGeneric(a, c, true); }});
}

}  // namespace lw
