// CONFIG GET | SET | RESETSTAT | REWRITE | HELP over one table of settings (kParams).
//
// Every setting CONFIG GET answers is in the table, with how CONFIG SET treats it:
//   * kLive: the new value takes effect. Most are read where a command, a connection or a
//     background pass starts (RuntimeConfig, service.h), so they apply from the next one on,
//     as in Redis: e.g. proto-max-bulk-len from the next request a connection parses,
//     tcp-keepalive and maxclients for connections accepted afterwards, the hash/set/zset
//     thresholds at the next write that may convert a value, list-max-listpack-size for
//     lists created afterwards (a list keeps its node size, as Redis's quicklist).
//   * kImmutable: refused with Redis's "can't set immutable config" (Redis's immutable
//     settings, and those Lacewing fixes at start-up from its flags: port, bind).
//   * kProtected: refused with Redis's "can't set protected config", as redis-server does
//     with its default enable-protected-configs no (dir, dbfilename).
//   * kFixed: a feature Lacewing does not have (persistence, ...). CONFIG GET answers the
//     value that describes what Lacewing does, and CONFIG SET accepts that value only (so
//     clients that set it, e.g. `save ""`, still work); any other value is refused with
//     Redis's CONFIG SET error shape, naming the setting.
// As in Redis, every value of a CONFIG SET is checked before any is applied: a refused CONFIG
// SET changes nothing.
// Thread-safety: handlers run on the client's fiber; values are RuntimeConfig atomics (the
// string ones under RuntimeConfig::mu).
#include "server/families/config_family.h"

#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <absl/strings/str_split.h>

#include "base/flags.h"
#include "base/logging.h"
#include "server/engine/acl_registry.h"
#include "server/engine/connection_context.h"
#include "server/engine/keyspace_events.h"
#include "server/engine/service.h"
#include "server/families/server_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/glob.h"

namespace lw {

namespace {

enum class ParamType {
  kInt,
  kMemory,
  kBool,
  kEnum,
  kString,
  kSave,
  kNotify,
  kConst,
  kObufLimits,
  kPercentiles
};
enum class Settable { kLive, kImmutable, kProtected, kFixed };

constexpr std::string_view kLogLevels[] = {"debug", "verbose", "notice", "warning"};

struct Param {
  std::string_view name;
  std::string_view alias;  // a second name for the same setting, or empty
  ParamType type;
  Settable settable = Settable::kLive;
  std::atomic<int64_t> RuntimeConfig::*num = nullptr;
  std::string RuntimeConfig::*str = nullptr;
  int64_t min = 0;
  int64_t max = LLONG_MAX;
  // kMemory only: the value is unsigned (Redis's maxmemory goes up to 2^64-1); the atomic
  // holds its bits.
  bool is_unsigned = false;
  std::span<const std::string_view> choices = {};
  std::string (*get)(Service*) = nullptr;  // kConst
  // kConst settings Lacewing holds at one value whatever the start-up: a config file may
  // repeat that value (redis.conf's `daemonize no`) and nothing else.
  std::string_view fixed = {};
  // Redis's HIDDEN_CONFIG: only an exact name finds it, never a pattern (CONFIG GET *).
  bool hidden = false;
};

std::string Cwd() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) ? std::string(buf) : std::string();
}

std::string GetPort(Service* s) { return std::to_string(s->config().port); }
std::string GetBind(Service* s) { return s->config().bind; }
std::string GetDatabases(Service*) { return std::to_string(DbSlice::NumDbs()); }
std::string GetDir(Service*) { return Cwd(); }
std::string GetNo(Service*) { return "no"; }
std::string GetOne(Service*) { return "1"; }
std::string GetUnixSocket(Service* s) { return s->config().unixsocket; }
std::string GetUnixSocketPerm(Service* s) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(s->config().unixsocketperm));
  return buf;  // octal, as Redis shows it
}
std::string GetLogFile(Service* s) { return s->config().logfile; }
std::string GetAclFile(Service* s) { return s->config().aclfile; }

using enum ParamType;
using enum Settable;
using RC = RuntimeConfig;

