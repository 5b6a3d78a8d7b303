// Server and connection commands: HELLO, INFO, CONFIG, CLIENT, TIME, SHUTDOWN, RESET.
//
// Replies follow Redis 7.0 byte for byte where Redis has the same data. INFO reports Redis's
// field names (clients parse them) with Lacewing's own numbers, plus a few Lacewing lines
// (shard_N_used_memory, proactor_threads). Whole-server figures are gathered from every
// thread by sending it a brief task (AwaitBriefOnAll / ShardSet::AwaitOnAll): no thread reads
// another's data.
#include "server/families/server_family.h"

#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <absl/strings/str_format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cstdio>
#include <fstream>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "base/malloc_accounting.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/families/pubsub_family.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/glob.h"

namespace lw {

namespace {

constexpr std::string_view kRedisVersion = "7.0.15";

// String concatenation of text and numbers (std::string_view-friendly, unlike Debian's absl).
void AppendPiece(std::string* out, std::string_view s) { out->append(s); }
void AppendPiece(std::string* out, const char* s) { out->append(s); }
void AppendPiece(std::string* out, char c) { out->push_back(c); }
template <typename T>
requires std::is_arithmetic_v<T>
void AppendPiece(std::string* out, T v) { out->append(std::to_string(v)); }
template <typename... Ts>
std::string Cat(const Ts&... parts) {
  std::string out;
  (AppendPiece(&out, parts), ...);
  return out;
}

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SendHelp(ReplyBuilder* rb, std::span<const std::string_view> lines) {
  rb->StartArray(lines.size());
  for (std::string_view line : lines) rb->SendSimpleString(line);
}

// Redis's default user: with no requirepass it accepts any password ("nopass").
bool CheckPassword(ConnectionContext* cntx, std::string_view user, std::string_view pass) {
  const std::string& required = cntx->service->config().requirepass;
  if (user != "default") return false;
  return required.empty() || pass == required;
}

// Redis accepts client names made of printable ASCII without spaces.
bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// HELLO, RESET, TIME, SHUTDOWN

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
      if (!CheckPassword(cntx, args[j + 1], args[j + 2])) {
        return rb->SendError(errors::kWrongPass);
      }
      cntx->authenticated = true;
      j += 2;
    } else if (EqualsIgnoreCase(args[j], "SETNAME") && more >= 1) {
      if (!ValidClientName(args[j + 1])) return rb->SendError(errors::kBadClientName);
      cntx->name = std::string(args[j + 1]);
      j += 1;
    } else {
      return rb->SendError(errors::HelloSyntax(args[j]));
    }
  }
  if (!cntx->authenticated) return rb->SendError(errors::kHelloNoAuth);
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
  cntx->pubsub.reset();  // leaves every channel and pattern
  cntx->channels = cntx->patterns = 0;
  cntx->db_index = 0;
  cntx->name.clear();
  cntx->rb->SetRespVersion(RespVersion::kResp2);
  cntx->authenticated = cntx->service->config().requirepass.empty();
  cntx->rb->SendSimpleString("RESET");
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
        return rb->SendError("ERR count should be greater than or equal to -1");
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
  timeval tv;
  gettimeofday(&tv, nullptr);
  std::string parts[2] = {std::to_string(tv.tv_sec), std::to_string(tv.tv_usec)};
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
  // Shutdown is immediate here (nothing to save), so there is never one to abort.
  if (abort) return cntx->rb->SendError(errors::kNoShutdownInProgress);
  // Like Redis, no reply: the client sees the connection close.
  cntx->close_after_reply = true;
  cntx->service->RequestShutdown();
}

// ---------------------------------------------------------------------------------------
// INFO

enum Section : uint32_t {
  kServer = 1u << 0,
  kClients = 1u << 1,
  kMemory = 1u << 2,
  kPersistence = 1u << 3,
  kStats = 1u << 4,
  kReplication = 1u << 5,
  kCpu = 1u << 6,
  kModules = 1u << 7,
  kCommandStats = 1u << 8,
  kErrorStats = 1u << 9,
  kLatencyStats = 1u << 10,
  kCluster = 1u << 11,
  kKeyspace = 1u << 12,
};

