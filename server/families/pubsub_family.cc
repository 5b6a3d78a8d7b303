// Pub/sub across threads.
//
// A subscriber is a connection that lives on one thread; a publisher may be on any thread.
// The registry of channels and patterns is one process-wide ChannelStore under a
// reader/writer lock rather than one registry per thread: PUBLISH must answer with the exact
// number of receivers, which a per-thread registry could only give after a round trip to
// every thread; with one store a publish takes the lock shared once, computes the count and
// messages only the threads that have receivers. Subscribing and unsubscribing (rare next to
// publishing) take it exclusively.
//
// Delivery: the publisher groups receivers by thread and sends each thread one brief task
// (or delivers inline on its own thread). There the task looks each receiver up by client id
// in the Service's per-thread client map — a client that disconnected meanwhile is simply not
// found — formats the message in the receiver's protocol (RESP2 array or RESP3 push) and
// hands it to the connection (ClientControl::Push), which sends it from its own fiber.
// A client leaves every channel when its context (and so its PubsubState) is destroyed, on its
// own thread; RESET does the same by dropping the state.
#include "server/families/pubsub_family.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <cctype>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/malloc_accounting.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/glob.h"

namespace lw {

namespace {

struct SubscriberRef {
  Service* service;
  uint32_t thread;
};
using SubscriberMap = absl::flat_hash_map<uint64_t, SubscriberRef>;  // by client id

struct ChannelStore {
  std::shared_mutex mu;
  absl::flat_hash_map<std::string, SubscriberMap> channels;
  absl::flat_hash_map<std::string, SubscriberMap> patterns;
};

ChannelStore& Store() {
  static ChannelStore* store = new ChannelStore;  // never destroyed: used until exit
  return *store;
}

using NameMap = absl::flat_hash_map<std::string, SubscriberMap>;

void StoreAdd(NameMap* map, std::string_view name, uint64_t id, SubscriberRef ref) {
  (*map)[absl::string_view(name.data(), name.size())][id] = ref;
}

void StoreRemove(NameMap* map, std::string_view name, uint64_t id) {
  auto it = map->find(absl::string_view(name.data(), name.size()));
  if (it == map->end()) return;
  it->second.erase(id);
  if (it->second.empty()) map->erase(it);
}

// One client's subscriptions. Destroyed with its ConnectionContext (or by RESET), on the
// client's thread: it removes the client from every channel and pattern it held.
class PubsubState : public ClientState {
 public:
  PubsubState(Service* service, uint32_t thread, uint64_t id) : ref_{service, thread}, id_(id) {}
  ~PubsubState() override {
    if (channels.empty() && patterns.empty()) return;
    ChannelStore& store = Store();
    std::unique_lock lock(store.mu);
    for (const std::string& c : channels) StoreRemove(&store.channels, c, id_);
    for (const std::string& p : patterns) StoreRemove(&store.patterns, p, id_);
  }

  SubscriberRef ref() const { return ref_; }
  uint64_t id() const { return id_; }

  void ForEachSubscription(const std::function<bool(std::string_view, bool)>& fn) const override {
    for (const std::string& c : channels) {
      if (!fn(c, false)) return;
    }
    for (const std::string& p : patterns) {
      if (!fn(p, true)) return;
    }
  }

  absl::flat_hash_set<std::string> channels;
  absl::flat_hash_set<std::string> patterns;