Param Const(std::string_view name, std::string (*get)(Service*), std::string_view fixed = {}) {
  return {.name = name, .type = kConst, .settable = kImmutable, .get = get, .fixed = fixed};
}
Param Int(std::string_view name, std::atomic<int64_t> RC::*num, int64_t min, int64_t max,
          Settable settable = kLive, std::string_view alias = "") {
  return {name, alias, kInt, settable, num, nullptr, min, max};
}
Param Bool(std::string_view name, std::atomic<int64_t> RC::*num, Settable settable) {
  return {.name = name, .type = kBool, .settable = settable, .num = num};
}
Param Str(std::string_view name, ParamType type, std::string RC::*str, Settable settable) {
  return {.name = name, .type = type, .settable = settable, .str = str};
}

const Param kParams[] = {
    Const("port", GetPort),
    Const("bind", GetBind),
    Const("databases", GetDatabases),
    Const("unixsocket", GetUnixSocket),
    Const("unixsocketperm", GetUnixSocketPerm),
    Const("logfile", GetLogFile),
    // TLS can change live: ConfigSet has the server rebind the port or reload the context.
    Int("tls-port", &RC::tls_port, 0, 65535),
    Str("tls-cert-file", kString, &RC::tls_cert_file, kLive),
    Str("tls-key-file", kString, &RC::tls_key_file, kLive),
    Str("tls-ca-cert-file", kString, &RC::tls_ca_cert_file, kLive),
    {.name = "tls-auth-clients",
     .type = kEnum,
     .num = &RC::tls_auth_clients,
     .choices = kTlsAuthClients},
    Const("aclfile", GetAclFile),
    Int("acllog-max-len", &RC::acllog_max_len, 0, LLONG_MAX),
    // Connections made afterwards need AUTH; those already in stay in, as in Redis.
    Str("requirepass", kString, &RC::requirepass, kLive),
    {.name = "dir", .type = kConst, .settable = kProtected, .get = GetDir},
    Const("daemonize", GetNo, "no"),
    Const("cluster-enabled", GetNo, "no"),
    Const("io-threads", GetOne, "1"),
    {.name = "maxmemory", .type = kMemory, .num = &RC::maxmemory, .is_unsigned = true},
    {.name = "maxmemory-policy",
     .type = kEnum,
     .num = &RC::maxmemory_policy,
     .choices = kMaxmemoryPolicies},
    // Eviction walks the dash table's buckets; it does not sample.
    Int("maxmemory-samples", &RC::maxmemory_samples, 1, 64, kFixed),
    // Read by every LFU touch (DbSlice::Touch) and OBJECT FREQ.
    Int("lfu-decay-time", &RC::lfu_decay_time, 0, INT_MAX),
    Int("lfu-log-factor", &RC::lfu_log_factor, 0, INT_MAX),
    // Read by ShardTracking::Remember: past it, the oldest-found keys are invalidated.
    Int("tracking-table-max-keys", &RC::tracking_table_max_keys, 0, LLONG_MAX),
    // Redis's hidden test setting (microseconds per key loaded; <= 0: none), for tests that
    // watch -LOADING.
    {.name = "key-load-delay",
     .type = kInt,
     .num = &RC::key_load_delay_us,
     .min = INT_MIN,
     .max = INT_MAX,
     .hidden = true},
    Int("busy-reply-threshold", &RC::busy_reply_threshold_ms, 0, LLONG_MAX, kLive,
        "lua-time-limit"),
    {.name = "proto-max-bulk-len",
     .type = kMemory,
     .num = &RC::proto_max_bulk_len,
     .min = 1024 * 1024},
    // Lacewing's cap on one script's Lua heap; read when a script starts.
    {.name = "lacewing-lua-heap-limit", .type = kMemory, .num = &RC::lua_heap_limit},
    Int("timeout", &RC::timeout, 0, INT_MAX),  // Service::CloseIdleClients, each second
    Int("tcp-keepalive", &RC::tcp_keepalive, 0, INT_MAX),
    Bool("protected-mode", &RC::protected_mode, kLive),  // connections accepted afterwards
    // Read by each connection as its output grows.
    {.name = "client-output-buffer-limit", .type = kObufLimits},
    Int("hz", &RC::hz, 0, INT_MAX),
    Int("maxclients", &RC::maxclients, 1, INT_MAX),
    Int("slowlog-log-slower-than", &RC::slowlog_log_slower_than, -1, LLONG_MAX),
    Int("slowlog-max-len", &RC::slowlog_max_len, 0, LONG_MAX),
    Int("latency-monitor-threshold", &RC::latency_monitor_threshold, 0, LLONG_MAX),  // LATENCY
    // Commands executed afterwards are timed into their histograms or not (INFO latencystats).
    Bool("latency-tracking", &RC::latency_tracking, kLive),
    // Read by each INFO latencystats; stored normalized ("50.0" reads back "50"), as Redis.
    Str("latency-tracking-info-percentiles", kPercentiles, &RC::latency_tracking_info_percentiles,
        kLive),
    // New lists take it; existing ones keep theirs (as Redis's quicklist fill).
    Int("list-max-listpack-size", &RC::list_max_listpack_size, INT_MIN, INT_MAX, kLive,
        "list-max-ziplist-size"),
    Int("hash-max-listpack-entries", &RC::hash_max_listpack_entries, 0, LONG_MAX, kLive,
        "hash-max-ziplist-entries"),
    Int("hash-max-listpack-value", &RC::hash_max_listpack_value, 0, LONG_MAX, kLive,
        "hash-max-ziplist-value"),
    Int("set-max-intset-entries", &RC::set_max_intset_entries, 0, LONG_MAX),
    Int("set-max-listpack-entries", &RC::set_max_listpack_entries, 0, LONG_MAX),
    Int("zset-max-listpack-entries", &RC::zset_max_listpack_entries, 0, LONG_MAX, kLive,
        "zset-max-ziplist-entries"),
    Int("zset-max-listpack-value", &RC::zset_max_listpack_value, 0, LONG_MAX, kLive,
        "zset-max-ziplist-value"),
    // XADD closes a stream node where Redis closes its listpack; read per command.
    {.name = "stream-node-max-bytes",
     .type = kMemory,
     .num = &RC::stream_node_max_bytes,
     .max = LONG_MAX},
    Int("stream-node-max-entries", &RC::stream_node_max_entries, 0, LLONG_MAX),
    {.name = "hll-sparse-max-bytes",
     .type = kMemory,
     .num = &RC::hll_sparse_max_bytes,
     .max = LONG_MAX},
    Bool("appendonly", &RC::appendonly, kFixed),  // RDB snapshots only: no append-only file
    // Lacewing frees values where they are deleted; there is no lazy-free thread.
    Bool("lazyfree-lazy-user-del", &RC::lazyfree_lazy_user_del, kFixed),
    Bool("lazyfree-lazy-user-flush", &RC::lazyfree_lazy_user_flush, kFixed),
    {.name = "loglevel", .type = kEnum, .num = &RC::loglevel, .choices = kLogLevels},
    Str("save", kSave, &RC::save, kLive),  // the snapshot schedule (engine/persistence.h)
    // Parsed into notify:: bits; shown in Redis's normal form ("AKE" for "KEA").
    {.name = "notify-keyspace-events", .type = kNotify, .num = &RC::notify_flags},
    Str("dbfilename", kString, &RC::dbfilename, kProtected),
};

