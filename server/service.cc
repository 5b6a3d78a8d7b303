#include "server/service.h"

#include "server/error_strings.h"
#include "server/generic_family.h"
#include "server/string_family.h"

namespace lw {

Service::Service(io::ProactorPool* pool, const ServiceConfig& config)
    : pool_(pool), config_(config), shards_(pool) {
  RegisterGenericFamily(&registry_);
  RegisterStringFamily(&registry_);
}

void Service::Dispatch(CmdArgs args, ConnectionContext* cntx) {
  total_commands_.fetch_add(1, std::memory_order_relaxed);
  const CommandSpec* spec = registry_.Find(args[0]);
  if (spec == nullptr) {
    cntx->rb->SendError(errors::UnknownCommand(args));
    return;
  }
  if (!cntx->authenticated && !(spec->flags & cmd::kNoAuth)) {
    cntx->rb->SendError(errors::kNoAuth);
    return;
  }
  if (!spec->ArityOk(args.size())) {
    cntx->rb->SendError(errors::WrongArity(spec->name));
    return;
  }
  spec->handler(args, cntx);
}

}  // namespace lw
