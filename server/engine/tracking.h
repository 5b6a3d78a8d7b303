// Client-side caching (CLIENT TRACKING, Redis 7.0): the client's half and the delivery of
// invalidations. The shard's half (who read what) is shard_tracking.h; the CLIENT
// subcommands are server/families/tracking_family.cc.
//
// Flow: a tracking client's read-only command registers its keys on their shards before it
// runs (TrackReads, from Service::DispatchSpec). A change of such a key on a shard calls the
// installed delivery (DeliverInvalidation), which hops to the reader's thread, finds the
// client by id (one that left is not found: nothing is sent), applies NOLOOP and the
// redirection, and hands the message to the connection (ClientControl::Push). The
// connection queues pushes behind the reply being built, so an invalidation caused by the
// client's own command follows that command's reply, as in Redis.
//
// Messages, as Redis's: RESP3 clients get a push `>2 invalidate [keys]` (null for a flush);
// with REDIRECT id, the target gets it, or, if the target is a RESP2 client subscribed to
// anything, a `message __redis__:invalidate [keys]`; a RESP2 client without redirection gets
// nothing. A redirect target that left marks the tracking client broken_redirect and sends
// it (RESP3) `tracking-redir-broken id`.
//
// Thread-safety: ClientTracking belongs to its client's thread. DeliverInvalidation may be
// called on any pool thread. Lifetime: a ClientTracking lives in its ConnectionContext; its
// destructor removes the client's BCAST prefixes from every shard.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"
#include "server/engine/shard_tracking.h"

namespace lw {

class Service;

class ClientTracking : public ClientState {
 public:
  ClientTracking(Service* service, uint64_t client, uint32_t thread)
      : service_(service), self_{client, thread} {}
  ~ClientTracking() override;

  bool on = false;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  bool caching_given = false;  // CLIENT CACHING yes (OPTIN) / no (OPTOUT), for the next command
  bool broken_redirect = false;
  TrackingClientRef redirect;         // client 0: none
  std::vector<std::string> prefixes;  // BCAST, sorted

  TrackingClientRef self() const { return self_; }
  // Registers or drops this client's BCAST prefixes on every shard (waits for them all).
  void PublishPrefixes();
  void WithdrawPrefixes();

 private:
  Service* service_;
  TrackingClientRef self_;
};

// The client's tracking state, created on first use; nullptr in `existing` mode when it has
// never used CLIENT TRACKING.
ClientTracking* TrackingOf(ConnectionContext* cntx, bool create);

// Before a command of a tracking client runs: a read-only command registers its keys.
void TrackReads(const CommandSpec& spec, CmdArgs args, ConnectionContext* cntx);
// A script of tracking client `caller` runs a read-only command: as Redis 7.0, the keys
// remembered are the script's declared keys (those of EVAL/FCALL), not the command's.
void TrackScriptRead(ConnectionContext* caller, CmdArgs script_keys);
// After it ran: CLIENT CACHING applies to one command (or one MULTI ... EXEC).
void AfterTrackedCommand(const CommandSpec& spec, ConnectionContext* cntx);
// FLUSHDB/FLUSHALL: every tracking client is sent a null invalidation.
void TrackingOnFlush(ConnectionContext* cntx);

// The delivery ShardTracking calls (Service installs it on every shard).
void DeliverInvalidation(void* service, TrackingClientRef to, uint64_t modifier,
                         std::vector<std::string> keys);

}  // namespace lw
