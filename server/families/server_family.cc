// Connection and server commands: HELLO, RESET, TIME, SHUTDOWN, SLOWLOG.
//
// Replies follow Redis 7.0 byte for byte. INFO, CONFIG and CLIENT have their own families
// (info_family.h, config_family.h, client_family.h).
#include "server/families/server_family.h"

#include <absl/strings/ascii.h>

#include <algorithm>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/families/latency_graph.h"
#include "server/families/server_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

void Hello(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t version = rb->IsResp3() ? 3 : 2;
  size_t next = 1;
  if (args.size() >= 2) {
    if (!ParseRedisInt(args[1], &version)) return rb->SendError(errors::kProtoNotInteger);
    if (version < 2 || version > 3) return rb->SendError(errors::kNoProto);
    next = 2;
  }
  // Options take effect as they are read, as in Redis: a later syntax error keeps them.
  for (size_t j = next; j < args.size(); ++j) {
    size_t more = args.size() - 1 - j;
    if (EqualsIgnoreCase(args[j], "AUTH") && more >= 2) {
      AclRegistry& acl = cntx->service->acl();
      std::shared_ptr<const acl::User> u = acl.Authenticate(args[j + 1], args[j + 2]);
      if (u == nullptr) {
        cntx->service->LogAuthFailure(args[j + 1], args[0], cntx);
        return rb->SendError(errors::kWrongPass);
      }
      acl.Login(cntx, std::move(u));
      j += 2;
    } else if (EqualsIgnoreCase(args[j], "SETNAME") && more >= 1) {
      if (!ValidClientName(args[j + 1])) return rb->SendError(errors::kBadClientName);
      cntx->name = std::string(args[j + 1]);
      j += 1;
    } else {
      return rb->SendError(errors::HelloSyntax(args[j]));
    }
  }
  if (!cntx->authenticated && cntx->service->runtime().auth_required.load()) {
    return rb->SendError(errors::kHelloNoAuth);
  }
  rb->SetRespVersion(version == 3 ? RespVersion::kResp3 : RespVersion::kResp2);
  rb->StartMap(7);
  rb->SendBulk("server");
  rb->SendBulk("redis");
  rb->SendBulk("version");
  rb->SendBulk(kRedisVersion);
  rb->SendBulk("proto");
  rb->SendLong(version);
  rb->SendBulk("id");
  rb->SendLong(int64_t(cntx->client_id));
  rb->SendBulk("mode");
  rb->SendBulk("standalone");
  rb->SendBulk("role");
  rb->SendBulk("master");
  rb->SendBulk("modules");
  rb->StartArray(0);
}

void Reset(CmdArgs, ConnectionContext* cntx) {
  cntx->multi.reset();   // discards the MULTI queue and drops every WATCH
  cntx->pubsub.reset();  // leaves every channel and pattern
  cntx->channels = cntx->patterns = 0;
  cntx->db_index = 0;
  cntx->name.clear();
  cntx->rb->SetRespVersion(RespVersion::kResp2);
  // Back to the default user, authenticated only if it needs no password (Redis's
  // clientSetDefaultAuth).
  cntx->user = nullptr;
  cntx->acl_gen = 0;
  cntx->authenticated = !cntx->service->runtime().auth_required.load();
  if (cntx->monitor) {  // RESET leaves MONITOR mode too, as in Redis
    cntx->monitor = false;
    cntx->service->monitors().Remove(cntx->client_id);
  }
  cntx->rb->SendSimpleString("RESET");
}

// MONITOR: from now on the client receives every command the server runs (engine/monitor.h).
void Monitor(CmdArgs, ConnectionContext* cntx) {
  // Redis: a client that expects one reply per command (inside MULTI/EXEC) cannot monitor.
  if (cntx->multi_tx != nullptr || (cntx->multi && cntx->multi->executing)) {
    return cntx->rb->SendError("ERR MONITOR isn't allowed for DENY BLOCKING client");
  }
  if (cntx->monitor) return;  // already monitoring: Redis ignores it, without a reply
  cntx->monitor = true;
  cntx->service->monitors().Add(cntx->client_id, cntx->thread);
  cntx->rb->SendOk();
}