// client-output-buffer-limit "<class> <hard> <soft> <seconds> ...", Redis's grammar: class
// normal, replica/slave or pubsub; sizes with units. Starts from `limits` (classes not named
// keep their values). False with Redis's reason in *err.
using ObufLimits = int64_t[3][3];
bool ParseObufLimits(std::string_view value, ObufLimits limits, std::string* err) {
  std::vector<std::string_view> words;
  for (size_t i = 0; i < value.size();) {
    while (i < value.size() && value[i] == ' ') ++i;
    size_t start = i;
    while (i < value.size() && value[i] != ' ') ++i;
    if (i > start) words.push_back(value.substr(start, i - start));
  }
  if (words.size() % 4 != 0) {
    *err = "Wrong number of arguments in buffer limit configuration.";
    return false;
  }
  for (size_t j = 0; j < words.size(); j += 4) {
    int cls;
    if (EqualsIgnoreCase(words[j], "normal")) {
      cls = RC::kObufNormal;
    } else if (EqualsIgnoreCase(words[j], "replica") || EqualsIgnoreCase(words[j], "slave")) {
      cls = RC::kObufReplica;
    } else if (EqualsIgnoreCase(words[j], "pubsub")) {
      cls = RC::kObufPubsub;
    } else {
      *err = "Invalid client class specified in buffer limit configuration.";
      return false;
    }
    std::optional<uint64_t> hard = ParseMemorySize(words[j + 1]);
    std::optional<uint64_t> soft = ParseMemorySize(words[j + 2]);
    int64_t seconds;
    if (!hard || !soft || !ParseRedisInt(words[j + 3], &seconds) || seconds < 0) {
      *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
      return false;
    }
    limits[cls][0] = int64_t(*hard);
    limits[cls][1] = int64_t(*soft);
    limits[cls][2] = seconds;
  }
  return true;
}

