#include "server/families/generic_family.h"

#include "server/families/command_cmd.h"

#include <algorithm>
#include <map>

#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

void Ping(CmdArgs args, ConnectionContext* cntx) {
  if (args.size() > 2) return cntx->rb->SendError(errors::WrongArity("ping"));
  if (cntx->subscribed() && !cntx->rb->IsResp3()) {
    // In subscribed RESP2 mode PING answers as a message-shaped array.
    cntx->rb->StartArray(2);
    cntx->rb->SendBulk("pong");
    return cntx->rb->SendBulk(args.size() == 2 ? args[1] : std::string_view());
  }
  if (args.size() == 1) return cntx->rb->SendSimpleString("PONG");
  cntx->rb->SendBulk(args[1]);
}

void Echo(CmdArgs args, ConnectionContext* cntx) { cntx->rb->SendBulk(args[1]); }

void Quit(CmdArgs, ConnectionContext* cntx) {
  cntx->rb->SendOk();
  cntx->close_after_reply = true;
}

void Auth(CmdArgs args, ConnectionContext* cntx) {
  if (args.size() > 3) return cntx->rb->SendError(errors::kSyntax);
  AclRegistry& acl = cntx->service->acl();
  // As Redis: the one-argument form is refused while the default user needs no password.
  if (args.size() == 2) {
    std::shared_ptr<const acl::User> d = acl.Get("default");
    if (d && d->nopass) return cntx->rb->SendError(errors::kAuthNoPassword);
  }
  std::string_view user = args.size() == 3 ? args[1] : "default";
  std::shared_ptr<const acl::User> u = acl.Authenticate(user, args.back());
  if (u == nullptr) {
    cntx->service->LogAuthFailure(user, args[0], cntx);
    return cntx->rb->SendError(errors::kWrongPass);
  }
  acl.Login(cntx, std::move(u));
  cntx->rb->SendOk();
}

void SendCount(ConnectionContext* cntx, int64_t n) {
  if (n < 0) return cntx->rb->SendError(errors::kUndeclaredKeys);
  cntx->rb->SendLong(n);
}

void Del(CmdArgs args, ConnectionContext* cntx) {
  SendCount(cntx, SumOverKeys(cntx, args.subspan(1), [](const OpArgs& op, std::string_view key) {
              if (!op.slice->Del(op.db, key)) return 0;
              op.slice->Notify(notify::kGeneric, "del", op.db, key);
              return 1;
            }));
}

void Exists(CmdArgs args, ConnectionContext* cntx) {
  SendCount(cntx, SumOverKeys(cntx, args.subspan(1), [](const OpArgs& op, std::string_view key) {
              return op.slice->FindNoTouch(op.db, key).ok() ? 1 : 0;  // LOOKUP_NOTOUCH
            }));
}

}  // namespace

void RegisterGenericFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"ping", -1, kFast | kStale | kSubscribeOk | kNoKeyspace, 0, 0, 0, Ping});
  r->Register({"echo", 2, kFast | kLoading | kStale | kNoKeyspace, 0, 0, 0, Echo});
  r->Register(
      {"quit", -1,
       kFast | kNoAuth | kNoScript | kStale | kLoading | kSubscribeOk | kNotQueued | kNoKeyspace, 0,
       0, 0, Quit});
  r->Register(
      {"auth", -2, kFast | kNoAuth | kNoScript | kStale | kLoading | kNoKeyspace, 0, 0, 0, Auth});
  r->Register({"command", -1, kLoading | kStale | kNoKeyspace, 0, 0, 0, CommandCmd});
  r->Register({"del", -2, kWrite, 1, -1, 1, Del});
  r->Register({"exists", -2, kReadOnly | kFast, 1, -1, 1, Exists});
}

}  // namespace lw