// SLOWLOG GET [count] | LEN | RESET | HELP (Redis 7 reply shapes).
void Slowlog(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  SlowLog& log = cntx->service->slow_log();
  std::string sub = AsciiUpper(args[1]);
  if (sub == "GET" && args.size() <= 3) {
    int64_t count = 10;
    if (args.size() == 3) {
      if (!ParseRedisInt(args[2], &count) || count < -1) {
        return rb->SendError(errors::kSlowlogCount);
      }
    }
    std::vector<SlowLogEntry> entries = log.Get(count);
    rb->StartArray(entries.size());
    for (const SlowLogEntry& e : entries) {
      rb->StartArray(6);
      rb->SendLong(int64_t(e.id));
      rb->SendLong(e.unix_time);
      rb->SendLong(e.duration_us);
      rb->StartArray(e.args.size());
      for (const std::string& a : e.args) rb->SendBulk(a);
      rb->SendBulk(e.client_addr);
      rb->SendBulk(e.client_name);
    }
    return;
  }
  if (sub == "LEN" && args.size() == 2) return rb->SendLong(int64_t(log.size()));
  if (sub == "RESET" && args.size() == 2) {
    log.Reset();
    return rb->SendOk();
  }
  if (sub == "HELP" && args.size() == 2) {
    static constexpr std::string_view kHelp[] = {
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Print this help.",
    };
    return rb->SendStringArray(kHelp);
  }
  if (sub == "GET" || sub == "LEN" || sub == "RESET" || sub == "HELP") {
    return rb->SendError(errors::WrongArity("slowlog|" + AsciiLower(sub)));
  }
  rb->SendError(errors::UnknownSubcommand(args[1], "SLOWLOG"));
}

void Time(CmdArgs, ConnectionContext* cntx) {
  int64_t us = UnixNowUs();
  std::string parts[2] = {std::to_string(us / 1000000), std::to_string(us % 1000000)};
  cntx->rb->SendStringArray(std::span<const std::string>(parts));
}

void Shutdown(CmdArgs args, ConnectionContext* cntx) {
  bool nosave = false, save = false, abort = false, other = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "NOSAVE")) {
      nosave = true;
    } else if (EqualsIgnoreCase(args[i], "SAVE")) {
      save = true;
    } else if (EqualsIgnoreCase(args[i], "NOW") || EqualsIgnoreCase(args[i], "FORCE")) {
      other = true;
    } else if (EqualsIgnoreCase(args[i], "ABORT")) {
      abort = true;
    } else {
      return cntx->rb->SendError(errors::kSyntax);
    }
  }
  if ((abort && (nosave || save || other)) || (nosave && save)) {
    return cntx->rb->SendError(errors::kSyntax);
  }
  // Shutdown is immediate here (the final save runs in this call), so there is never one to
  // abort.
  if (abort) return cntx->rb->SendError(errors::kNoShutdownInProgress);
  Service* service = cntx->service;
  // As Redis: a script past the busy threshold allows only SHUTDOWN NOSAVE (a save now would
  // wait for the script's locks, or hold half of its writes).
  if (!nosave && service->busy().active()) {
    std::string_view busy = service->busy().AnyBusy(
        service->runtime().busy_reply_threshold_ms.load(std::memory_order_relaxed));
    if (!busy.empty()) return cntx->rb->SendError(busy);
  }
  // Younger scripts are stopped (and rolled back) at their next hook, so the final save never
  // waits for a script that loops forever.
  service->BeginShutdown();
  if (!service->persistence().SaveOnShutdown(save, nosave)) {
    service->CancelShutdown();
    return cntx->rb->SendError(errors::kShutdownSaveFailed);
  }
  // Like Redis, no reply: the client sees the connection close.
  cntx->close_after_reply = true;
  service->RequestShutdown();
}

}  // namespace