std::string ObufLimitsValue(RuntimeConfig& rt) {
  auto& l = rt.obuf_limits;
  std::string out;
  const char* names[] = {"normal", "slave", "pubsub"};
  for (int c = 0; c < 3; ++c) {
    out += Cat(c ? " " : "", names[c], " ", uint64_t(l[c][0].load()), " ", uint64_t(l[c][1].load()),
               " ", l[c][2].load());
  }
  return out;
}

bool HasGlobChars(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

const Param* FindParam(std::string_view name) {
  for (const Param& p : kParams) {
    if (EqualsIgnoreCase(p.name, name) || (!p.alias.empty() && EqualsIgnoreCase(p.alias, name))) {
      return &p;
    }
  }
  return nullptr;
}

// The value of a runtime setting (every type but kConst) in `rt`.
std::string RuntimeValue(const Param& p, RuntimeConfig& rt) {
  switch (p.type) {
    case kInt:
    case kMemory:
      if (p.is_unsigned) return std::to_string(uint64_t((rt.*p.num).load()));
      return std::to_string((rt.*p.num).load());
    case kBool:
      return (rt.*p.num).load() ? "yes" : "no";
    case kNotify:
      return KeyspaceEventsString(uint32_t((rt.*p.num).load()));
    case kEnum:
      return std::string(p.choices[size_t((rt.*p.num).load())]);
    case kString:
    case kSave:
    case kPercentiles: {
      std::lock_guard<std::mutex> lock(rt.mu);
      return rt.*p.str;
    }
    case kConst:
      break;
    case kObufLimits:
      return ObufLimitsValue(rt);
  }
  return "";
}

std::string ParamValue(const Param& p, Service* service) {
  return p.type == kConst ? p.get(service) : RuntimeValue(p, service->runtime());
}

bool ValidSave(std::string_view v) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && v[i] == ' ') ++i;
    size_t start = i;
    while (i < v.size() && v[i] != ' ') ++i;
    if (i > start) parts.push_back(v.substr(start, i - start));
  }
  if (parts.size() % 2 != 0) return false;
  for (std::string_view p : parts) {
    int64_t n;
    if (!ParseRedisInt(p, &n)) return false;
  }
  return true;
}

// kInt and kMemory: the number and Redis's range check.
// latency-tracking-info-percentiles: numbers in [0, 100] separated by spaces, normalized as
// Redis prints them ("%f" less trailing zeros). "" (with *err empty) for an empty list; on a
// bad value "" and Redis's reason in *err.
std::string NormalizePercentiles(std::string_view value, std::string* err) {
  std::string out;
  err->clear();
  for (absl::string_view word :
       absl::StrSplit(absl::string_view(value.data(), value.size()), ' ', absl::SkipEmpty())) {
    std::string w(word);
    char* end = nullptr;
    double d = std::strtod(w.c_str(), &end);
    if (w.empty() || end != w.c_str() + w.size() || std::isnan(d)) {
      *err = "Invalid latency-tracking-info-percentiles parameters";
      return "";
    }
    if (d < 0 || d > 100) {
      *err = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
      return "";
    }
    char buf[64];
    std::string text(buf, size_t(snprintf(buf, sizeof(buf), "%f", d)));
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
    if (!out.empty()) out += ' ';
    out += text;
  }
  return out;
}

