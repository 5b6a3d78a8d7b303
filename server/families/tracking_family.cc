// CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR and CLIENT TRACKINGINFO: the commands of
// client-side caching. The machinery (who read what, delivering invalidations) is in
// server/engine/tracking.h and shard_tracking.h; replies and errors are Redis 7.0's.
#include "server/families/tracking_family.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "io/proactor.h"
#include "io/proactor_pool.h"
#include "server/engine/service.h"
#include "server/engine/tracking.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

constexpr std::string_view kPrefixTail = "'. Prefixes for a single client must not overlap.";

struct TrackingRequest {
  bool bcast = false, optin = false, optout = false, noloop = false;
  std::optional<TrackingClientRef> redirect;
  std::vector<std::string> prefixes;
};

// The thread of client `id`, if it is connected.
std::optional<uint32_t> FindClientThread(Service* service, uint64_t id) {
  std::atomic<int64_t> found{-1};
  // A redirect target stays on its thread from now on: invalidations are sent there.
  service->AwaitBriefOnAllClients([&](io::Proactor* p) {
    if (ConnectionContext* c = service->FindLocalClient(id)) {
      c->stay_on_thread = true;
      found.store(p->index());
    }
  });
  if (found.load() < 0) return std::nullopt;
  return uint32_t(found.load());
}