constexpr std::string_view kLatencyHelp[] = {
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the "
    "specified command names.",
    "    If no commands are specified then all histograms are replied.",
    "HELP",
    "    Prints this help.",
};

// LATENCY HISTOGRAM [command ...]: per command, calls and the cumulative count of calls at or
// under each power-of-two microsecond bound (only the bounds where the count grows).
void LatencyHistogram(CmdArgs args, ConnectionContext* cntx) {
  Service* service = cntx->service;
  std::vector<CommandStats> total(service->registry().stat_slots());
  std::mutex mu;
  service->pool()->AwaitBriefOnAll([&](io::Proactor*) {
    const std::vector<CommandStats>& mine = service->LocalCommandStats();
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < mine.size() && i < total.size(); ++i) {
      total[i].calls += mine[i].calls;
      for (size_t b = 0; b < CommandStats::kLatencyBuckets; ++b) {
        total[i].latency_log2[b] += mine[i].latency_log2[b];
      }
    }
  });
  // Commands and subcommands ("config|get"), as INFO commandstats; a container's name names
  // its subcommands too.
  std::vector<std::pair<std::string_view, uint32_t>> all = service->registry().StatSlotsByName();
  std::vector<std::pair<std::string_view, uint32_t>> specs;
  if (args.size() == 2) {
    specs = all;
  } else {
    for (size_t i = 2; i < args.size(); ++i) {  // unknown names are skipped, as in Redis
      std::string want = absl::AsciiStrToLower(std::string(args[i]));
      for (const auto& slot : all) {
        bool match = slot.first == want || (slot.first.starts_with(want + "|"));
        if (match && std::find(specs.begin(), specs.end(), slot) == specs.end()) {
          specs.push_back(slot);
        }
      }
    }
  }
  std::erase_if(specs, [&](const std::pair<std::string_view, uint32_t>& s) {
    uint64_t timed = 0;
    for (uint64_t n : total[s.second].latency_log2) timed += n;
    return timed == 0;
  });
  ReplyBuilder* rb = cntx->rb;
  rb->StartMap(specs.size());
  for (const auto& [name, slot] : specs) {
    const CommandStats& st = total[slot];
    rb->SendBulk(name);
    rb->StartMap(2);
    rb->SendBulk("calls");
    rb->SendLong(int64_t(st.calls));
    rb->SendBulk("histogram_usec");
    size_t n = 0;
    for (uint64_t c : st.latency_log2) n += c != 0;
    rb->StartMap(n);
    uint64_t cumulative = 0;
    for (size_t b = 0; b < CommandStats::kLatencyBuckets; ++b) {
      if (st.latency_log2[b] == 0) continue;
      cumulative += st.latency_log2[b];
      rb->SendLong(int64_t(1) << b);
      rb->SendLong(int64_t(cumulative));
    }
  }
}

// LATENCY GRAPH event: the event's samples as Redis's ASCII graph (latency_graph.h).
void LatencyGraphCmd(const LatencyMonitor& mon, std::string_view event, ReplyBuilder* rb) {
  for (const LatencyMonitor::Event& e : mon.Snapshot()) {
    if (e.name == event) return rb->SendVerbatim(LatencyGraph(e, UnixNowMs() / 1000));
  }
  rb->SendError(Cat("ERR No samples available for event '", event, "'"));
}