bool ParseNumber(const Param& p, std::string_view value, int64_t* num, std::string* err) {
  if (p.type == kInt) {
    if (!ParseRedisInt(value, num)) {
      *err = "argument couldn't be parsed into an integer";
      return false;
    }
  } else {
    std::optional<uint64_t> bytes = ParseMemorySize(value);
    if (!bytes) {
      *err = "argument must be a memory value";
      return false;
    }
    *num = int64_t(*bytes);  // Redis too reads a signed setting's 2^63 and above as negative
    if (p.is_unsigned) return true;
  }
  if (*num < p.min || *num > p.max) {
    *err = Cat("argument must be between ", p.min, " and ", p.max, " inclusive");
    return false;
  }
  return true;
}

bool ParseEnum(const Param& p, std::string_view value, int64_t* num, std::string* err) {
  for (size_t i = 0; i < p.choices.size(); ++i) {
    if (EqualsIgnoreCase(value, p.choices[i])) {
      *num = int64_t(i);
      return true;
    }
  }
  *err = "argument(s) must be one of the following: ";
  for (size_t i = 0; i < p.choices.size(); ++i) {
    if (i) *err += ", ";
    *err += p.choices[i];
  }
  return false;
}

// Parses `value` for `p`; on failure returns false and sets *err to Redis's reason.
bool ParseParam(const Param& p, std::string_view value, int64_t* num, std::string* err) {
  switch (p.type) {
    case kInt:
    case kMemory:
      return ParseNumber(p, value, num, err);
    case kBool:
      if (EqualsIgnoreCase(value, "yes") || EqualsIgnoreCase(value, "no")) {
        *num = EqualsIgnoreCase(value, "yes") ? 1 : 0;
        return true;
      }
      *err = "argument must be 'yes' or 'no'";
      return false;
    case kEnum:
      return ParseEnum(p, value, num, err);
    case kSave:
      if (ValidSave(value)) {
        std::vector<Persistence::SavePoint> points;
        if (Persistence::ParseSavePoints(value, &points)) return true;
      }
      *err = "Invalid save parameters";
      return false;
    case kString:
      return true;
    case kPercentiles:
      return !NormalizePercentiles(value, err).empty() || err->empty();
    case kObufLimits: {
      ObufLimits scratch = {};
      return ParseObufLimits(value, scratch, err);
    }
    case kNotify: {
      uint32_t flags = 0;
      if (!ParseKeyspaceEvents(value, &flags)) {
        *err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return false;
      }
      *num = flags;
      return true;
    }
    case kConst:
      break;
  }
  *err = "can't set immutable config";
  return false;
}

// kFixed settings: true if the parsed value is the one in force (nothing would change).
bool IsValueInForce(const Param& p, RuntimeConfig& rt, std::string_view value, int64_t num) {
  if (p.num) return (rt.*p.num).load() == num;
  std::lock_guard<std::mutex> lock(rt.mu);
  return rt.*p.str == value;
}

// glog's levels for Redis's: debug also turns on VLOG(1); warning hides INFO lines.
void ApplyLogLevel(int64_t level) {
  FLAGS_v = level == 0 ? 1 : 0;
  FLAGS_minloglevel = level == 3 ? google::GLOG_WARNING : google::GLOG_INFO;
}

