// INFO [section ...]: Redis 7.0's sections, field names and order (clients parse them), with
// Lacewing's own numbers plus a few Lacewing lines (shard_N_used_memory, proactor_threads,
// the lua_* script counters).
//
// Each section is one function over an InfoContext that holds what several sections share
// (uptime, the shards' figures, the scripting figures), gathered once per INFO and only when a
// requested section needs it. Whole-server figures come from every thread by sending it a
// brief task (AwaitBriefOnAll / ShardSet::AwaitOnAll): no thread reads another's data.
#include "server/families/info_family.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_split.h>
#include <mimalloc.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/malloc_accounting.h"
#include "base/proc_stats.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/families/pubsub_family.h"
#include "server/families/server_util.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

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

// A random 40-hex-digit id, fixed for the process's life (run_id, master_replid).
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

// The main thread's user and system CPU time (/proc/self/task/<pid>/stat, clock ticks).
std::pair<timeval, timeval> MainThreadCpu() {
  std::pair<timeval, timeval> out{};
  std::ifstream in(absl::StrCat("/proc/self/task/", getpid(), "/stat"));
  std::string line;
  if (!std::getline(in, line)) return out;
  size_t paren = line.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return out;
  std::vector<std::string> f = absl::StrSplit(line.substr(paren + 2), ' ');
  // After the name: state is field 3, utime 14, stime 15 (f[0] is field 3).
  if (f.size() < 13) return out;
  long tick = sysconf(_SC_CLK_TCK);
  auto tv = [&](const std::string& s) {
    uint64_t t = std::strtoull(s.c_str(), nullptr, 10);
    return timeval{time_t(t / tick), suseconds_t((t % tick) * 1000000 / tick)};
  };
  return {tv(f[11]), tv(f[12])};
}

std::string Executable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf));
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

// What the shards know, summed over shards.
struct ShardFigures {
  std::vector<uint64_t> keys, expires;  // per db
  uint64_t expired_keys = 0, hits = 0, misses = 0, evicted_keys = 0;
  double expired_stale = 0;  // averaged over shards
  uint64_t expire_cap_reached = 0;
  uint64_t tracking_keys = 0, tracking_items = 0, tracking_prefixes = 0;
};