struct SectionName {
  Section section;
  std::string_view name;
};
constexpr SectionName kSections[] = {
    {kServer, "server"},
    {kClients, "clients"},
    {kMemory, "memory"},
    {kPersistence, "persistence"},
    {kStats, "stats"},
    {kReplication, "replication"},
    {kCpu, "cpu"},
    {kModules, "modules"},
    {kCommandStats, "commandstats"},
    {kErrorStats, "errorstats"},
    {kLatencyStats, "latencystats"},
    {kCluster, "cluster"},
    {kKeyspace, "keyspace"},
};
constexpr uint32_t kDefaultSections = kServer | kClients | kMemory | kPersistence | kStats |
                                      kReplication | kCpu | kModules | kErrorStats | kCluster |
                                      kKeyspace;
constexpr uint32_t kAllSections = kDefaultSections | kCommandStats | kLatencyStats;

// Redis's bytesToHuman().
std::string BytesToHuman(uint64_t n) {
  constexpr std::string_view kUnits = "KMGTPE";
  if (n < 1024) return Cat(n, "B");
  double d = double(n) / 1024;
  size_t unit = 0;
  while (d >= 1024 && unit + 1 < kUnits.size()) {
    d /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.2f%c", d, kUnits[unit]);
}

uint64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * uint64_t(sysconf(_SC_PAGESIZE));
}

const std::string& RunId() {
  static const std::string* id = [] {
    std::random_device rd;
    std::mt19937_64 gen(rd());
    std::string out;
    for (int i = 0; i < 40; ++i) out.push_back("0123456789abcdef"[gen() % 16]);
    return new std::string(out);
  }();
  return *id;
}

std::string Executable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf));
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

std::string Cwd() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) ? std::string(buf) : std::string();
}

constexpr std::string_view kPolicies[] = {"volatile-lru",   "volatile-lfu", "volatile-random",
                                          "volatile-ttl",   "allkeys-lru",  "allkeys-lfu",
                                          "allkeys-random", "noeviction"};
constexpr std::string_view kLogLevels[] = {"debug", "verbose", "notice", "warning"};

// What the shards know, summed or per shard.
struct ShardFigures {
  std::vector<uint64_t> keys, expires;  // per db
  uint64_t expired_keys = 0, hits = 0, misses = 0, evicted_keys = 0;
};

ShardFigures GatherShards(Service* service) {
  ShardFigures out;
  out.keys.assign(DbSlice::kNumDbs, 0);
  out.expires.assign(DbSlice::kNumDbs, 0);
  std::vector<ShardFigures> per(service->shards().size());
  service->shards().AwaitOnAll([&](Shard* shard) {
    ShardFigures& f = per[shard->id];
    for (int db = 0; db < DbSlice::kNumDbs; ++db) {
      f.keys.push_back(shard->db_slice.DbSize(db));
      f.expires.push_back(shard->db_slice.ExpireCount(db));
    }
    const DbSlice::Stats& s = shard->db_slice.stats();
    f.expired_keys = s.expired_keys;
    f.hits = s.keyspace_hits;
    f.misses = s.keyspace_misses;
    f.evicted_keys = s.evicted_keys;
  });
  for (const ShardFigures& f : per) {
    for (int db = 0; db < DbSlice::kNumDbs; ++db) {
      out.keys[db] += f.keys[db];
      out.expires[db] += f.expires[db];
    }
    out.expired_keys += f.expired_keys;
    out.hits += f.hits;
    out.misses += f.misses;
    out.evicted_keys += f.evicted_keys;
  }
  return out;
}