void ApplyParam(const Param& p, Service* service, std::string_view value, int64_t num) {
  RuntimeConfig& rt = service->runtime();
  if (p.type == kObufLimits) {
    ObufLimits limits;
    for (int c = 0; c < 3; ++c) {
      for (int k = 0; k < 3; ++k) limits[c][k] = rt.obuf_limits[c][k].load();
    }
    std::string unused;
    ParseObufLimits(value, limits, &unused);  // validated by ParseParam
    for (int c = 0; c < 3; ++c) {
      for (int k = 0; k < 3; ++k) rt.obuf_limits[c][k].store(limits[c][k]);
    }
  } else if (p.num) {
    if (p.num == &RC::hz) num = std::clamp<int64_t>(num, 1, 500);  // Redis clamps hz
    if (p.num == &RC::loglevel) ApplyLogLevel(num);
    (rt.*p.num).store(num);
  } else if (p.str) {
    std::string unused;
    std::string stored =
        p.type == kPercentiles ? NormalizePercentiles(value, &unused) : std::string(value);
    {
      std::lock_guard<std::mutex> lock(rt.mu);
      (rt.*p.str) = std::move(stored);
    }
    // The default user's password (existing connections stay authenticated, as in Redis).
    if (p.str == &RC::requirepass) service->acl().SetDefaultPassword(value);
    if (p.str == &RC::save) {
      std::vector<Persistence::SavePoint> points;
      Persistence::ParseSavePoints(value, &points);
      service->persistence().SetSavePoints(std::move(points));
    }
  }
}

constexpr std::string_view kConfigHelp[] = {
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
};

void ConfigGet(CmdArgs args, ConnectionContext* cntx) {
  // Matches in the order found; each setting once (an alias and its name may both match a
  // pattern, as in Redis).
  std::vector<std::pair<std::string, const Param*>> found;
  auto seen = [&](std::string_view name) {
    for (const auto& [n, p] : found) {
      if (EqualsIgnoreCase(n, name)) return true;
    }
    return false;
  };
  for (size_t i = 2; i < args.size(); ++i) {
    std::string_view pattern = args[i];
    if (!HasGlobChars(pattern)) {
      if (seen(pattern)) continue;
      if (const Param* p = FindParam(pattern)) found.emplace_back(std::string(pattern), p);
      continue;
    }
    for (const Param& p : kParams) {
      if (p.hidden) continue;
      for (std::string_view name : {p.name, p.alias}) {
        if (name.empty() || seen(p.name)) continue;
        if (glob::Match(pattern, name, /*nocase=*/true)) found.emplace_back(std::string(name), &p);
      }
    }
  }
  cntx->rb->StartMap(found.size());
  for (const auto& [name, p] : found) {
    cntx->rb->SendBulk(name);
    cntx->rb->SendBulk(ParamValue(*p, cntx->service));
  }
}

struct Change {
  const Param* param;
  std::string_view shown;  // the name as the client spelled it: errors repeat it
  std::string_view value;
  int64_t num = 0;
};

// The first pass of CONFIG SET, as Redis's: unknown names first, then immutable and
// duplicate ones. Returns the error to reply, or "" with *changes filled.
std::string CollectChanges(CmdArgs args, std::vector<Change>* changes) {
  std::string_view unknown, failed_arg;
  std::string reason;
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    const Param* p = FindParam(args[i]);
    if (p == nullptr) {
      if (unknown.empty()) unknown = args[i];
      continue;
    }
    if (!unknown.empty() || !failed_arg.empty()) continue;
    if (p->settable == kImmutable || p->settable == kProtected) {
      failed_arg = args[i];
      reason =
          p->settable == kImmutable ? "can't set immutable config" : "can't set protected config";
      continue;
    }
    for (size_t j = 2; j < i; j += 2) {
      if (EqualsIgnoreCase(args[j], args[i])) {
        failed_arg = args[i];
        reason = "duplicate parameter";
      }
    }
    std::string_view shown =
        !p->alias.empty() && EqualsIgnoreCase(p->alias, args[i]) ? p->alias : p->name;
    changes->push_back({p, shown, args[i + 1]});
  }
  if (!unknown.empty()) return errors::ConfigSetUnknown(unknown);
  if (!failed_arg.empty()) return errors::ConfigSetFailed(failed_arg, reason);
  return "";
}

