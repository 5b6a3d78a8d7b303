#include "server/string_family.h"

#include "server/arg_utils.h"
#include "server/connection_context.h"
#include "server/error_strings.h"
#include "server/service.h"

namespace lw {

namespace {

// SET key value [NX | XX] [GET]. Expiry options arrive with the keyspace (DbSlice) work.
void Set(CmdArgs args, ConnectionContext* cntx) {
  bool nx = false, xx = false, get = false;
  for (size_t i = 3; i < args.size(); ++i) {
    std::string opt = AsciiUpper(args[i]);
    if (opt == "NX" && !xx) {
      nx = true;
    } else if (opt == "XX" && !nx) {
      xx = true;
    } else if (opt == "GET") {
      get = true;
    } else {
      return cntx->rb->SendError(errors::kSyntax);
    }
  }
  std::string_view key = args[1], value = args[2];
  struct Outcome {
    bool written;
    bool had_old;
    std::string old;
  };
  ShardSet& shards = cntx->service->shards();
  Outcome out = shards.Await(shards.ShardOf(key), [&](Shard* shard) {
    Outcome o{false, false, {}};
    std::string* current = shard->Find(key);
    if (current) {
      o.had_old = true;
      if (get) o.old = *current;
    }
    if ((nx && current) || (xx && !current)) return o;
    if (current) {
      current->assign(value);
    } else {
      shard->kv.emplace(absl::string_view(key.data(), key.size()), value);
    }
    o.written = true;
    return o;
  });
  ReplyBuilder* rb = cntx->rb;
  if (get) return out.had_old ? rb->SendBulk(out.old) : rb->SendNull();
  if (!out.written) return rb->SendNull();
  rb->SendOk();
}

void Get(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  ShardSet& shards = cntx->service->shards();
  std::string reply;
  bool found = shards.Await(shards.ShardOf(key), [&](Shard* shard) {
    std::string* v = shard->Find(key);
    if (v) reply = *v;
    return v != nullptr;
  });
  if (!found) return cntx->rb->SendNull();
  cntx->rb->SendBulk(reply);
}

}  // namespace

void RegisterStringFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"set", -3, kWrite | kDenyOom, 1, 1, 1, Set});
  r->Register({"get", 2, kReadOnly | kFast, 1, 1, 1, Get});
}

}  // namespace lw