class InfoWriter {
 public:
  void Section(std::string_view title) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += Cat("# ", title, "\r\n");
  }
  template <typename V>
  void Line(std::string_view key, const V& value) {
    out_ += Cat(key, ":", value, "\r\n");
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

void Info(CmdArgs args, ConnectionContext* cntx) {
  Service* service = cntx->service;
  uint32_t sections = 0;
  if (args.size() == 1) sections = kDefaultSections;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string name = AsciiLower(args[i]);
    if (name == "default") {
      sections |= kDefaultSections;
    } else if (name == "all" || name == "everything") {
      sections |= kAllSections;
    } else {
      for (const SectionName& s : kSections) {
        if (s.name == name) sections |= s.section;
      }
    }
  }

  std::optional<ShardFigures> shard_figures;
  if (sections & (kStats | kKeyspace)) shard_figures = GatherShards(service);
  RuntimeConfig& rt = service->runtime();
  InfoWriter w;
  int64_t uptime_s = (SteadyNowNs() - service->start_steady_ns()) / 1000000000;

  if (sections & kServer) {
    w.Section("Server");
    utsname un{};
    uname(&un);
    timeval tv;
    gettimeofday(&tv, nullptr);
    w.Line("redis_version", kRedisVersion);
    w.Line("redis_git_sha1", "00000000");
    w.Line("redis_git_dirty", 0);
    w.Line("redis_build_id", "0");
    w.Line("redis_mode", "standalone");
    w.Line("os", Cat(un.sysname, " ", un.release, " ", un.machine));
    w.Line("arch_bits", sizeof(void*) * 8);
    w.Line("monotonic_clock", "POSIX clock_gettime");
    w.Line("multiplexing_api", service->config().multiplexing_api);
    w.Line("atomicvar_api", "c11-builtin");
    w.Line("gcc_version", Cat(__GNUC__, ".", __GNUC_MINOR__, ".", __GNUC_PATCHLEVEL__));
    w.Line("process_id", getpid());
    w.Line("process_supervised", "no");
    w.Line("run_id", RunId());
    w.Line("tcp_port", service->config().port);
    w.Line("server_time_usec", int64_t(tv.tv_sec) * 1000000 + tv.tv_usec);
    w.Line("uptime_in_seconds", uptime_s);
    w.Line("uptime_in_days", uptime_s / 86400);
    w.Line("hz", rt.hz.load());
    w.Line("configured_hz", rt.hz.load());
    w.Line("executable", Executable());
    w.Line("config_file", "");
    w.Line("io_threads_active", 0);
    w.Line("lacewing_version", "0.1.0");
    w.Line("proactor_threads", service->pool()->size());
  }
  if (sections & kClients) {
    w.Section("Clients");
    w.Line("connected_clients", service->connected_clients());
    w.Line("cluster_connections", 0);
    w.Line("maxclients", rt.maxclients.load());
    w.Line("client_recent_max_input_buffer", 0);
    w.Line("client_recent_max_output_buffer", 0);
    w.Line("blocked_clients", 0);
    w.Line("tracking_clients", 0);
    w.Line("clients_in_timeout_table", 0);
  }
  ScriptingInfo scripting;
  if (sections & (kMemory | kStats))
    scripting = service->config().scripting_info ? service->config().scripting_info(service)
                                                 : ScriptingInfo{};
  if (sections & kMemory) {
    std::vector<int64_t> per_thread(service->pool()->size());
    service->pool()->AwaitBriefOnAll(
        [&](io::Proactor* p) { per_thread[p->index()] = mem::ThreadAllocatedBytes(); });
    uint64_t used = uint64_t(std::max<int64_t>(mem::TotalAllocatedBytes(), 0));
    static std::atomic<uint64_t> peak{0};
    uint64_t seen = peak.load();
    while (used > seen && !peak.compare_exchange_weak(seen, used)) {
    }
    uint64_t peak_now = std::max(seen, used);
    uint64_t rss = RssBytes();
    uint64_t total_mem = uint64_t(sysconf(_SC_PHYS_PAGES)) * uint64_t(sysconf(_SC_PAGESIZE));
    uint64_t maxmemory = uint64_t(rt.maxmemory.load());
    w.Section("Memory");
    w.Line("used_memory", used);
    w.Line("used_memory_human", BytesToHuman(used));
    w.Line("used_memory_rss", rss);
    w.Line("used_memory_rss_human", BytesToHuman(rss));
    w.Line("used_memory_peak", peak_now);
    w.Line("used_memory_peak_human", BytesToHuman(peak_now));
    w.Line("used_memory_peak_perc",
           absl::StrFormat("%.2f%%", peak_now ? 100.0 * double(used) / double(peak_now) : 0.0));
    w.Line("total_system_memory", total_mem);
    w.Line("total_system_memory_human", BytesToHuman(total_mem));
    w.Line("used_memory_lua", scripting.used_memory_lua);
    w.Line("used_memory_lua_human", BytesToHuman(scripting.used_memory_lua));
    w.Line("number_of_cached_scripts", scripting.cached_scripts);
    w.Line("number_of_libraries", scripting.libraries);
    w.Line("maxmemory", maxmemory);
    w.Line("maxmemory_human", BytesToHuman(maxmemory));
    w.Line("maxmemory_policy", kPolicies[rt.maxmemory_policy.load()]);
    w.Line("mem_fragmentation_ratio",
           absl::StrFormat("%.2f", used ? double(rss) / double(used) : 0.0));
    w.Line("mem_allocator", "mimalloc");
    for (size_t i = 0; i < per_thread.size(); ++i) {
      w.Line(Cat("shard_", i, "_used_memory"), std::max<int64_t>(per_thread[i], 0));
    }
  }
  if (sections & kPersistence) {
    w.Section("Persistence");
    w.Line("loading", 0);
    w.Line("async_loading", 0);
    w.Line("rdb_changes_since_last_save", 0);
    w.Line("rdb_bgsave_in_progress", 0);
    w.Line("rdb_last_save_time", int64_t(time(nullptr)) - uptime_s);
    w.Line("rdb_last_bgsave_status", "ok");
    w.Line("aof_enabled", 0);
    w.Line("aof_rewrite_in_progress", 0);
    w.Line("aof_last_write_status", "ok");
  }
  if (sections & kStats) {
    PubsubCounts pubsub = GetPubsubCounts();
    w.Section("Stats");
    w.Line("total_connections_received", service->total_connections());
    w.Line("total_commands_processed", service->total_commands());
    w.Line("instantaneous_ops_per_sec", 0);
    w.Line("rejected_connections", 0);
    w.Line("expired_keys", shard_figures->expired_keys);
    w.Line("evicted_keys", shard_figures->evicted_keys);
    w.Line("keyspace_hits", shard_figures->hits);
    w.Line("keyspace_misses", shard_figures->misses);
    w.Line("pubsub_channels", pubsub.channels);
    w.Line("pubsub_patterns", pubsub.patterns);
    w.Line("pubsubshard_channels", 0);
    w.Line("latest_fork_usec", 0);
    w.Line("total_forks", 0);
    // Lacewing: scripts run per atomicity mode, and async-call flushes (squashed batches).
    w.Line("lua_scripts_lock_ahead", scripting.runs_lock_ahead);
    w.Line("lua_scripts_global", scripting.runs_global);
    w.Line("lua_scripts_non_atomic", scripting.runs_non_atomic);
    w.Line("lua_async_flushes", scripting.async_flushes);
    w.Line("lua_async_commands", scripting.async_commands);
    w.Line("lua_async_detached_flushes", scripting.detached_flushes);
  }
  if (sections & kReplication) {
    w.Section("Replication");
    w.Line("role", "master");
    w.Line("connected_slaves", 0);
    w.Line("master_failover_state", "no-failover");
    w.Line("master_replid", RunId());
    w.Line("master_replid2", std::string(40, '0'));
    w.Line("master_repl_offset", 0);
    w.Line("second_repl_offset", -1);
    w.Line("repl_backlog_active", 0);
  }
  if (sections & kCpu) {
    rusage self{}, children{};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    auto secs = [](const timeval& t) {
      return absl::StrFormat("%d.%06d", int64_t(t.tv_sec), int64_t(t.tv_usec));
    };
    w.Section("CPU");
    w.Line("used_cpu_sys", secs(self.ru_stime));
    w.Line("used_cpu_user", secs(self.ru_utime));
    w.Line("used_cpu_sys_children", secs(children.ru_stime));
    w.Line("used_cpu_user_children", secs(children.ru_utime));
  }
  if (sections & kModules) w.Section("Modules");
  if (sections & kCommandStats) {
    std::vector<CommandStats> total(service->registry().size());
    service->pool()->AwaitBriefOnAll([&, service](io::Proactor* p) {
      // Runs on p's thread: reads that thread's counters only.
      (void)p;
      const std::vector<CommandStats>& mine = service->LocalCommandStats();
      static std::mutex merge_mu;
      std::lock_guard<std::mutex> lock(merge_mu);
      for (size_t i = 0; i < mine.size() && i < total.size(); ++i) {
        total[i].calls += mine[i].calls;
        total[i].usec += mine[i].usec;
        total[i].rejected_calls += mine[i].rejected_calls;
        total[i].failed_calls += mine[i].failed_calls;
      }
    });
    std::vector<const CommandSpec*> specs = service->registry().All();
    std::sort(specs.begin(), specs.end(),
              [](const CommandSpec* a, const CommandSpec* b) { return a->name < b->name; });
    w.Section("Commandstats");
    for (const CommandSpec* spec : specs) {
      const CommandStats& s = total[spec->id];
      if (s.calls == 0 && s.rejected_calls == 0 && s.failed_calls == 0) continue;
      w.Line(Cat("cmdstat_", spec->name),
             absl::StrFormat("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,"
                             "failed_calls=%d",
                             s.calls, s.usec, s.calls ? double(s.usec) / double(s.calls) : 0.0,
                             s.rejected_calls, s.failed_calls));
    }
  }
  if (sections & kErrorStats) w.Section("Errorstats");
  if (sections & kLatencyStats) w.Section("Latencystats");
  if (sections & kCluster) {
    w.Section("Cluster");
    w.Line("cluster_enabled", 0);
  }
  if (sections & kKeyspace) {
    w.Section("Keyspace");
    for (int db = 0; db < DbSlice::kNumDbs; ++db) {
      if (shard_figures->keys[db] == 0) continue;
      w.Line(Cat("db", db), Cat("keys=", shard_figures->keys[db],
                                ",expires=", shard_figures->expires[db], ",avg_ttl=0"));
    }
  }
  cntx->rb->SendVerbatim(w.str());
}