void ConfigSet(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  Service* service = cntx->service;
  if (args.size() % 2 != 0) return rb->SendError(errors::kSyntax);
  std::vector<Change> changes;
  if (std::string error = CollectChanges(args, &changes); !error.empty()) {
    return rb->SendError(error);
  }
  std::string reason;
  for (Change& c : changes) {
    if (!ParseParam(*c.param, c.value, &c.num, &reason)) {
      return rb->SendError(errors::ConfigSetFailed(c.shown, reason));
    }
    if (c.param->settable == kFixed &&
        !IsValueInForce(*c.param, service->runtime(), c.value, c.num)) {
      reason = Cat("not supported by Lacewing (the only value accepted is '",
                   ParamValue(*c.param, service), "')");
      return rb->SendError(errors::ConfigSetFailed(c.shown, reason));
    }
  }
  std::vector<std::string> before;  // the values replaced, should TLS refuse the new ones
  for (const Change& c : changes) before.push_back(ParamValue(*c.param, service));
  for (const Change& c : changes) ApplyParam(*c.param, service, c.value, c.num);
  // TLS takes the new files at once, for new connections; if they do not make a context, every
  // value goes back and the old context keeps serving, as in Redis.
  auto tls = std::find_if(changes.begin(), changes.end(),
                          [](const Change& c) { return c.param->name.starts_with("tls-"); });
  if (std::string error = tls == changes.end() ? "" : service->ReloadTls(); !error.empty()) {
    LOG(WARNING) << "Failed applying new configuration. Possibly related to new " << tls->shown
                 << " setting. Restoring previous settings.";
    for (size_t i = 0; i < changes.size(); ++i) {
      ParseParam(*changes[i].param, before[i], &changes[i].num, &reason);
      ApplyParam(*changes[i].param, service, before[i], changes[i].num);
    }
    return rb->SendError(errors::ConfigSetFailed(tls->shown, error));
  }
  rb->SendOk();
}

std::string DirectiveLine(const Param& p, Service* service) {
  std::string value = ParamValue(p, service);
  // Lists of words are written as several arguments, as Redis writes them.
  bool list = p.type == kSave || p.name == "bind";
  return Cat(p.name, " ", list && !value.empty() ? value : QuoteConfigValue(value));
}

// The first word of a config-file line, or "" for blank and comment lines.
std::string_view DirectiveName(std::string_view line) {
  size_t b = line.find_first_not_of(" \t");
  if (b == std::string_view::npos || line[b] == '#') return {};
  size_t e = line.find_first_of(" \t\r", b);
  return line.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
}

// CONFIG REWRITE: each setting the file names gets its current value in place (comments,
// other lines and their order kept; a repeated setting keeps its first line only); every
// other setting whose value differs from its default is appended, then the users, as Redis
// does. The file is replaced atomically (written beside it, fsynced, renamed).
std::string RewriteConfigFile(Service* service) {
  const std::string& path = service->config().config_file;
  std::ifstream in(path);
  if (!in) return Cat("ERR Rewriting config file: ", strerror(errno));
  std::vector<const Param*> written;
  std::string out, line;
  auto seen = [&](const Param* p) {
    return std::find(written.begin(), written.end(), p) != written.end();
  };
  // Users as Redis writes them without an aclfile: each `user` line of the file gives its place
  // to the next user (by name), the others are appended; with an aclfile there are none.
  std::vector<std::string> users;
  if (service->acl().aclfile().empty()) {
    for (const auto& u : service->acl().All()) {
      users.push_back(acl::DescribeUser(*u, service->acl().table()));
    }
  }
  size_t next_user = 0;
  while (std::getline(in, line)) {
    const Param* p = FindParam(DirectiveName(line));
    if (EqualsIgnoreCase(DirectiveName(line), "user")) {
      if (next_user < users.size()) out += users[next_user++] + "\n";
    } else if (p == nullptr) {
      out += line + "\n";
    } else if (!seen(p)) {
      written.push_back(p);
      out += DirectiveLine(*p, service) + "\n";
    }
  }
  static RuntimeConfig defaults;
  bool header = false;
  for (const Param& p : kParams) {
    if (seen(&p) || p.type == kConst) continue;
    if (RuntimeValue(p, service->runtime()) == RuntimeValue(p, defaults)) continue;
    if (!header) out += "# Generated by CONFIG REWRITE\n";
    header = true;
    out += DirectiveLine(p, service) + "\n";
  }
  for (; next_user < users.size(); ++next_user) {
    if (!header) out += "# Generated by CONFIG REWRITE\n";
    header = true;
    out += users[next_user] + "\n";
  }
  std::string tmp = Cat(path, ".rewrite-", getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Cat("ERR Rewriting config file: ", strerror(errno));
  bool ok = write(fd, out.data(), out.size()) == ssize_t(out.size()) && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    unlink(tmp.c_str());
    return Cat("ERR Rewriting config file: ", strerror(err));
  }
  return "";
}

