#include "server/families/generic_family.h"

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
  const std::string pass = cntx->service->runtime().Requirepass();
  if (args.size() > 3) return cntx->rb->SendError(errors::kSyntax);
  // Without a password the default user is "nopass": Redis refuses only the one-argument
  // form (as before ACLs); AUTH default <anything> is accepted, as HELLO AUTH is.
  if (pass.empty() && args.size() == 2) {
    return cntx->rb->SendError(errors::kAuthNoPassword);
  }
  std::string_view user = args.size() == 3 ? args[1] : "default";
  std::string_view given = args.back();
  if (user != "default" || (!pass.empty() && given != pass)) {
    return cntx->rb->SendError(errors::kWrongPass);
  }
  cntx->authenticated = true;
  cntx->rb->SendOk();
}

// Redis 7's key specs derived from the legacy key positions: one "index" begin-search and
// one "range" find-keys (lastkey relative to the first key; negative counts from the end).
void SendKeySpecs(const CommandSpec& spec, ReplyBuilder* rb) {
  if (spec.first_key <= 0) return rb->StartArray(0);
  rb->StartArray(1);
  rb->StartMap(3);
  rb->SendBulk("flags");
  bool write = spec.flags & cmd::kWrite;
  rb->StartSet(write ? 3 : 2);
  rb->SendSimpleString(write ? "RW" : "RO");
  rb->SendSimpleString("access");
  if (write) rb->SendSimpleString("update");
  rb->SendBulk("begin_search");
  rb->StartMap(2);
  rb->SendBulk("type");
  rb->SendBulk("index");
  rb->SendBulk("spec");
  rb->StartMap(1);
  rb->SendBulk("index");
  rb->SendLong(spec.first_key);
  rb->SendBulk("find_keys");
  rb->StartMap(2);
  rb->SendBulk("type");
  rb->SendBulk("range");
  rb->SendBulk("spec");
  rb->StartMap(3);
  rb->SendBulk("lastkey");
  rb->SendLong(spec.last_key < 0 ? spec.last_key : spec.last_key - spec.first_key);
  rb->SendBulk("keystep");
  rb->SendLong(spec.key_step > 0 ? spec.key_step : 1);
  rb->SendBulk("limit");
  rb->SendLong(0);
}

void SendCommandInfo(const CommandSpec& spec, ReplyBuilder* rb) {
  rb->StartArray(10);
  rb->SendBulk(spec.name);
  rb->SendLong(spec.arity);
  std::vector<std::string_view> flags = cmd::FlagNames(spec.flags);
  rb->StartSet(flags.size());
  for (std::string_view f : flags) rb->SendSimpleString(f);
  rb->SendLong(spec.first_key);
  rb->SendLong(spec.last_key);
  rb->SendLong(spec.key_step);
  rb->StartSet(0);  // ACL categories
  rb->StartSet(0);  // tips
  SendKeySpecs(spec, rb);
  rb->StartArray(0);  // subcommands
}

void Command(CmdArgs args, ConnectionContext* cntx) {
  const CommandRegistry& registry = cntx->service->registry();
  ReplyBuilder* rb = cntx->rb;
  if (args.size() == 1) {
    auto all = registry.All();
    rb->StartArray(all.size());
    for (const CommandSpec* spec : all) SendCommandInfo(*spec, rb);
    return;
  }
  std::string sub = AsciiUpper(args[1]);
  if (sub == "COUNT" && args.size() == 2) return rb->SendLong(int64_t(registry.size()));
  if (sub == "INFO") {
    if (args.size() == 2) {
      auto all = registry.All();
      rb->StartArray(all.size());
      for (const CommandSpec* spec : all) SendCommandInfo(*spec, rb);
      return;
    }
    rb->StartArray(args.size() - 2);
    for (size_t i = 2; i < args.size(); ++i) {
      const CommandSpec* spec = registry.Find(args[i]);
      if (spec) {
        SendCommandInfo(*spec, rb);
      } else {
        rb->SendNullArray();
      }
    }
    return;
  }
  if (sub == "LIST" && args.size() == 2) {
    auto all = registry.All();
    rb->StartArray(all.size());
    for (const CommandSpec* spec : all) rb->SendBulk(spec->name);
    return;
  }
  if (sub == "DOCS") {
    // Documentation is not carried; an empty map tells clients (redis-cli) there is none.
    return rb->StartMap(0);
  }
  if (sub == "COUNT" || sub == "LIST")
    return rb->SendError(errors::WrongArity("command|" + AsciiLower(sub)));
  rb->SendError(errors::UnknownSubcommand(args[1], "COMMAND"));
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
              return op.slice->Peek(op.db, key) ? 1 : 0;
            }));
}

}  // namespace

void RegisterGenericFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"ping", -1, kFast | kStale | kSubscribeOk | kNoKeyspace, 0, 0, 0, Ping});
  r->Register({"echo", 2, kFast | kNoKeyspace, 0, 0, 0, Echo});
  r->Register({"quit", -1,
               kFast | kNoAuth | kStale | kLoading | kSubscribeOk | kNotQueued | kNoKeyspace, 0, 0,
               0, Quit});
  r->Register(
      {"auth", -2, kFast | kNoAuth | kNoScript | kStale | kLoading | kNoKeyspace, 0, 0, 0, Auth});
  r->Register({"command", -1, kLoading | kStale | kNoKeyspace, 0, 0, 0, Command});
  r->Register({"del", -2, kWrite, 1, -1, 1, Del});
  r->Register({"exists", -2, kReadOnly | kFast, 1, -1, 1, Exists});
}

}  // namespace lw