// ---------------------------------------------------------------------------------------
// CONFIG

enum class ParamType { kInt, kMemory, kBool, kEnum, kString, kSave, kConst };

struct Param {
  std::string_view name;
  std::string_view alias;  // a second name for the same setting, or empty
  ParamType type;
  bool immutable = false;
  std::atomic<int64_t> RuntimeConfig::*num = nullptr;
  std::string RuntimeConfig::*str = nullptr;
  int64_t min = 0;
  int64_t max = LLONG_MAX;
  std::span<const std::string_view> choices = {};
  std::string (*get)(Service*) = nullptr;  // kConst
};

std::string GetPort(Service* s) { return std::to_string(s->config().port); }
std::string GetBind(Service* s) { return s->config().bind; }
std::string GetRequirepass(Service* s) { return s->config().requirepass; }
std::string GetDatabases(Service*) { return std::to_string(DbSlice::kNumDbs); }
std::string GetDir(Service*) { return Cwd(); }
std::string GetNo(Service*) { return "no"; }
std::string GetOne(Service*) { return "1"; }

using RC = RuntimeConfig;
const Param kParams[] = {
    {"port", "", ParamType::kConst, true, nullptr, nullptr, 0, 0, {}, GetPort},
    {"bind", "", ParamType::kConst, true, nullptr, nullptr, 0, 0, {}, GetBind},
    {"databases", "", ParamType::kConst, true, nullptr, nullptr, 0, 0, {}, GetDatabases},
    {"requirepass", "", ParamType::kConst, true, nullptr, nullptr, 0, 0, {}, GetRequirepass},
    {"dir", "", ParamType::kConst, true, nullptr, nullptr, 0, 0, {}, GetDir},
    {"daemonize", "", ParamType::kConst, true, nullptr, nullptr, 0, 0, {}, GetNo},
    {"cluster-enabled", "", ParamType::kConst, true, nullptr, nullptr, 0, 0, {}, GetNo},
    {"io-threads", "", ParamType::kConst, true, nullptr, nullptr, 0, 0, {}, GetOne},
    {"maxmemory", "", ParamType::kMemory, false, &RC::maxmemory, nullptr, 0, LLONG_MAX},
    {"maxmemory-policy", "", ParamType::kEnum, false, &RC::maxmemory_policy, nullptr, 0, 0,
     kPolicies},
    {"maxmemory-samples", "", ParamType::kInt, false, &RC::maxmemory_samples, nullptr, 1, 64},
    {"busy-reply-threshold", "lua-time-limit", ParamType::kInt, false, &RC::busy_reply_threshold_ms,
     nullptr, 0, LLONG_MAX},
    {"proto-max-bulk-len", "", ParamType::kMemory, false, &RC::proto_max_bulk_len, nullptr,
     1024 * 1024, LLONG_MAX},
    {"timeout", "", ParamType::kInt, false, &RC::timeout, nullptr, 0, INT_MAX},
    {"tcp-keepalive", "", ParamType::kInt, false, &RC::tcp_keepalive, nullptr, 0, INT_MAX},
    {"hz", "", ParamType::kInt, false, &RC::hz, nullptr, 0, INT_MAX},
    {"maxclients", "", ParamType::kInt, false, &RC::maxclients, nullptr, 1, INT_MAX},
    {"slowlog-log-slower-than", "", ParamType::kInt, false, &RC::slowlog_log_slower_than, nullptr,
     -1, LLONG_MAX},
    {"slowlog-max-len", "", ParamType::kInt, false, &RC::slowlog_max_len, nullptr, 0, LONG_MAX},
    {"latency-monitor-threshold", "", ParamType::kInt, false, &RC::latency_monitor_threshold,
     nullptr, 0, LLONG_MAX},
    {"list-max-listpack-size", "list-max-ziplist-size", ParamType::kInt, false,
     &RC::list_max_listpack_size, nullptr, INT_MIN, INT_MAX},
    {"hash-max-listpack-entries", "hash-max-ziplist-entries", ParamType::kInt, false,
     &RC::hash_max_listpack_entries, nullptr, 0, LONG_MAX},
    {"hash-max-listpack-value", "hash-max-ziplist-value", ParamType::kInt, false,
     &RC::hash_max_listpack_value, nullptr, 0, LONG_MAX},
    {"set-max-intset-entries", "", ParamType::kInt, false, &RC::set_max_intset_entries, nullptr, 0,
     LONG_MAX},
    {"set-max-listpack-entries", "", ParamType::kInt, false, &RC::set_max_listpack_entries, nullptr,
     0, LONG_MAX},
    {"zset-max-listpack-entries", "zset-max-ziplist-entries", ParamType::kInt, false,
     &RC::zset_max_listpack_entries, nullptr, 0, LONG_MAX},
    {"zset-max-listpack-value", "zset-max-ziplist-value", ParamType::kInt, false,
     &RC::zset_max_listpack_value, nullptr, 0, LONG_MAX},
    {"appendonly", "", ParamType::kBool, false, &RC::appendonly},
    {"lazyfree-lazy-user-del", "", ParamType::kBool, false, &RC::lazyfree_lazy_user_del},
    {"lazyfree-lazy-user-flush", "", ParamType::kBool, false, &RC::lazyfree_lazy_user_flush},
    {"loglevel", "", ParamType::kEnum, false, &RC::loglevel, nullptr, 0, 0, kLogLevels},
    {"save", "", ParamType::kSave, false, nullptr, &RC::save},
    {"notify-keyspace-events", "", ParamType::kString, false, nullptr, &RC::notify_keyspace_events},
    {"dbfilename", "", ParamType::kString, false, nullptr, &RC::dbfilename},
};