void Config(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string sub = AsciiUpper(args[1]);
  if (sub == "GET") {
    if (args.size() < 3) return rb->SendError(errors::WrongArity("config|get"));
    return ConfigGet(args, cntx);
  }
  if (sub == "SET") {
    if (args.size() < 4) return rb->SendError(errors::WrongArity("config|set"));
    return ConfigSet(args, cntx);
  }
  if (sub == "RESETSTAT") {
    if (args.size() != 2) return rb->SendError(errors::WrongArity("config|resetstat"));
    cntx->service->ResetStats();
    return rb->SendOk();
  }
  if (sub == "REWRITE") {
    if (args.size() != 2) return rb->SendError(errors::WrongArity("config|rewrite"));
    if (cntx->service->config().config_file.empty()) {
      return rb->SendError(errors::kNoConfigFile);
    }
    std::string error = RewriteConfigFile(cntx->service);
    return error.empty() ? rb->SendOk() : rb->SendError(error);
  }
  if (sub == "HELP") {
    if (args.size() != 2) return rb->SendError(errors::WrongArity("config|help"));
    return SendHelp(rb, kConfigHelp);
  }
  rb->SendError(errors::UnknownSubcommand(args[1], "CONFIG"));
}

}  // namespace

bool IsConfigSetting(std::string_view name) { return FindParam(name) != nullptr; }

std::string CheckStartupSetting(std::string_view name, std::string_view value) {
  const Param* p = FindParam(name);
  if (p == nullptr) return "Bad directive or wrong number of arguments";
  if (p->type == kConst) {
    if (!p->fixed.empty() && EqualsIgnoreCase(value, p->fixed)) return "";
    if (!p->fixed.empty()) {
      return Cat("not supported by Lacewing (the only value accepted is '", p->fixed, "')");
    }
    return "not supported by Lacewing as a start-up setting";
  }
  int64_t num = 0;
  std::string err;
  if (!ParseParam(*p, value, &num, &err)) return err;
  static RuntimeConfig defaults;  // start-up runs on one thread
  if (p->settable == kFixed && !IsValueInForce(*p, defaults, value, num)) {
    return Cat("not supported by Lacewing (the only value accepted is '",
               RuntimeValue(*p, defaults), "')");
  }
  return "";
}

void ApplyStartupSettings(Service* service) {
  for (const auto& [name, value] : service->config().settings) {
    const Param* p = FindParam(name);
    int64_t num = 0;
    std::string err;
    if (p == nullptr || p->type == kConst || !ParseParam(*p, value, &num, &err)) continue;
    ApplyParam(*p, service, value, num);
  }
}

std::string DescribeSettings() {
  static RuntimeConfig defaults;
  std::string out;
  for (const Param& p : kParams) {
    std::string line = Cat("  ", p.name);
    if (!p.alias.empty()) line += Cat(" (alias ", p.alias, ")");
    if (p.type == kConst) {
      line += p.fixed.empty() ? "  [start-up only]" : Cat("  [always ", p.fixed, "]");
    } else {
      line += Cat("  default: '", RuntimeValue(p, defaults), "'");
      if (p.settable == kFixed) line += "  [no other value]";
      if (p.settable == kProtected) line += "  [start-up only]";
    }
    out += line + "\n";
  }
  return out;
}

void RegisterConfigFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register(
      {"config", -2, kAdmin | kNoScript | kLoading | kStale | kNoKeyspace, 0, 0, 0, Config});
}

}  // namespace lw
