// CLIENT ID | GETNAME | SETNAME | INFO | LIST | KILL | PAUSE | UNPAUSE | REPLY | NO-EVICT |
// UNBLOCK | HELP, in Redis 7.0's reply shapes (and the tracking subcommands,
// tracking_family.cc).
//
// LIST and KILL reach every thread's clients by sending each thread a brief task
// (Service::AwaitBriefOnAllClients: no connection is migrating between threads meanwhile): a
// thread reads and closes only its own connections.
#include "server/families/client_family.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/families/server_util.h"
#include "server/families/tracking_family.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

constexpr std::string_view kClientHelp[] = {
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "    * ID <client-id>",
    "      Kill connections by client id.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "    * ID <client-id> [<client-id> ...]",
    "      Return clients of the specified ids.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
};

// Redis's client types; master/replica never occur here.
enum class ClientType { kNormal, kPubsub, kMaster, kReplica };

bool ParseClientType(std::string_view s, ClientType* type) {
  if (EqualsIgnoreCase(s, "normal")) {
    *type = ClientType::kNormal;
  } else if (EqualsIgnoreCase(s, "pubsub")) {
    *type = ClientType::kPubsub;
  } else if (EqualsIgnoreCase(s, "master")) {
    *type = ClientType::kMaster;
  } else if (EqualsIgnoreCase(s, "replica") || EqualsIgnoreCase(s, "slave")) {
    *type = ClientType::kReplica;
  } else {
    return false;
  }
  return true;
}

ClientType TypeOf(const ConnectionContext* c) {
  return c->subscribed() ? ClientType::kPubsub : ClientType::kNormal;
}

// One CLIENT LIST line (with its trailing '\n'), Redis 7.0's fields in Redis's order.
// REQUIRES: on c's thread.
std::string ClientLine(const ConnectionContext* c, int64_t now_ns) {
  int64_t age = (now_ns - c->created_ns) / 1000000000;
  int64_t idle = (now_ns - c->last_active_ns) / 1000000000;
  std::string flags;
  if (c->monitor) flags += 'O';
  if (c->subscribed()) flags += 'P';
  if (c->no_evict) flags += 'e';
  if (flags.empty()) flags = "N";
  // Bytes the connection holds for this client: what is queued for it and its query buffer.
  size_t omem = c->control ? c->control->OutputBytes() : 0;
  size_t qbuf = c->control ? c->control->QueryBufferUsed() : 0;
  size_t qbuf_free = c->control ? c->control->QueryBufferFree() : 0;
  size_t tot_mem = omem + qbuf + qbuf_free + c->rb->buffer().capacity();
  return Cat("id=", c->client_id, " addr=", c->addr, " laddr=", c->laddr, " fd=", c->fd,
             " name=", c->name, " age=", age, " idle=", idle, " flags=", flags, " db=", c->db_index,
             " sub=", c->channels, " psub=", c->patterns, " ssub=0 multi=-1 qbuf=", qbuf,
             " qbuf-free=", qbuf_free, " argv-mem=0 multi-mem=0 rbs=", c->rb->buffer().capacity(),
             " rbp=", c->rb->buffer_peak(), " obl=0 oll=0 omem=", omem, " tot-mem=", tot_mem,
             " events=r cmd=", c->last_cmd,
             " user=", c->user ? std::string_view(c->user->name) : "default",
             " redir=-1 resp=", c->rb->IsResp3() ? 3 : 2, "\n");
}

void ClientList(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::optional<ClientType> type;
  std::vector<uint64_t> ids;
  if (args.size() == 4 && EqualsIgnoreCase(args[2], "TYPE")) {
    ClientType t;
    if (!ParseClientType(args[3], &t)) return rb->SendError(errors::UnknownClientType(args[3]));
    type = t;
  } else if (args.size() > 3 && EqualsIgnoreCase(args[2], "ID")) {
    for (size_t i = 3; i < args.size(); ++i) {
      int64_t id;
      if (!ParseRedisInt(args[i], &id) || id <= 0) return rb->SendError(errors::kInvalidClientId);
      ids.push_back(uint64_t(id));
    }
  } else if (args.size() != 2) {
    return rb->SendError(errors::kSyntax);
  }
  Service* service = cntx->service;
  std::vector<std::vector<std::pair<uint64_t, std::string>>> per(service->pool()->size());
  // The calling client may be an in-process one the Service does not list: show it too.
  bool self_listed = false;
  int64_t now = SteadyNowNs();
  service->AwaitBriefOnAllClients([&](io::Proactor* p) {
    auto& out = per[p->index()];
    service->ForEachLocalClient([&](ConnectionContext* c) {
      if (c == cntx) self_listed = true;
      if (type && TypeOf(c) != *type) return;
      if (!ids.empty() && std::find(ids.begin(), ids.end(), c->client_id) == ids.end()) return;
      out.emplace_back(c->client_id, ClientLine(c, now));
    });
  });
  std::vector<std::pair<uint64_t, std::string>> all;
  for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
  if (!self_listed && (!type || TypeOf(cntx) == *type) &&
      (ids.empty() || std::find(ids.begin(), ids.end(), cntx->client_id) != ids.end())) {
    all.emplace_back(cntx->client_id, ClientLine(cntx, now));
  }
  std::sort(all.begin(), all.end());
  std::string text;
  for (const auto& [id, line] : all) text += line;
  rb->SendVerbatim(text);
}