// LATENCY LATEST | HISTORY event | GRAPH event | RESET [event ...] | DOCTOR | HISTOGRAM [cmd ...] |
// HELP.
void Latency(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  LatencyMonitor& mon = cntx->service->latency();
  std::string sub = AsciiUpper(args[1]);
  // Redis 7's subcommand arities.
  size_t want = sub == "HISTORY" || sub == "GRAPH"       ? 3
                : (sub == "RESET" || sub == "HISTOGRAM") ? 0
                                                         : 2;
  bool known = sub == "LATEST" || sub == "HISTORY" || sub == "GRAPH" || sub == "RESET" ||
               sub == "DOCTOR" || sub == "HISTOGRAM" || sub == "HELP";
  if (known && want != 0 && args.size() != want) {
    return rb->SendError(errors::WrongArity("latency|" + AsciiLower(sub)));
  }
  if (sub == "LATEST" && args.size() == 2) {
    std::vector<LatencyMonitor::Event> events = mon.Snapshot();
    rb->StartArray(events.size());
    for (const auto& e : events) {
      const auto& last =
          e.samples[(e.idx + LatencyMonitor::kSamples - 1) % LatencyMonitor::kSamples];
      rb->StartArray(4);
      rb->SendBulk(e.name);
      rb->SendLong(last.time);
      rb->SendLong(last.latency);
      rb->SendLong(e.max);
    }
  } else if (sub == "HISTORY" && args.size() == 3) {
    std::vector<LatencyMonitor::Event> events = mon.Snapshot();
    auto it = std::find_if(events.begin(), events.end(),
                           [&](const auto& e) { return e.name == args[2]; });
    if (it == events.end()) return rb->StartArray(0);
    size_t n = 0;
    for (const auto& s : it->samples) n += s.time != 0;
    rb->StartArray(n);
    for (size_t j = 0; j < LatencyMonitor::kSamples; ++j) {  // oldest first
      const auto& s = it->samples[(it->idx + j) % LatencyMonitor::kSamples];
      if (s.time == 0) continue;
      rb->StartArray(2);
      rb->SendLong(s.time);
      rb->SendLong(s.latency);
    }
  } else if (sub == "GRAPH") {
    LatencyGraphCmd(mon, args[2], rb);
  } else if (sub == "RESET" && args.size() >= 2) {
    std::vector<std::string> names(args.begin() + 2, args.end());
    rb->SendLong(int64_t(mon.Reset(names)));
  } else if (sub == "DOCTOR" && args.size() == 2) {
    const RuntimeConfig& rc = cntx->service->runtime();
    rb->SendVerbatim(LatencyDoctorReport(mon.Snapshot(), rc.latency_monitor_threshold.load(),
                                         rc.slowlog_log_slower_than.load(), rc.hz.load(),
                                         UnixNowMs() / 1000));
  } else if (sub == "HISTOGRAM") {
    LatencyHistogram(args, cntx);
  } else if (sub == "HELP" && args.size() == 2) {
    SendHelp(rb, kLatencyHelp);
  } else {
    rb->SendError(errors::UnknownSubcommand(args[1], "LATENCY"));
  }
}

void RegisterServerFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register(
      {"hello", -1, kNoScript | kLoading | kStale | kFast | kNoAuth | kNoKeyspace, 0, 0, 0, Hello});
  r->Register(
      {"reset", 1,
       kNoScript | kLoading | kStale | kFast | kNoAuth | kSubscribeOk | kNotQueued | kNoKeyspace, 0,
       0, 0, Reset});
  r->Register({"time", 1, kLoading | kStale | kFast | kNoKeyspace, 0, 0, 0, Time});
  r->Register(
      {"monitor", 1, kAdmin | kNoScript | kLoading | kStale | kNoKeyspace, 0, 0, 0, Monitor});
  r->Register(
      {"latency", -2, kAdmin | kNoScript | kLoading | kStale | kNoKeyspace, 0, 0, 0, Latency});
  r->Register({"slowlog", -2, kAdmin | kLoading | kStale | kNoKeyspace, 0, 0, 0, Slowlog});
  r->Register(
      {"shutdown", -1, kAdmin | kNoScript | kLoading | kStale | kNoMulti, 0, 0, 0, Shutdown});
}

}  // namespace lw