ShardFigures GatherShards(Service* service) {
  ShardFigures out;
  out.keys.assign(DbSlice::NumDbs(), 0);
  out.expires.assign(DbSlice::NumDbs(), 0);
  std::vector<ShardFigures> per(service->shards().size());
  service->shards().AwaitOnAll([&](Shard* shard) {
    ShardFigures& f = per[shard->id];
    for (int db = 0; db < DbSlice::NumDbs(); ++db) {
      f.keys.push_back(shard->db_slice.DbSize(db));
      f.expires.push_back(shard->db_slice.ExpireCount(db));
    }
    const DbSlice::Stats& s = shard->db_slice.stats();
    f.expired_keys = s.expired_keys;
    f.hits = s.keyspace_hits;
    f.misses = s.keyspace_misses;
    f.evicted_keys = s.evicted_keys;
    f.expired_stale = s.expired_stale;
    f.expire_cap_reached = s.expire_cap_reached;
    f.tracking_keys = shard->db_slice.tracking().keys();
    f.tracking_items = shard->db_slice.tracking().items();
    f.tracking_prefixes = shard->db_slice.tracking().prefixes();
  });
  for (const ShardFigures& f : per) {
    for (int db = 0; db < DbSlice::NumDbs(); ++db) {
      out.keys[db] += f.keys[db];
      out.expires[db] += f.expires[db];
    }
    out.expired_keys += f.expired_keys;
    out.hits += f.hits;
    out.misses += f.misses;
    out.evicted_keys += f.evicted_keys;
    out.expired_stale += f.expired_stale / double(per.size());
    out.expire_cap_reached += f.expire_cap_reached;
    out.tracking_keys += f.tracking_keys;
    out.tracking_items += f.tracking_items;
    // A BCAST prefix is registered on every shard: one client's prefix counts once.
    out.tracking_prefixes = std::max(out.tracking_prefixes, f.tracking_prefixes);
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

// What more than one section reports, gathered once per INFO.
struct InfoContext {
  Service* service;
  int64_t uptime_s;
  std::optional<ShardFigures> shards;  // for Stats and Keyspace
  ScriptingInfo scripting;             // for Memory and Stats
};

void ServerSection(const InfoContext& c, InfoWriter& w) {
  Service* service = c.service;
  utsname un{};
  uname(&un);
  int64_t hz = service->runtime().hz.load();
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
  w.Line("server_time_usec", UnixNowUs());
  w.Line("uptime_in_seconds", c.uptime_s);
  w.Line("uptime_in_days", c.uptime_s / 86400);
  w.Line("hz", hz);
  w.Line("configured_hz", hz);
  // The LRU clock keys are stamped with (DbSlice: Unix seconds in 24 bits, Redis's).
  w.Line("lru_clock", (UnixNowMs() / 1000) & ((1 << 24) - 1));
  w.Line("executable", Executable());
  w.Line("config_file", "");
  w.Line("io_threads_active", 0);
  w.Line("lacewing_version", kLacewingVersion);
  w.Line("proactor_threads", service->pool()->size());
}

// The clients of every thread for which pred(client) holds (read on each client's thread).
template <typename Pred>
size_t CountClients(Service* service, Pred pred) {
  std::vector<size_t> per_thread(service->pool()->size());
  service->pool()->AwaitBriefOnAll([&](io::Proactor* p) {
    service->ForEachLocalClient(
        [&](ConnectionContext* c) { per_thread[p->index()] += pred(c) ? 1 : 0; });
  });
  size_t n = 0;
  for (size_t v : per_thread) n += v;
  return n;
}

// Clients inside a blocking command (BLPOP, BZPOPMIN, BLMOVE...), counted on their threads.
size_t BlockedClients(Service* service) {
  return CountClients(service, [](const ConnectionContext* c) { return c->blocked; });
}

void ClientsSection(const InfoContext& c, InfoWriter& w) {
  w.Line("connected_clients", c.service->connected_clients());
  w.Line("cluster_connections", 0);
  w.Line("maxclients", c.service->runtime().maxclients.load());
  w.Line("client_recent_max_input_buffer", 0);
  w.Line("client_recent_max_output_buffer", 0);
  w.Line("blocked_clients", BlockedClients(c.service));
  w.Line("tracking_clients",
         CountClients(c.service, [](const ConnectionContext* x) { return x->tracking_on; }));
  w.Line("clients_in_timeout_table", 0);
}

// The largest used_memory any INFO has seen (Redis's peak is sampled too).
uint64_t UpdatePeak(uint64_t used) {
  static std::atomic<uint64_t> peak{0};
  uint64_t seen = peak.load();
  while (used > seen && !peak.compare_exchange_weak(seen, used)) {
  }
  return std::max(seen, used);
}

// Output and query buffers of this thread's clients (Redis's mem_clients_normal), as CLIENT
// LIST's tot-mem adds them up.
uint64_t ClientBuffers(Service* service) {
  std::vector<uint64_t> per_thread(service->pool()->size());
  service->pool()->AwaitBriefOnAll([&](io::Proactor* p) {
    service->ForEachLocalClient([&](ConnectionContext* c) {
      uint64_t& n = per_thread[p->index()];
      if (c->control) {
        n += c->control->OutputBytes() + c->control->QueryBufferUsed() +
             c->control->QueryBufferFree();
      }
      if (c->rb) n += c->rb->buffer().capacity();
    });
  });
  uint64_t n = 0;
  for (uint64_t v : per_thread) n += v;
  return n;
}

std::string Ratio(uint64_t a, uint64_t b) {
  return absl::StrFormat("%.2f", b ? double(a) / double(b) : 0.0);
}

// Redis 7.0's Memory section. used_memory is the heap every thread holds (exact, from the
// allocator's usable sizes); the dataset is the shard threads' heaps (keys, values, tables:
// MEMORY STATS's dataset.bytes), the overhead the rest. allocator_* come from mimalloc's
// process figures (committed and resident bytes).
void MemorySection(const InfoContext& c, InfoWriter& w) {
  Service* service = c.service;
  const RuntimeConfig& rt = service->runtime();
  std::vector<int64_t> per_thread(service->pool()->size());
  service->pool()->AwaitBriefOnAll(
      [&](io::Proactor* p) { per_thread[p->index()] = mem::ThreadAllocatedBytes(); });
  uint64_t used = uint64_t(std::max<int64_t>(mem::TotalAllocatedBytes(), 0));
  uint64_t shard_heaps = 0;
  for (int64_t v : per_thread) shard_heaps += uint64_t(std::max<int64_t>(v, 0));
  uint64_t startup = uint64_t(std::max<int64_t>(service->startup_memory(), 0));
  // The overhead includes what the server held at start-up, as Redis's does.
  uint64_t overhead = std::max(used - std::min(shard_heaps, used), std::min(startup, used));
  uint64_t dataset = used - overhead;
  uint64_t peak = UpdatePeak(used);
  uint64_t rss = ProcessRssBytes();
  uint64_t total_mem = TotalSystemMemoryBytes();
  size_t elapsed, user, sys, mi_rss, mi_peak_rss, mi_commit, mi_peak_commit, faults;
  mi_process_info(&elapsed, &user, &sys, &mi_rss, &mi_peak_rss, &mi_commit, &mi_peak_commit,
                  &faults);
  // mimalloc commits address space ahead of use: the active pages are those committed and
  // resident; the process's resident set includes them.
  uint64_t active = std::max<uint64_t>(std::min<uint64_t>(mi_commit, rss), used);
  uint64_t resident = std::max<uint64_t>(rss, active);
  // CONFIG SET stores maxmemory's bits: a value of 2^63 or more reads back negative.
  uint64_t maxmemory = uint64_t(rt.maxmemory.load());
  uint64_t lua = c.scripting.used_memory_lua;
  w.Line("used_memory", used);
  w.Line("used_memory_human", BytesToHuman(used));
  w.Line("used_memory_rss", rss);
  w.Line("used_memory_rss_human", BytesToHuman(rss));
  w.Line("used_memory_peak", peak);
  w.Line("used_memory_peak_human", BytesToHuman(peak));
  w.Line("used_memory_peak_perc",
         absl::StrFormat("%.2f%%", peak ? 100.0 * double(used) / double(peak) : 0.0));
  w.Line("used_memory_overhead", overhead);
  w.Line("used_memory_startup", startup);
  w.Line("used_memory_dataset", dataset);
  w.Line("used_memory_dataset_perc",
         absl::StrFormat("%.2f%%",
                         used > startup ? 100.0 * double(dataset) / double(used - startup) : 0.0));
  w.Line("allocator_allocated", used);
  w.Line("allocator_active", active);
  w.Line("allocator_resident", resident);
  w.Line("total_system_memory", total_mem);
  w.Line("total_system_memory_human", BytesToHuman(total_mem));
  // Lacewing's interpreters run EVAL scripts and FUNCTIONs alike: all of it is "eval".
  w.Line("used_memory_lua", lua);
  w.Line("used_memory_vm_eval", lua);
  w.Line("used_memory_lua_human", BytesToHuman(lua));
  w.Line("used_memory_scripts_eval", c.scripting.scripts_eval_bytes);
  w.Line("number_of_cached_scripts", c.scripting.cached_scripts);
  w.Line("number_of_functions", c.scripting.functions);
  w.Line("number_of_libraries", c.scripting.libraries);
  w.Line("used_memory_vm_functions", 0);
  w.Line("used_memory_vm_total", lua);
  w.Line("used_memory_vm_total_human", BytesToHuman(lua));
  uint64_t scripts = c.scripting.scripts_eval_bytes + c.scripting.functions_bytes;
  w.Line("used_memory_functions", c.scripting.functions_bytes);
  w.Line("used_memory_scripts", scripts);
  w.Line("used_memory_scripts_human", BytesToHuman(scripts));
  w.Line("maxmemory", maxmemory);
  w.Line("maxmemory_human", BytesToHuman(maxmemory));
  w.Line("maxmemory_policy", kMaxmemoryPolicies[rt.maxmemory_policy.load()]);
  w.Line("allocator_frag_ratio", Ratio(active, used));
  w.Line("allocator_frag_bytes", active - used);
  w.Line("allocator_rss_ratio", Ratio(resident, active));
  w.Line("allocator_rss_bytes", int64_t(resident) - int64_t(active));
  w.Line("rss_overhead_ratio", Ratio(rss, resident));
  w.Line("rss_overhead_bytes", int64_t(rss) - int64_t(resident));
  w.Line("mem_fragmentation_ratio", Ratio(rss, used));
  w.Line("mem_fragmentation_bytes", int64_t(rss) - int64_t(used));
  // No replication, cluster bus or AOF: those buffers do not exist.
  w.Line("mem_not_counted_for_evict", 0);
  w.Line("mem_replication_backlog", 0);
  w.Line("mem_total_replication_buffers", 0);
  w.Line("mem_clients_slaves", 0);
  w.Line("mem_clients_normal", ClientBuffers(service));
  w.Line("mem_cluster_links", 0);
  w.Line("mem_aof_buffer", 0);
  w.Line("mem_allocator", "mimalloc");
  // No defragmenter and no lazy-free thread (values are freed where they are deleted).
  w.Line("active_defrag_running", 0);
  w.Line("lazyfree_pending_objects", 0);
  w.Line("lazyfreed_objects", 0);
  for (size_t i = 0; i < per_thread.size(); ++i) {
    w.Line(Cat("shard_", i, "_used_memory"), std::max<int64_t>(per_thread[i], 0));
  }
}

// RDB snapshots (engine/persistence.h). Saves never fork, so the copy-on-write fields are 0;
// there is no append-only file.
void PersistenceSection(const InfoContext& c, InfoWriter& w) {
  Persistence::Info p = c.service->persistence().GetInfo();
  w.Line("loading", p.loading ? 1 : 0);
  w.Line("async_loading", 0);
  w.Line("current_cow_peak", 0);
  w.Line("current_cow_size", 0);
  w.Line("current_cow_size_age", 0);
  w.Line("current_fork_perc", "0.00");
  w.Line("current_save_keys_processed", p.current_save_keys_processed);
  w.Line("current_save_keys_total", p.current_save_keys_total);
  w.Line("rdb_changes_since_last_save", p.changes_since_last_save);
  w.Line("rdb_bgsave_in_progress", p.bgsave_in_progress ? 1 : 0);
  w.Line("rdb_last_save_time", p.last_save_time);
  w.Line("rdb_last_bgsave_status", p.last_bgsave_ok ? "ok" : "err");
  w.Line("rdb_last_bgsave_time_sec", p.last_bgsave_time_sec);
  w.Line("rdb_current_bgsave_time_sec", p.current_bgsave_time_sec);
  w.Line("rdb_saves", p.saves);
  w.Line("rdb_last_cow_size", 0);
  w.Line("rdb_last_load_keys_expired", p.last_load_keys_expired);
  w.Line("rdb_last_load_keys_loaded", p.last_load_keys_loaded);
  w.Line("aof_enabled", 0);
  w.Line("aof_rewrite_in_progress", 0);
  w.Line("aof_rewrite_scheduled", 0);
  w.Line("aof_last_rewrite_time_sec", -1);
  w.Line("aof_current_rewrite_time_sec", -1);
  w.Line("aof_last_bgrewrite_status", "ok");
  w.Line("aof_rewrites", 0);
  w.Line("aof_rewrites_consecutive_failures", 0);
  w.Line("aof_last_write_status", "ok");
  w.Line("aof_last_cow_size", 0);
  w.Line("module_fork_in_progress", 0);
  w.Line("module_fork_last_cow_size", 0);
}

ReplyBuilder::ErrorCounts AllErrorCounts(Service* service);

void StatsSection(const InfoContext& c, InfoWriter& w) {
  PubsubCounts pubsub = GetPubsubCounts();
  const ShardFigures& shards = *c.shards;
  w.Line("total_connections_received", c.service->total_connections());
  w.Line("total_commands_processed", c.service->total_commands());
  const InstantaneousMetrics& inst = c.service->instantaneous();
  w.Line("instantaneous_ops_per_sec", int64_t(inst.Mean(InstantaneousMetrics::kOps)));
  w.Line("total_net_input_bytes", c.service->net_input_bytes());
  w.Line("total_net_output_bytes", c.service->net_output_bytes());
  w.Line("total_net_repl_input_bytes", 0);  // no replication
  w.Line("total_net_repl_output_bytes", 0);
  w.Line("instantaneous_input_kbps",
         absl::StrFormat("%.2f", inst.Mean(InstantaneousMetrics::kNetInput) / 1024));
  w.Line("instantaneous_output_kbps",
         absl::StrFormat("%.2f", inst.Mean(InstantaneousMetrics::kNetOutput) / 1024));
  w.Line("instantaneous_input_repl_kbps", "0.00");
  w.Line("instantaneous_output_repl_kbps", "0.00");
  w.Line("rejected_connections", c.service->rejected_connections());
  w.Line("sync_full", 0);
  w.Line("sync_partial_ok", 0);
  w.Line("sync_partial_err", 0);
  w.Line("expired_keys", shards.expired_keys);
  w.Line("expired_stale_perc", absl::StrFormat("%.2f", shards.expired_stale * 100));
  w.Line("expired_time_cap_reached_count", shards.expire_cap_reached);
  w.Line("expire_cycle_cpu_milliseconds", c.service->expire_cycle_ms());
  w.Line("evicted_keys", shards.evicted_keys);
  w.Line("evicted_clients", 0);  // maxmemory-clients does not exist here
  w.Line("total_eviction_exceeded_time", c.service->eviction_exceeded_ms(false));
  w.Line("current_eviction_exceeded_time", c.service->eviction_exceeded_ms(true));
  w.Line("keyspace_hits", shards.hits);
  w.Line("keyspace_misses", shards.misses);
  w.Line("pubsub_channels", pubsub.channels);
  w.Line("pubsub_patterns", pubsub.patterns);
  w.Line("pubsubshard_channels", 0);
  w.Line("latest_fork_usec", 0);
  w.Line("total_forks", 0);
  w.Line("migrate_cached_sockets", 0);
  w.Line("slave_expires_tracked_keys", 0);
  w.Line("active_defrag_hits", 0);  // no defragmenter
  w.Line("active_defrag_misses", 0);
  w.Line("active_defrag_key_hits", 0);
  w.Line("active_defrag_key_misses", 0);
  w.Line("total_active_defrag_time", 0);
  w.Line("current_active_defrag_time", 0);
  w.Line("tracking_total_keys", shards.tracking_keys);
  w.Line("tracking_total_items", shards.tracking_items);
  w.Line("tracking_total_prefixes", shards.tracking_prefixes);
  w.Line("unexpected_error_replies", 0);  // errors from a master: no replication
  w.Line("total_error_replies", AllErrorCounts(c.service).total);
  w.Line("total_reads_processed", c.service->reads_processed());
  w.Line("total_writes_processed", c.service->writes_processed());
  w.Line("io_threaded_reads_processed", 0);  // io-threads 1: connections run on their own thread
  w.Line("io_threaded_writes_processed", 0);
  w.Line("reply_buffer_shrinks", c.service->reply_buffer_shrinks());
  w.Line("reply_buffer_expands", c.service->reply_buffer_expands());
  // Lacewing: connections moved to the thread of their keys (issue 18, --migrate_connections).
  w.Line("migrated_connections", c.service->migrated_connections());
  // Lacewing: scripts run per atomicity mode, and async-call flushes (squashed batches).
  w.Line("lua_scripts_lock_ahead", c.scripting.runs_lock_ahead);
  w.Line("lua_scripts_global", c.scripting.runs_global);
  w.Line("lua_scripts_non_atomic", c.scripting.runs_non_atomic);
  w.Line("lua_async_flushes", c.scripting.async_flushes);
  w.Line("lua_async_commands", c.scripting.async_commands);
  w.Line("lua_async_detached_flushes", c.scripting.detached_flushes);
  w.Line("lua_script_reruns", c.scripting.reruns);
  w.Line("lua_script_rollbacks", c.scripting.rollbacks);
  w.Line("lua_script_global_fallbacks", c.scripting.global_fallbacks);
  w.Line("lua_predicted_keys", c.scripting.predicted_keys);
  w.Line("lua_predicted_keys_hit", c.scripting.predicted_keys_hit);
  w.Line("lua_unpredicted_keys", c.scripting.unpredicted_keys);
}

void ReplicationSection(const InfoContext&, InfoWriter& w) {
  w.Line("role", "master");
  w.Line("connected_slaves", 0);
  w.Line("master_failover_state", "no-failover");
  w.Line("master_replid", RunId());
  w.Line("master_replid2", std::string(40, '0'));
  w.Line("master_repl_offset", 0);
  w.Line("second_repl_offset", -1);
  w.Line("repl_backlog_active", 0);
}

void CpuSection(const InfoContext&, InfoWriter& w) {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto secs = [](const timeval& t) {
    return absl::StrFormat("%d.%06d", int64_t(t.tv_sec), int64_t(t.tv_usec));
  };
  w.Line("used_cpu_sys", secs(self.ru_stime));
  w.Line("used_cpu_user", secs(self.ru_utime));
  w.Line("used_cpu_sys_children", secs(children.ru_stime));
  w.Line("used_cpu_user_children", secs(children.ru_utime));
  // The process's main thread (the one that started the server; the shards' threads are in
  // used_cpu_sys/user), from /proc as getrusage reports only the calling thread.
  auto [user, sys] = MainThreadCpu();
  w.Line("used_cpu_sys_main_thread", secs(sys));
  w.Line("used_cpu_user_main_thread", secs(user));
}

// Every thread's per-command counters, summed (each thread reads only its own).
std::vector<CommandStats> SumCommandStats(Service* service) {
  std::vector<CommandStats> total(service->registry().stat_slots());
  std::mutex merge_mu;
  service->pool()->AwaitBriefOnAll([&](io::Proactor*) {
    const std::vector<CommandStats>& mine = service->LocalCommandStats();
    std::lock_guard<std::mutex> lock(merge_mu);
    for (size_t i = 0; i < mine.size() && i < total.size(); ++i) {
      total[i].calls += mine[i].calls;
      total[i].usec += mine[i].usec;
      total[i].rejected_calls += mine[i].rejected_calls;
      total[i].failed_calls += mine[i].failed_calls;
      if (mine[i].latency) {
        if (!total[i].latency) total[i].latency = std::make_unique<Histogram>();
        total[i].latency->Merge(*mine[i].latency);
      }
    }
  });
  return total;
}

void CommandStatsSection(const InfoContext& c, InfoWriter& w) {
  std::vector<CommandStats> total = SumCommandStats(c.service);
  // Per command and per subcommand (`cmdstat_config|get`), as Redis 7.
  for (const auto& [name, slot] : c.service->registry().StatSlotsByName()) {
    const CommandStats& s = total[slot];
    if (s.calls == 0 && s.rejected_calls == 0 && s.failed_calls == 0) continue;
    w.Line(Cat("cmdstat_", name),
           absl::StrFormat("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,"
                           "failed_calls=%d",
                           s.calls, s.usec, s.calls ? double(s.usec) / double(s.calls) : 0.0,
                           s.rejected_calls, s.failed_calls));
  }
}

void EmptySection(const InfoContext&, InfoWriter&) {}

// latency-tracking-info-percentiles as numbers (CONFIG SET validated and normalized them).
std::vector<double> InfoPercentiles(Service* service) {
  std::string text;
  {
    std::lock_guard<std::mutex> lock(service->runtime().mu);
    text = service->runtime().latency_tracking_info_percentiles;
  }
  std::vector<double> out;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    out.push_back(std::strtod(std::string(word).c_str(), nullptr));
  }
  return out;
}

// Redis's "%f" with the trailing zeros (and point) dropped: 50, 99, 99.9.
std::string PercentileLabel(double p) {
  std::string s = absl::StrFormat("%f", p);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// Redis 7's latencystats: per command, the latency (microseconds, 3 decimals) at each
// latency-tracking-info-percentiles percentile, from every thread's histogram merged (about
// 4 % relative error, as HdrHistogram's 2 significant digits).
void LatencyStatsSection(const InfoContext& c, InfoWriter& w) {
  std::vector<CommandStats> total = SumCommandStats(c.service);
  std::vector<double> percentiles = InfoPercentiles(c.service);
  for (const auto& [name, slot] : c.service->registry().StatSlotsByName()) {
    const Histogram* h = total[slot].latency.get();
    if (h == nullptr || h->count() == 0) continue;
    std::string line;
    for (double p : percentiles) {
      if (!line.empty()) line += ",";
      line +=
          absl::StrFormat("p%s=%.3f", PercentileLabel(p), double(h->Percentile(p / 100)) / 1000.0);
    }
    w.Line(Cat("latency_percentiles_usec_", name), line);
  }
}

// Every thread's error replies by code, summed on the caller (ReplyBuilder::ThreadErrorCounts).
ReplyBuilder::ErrorCounts AllErrorCounts(Service* service) {
  std::vector<ReplyBuilder::ErrorCounts> per_thread(service->pool()->size());
  service->pool()->AwaitBriefOnAll(
      [&](io::Proactor* p) { per_thread[p->index()] = ReplyBuilder::ThreadErrorCounts(); });
  std::map<std::string, uint64_t> sorted;  // Redis lists them in code order
  ReplyBuilder::ErrorCounts out;
  for (const auto& t : per_thread) {
    out.total += t.total;
    for (const auto& [code, n] : t.by_code) sorted[code] += n;
  }
  out.by_code.assign(sorted.begin(), sorted.end());
  return out;
}

void ErrorStatsSection(const InfoContext& c, InfoWriter& w) {
  for (const auto& [code, n] : AllErrorCounts(c.service).by_code) {
    w.Line("errorstat_" + code, "count=" + std::to_string(n));
  }
}

void ClusterSection(const InfoContext&, InfoWriter& w) { w.Line("cluster_enabled", 0); }

void KeyspaceSection(const InfoContext& c, InfoWriter& w) {
  for (int db = 0; db < DbSlice::NumDbs(); ++db) {
    if (c.shards->keys[db] == 0) continue;
    w.Line(Cat("db", db),
           Cat("keys=", c.shards->keys[db], ",expires=", c.shards->expires[db], ",avg_ttl=0"));
  }
}

enum SectionBit : uint32_t {
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

struct SectionDef {
  SectionBit bit;
  std::string_view name;   // as INFO's argument
  std::string_view title;  // as the "# Title" line
  void (*write)(const InfoContext&, InfoWriter&);
};

// Redis's order.
constexpr SectionDef kSections[] = {
    {kServer, "server", "Server", ServerSection},
    {kClients, "clients", "Clients", ClientsSection},
    {kMemory, "memory", "Memory", MemorySection},
    {kPersistence, "persistence", "Persistence", PersistenceSection},
    {kStats, "stats", "Stats", StatsSection},
    {kReplication, "replication", "Replication", ReplicationSection},
    {kCpu, "cpu", "CPU", CpuSection},
    {kModules, "modules", "Modules", EmptySection},
    {kCommandStats, "commandstats", "Commandstats", CommandStatsSection},
    {kErrorStats, "errorstats", "Errorstats", ErrorStatsSection},
    {kLatencyStats, "latencystats", "Latencystats", LatencyStatsSection},
    {kCluster, "cluster", "Cluster", ClusterSection},
    {kKeyspace, "keyspace", "Keyspace", KeyspaceSection},
};
constexpr uint32_t kDefaultSections = kServer | kClients | kMemory | kPersistence | kStats |
                                      kReplication | kCpu | kModules | kErrorStats | kCluster |
                                      kKeyspace;
constexpr uint32_t kAllSections = kDefaultSections | kCommandStats | kLatencyStats;

// The sections INFO's arguments name (unknown names select nothing, as in Redis).
uint32_t SelectSections(CmdArgs args) {
  if (args.size() == 1) return kDefaultSections;
  uint32_t sections = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string name = AsciiLower(args[i]);
    if (name == "default") {
      sections |= kDefaultSections;
    } else if (name == "all" || name == "everything") {
      sections |= kAllSections;
    } else {
      for (const SectionDef& s : kSections) {
        if (s.name == name) sections |= s.bit;
      }
    }
  }
  return sections;
}

void Info(CmdArgs args, ConnectionContext* cntx) {
  Service* service = cntx->service;
  uint32_t sections = SelectSections(args);
  InfoContext c{service, (SteadyNowNs() - service->start_steady_ns()) / 1000000000};
  if (sections & (kStats | kKeyspace)) c.shards = GatherShards(service);
  if ((sections & (kMemory | kStats)) && service->config().scripting_info) {
    c.scripting = service->config().scripting_info(service);
  }
  InfoWriter w;
  for (const SectionDef& s : kSections) {
    if (!(sections & s.bit)) continue;
    w.Section(s.title);
    s.write(c, w);
  }
  cntx->rb->SendVerbatim(w.str());
}

}  // namespace

void RegisterInfoFamily(CommandRegistry* r) {
  r->Register({"info", -1, cmd::kLoading | cmd::kStale | cmd::kNoKeyspace, 0, 0, 0, Info});
}

std::vector<CommandStats> MergedCommandStats(Service* service) { return SumCommandStats(service); }

ReplyBuilder::ErrorCounts MergedErrorCounts(Service* service) { return AllErrorCounts(service); }

size_t CountBlockedClients(Service* service) { return BlockedClients(service); }

}  // namespace lw
