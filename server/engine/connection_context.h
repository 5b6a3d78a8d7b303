// ConnectionContext: the per-client state a command handler sees: where to write its reply,
// the selected database, the client's identity, and the service it runs in.
// Owned by the connection; used only by that connection's fiber, except where a field says
// otherwise (other threads reach a client only by sending work to its thread, see
// Service::FindLocalClient).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/resp/reply_builder.h"

namespace lw {

class Service;
class UndoLog;
namespace acl {
struct User;
}  // namespace acl
namespace tx {
class EngineShard;
class Transaction;
}  // namespace tx

// What a command may ask of the network connection behind a context. Implemented by
// Connection; nullptr for in-process clients. Both calls run on the client's own thread and
// may run in loop (brief) context: they never suspend.
class ClientTracking;

class ClientControl {
 public:
  virtual ~ClientControl() = default;
  // Queues already-serialised bytes (a pub/sub message) after the replies written so far and
  // wakes the connection's fiber to send them.
  virtual void Push(std::string_view bytes) = 0;
  // Closes the connection (CLIENT KILL): its fiber wakes, stops reading and exits.
  virtual void Kill() = 0;
  // Blocking commands (BLPOP, BZPOPMIN...; see server/engine/blocking_cmd.h). While a command
  // blocks, the connection's fiber is inside the command, not reading its socket, so it would not
  // notice the client leave. Between BeginBlocking and EndBlocking the connection watches the
  // socket anyway and calls `cancel` once (on this thread; it must not suspend) if the client
  // goes away: it hangs up, CLIENT KILL, server shutdown. Called by the connection's own fiber,
  // in pairs. Default: nothing to watch.
  virtual void BeginBlocking(std::function<void()> cancel) {}
  virtual void EndBlocking() {}
  // CLIENT UNBLOCK: ends the wait of a command blocked between BeginBlocking and EndBlocking
  // (as a disconnect would); false if none is blocked.
  virtual bool Unblock() { return false; }
  // For CLIENT LIST (on the client's thread): bytes of replies and messages not yet written
  // to the socket (omem), and the query buffer's used and free bytes (qbuf, qbuf-free).
  virtual size_t OutputBytes() const { return 0; }
  virtual size_t QueryBufferUsed() const { return 0; }
  virtual size_t QueryBufferFree() const { return 0; }
};

// Per-connection state a command family attaches to a client (pub/sub subscriptions). It is
// destroyed with the context, on the client's thread, so a family can release there what the
// client held elsewhere.
class ClientState {
 public:
  virtual ~ClientState() = default;
  // The pub/sub state (ConnectionContext::pubsub) lists the client's subscriptions: fn(name,
  // is_pattern) for each until fn returns false (ACL changes check them against the user's
  // channel patterns). Other states have none. On the client's thread only.
  virtual void ForEachSubscription(
      const std::function<bool(std::string_view name, bool is_pattern)>& fn) const {}
};

// A client's MULTI/EXEC state (server/families/multi_family.cc derives from it to add WATCH).
// Service::Dispatch queues commands here while `queuing` and flags rejected ones; destroying it
// (RESET, disconnect) discards the transaction and drops the client's watches.
class MultiState {
 public:
  virtual ~MultiState() = default;
  bool queuing = false;    // between MULTI and EXEC/DISCARD
  bool aborted = false;    // a command was rejected while queuing: EXEC replies EXECABORT
  bool executing = false;  // EXEC is running the queued commands
  std::vector<std::vector<std::string>> queued;
};

struct ConnectionContext {
  Service* service = nullptr;
  ReplyBuilder* rb = nullptr;
  uint64_t client_id = 0;
  int db_index = 0;
  std::string name;
  bool authenticated = true;
  // ACL (server/engine/acl_registry.h): the snapshot of the user this client runs as (null
  // until the dispatcher first looks: the default user) and the registry generation it
  // belongs to. Sub-contexts of a script's calls set acl_checked (the runner checked the call
  // with its own error texts); those of EXEC's squashed runs copy the client's user.
  std::shared_ptr<const acl::User> user;
  uint64_t acl_gen = 0;
  bool acl_checked = false;
  // Set while EXEC runs the queued commands (an ACL denial then has Redis's EXEC-time text).
  bool in_exec = false;
  // Set by QUIT (and fatal errors): the connection flushes its replies and closes.
  bool close_after_reply = false;
  // The flags of the command being dispatched (set by Service::Dispatch).
  uint32_t cmd_flags = 0;
  // The arguments of the command being dispatched (args[0] its name); valid during its
  // handler only. The undo log of a script reads them (undo_log.h).
  std::span<const std::string_view> cmd_args;
  // Set while the client runs a script (or MULTI) that holds its keys: commands then run as
  // steps of this transaction (see op_args.h).
  tx::Transaction* multi_tx = nullptr;
  // MULTI/EXEC and WATCH: null until the client first uses them.
  std::unique_ptr<MultiState> multi;
  // Set on a script's calls: the script runner already applied the maxmemory check with the
  // script's flags (allow-oom), so Service::Dispatch does not apply it again (issue 8).
  bool oom_checked = false;
  // Set while a command runs directly on a shard's thread as part of a squashed batch (the
  // enclosing transaction already holds its keys): its data accesses run inline on this
  // shard, with no hop and no further locking (see op_args.h).
  tx::EngineShard* direct_shard = nullptr;
  // With direct_shard: keys (views into the command's arguments) already known to live on
  // that shard, so op_args.h need not hash them again to check.
  std::span<const std::string_view> direct_keys;
  // Set for the commands a script runs (SLOWLOG logs the script, not its calls).
  bool from_script = false;
  // Set for the commands of an atomic script: write commands save the previous state of their
  // keys there first, so that Lacewing can roll the script back (undo_log.h, op_args.h).
  UndoLog* undo = nullptr;
  // Commands of a squashed pipeline batch run back to back on a shard: Dispatch takes the
  // previous command's end (when non-zero) as this one's start and stores this one's end
  // here, one clock read per command instead of two (the batch's first command reads both).
  int64_t* clock_chain = nullptr;