void ClientKill(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::optional<uint64_t> id;
  std::optional<ClientType> type;
  std::optional<std::string_view> addr, laddr, user;
  bool skipme = true;
  bool old_form = args.size() == 3;
  if (old_form) {
    addr = args[2];
    skipme = false;
  } else {
    for (size_t i = 2; i < args.size(); i += 2) {
      bool more = i + 1 < args.size();
      std::string_view opt = args[i];
      if (!more) return rb->SendError(errors::kSyntax);
      std::string_view val = args[i + 1];
      if (EqualsIgnoreCase(opt, "ID")) {
        int64_t v;
        if (!ParseRedisInt(val, &v) || v < 1) return rb->SendError(errors::kBadClientId);
        id = uint64_t(v);
      } else if (EqualsIgnoreCase(opt, "TYPE")) {
        ClientType t;
        if (!ParseClientType(val, &t)) return rb->SendError(errors::UnknownClientType(val));
        type = t;
      } else if (EqualsIgnoreCase(opt, "ADDR")) {
        addr = val;
      } else if (EqualsIgnoreCase(opt, "LADDR")) {
        laddr = val;
      } else if (EqualsIgnoreCase(opt, "USER")) {
        if (cntx->service->acl().Get(val) == nullptr) return rb->SendError(errors::NoSuchUser(val));
        user = val;
      } else if (EqualsIgnoreCase(opt, "SKIPME")) {
        if (EqualsIgnoreCase(val, "yes")) {
          skipme = true;
        } else if (EqualsIgnoreCase(val, "no")) {
          skipme = false;
        } else {
          return rb->SendError(errors::kSyntax);
        }
      } else {
        return rb->SendError(errors::kSyntax);
      }
    }
  }
  Service* service = cntx->service;
  std::atomic<int64_t> killed{0};
  bool kill_self = false;
  // Each thread closes its own matching connections: Kill() runs there, in loop context.
  service->AwaitBriefOnAllClients([&](io::Proactor*) {
    std::vector<ConnectionContext*> victims;  // Kill() leaves the client map: collect first
    service->ForEachLocalClient([&](ConnectionContext* c) {
      if (id && c->client_id != *id) return;
      if (type && TypeOf(c) != *type) return;
      if (addr && c->addr != *addr) return;
      if (laddr && c->laddr != *laddr) return;
      if (user && (c->user ? std::string_view(c->user->name) : "default") != *user) return;
      if (c == cntx && skipme) return;
      victims.push_back(c);
    });
    for (ConnectionContext* c : victims) {
      if (c == cntx) {
        kill_self = true;  // after the reply
      } else if (c->control) {
        c->control->Kill();
      }
      killed.fetch_add(1);
    }
  });
  if (kill_self) cntx->close_after_reply = true;
  if (old_form) {
    if (killed.load() == 0) return rb->SendError(errors::kNoSuchClient);
    return rb->SendOk();
  }
  rb->SendLong(killed.load());
}

// CLIENT PAUSE timeout [WRITE|ALL] (Redis 7.0's errors).
void ClientPause(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t ms;
  if (!ParseRedisInt(args[2], &ms)) return rb->SendError(errors::kStreamTimeoutNotInt);
  if (ms < 0) return rb->SendError(errors::kTimeoutNegative);
  Service::PauseMode mode = Service::kPauseAll;
  if (args.size() == 4 && EqualsIgnoreCase(args[3], "write")) {
    mode = Service::kPauseWrite;
  } else if (args.size() == 4 && !EqualsIgnoreCase(args[3], "all")) {
    return rb->SendError(errors::kPauseMode);
  } else if (args.size() > 4) {
    return rb->SendError(errors::kSyntax);
  }
  int64_t now = UnixNowMs();
  if (ms > INT64_MAX - now) return rb->SendError(errors::kStreamTimeoutNotInt);
  cntx->service->Pause(mode, now + ms);
  rb->SendOk();
}

