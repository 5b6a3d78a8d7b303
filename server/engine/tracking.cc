#include "server/engine/tracking.h"

#include <utility>

#include "io/proactor.h"
#include "io/proactor_pool.h"
#include "server/engine/command_keys.h"
#include "server/engine/service.h"
#include "server/engine/shard_set.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

constexpr std::string_view kInvalidateChannel = "__redis__:invalidate";

void AppendBulk(std::string* out, std::string_view s) {
  out->append("$").append(std::to_string(s.size())).append("\r\n");
  out->append(s.data(), s.size()).append("\r\n");
}

// The keys part of an invalidation: an array of keys, or a null for a flush.
void AppendKeys(std::string* out, const std::vector<std::string>& keys, bool resp3) {
  if (keys.empty()) {
    out->append(resp3 ? "_\r\n" : "$-1\r\n");
    return;
  }
  out->append("*").append(std::to_string(keys.size())).append("\r\n");
  for (const std::string& k : keys) AppendBulk(out, k);
}

// Runs fn on `thread` (inline when it is the calling thread).
void OnThread(Service* service, uint32_t thread, std::function<void()> fn) {
  io::Proactor* p = service->pool()->at(thread);
  if (io::Proactor::Current() == p) return fn();
  p->DispatchBrief(std::move(fn));
}

// On the redirect target's thread: sends it the message, or, if it left, tells the tracking
// client `from` on its own thread.
void SendToRedirect(Service* service, TrackingClientRef from, TrackingClientRef target,
                    std::vector<std::string> keys) {
  ConnectionContext* r = service->FindLocalClient(target.client);
  if (r == nullptr) {
    OnThread(service, from.thread, [service, from, target] {
      ConnectionContext* c = service->FindLocalClient(from.client);
      if (c == nullptr || c->tracking == nullptr || !c->tracking->on) return;
      if (c->tracking->redirect.client != target.client) return;  // redirected elsewhere since
      c->tracking->broken_redirect = true;
      if (!c->rb->IsResp3() || c->control == nullptr) return;
      std::string msg = ">2\r\n";
      AppendBulk(&msg, "tracking-redir-broken");
      msg.append(":").append(std::to_string(target.client)).append("\r\n");
      c->control->Push(msg);
    });
    return;
  }
  if (r->control == nullptr) return;
  std::string msg;
  if (r->rb->IsResp3()) {
    msg = ">2\r\n";
    AppendBulk(&msg, "invalidate");
  } else if (r->subscribed()) {
    msg = "*3\r\n";
    AppendBulk(&msg, "message");
    AppendBulk(&msg, kInvalidateChannel);
  } else {
    return;  // RESP2 and not subscribed: it could not tell the message from a reply
  }
  AppendKeys(&msg, keys, r->rb->IsResp3());
  r->control->Push(msg);
}

// On the tracking client's thread.
void DeliverHere(Service* service, TrackingClientRef to, uint64_t modifier,
                 std::vector<std::string> keys) {
  ConnectionContext* c = service->FindLocalClient(to.client);
  if (c == nullptr || c->tracking == nullptr || !c->tracking->on) return;
  ClientTracking* t = c->tracking;
  if (t->noloop && modifier == to.client) return;
  if (t->redirect.client != 0) {
    TrackingClientRef target = t->redirect;
    OnThread(service, target.thread, [service, to, target, keys = std::move(keys)]() mutable {
      SendToRedirect(service, to, target, std::move(keys));
    });
    return;
  }
  if (!c->rb->IsResp3() || c->control == nullptr) return;
  std::string msg = ">2\r\n";
  AppendBulk(&msg, "invalidate");
  AppendKeys(&msg, keys, true);
  c->control->Push(msg);
}

// Runs fn(ShardTracking*) on the shard that owns `key`: inline on its own thread, else posted
// (ahead of the hop the caller sends next, messages between two threads keep their order).
template <typename Fn>
void OnKeyShard(Service* service, std::string_view key, Fn fn) {
  ShardSet& shards = service->shards();
  uint32_t sid = shards.ShardOf(key);
  io::Proactor* p = service->pool()->at(sid);
  if (io::Proactor::Current() == p) return fn(&shards.shard(sid)->db_slice.tracking());
  p->DispatchBrief(
      [&shards, sid, fn = std::move(fn)] { fn(&shards.shard(sid)->db_slice.tracking()); });
}

// Any CLIENT subcommand leaves the CACHING flag for the command after it, as in Redis.
bool IsClientCommand(const CommandSpec& spec) { return spec.name == "client"; }

}  // namespace