  ClientControl* control = nullptr;
  // Proactor index of the client's thread (set by Service::RegisterClient, and by
  // Service::EndClientMove when the connection migrates).
  uint32_t thread = 0;
  // Set when other clients' state names this client's thread (a CLIENT TRACKING redirect
  // target): the connection never migrates.
  bool stay_on_thread = false;

  // For CLIENT LIST / INFO (filled by the connection; empty for in-process clients).
  std::string addr;
  std::string laddr;
  int fd = -1;
  int64_t created_ns = 0;              // steady clock, nanoseconds
  int64_t last_active_ns = 0;          // steady clock; updated by Service::Dispatch
  std::string_view last_cmd = "NULL";  // the registry's name of the last command (stable)
  // Set by the connection while it waits for the next request (idle timeout candidates), and
  // while a blocking command waits (BLPOP & co.; INFO's blocked_clients).
  bool waiting_for_input = false;
  bool blocked = false;
  bool monitor = false;   // in MONITOR mode (engine/monitor.h)
  bool no_evict = false;  // CLIENT NO-EVICT (shown in CLIENT LIST; clients are never evicted)
  // CLIENT REPLY: the connection drops replies while off, and the next command's after SKIP.
  enum ReplyMode : uint8_t { kReplyOn, kReplyOff, kReplySkipNext, kReplySkip };
  ReplyMode reply_mode = kReplyOn;
  // CLIENT UNBLOCK: the blocked command ends as if timed out (false) or with -UNBLOCKED.
  bool unblock_error = false;

  // Pub/sub: the number of channels and patterns subscribed. Non-zero puts a RESP2 client in
  // subscribed mode (Service::Dispatch enforces the command restrictions).
  uint32_t channels = 0;
  uint32_t patterns = 0;
  std::unique_ptr<ClientState> pubsub;
  // CLIENT TRACKING (tracking.h): null until the client first uses it; tracking_on mirrors
  // its `on` (a tracking client's commands are neither batched nor squashed: each must pass
  // Service::DispatchSpec, which registers its reads).
  ClientTracking* tracking = nullptr;
  bool tracking_on = false;
  std::unique_ptr<ClientState> tracking_state;  // owns `tracking`

  bool subscribed() const { return (channels | patterns) != 0; }
};

}  // namespace lw