// CLIENT REPLY ON|OFF|SKIP: OFF and SKIP reply nothing (the connection drops replies).
void ClientReply(std::string_view arg, ConnectionContext* cntx) {
  if (EqualsIgnoreCase(arg, "on")) {
    cntx->reply_mode = ConnectionContext::kReplyOn;
    cntx->rb->SendOk();
  } else if (EqualsIgnoreCase(arg, "off")) {
    cntx->reply_mode = ConnectionContext::kReplyOff;
  } else if (EqualsIgnoreCase(arg, "skip")) {
    if (cntx->reply_mode == ConnectionContext::kReplyOn) {
      cntx->reply_mode = ConnectionContext::kReplySkipNext;
    }
  } else {
    cntx->rb->SendError(errors::kSyntax);
  }
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends the wait of a client blocked in BLPOP & co. or
// XREAD BLOCK, as a timeout or with -UNBLOCKED; :1 if it was blocked, else :0.
void ClientUnblock(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t id;
  if (!ParseRedisInt(args[2], &id)) return rb->SendError(errors::kNotInteger);
  bool error = false;
  if (args.size() == 4 && EqualsIgnoreCase(args[3], "error")) {
    error = true;
  } else if (args.size() == 4 && !EqualsIgnoreCase(args[3], "timeout")) {
    return rb->SendError(errors::kUnblockReason);
  } else if (args.size() > 4) {
    return rb->SendError(errors::kSyntax);
  }
  Service* service = cntx->service;
  std::atomic<bool> done{false};
  service->pool()->AwaitBriefOnAll([&](io::Proactor*) {
    ConnectionContext* c = service->FindLocalClient(uint64_t(id));
    if (c == nullptr || c->control == nullptr || !c->blocked) return;
    c->unblock_error = error;
    if (c->control->Unblock()) {
      done.store(true);
    } else {
      c->unblock_error = false;  // blocked by CLIENT PAUSE: not unblockable, as in Redis
    }
  });
  rb->SendLong(done.load() ? 1 : 0);
}

void Client(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string sub = AsciiUpper(args[1]);
  auto arity = [&](size_t n, bool at_least = false) {
    bool ok = at_least ? args.size() >= n : args.size() == n;
    if (!ok) rb->SendError(errors::WrongArity("client|" + AsciiLower(sub)));
    return ok;
  };
  if (sub == "ID") {
    if (arity(2)) rb->SendLong(int64_t(cntx->client_id));
  } else if (sub == "GETNAME") {
    if (!arity(2)) return;
    if (cntx->name.empty()) return rb->SendNull();
    rb->SendBulk(cntx->name);
  } else if (sub == "SETNAME") {
    if (!arity(3)) return;
    if (!ValidClientName(args[2])) return rb->SendError(errors::kBadClientName);
    cntx->name = std::string(args[2]);
    rb->SendOk();
  } else if (sub == "INFO") {
    if (arity(2)) rb->SendVerbatim(ClientLine(cntx, SteadyNowNs()));
  } else if (sub == "LIST") {
    ClientList(args, cntx);
  } else if (sub == "KILL") {
    if (arity(3, true)) ClientKill(args, cntx);
  } else if (sub == "PAUSE") {
    if (arity(3, true)) ClientPause(args, cntx);
  } else if (sub == "UNPAUSE") {
    if (!arity(2)) return;
    cntx->service->Unpause();
    rb->SendOk();
  } else if (sub == "REPLY") {
    if (arity(3)) ClientReply(args[2], cntx);
  } else if (sub == "NO-EVICT") {
    if (!arity(3)) return;
    // Lacewing never evicts clients (no maxmemory-clients): the flag is kept and shown.
    if (EqualsIgnoreCase(args[2], "on")) {
      cntx->no_evict = true;
    } else if (EqualsIgnoreCase(args[2], "off")) {
      cntx->no_evict = false;
    } else {
      return rb->SendError(errors::kSyntax);
    }
    rb->SendOk();
  } else if (sub == "UNBLOCK") {
    if (arity(3, true)) ClientUnblock(args, cntx);
  } else if (sub == "HELP") {
    if (arity(2)) SendHelp(rb, kClientHelp);
  } else if (TrackingSubcommand(sub, args, cntx)) {
    // CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO (tracking_family.cc)
  } else {
    rb->SendError(errors::UnknownSubcommand(args[1], "CLIENT"));
  }
}

}  // namespace

std::string ClientInfoLine(const ConnectionContext* cntx) {
  std::string line = ClientLine(cntx, SteadyNowNs());
  line.pop_back();
  return line;
}

void RegisterClientFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register(
      {"client", -2, kAdmin | kNoScript | kLoading | kStale | kNoKeyspace, 0, 0, 0, Client});
}

}  // namespace lw