 private:
  SubscriberRef ref_;
  uint64_t id_;
};

PubsubState* StateOf(ConnectionContext* cntx) {
  if (!cntx->pubsub) {
    cntx->pubsub = std::make_unique<PubsubState>(cntx->service, cntx->thread, cntx->client_id);
  }
  return static_cast<PubsubState*>(cntx->pubsub.get());
}

void SendSubscriptionReply(ReplyBuilder* rb, std::string_view kind, const std::string_view* name,
                           size_t count) {
  rb->StartPush(3);
  rb->SendBulk(kind);
  if (name) {
    rb->SendBulk(*name);
  } else {
    rb->SendNull();
  }
  rb->SendLong(int64_t(count));
}

void UpdateCounts(ConnectionContext* cntx, PubsubState* state) {
  cntx->channels = uint32_t(state->channels.size());
  cntx->patterns = uint32_t(state->patterns.size());
}

// SUBSCRIBE / PSUBSCRIBE: one reply per argument, counting all subscriptions of the client.
void SubscribeImpl(CmdArgs args, ConnectionContext* cntx, bool pattern) {
  PubsubState* state = StateOf(cntx);
  auto& mine = pattern ? state->patterns : state->channels;
  std::string_view kind = pattern ? "psubscribe" : "subscribe";
  ChannelStore& store = Store();
  for (size_t i = 1; i < args.size(); ++i) {
    std::string name(args[i]);
    if (mine.insert(name).second) {
      std::unique_lock lock(store.mu);
      StoreAdd(pattern ? &store.patterns : &store.channels, name, state->id(), state->ref());
    }
    UpdateCounts(cntx, state);
    SendSubscriptionReply(cntx->rb, kind, &args[i],
                          state->channels.size() + state->patterns.size());
  }
}

// UNSUBSCRIBE / PUNSUBSCRIBE: the named ones (subscribed or not), or all; with none at all, a
// single reply with a null name.
void UnsubscribeImpl(CmdArgs args, ConnectionContext* cntx, bool pattern) {
  PubsubState* state = StateOf(cntx);
  auto& mine = pattern ? state->patterns : state->channels;
  std::string_view kind = pattern ? "punsubscribe" : "unsubscribe";
  ChannelStore& store = Store();
  std::vector<std::string> names;
  if (args.size() > 1) {
    for (size_t i = 1; i < args.size(); ++i) names.emplace_back(args[i]);
  } else {
    names.assign(mine.begin(), mine.end());
    if (names.empty()) {
      SendSubscriptionReply(cntx->rb, kind, nullptr,
                            state->channels.size() + state->patterns.size());
      return;
    }
  }
  for (const std::string& name : names) {
    if (mine.erase(name)) {
      std::unique_lock lock(store.mu);
      StoreRemove(pattern ? &store.patterns : &store.channels, name, state->id());
    }
    UpdateCounts(cntx, state);
    std::string_view view = name;
    SendSubscriptionReply(cntx->rb, kind, &view, state->channels.size() + state->patterns.size());
  }
}

void Subscribe(CmdArgs args, ConnectionContext* cntx) { SubscribeImpl(args, cntx, false); }
void PSubscribe(CmdArgs args, ConnectionContext* cntx) { SubscribeImpl(args, cntx, true); }
void Unsubscribe(CmdArgs args, ConnectionContext* cntx) { UnsubscribeImpl(args, cntx, false); }
void PUnsubscribe(CmdArgs args, ConnectionContext* cntx) { UnsubscribeImpl(args, cntx, true); }

struct Delivery {
  uint64_t client_id;
  std::string pattern;  // empty for a channel subscription
  bool is_pattern;
};

struct Message {
  std::string channel;
  std::string payload;
};

// One thread's share of a publish, built by the publisher and freed by the receiving thread.
struct Shipment {
  Message msg;
  std::vector<Delivery> deliveries;
};

// Runs on the receivers' thread (loop context or the publisher's fiber): never suspends.
void Deliver(Service* service, const Message& msg, const std::vector<Delivery>& deliveries) {
  for (const Delivery& d : deliveries) {
    ConnectionContext* cntx = service->FindLocalClient(d.client_id);
    if (cntx == nullptr || cntx->control == nullptr || !cntx->pubsub) continue;
    // Unsubscribed since the publish looked it up: Redis would not have sent it.
    auto* state = static_cast<PubsubState*>(cntx->pubsub.get());
    if (d.is_pattern ? !state->patterns.contains(d.pattern)
                     : !state->channels.contains(msg.channel)) {
      continue;
    }
    ReplyBuilder rb(cntx->rb->resp_version());
    if (d.is_pattern) {
      rb.StartPush(4);
      rb.SendBulk("pmessage");
      rb.SendBulk(d.pattern);
    } else {
      rb.StartPush(3);
      rb.SendBulk("message");
    }
    rb.SendBulk(msg.channel);
    rb.SendBulk(msg.payload);
    cntx->control->Push(rb.buffer());
  }
}

// Sends `payload` to every subscriber of `channel` (and matching pattern) of `service`;
// returns how many there were.
size_t PublishMessage(Service* service, std::string_view channel, std::string_view payload) {
  std::vector<std::vector<Delivery>> by_thread(service->pool()->size());
  size_t count = 0;
  {
    ChannelStore& store = Store();
    std::shared_lock lock(store.mu);
    auto it = store.channels.find(absl::string_view(channel.data(), channel.size()));
    if (it != store.channels.end()) {
      for (const auto& [id, ref] : it->second) {
        if (ref.service != service) continue;
        by_thread[ref.thread].push_back({id, {}, false});
        ++count;
      }
    }
    for (const auto& [pattern, subs] : store.patterns) {
      if (!glob::Match(pattern, channel)) continue;
      for (const auto& [id, ref] : subs) {
        if (ref.service != service) continue;
        by_thread[ref.thread].push_back({id, pattern, true});
        ++count;
      }
    }
  }
  if (count == 0) return 0;
  auto msg = std::make_shared<const Message>(Message{std::string(channel), std::string(payload)});
  io::Proactor* here = io::Proactor::Current();
  for (size_t t = 0; t < by_thread.size(); ++t) {
    if (by_thread[t].empty()) continue;
    if (here && size_t(here->index()) == t) {
      Deliver(service, *msg, by_thread[t]);
    } else {
      // The message is built here and freed there: its bytes (and the task's) move to that
      // thread's count (mem::HandOver), or this shard's count would grow by every event it
      // publishes to another thread's subscriber and its eviction could never get under
      // budget (the evicted-events OOM of issue 17).
      int64_t before = mem::ThreadCountRaw();
      auto* shipment = new Shipment{*msg, by_thread[t]};
      service->pool()->at(t)->DispatchBrief([service, shipment] {
        Deliver(service, shipment->msg, shipment->deliveries);
        delete shipment;
      });
      int64_t moved = mem::ThreadCountRaw() - before;
      if (moved > 0) mem::HandOver(service->thread_id(t), moved);
    }
  }
  return count;
}

void Publish(CmdArgs args, ConnectionContext* cntx) {
  cntx->rb->SendLong(int64_t(PublishMessage(cntx->service, args[1], args[2])));
}

constexpr std::string_view kPubsubHelp[] = {
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
};

size_t CountFor(const SubscriberMap& subs, Service* service) {
  size_t n = 0;
  for (const auto& [id, ref] : subs) n += ref.service == service;
  return n;
}

void Pubsub(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  Service* service = cntx->service;
  std::string sub = AsciiUpper(args[1]);
  ChannelStore& store = Store();
  if (sub == "HELP" && args.size() == 2) {
    rb->StartArray(std::size(kPubsubHelp));
    for (std::string_view line : kPubsubHelp) rb->SendSimpleString(line);
    return;
  }
  if ((sub == "CHANNELS" || sub == "SHARDCHANNELS") && args.size() <= 3) {
    std::vector<std::string> out;
    if (sub == "CHANNELS") {
      std::shared_lock lock(store.mu);
      for (const auto& [name, subs] : store.channels) {
        if (CountFor(subs, service) == 0) continue;
        if (args.size() == 3 && !glob::Match(args[2], name)) continue;
        out.push_back(name);
      }
    }
    rb->SendStringArray(std::span<const std::string>(out));
    return;
  }
  if (sub == "NUMSUB" || sub == "SHARDNUMSUB") {
    std::vector<size_t> counts;
    if (sub == "NUMSUB") {
      std::shared_lock lock(store.mu);
      for (size_t i = 2; i < args.size(); ++i) {
        auto it = store.channels.find(absl::string_view(args[i].data(), args[i].size()));
        counts.push_back(it == store.channels.end() ? 0 : CountFor(it->second, service));
      }
    } else {
      counts.assign(args.size() - 2, 0);
    }
    rb->StartArray(2 * (args.size() - 2));  // a flat array even in RESP3, as Redis 7.0
    for (size_t i = 2; i < args.size(); ++i) {
      rb->SendBulk(args[i]);
      rb->SendLong(int64_t(counts[i - 2]));
    }
    return;
  }
  if (sub == "NUMPAT") {
    if (args.size() != 2) return rb->SendError(errors::WrongArity("pubsub|numpat"));
    size_t n = 0;
    {
      std::shared_lock lock(store.mu);
      for (const auto& [name, subs] : store.patterns) n += CountFor(subs, service) > 0;
    }
    return rb->SendLong(int64_t(n));
  }
  if (sub == "HELP") return rb->SendError(errors::WrongArity("pubsub|help"));
  if (sub == "CHANNELS" || sub == "SHARDCHANNELS") {
    return rb->SendError(errors::SubcommandArity(args[1], "PUBSUB"));
  }
  rb->SendError(errors::UnknownSubcommand(args[1], "PUBSUB"));
}

}  // namespace

void PublishFromShard(void* service, std::string_view channel, std::string_view message) {
  PublishMessage(static_cast<Service*>(service), channel, message);
}

PubsubCounts GetPubsubCounts() {
  ChannelStore& store = Store();
  std::shared_lock lock(store.mu);
  return {store.channels.size(), store.patterns.size()};
}

void RegisterPubsubFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"subscribe", -2,
               kPubSub | kNoScript | kLoading | kStale | kSubscribeOk | kNoKeyspace, 0, 0, 0,
               Subscribe});
  r->Register({"unsubscribe", -1,
               kPubSub | kNoScript | kLoading | kStale | kSubscribeOk | kNoKeyspace, 0, 0, 0,
               Unsubscribe});
  r->Register({"psubscribe", -2,
               kPubSub | kNoScript | kLoading | kStale | kSubscribeOk | kNoKeyspace, 0, 0, 0,
               PSubscribe});
  r->Register({"punsubscribe", -1,
               kPubSub | kNoScript | kLoading | kStale | kSubscribeOk | kNoKeyspace, 0, 0, 0,
               PUnsubscribe});
  r->Register({"publish", 3, kPubSub | kLoading | kStale | kFast | kNoKeyspace, 0, 0, 0, Publish});
  r->Register({"pubsub", -2, kNoKeyspace, 0, 0, 0, Pubsub});
}

}  // namespace lw
