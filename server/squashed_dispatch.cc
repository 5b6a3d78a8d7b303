#include "server/squashed_dispatch.h"

#include "server/service.h"
#include "transaction/squasher.h"

namespace lw {

bool ClassifyForSquash(Service* service, std::span<const std::string_view> args,
                       SquashItem* out) {
  if (args.empty()) return false;
  const CommandSpec* spec = service->registry().Find(args[0]);
  if (spec == nullptr || spec->first_key <= 0 || !spec->ArityOk(args.size())) return false;
  if (!(spec->flags & (cmd::kWrite | cmd::kReadOnly))) return false;
  if (spec->flags & (cmd::kBlocking | cmd::kNoScript | cmd::kNoMulti | cmd::kPubSub)) {
    return false;
  }
  if (spec->name == "watch") return false;  // connection state, not data
  out->keys = CommandRegistry::KeysOf(*spec, args);
  if (out->keys.empty()) return false;
  ShardSet& shards = service->shards();
  uint32_t sid = shards.ShardOf(out->keys[0]);
  for (std::string_view k : out->keys) {
    if (shards.ShardOf(k) != sid) return false;
  }
  out->args = args;
  out->mode = (spec->flags & cmd::kReadOnly) ? tx::LockMode::kShared : tx::LockMode::kExclusive;
  return true;
}

void RunSquashed(Service* service, const ConnectionContext& client,
                 std::span<const SquashItem> items, tx::Transaction* tx, bool from_script,
                 std::vector<std::string>* replies) {
  replies->assign(items.size(), std::string());
  if (items.empty()) return;
  tx::Squasher squasher(service->shards().tx());
  RespVersion version = client.rb->resp_version();
  for (size_t i = 0; i < items.size(); ++i) {
    squasher.Add(items[i].keys, items[i].mode, [&, i](tx::Transaction*, tx::EngineShard* es) {
      ReplyBuilder capture(version);
      ConnectionContext sub;
      sub.service = service;
      sub.rb = &capture;
      sub.client_id = client.client_id;
      sub.db_index = items[i].db;
      sub.authenticated = true;
      sub.direct_shard = es;
      sub.from_script = from_script;
      sub.oom_checked = from_script;  // a script's calls were checked with its own flags
      service->Dispatch(items[i].args, &sub);
      (*replies)[i] = std::move(capture.buffer());
      return OpStatus::kOk;
    });
  }
  if (tx != nullptr) {
    squasher.Run(tx);
  } else {
    squasher.Run();
  }
}

}  // namespace lw
