#include "server/families/sticky_family.h"

#include <vector>

#include "server/engine/op_args.h"
#include "server/resp/error_strings.h"

namespace lw {

namespace {

void Stick(CmdArgs args, ConnectionContext* cntx) {
  std::vector<std::string_view> keys(args.begin() + 1, args.end());
  // Keys of one shard are visited in argument order, so a repeated key counts once.
  int64_t marked = SumOverKeys(cntx, keys, [](const OpArgs& op, std::string_view key) {
    auto it = op.slice->Find(op.db, key);
    if (!it.ok() || it->value().sticky()) return int64_t{0};
    it->value().set_sticky(true);
    op.slice->MarkModified(op.db, key);  // WATCH: stickiness is part of the key's state
    return int64_t{1};
  });
  if (marked < 0) return cntx->rb->SendError(errors::kUndeclaredKeys);
  cntx->rb->SendLong(marked);
}

void Sticky(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    auto it = op.slice->Peek(op.db, key);  // a query: no hit/miss statistics
    return (it && it->value().sticky()) ? 1 : 0;
  });
  if (!res.ok()) return cntx->rb->SendError(errors::kUndeclaredKeys);
  cntx->rb->SendLong(*res);
}

}  // namespace

void RegisterStickyFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"stick", -2, kWrite | kFast, 1, -1, 1, Stick});
  r->Register({"sticky", 2, kReadOnly | kFast, 1, 1, 1, Sticky});
}

}  // namespace lw