ClientTracking::~ClientTracking() {
  if (!prefixes.empty()) WithdrawPrefixes();
}

void ClientTracking::PublishPrefixes() {
  std::vector<std::string> all = prefixes.empty() ? std::vector<std::string>{""} : prefixes;
  TrackingClientRef me = self_;
  bool loop = noloop;
  service_->shards().AwaitOnAll(
      [&](Shard* shard) { shard->db_slice.tracking().SetPrefixes(me, loop, all); });
}

void ClientTracking::WithdrawPrefixes() {
  // From a destructor too: posted, not awaited (the connection fiber may be ending).
  uint64_t client = self_.client;
  ShardSet& shards = service_->shards();
  for (uint32_t sid = 0; sid < shards.size(); ++sid) {
    shards.Post(sid, [client](Shard* shard) { shard->db_slice.tracking().RemovePrefixes(client); });
  }
}

ClientTracking* TrackingOf(ConnectionContext* cntx, bool create) {
  if (cntx->tracking == nullptr && create) {
    auto state = std::make_unique<ClientTracking>(cntx->service, cntx->client_id, cntx->thread);
    cntx->tracking = state.get();
    cntx->tracking_state = std::move(state);
  }
  return cntx->tracking;
}

namespace {

// Registers `keys` for the tracking client `cntx` on their shards, if its mode and CLIENT
// CACHING say this command's reads are tracked.
template <typename ForEachKey>
void RememberKeys(ConnectionContext* cntx, ForEachKey for_each_key) {
  ClientTracking* t = cntx->tracking;
  if (t == nullptr || !t->on || t->bcast) return;
  // OPTIN tracks only after CLIENT CACHING yes; OPTOUT all but after CLIENT CACHING no.
  if ((t->optin && !t->caching_given) || (t->optout && t->caching_given)) return;
  TrackingClientRef me = t->self();
  Service* service = cntx->service;
  for_each_key([&](std::string_view key) {
    OnKeyShard(service, key,
               [me, k = std::string(key)](ShardTracking* st) { st->Remember(k, me); });
  });
}

// The read-only script commands: Redis remembers no keys for the command itself, only for
// the read-only commands the script runs (TrackScriptRead).
bool IsScriptCommand(const CommandSpec& spec) {
  return spec.name == "eval_ro" || spec.name == "evalsha_ro" || spec.name == "fcall_ro";
}

}  // namespace

void TrackReads(const CommandSpec& spec, CmdArgs args, ConnectionContext* cntx) {
  if (!(spec.flags & cmd::kReadOnly) || cntx->from_script || IsScriptCommand(spec)) return;
  RememberKeys(cntx, [&](auto&& fn) { ForEachCommandKey(spec, args, fn); });
}

void TrackScriptRead(ConnectionContext* caller, CmdArgs script_keys) {
  RememberKeys(caller, [&](auto&& fn) {
    for (std::string_view key : script_keys) fn(key);
  });
}

void AfterTrackedCommand(const CommandSpec& spec, ConnectionContext* cntx) {
  ClientTracking* t = cntx->tracking;
  // Redis keeps the CACHING flag through MULTI ... EXEC (queued commands never get here;
  // EXEC's run them under its transaction) and through CLIENT commands (CLIENT CACHING...).
  const bool in_multi =
      (cntx->multi != nullptr && cntx->multi->queuing) || cntx->multi_tx != nullptr;
  if (t->caching_given && !in_multi && !IsClientCommand(spec)) {
    t->caching_given = false;
  }
}

void TrackingOnFlush(ConnectionContext* cntx) {
  Service* service = cntx->service;
  service->pool()->AwaitBriefOnAll([service](io::Proactor*) {
    std::vector<TrackingClientRef> targets;
    service->ForEachLocalClient([&](ConnectionContext* c) {
      if (c->tracking != nullptr && c->tracking->on) targets.push_back(c->tracking->self());
    });
    // NOLOOP does not apply to a flush (Redis tells every tracking client).
    for (TrackingClientRef to : targets) DeliverHere(service, to, /*modifier=*/0, {});
  });
}

void DeliverInvalidation(void* service, TrackingClientRef to, uint64_t modifier,
                         std::vector<std::string> keys) {
  auto* s = static_cast<Service*>(service);
  OnThread(s, to.thread, [s, to, modifier, keys = std::move(keys)]() mutable {
    DeliverHere(s, to, modifier, std::move(keys));
  });
}

}  // namespace lw