// Parses the options after ON/OFF; false after replying with the error.
bool ParseTracking(CmdArgs args, ConnectionContext* cntx, TrackingRequest* req) {
  ReplyBuilder* rb = cntx->rb;
  for (size_t j = 3; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    if (EqualsIgnoreCase(args[j], "redirect") && more) {
      if (req->redirect) {
        rb->SendError("ERR A client can only redirect to a single other client");
        return false;
      }
      int64_t id;
      if (!ParseRedisInt(args[++j], &id)) {
        rb->SendError(errors::kNotInteger);
        return false;
      }
      // The target must exist now (it may leave later: broken_redirect).
      std::optional<uint32_t> thread =
          id > 0 ? FindClientThread(cntx->service, uint64_t(id)) : std::nullopt;
      if (!thread) {
        rb->SendError("ERR The client ID you want redirect to does not exist");
        return false;
      }
      req->redirect = TrackingClientRef{uint64_t(id), *thread};
    } else if (EqualsIgnoreCase(args[j], "bcast")) {
      req->bcast = true;
    } else if (EqualsIgnoreCase(args[j], "optin")) {
      req->optin = true;
    } else if (EqualsIgnoreCase(args[j], "optout")) {
      req->optout = true;
    } else if (EqualsIgnoreCase(args[j], "noloop")) {
      req->noloop = true;
    } else if (EqualsIgnoreCase(args[j], "prefix") && more) {
      req->prefixes.emplace_back(args[++j]);
    } else {
      rb->SendError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

bool Overlap(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

// New BCAST prefixes may not overlap the client's nor each other; false after replying.
bool CheckPrefixes(const std::vector<std::string>& have, const std::vector<std::string>& add,
                   ReplyBuilder* rb) {
  for (size_t i = 0; i < add.size(); ++i) {
    for (const std::string& p : have) {
      if (Overlap(add[i], p)) {
        rb->SendError("ERR Prefix '" + add[i] + "' overlaps with an existing prefix '" + p +
                      std::string(kPrefixTail));
        return false;
      }
    }
    for (size_t j = i + 1; j < add.size(); ++j) {
      if (Overlap(add[i], add[j])) {
        rb->SendError("ERR Prefix '" + add[i] + "' overlaps with another provided prefix '" +
                      add[j] + std::string(kPrefixTail));
        return false;
      }
    }
  }
  return true;
}

// The checks of CLIENT TRACKING ON, in Redis's order; false after replying.
bool CheckTrackingOn(const TrackingRequest& req, const ClientTracking* t, ReplyBuilder* rb) {
  const bool on = t != nullptr && t->on;
  if (!req.bcast && !req.prefixes.empty()) {
    rb->SendError("ERR PREFIX option requires BCAST mode to be enabled");
    return false;
  }
  if (on && t->bcast != req.bcast) {
    rb->SendError(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return false;
  }
  if (req.bcast && (req.optin || req.optout)) {
    rb->SendError("ERR OPTIN and OPTOUT are not compatible with BCAST");
    return false;
  }
  if (req.optin && req.optout) {
    rb->SendError("ERR You can't specify both OPTIN mode and OPTOUT mode");
    return false;
  }
  if (on && ((req.optin && t->optout) || (req.optout && t->optin))) {
    rb->SendError(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return false;
  }
  if (req.bcast) {
    static const std::vector<std::string> kNone;
    return CheckPrefixes(on ? t->prefixes : kNone, req.prefixes, rb);
  }
  return true;
}

void DisableTracking(ClientTracking* t) {
  if (t == nullptr || !t->on) return;
  if (t->bcast) t->WithdrawPrefixes();
  t->on = t->bcast = t->optin = t->optout = t->noloop = false;
  t->caching_given = t->broken_redirect = false;
  t->redirect = TrackingClientRef{};
  t->prefixes.clear();
}

void Tracking(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  TrackingRequest req;
  if (!ParseTracking(args, cntx, &req)) return;
  if (EqualsIgnoreCase(args[2], "off")) {
    DisableTracking(cntx->tracking);
    cntx->tracking_on = false;
    return rb->SendOk();
  }
  if (!EqualsIgnoreCase(args[2], "on")) return rb->SendError(errors::kSyntax);
  if (!CheckTrackingOn(req, cntx->tracking, rb)) return;
  ClientTracking* t = TrackingOf(cntx, /*create=*/true);
  t->on = cntx->tracking_on = true;
  t->broken_redirect = false;
  t->redirect = req.redirect.value_or(TrackingClientRef{});
  t->bcast = req.bcast;
  t->optin = req.optin;
  t->optout = req.optout;
  t->noloop = req.noloop;
  if (req.bcast) {
    // Prefixes accumulate over calls; none given means every key (the empty prefix).
    if (req.prefixes.empty()) req.prefixes.push_back("");
    for (std::string& p : req.prefixes) {
      if (std::find(t->prefixes.begin(), t->prefixes.end(), p) == t->prefixes.end()) {
        t->prefixes.push_back(std::move(p));
      }
    }
    std::sort(t->prefixes.begin(), t->prefixes.end());
    t->PublishPrefixes();
  }
  rb->SendOk();
}

void Caching(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  ClientTracking* t = cntx->tracking;
  if (t == nullptr || !t->on) {
    return rb->SendError(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        "or OPTOUT mode enabled");
  }
  if (EqualsIgnoreCase(args[2], "yes")) {
    if (!t->optin) {
      return rb->SendError(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
    }
  } else if (EqualsIgnoreCase(args[2], "no")) {
    if (!t->optout) {
      return rb->SendError(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    }
  } else {
    return rb->SendError(errors::kSyntax);
  }
  t->caching_given = true;
  rb->SendOk();
}

void TrackingInfo(ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  const ClientTracking* t = cntx->tracking;
  std::vector<std::string_view> flags;
  if (t == nullptr || !t->on) {
    flags.push_back("off");
  } else {
    flags.push_back("on");
    if (t->bcast) flags.push_back("bcast");
    if (t->optin) flags.push_back("optin");
    if (t->optout) flags.push_back("optout");
    if (t->caching_given) flags.push_back(t->optin ? "caching-yes" : "caching-no");
    if (t->noloop) flags.push_back("noloop");
    if (t->broken_redirect) flags.push_back("broken_redirect");
  }
  rb->StartMap(3);
  rb->SendBulk("flags");
  rb->StartSet(flags.size());
  for (std::string_view f : flags) rb->SendBulk(f);
  rb->SendBulk("redirect");
  rb->SendLong(t == nullptr || !t->on ? -1 : int64_t(t->redirect.client));
  rb->SendBulk("prefixes");
  rb->StartArray(t == nullptr || !t->on ? 0 : t->prefixes.size());
  if (t != nullptr && t->on) {
    for (const std::string& p : t->prefixes) rb->SendBulk(p);
  }
}

}  // namespace

bool TrackingSubcommand(std::string_view sub, CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  auto arity_ok = [&](size_t n, bool at_least) {
    if (at_least ? args.size() >= n : args.size() == n) return true;
    rb->SendError(errors::WrongArity("client|" + AsciiLower(sub)));
    return false;
  };
  if (sub == "TRACKING") {
    if (arity_ok(3, true)) Tracking(args, cntx);
  } else if (sub == "CACHING") {
    if (arity_ok(3, false)) Caching(args, cntx);
  } else if (sub == "GETREDIR") {
    if (!arity_ok(2, false)) return true;
    const ClientTracking* t = cntx->tracking;
    rb->SendLong(t == nullptr || !t->on ? -1 : int64_t(t->redirect.client));
  } else if (sub == "TRACKINGINFO") {
    if (arity_ok(2, false)) TrackingInfo(cntx);
  } else {
    return false;
  }
  return true;
}

}  // namespace lw