bool HasGlobChars(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

const Param* FindParam(std::string_view name) {
  for (const Param& p : kParams) {
    if (EqualsIgnoreCase(p.name, name) || (!p.alias.empty() && EqualsIgnoreCase(p.alias, name))) {
      return &p;
    }
  }
  return nullptr;
}

std::string ParamValue(const Param& p, Service* service) {
  RuntimeConfig& rt = service->runtime();
  switch (p.type) {
    case ParamType::kInt:
    case ParamType::kMemory:
      return std::to_string((rt.*p.num).load());
    case ParamType::kBool:
      return (rt.*p.num).load() ? "yes" : "no";
    case ParamType::kEnum:
      return std::string(p.choices[size_t((rt.*p.num).load())]);
    case ParamType::kString:
    case ParamType::kSave: {
      std::lock_guard<std::mutex> lock(rt.mu);
      return rt.*p.str;
    }
    case ParamType::kConst:
      return p.get(service);
  }
  return "";
}

// Redis's memtoull(): digits with an optional b/k/kb/m/mb/g/gb unit (k = 1000, kb = 1024).
bool ParseMemory(std::string_view s, int64_t* out) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  std::string unit = AsciiLower(s.substr(digits));
  uint64_t mul;
  if (unit.empty() || unit == "b") {
    mul = 1;
  } else if (unit == "k") {
    mul = 1000;
  } else if (unit == "kb") {
    mul = 1024;
  } else if (unit == "m") {
    mul = 1000ull * 1000;
  } else if (unit == "mb") {
    mul = 1024ull * 1024;
  } else if (unit == "g") {
    mul = 1000ull * 1000 * 1000;
  } else if (unit == "gb") {
    mul = 1024ull * 1024 * 1024;
  } else {
    return false;
  }
  if (digits > 20) return false;
  unsigned __int128 v = 0;
  for (size_t i = 0; i < digits; ++i) v = v * 10 + unsigned(s[i] - '0');
  v *= mul;
  if (v > (unsigned __int128)LLONG_MAX) return false;
  *out = int64_t(v);
  return true;
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

// Parses `value` for `p`; on failure returns false and sets *err to Redis's reason.
bool ParseParam(const Param& p, std::string_view value, int64_t* num, std::string* err) {
  switch (p.type) {
    case ParamType::kInt:
    case ParamType::kMemory: {
      if (p.type == ParamType::kInt) {
        if (!ParseRedisInt(value, num)) {
          *err = "argument couldn't be parsed into an integer";
          return false;
        }
      } else if (!ParseMemory(value, num)) {
        *err = "argument must be a memory value";
        return false;
      }
      if (*num < p.min || *num > p.max) {
        *err = Cat("argument must be between ", p.min, " and ", p.max, " inclusive");
        return false;
      }
      return true;
    }
    case ParamType::kBool:
      if (EqualsIgnoreCase(value, "yes")) {
        *num = 1;
      } else if (EqualsIgnoreCase(value, "no")) {
        *num = 0;
      } else {
        *err = "argument must be 'yes' or 'no'";
        return false;
      }
      return true;
    case ParamType::kEnum:
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
    case ParamType::kSave:
      if (!ValidSave(value)) {
        *err = "Invalid save parameters";
        return false;
      }
      return true;
    case ParamType::kString:
      return true;
    case ParamType::kConst:
      *err = "can't set immutable config";
      return false;
  }
  return false;
}

void ApplyParam(const Param& p, Service* service, std::string_view value, int64_t num) {
  RuntimeConfig& rt = service->runtime();
  if (p.num) {
    if (p.num == &RC::hz) num = std::clamp<int64_t>(num, 1, 500);  // Redis clamps hz
    (rt.*p.num).store(num);
  } else if (p.str) {
    std::lock_guard<std::mutex> lock(rt.mu);
    (rt.*p.str) = std::string(value);
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

void ConfigSet(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  if (args.size() % 2 != 0) return rb->SendError(errors::kSyntax);
  struct Change {
    const Param* param;
    std::string_view shown;
    std::string_view value;
    int64_t num = 0;
  };
  std::vector<Change> changes;
  std::string_view unknown, failed_arg;
  std::string reason;
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    const Param* p = FindParam(args[i]);
    if (p == nullptr) {
      if (unknown.empty()) unknown = args[i];
      continue;
    }
    if (!unknown.empty() || !failed_arg.empty()) continue;
    if (p->immutable) {
      failed_arg = args[i];
      reason = "can't set immutable config";
      continue;
    }
    for (size_t j = 2; j < i; j += 2) {
      if (EqualsIgnoreCase(args[j], args[i])) {
        failed_arg = args[i];
        reason = "duplicate parameter";
      }
    }
    // Errors name the setting as the client spelled it: the alias if that was used.
    std::string_view shown =
        !p->alias.empty() && EqualsIgnoreCase(p->alias, args[i]) ? p->alias : p->name;
    changes.push_back({p, shown, args[i + 1]});
  }
  if (!unknown.empty()) return rb->SendError(errors::ConfigSetUnknown(unknown));
  if (!failed_arg.empty()) return rb->SendError(errors::ConfigSetFailed(failed_arg, reason));
  // All values are checked before any is applied: a failing CONFIG SET changes nothing.
  for (Change& c : changes) {
    if (!ParseParam(*c.param, c.value, &c.num, &reason)) {
      return rb->SendError(errors::ConfigSetFailed(c.shown, reason));
    }
  }
  for (const Change& c : changes) ApplyParam(*c.param, cntx->service, c.value, c.num);
  rb->SendOk();
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
    return rb->SendError("ERR The server is running without a config file");
  }
  if (sub == "HELP") {
    if (args.size() != 2) return rb->SendError(errors::WrongArity("config|help"));
    return SendHelp(rb, kConfigHelp);
  }
  rb->SendError(errors::UnknownSubcommand(args[1], "CONFIG"));
}

// ---------------------------------------------------------------------------------------
// CLIENT

constexpr std::string_view kClientHelp[] = {
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
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
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
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
  std::string flags = c->subscribed() ? "P" : "N";
  return Cat("id=", c->client_id, " addr=", c->addr, " laddr=", c->laddr, " fd=", c->fd,
             " name=", c->name, " age=", age, " idle=", idle, " flags=", flags, " db=", c->db_index,
             " sub=", c->channels, " psub=", c->patterns, " ssub=0 multi=-1 qbuf=0 qbuf-free=0",
             " argv-mem=0 multi-mem=0 rbs=", c->rb->buffer().capacity(), " rbp=0 obl=0 oll=0",
             " omem=0 tot-mem=0 events=r cmd=", c->last_cmd,
             " user=default redir=-1 resp=", c->rb->IsResp3() ? 3 : 2, "\n");
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
  service->pool()->AwaitBriefOnAll([&](io::Proactor* p) {
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
  std::optional<std::string_view> addr, laddr;
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
        if (val != "default") return rb->SendError(errors::NoSuchUser(val));
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
  service->pool()->AwaitBriefOnAll([&](io::Proactor*) {
    std::vector<ConnectionContext*> victims;  // Kill() leaves the client map: collect first
    service->ForEachLocalClient([&](ConnectionContext* c) {
      if (id && c->client_id != *id) return;
      if (type && TypeOf(c) != *type) return;
      if (addr && c->addr != *addr) return;
      if (laddr && c->laddr != *laddr) return;
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
  } else if (sub == "HELP") {
    if (arity(2)) SendHelp(rb, kClientHelp);
  } else {
    rb->SendError(errors::UnknownSubcommand(args[1], "CLIENT"));
  }
}

}  // namespace

void RegisterServerFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"hello", -1, kNoScript | kLoading | kStale | kFast | kNoAuth, 0, 0, 0, Hello});
  r->Register({"reset", 1, kNoScript | kLoading | kStale | kFast | kNoAuth, 0, 0, 0, Reset});
  r->Register({"info", -1, kLoading | kStale, 0, 0, 0, Info});
  r->Register({"config", -2, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, Config});
  r->Register({"client", -2, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, Client});
  r->Register({"time", 1, kLoading | kStale | kFast, 0, 0, 0, Time});
  r->Register({"slowlog", -2, kAdmin | kLoading | kStale, 0, 0, 0, Slowlog});
  r->Register(
      {"shutdown", -1, kAdmin | kNoScript | kLoading | kStale | kNoMulti, 0, 0, 0, Shutdown});
}

}  // namespace lw
