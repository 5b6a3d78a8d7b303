// Service: the command engine without the network. It owns the command registry and the
// shard set and turns one parsed request into one reply: lookup, arity, auth and
// subscribed-mode checks, then the handler. Connections (server/net/connection.h) and in-process
// tests both call Dispatch.
//
// It also keeps what INFO, CLIENT and CONFIG report about the whole server: the live clients
// of each thread (each thread's map is touched only by that thread; other threads read it by
// sending work there), per-thread per-command statistics (written by Dispatch without atomics
// on the dispatching thread, read on that thread by AwaitBriefOnAll), and the settings CONFIG
// SET may change at run time (RuntimeConfig: atomics read where a command starts).
// Thread-safety: Dispatch may run concurrently on every proactor thread, each call from the
// fiber that owns `cntx`.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "base/histogram.h"
#include "base/malloc_accounting.h"
#include "io/blocking_counter.h"
#include "io/done.h"
#include "io/proactor_pool.h"
#include "server/engine/acl_registry.h"
#include "server/engine/busy_registry.h"
#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"
#include "server/engine/latency_monitor.h"
#include "server/engine/monitor.h"
#include "server/engine/persistence.h"
#include "server/engine/shard_set.h"
#include "server/engine/slow_log.h"

namespace lw {

// Registers one command family's commands (server/families.h lists the binary's set).
using FamilyRegistrar = void (*)(CommandRegistry*);

class Service;

// What INFO reports about scripts. The scripting package computes it; the binary wires
// that function in through ServiceConfig so that families (INFO) need not know scripting.
struct ScriptingInfo {
  uint64_t used_memory_lua = 0;  // idle interpreters of every thread
  uint64_t cached_scripts = 0;
  uint64_t libraries = 0;
  uint64_t functions = 0;  // registered by the libraries
  // Bytes the script cache (EVAL bodies, SHA keys, entries) and the FUNCTION libraries (code,
  // names, functions) hold outside the interpreters (INFO used_memory_scripts_eval,
  // used_memory_functions).
  uint64_t scripts_eval_bytes = 0;
  uint64_t functions_bytes = 0;
  uint64_t runs_lock_ahead = 0;
  uint64_t runs_global = 0;
  uint64_t runs_non_atomic = 0;
  uint64_t async_flushes = 0;
  uint64_t async_commands = 0;
  uint64_t detached_flushes = 0;
  // allow-undeclared-keys scripts (issue 13): runs again after a refused lock, scripts rolled
  // back (any stop by Lacewing), runs that fell back to the whole-store lock.
  uint64_t reruns = 0;
  uint64_t rollbacks = 0;
  uint64_t global_fallbacks = 0;
  // Undeclared keys locked up front from predictions (key_templates.h, key_hints.h), those of
  // them the run then touched, and undeclared keys touched that no prediction named.
  uint64_t predicted_keys = 0;
  uint64_t predicted_keys_hit = 0;
  uint64_t unpredicted_keys = 0;
};
using ScriptingInfoSource = ScriptingInfo (*)(Service* service);
// FUNCTION libraries for snapshots (scripting wires them in): every library's code, and
// loading one (replacing a library of the same name); "" or the error text.
using FunctionCodesSource = std::vector<std::string> (*)(Service* service);
using FunctionLoader = std::string (*)(Service* service, std::string_view code);

struct ServiceConfig {
  std::string requirepass;     // empty: no AUTH needed. Seeds RuntimeConfig::requirepass.
  bool protected_mode = true;  // seeds RuntimeConfig::protected_mode
  // The listening address, as reported by CONFIG GET / INFO (the Server fills them in).
  std::string bind = "127.0.0.1";
  uint16_t port = 0;
  std::string multiplexing_api = "epoll";
  // Start-up memory settings (--maxmemory, --cache_mode), copied into RuntimeConfig, where
  // CONFIG SET changes them. cache_mode selects maxmemory-policy allkeys-lru.
  int64_t maxmemory = 0;
  bool cache_mode = false;
  // --lock_on_hashtags: a declared "{tag}" key locks every key with that tag (scripts may then
  // touch undeclared keys of a declared tag).
  bool lock_on_hashtags = false;
  // INFO's script figures (memory, stats); null: no scripting, all zero.
  ScriptingInfoSource scripting_info = nullptr;
  // The body of GET /metrics on the client port (families wire it); null: not served.
  std::string (*render_metrics)(Service* service) = nullptr;
  // The per-script part of /metrics (scripting wires it); null: none.
  std::string (*script_metrics)(Service* service) = nullptr;
  // Scripts (main.cc reads the flags once): --default_lua_flags, parsed (lua::ScriptFlag bits
  // for scripts that declare none); --lua_auto_async (discarded calls run as acall/apcall);
  // --busy_reply_threshold (ms), the start value of RuntimeConfig::busy_reply_threshold_ms.
  uint32_t default_lua_flags = 0;
  bool lua_auto_async = false;
  // --lua_lock_on_first_touch: allow-undeclared-keys scripts lock keys on first touch (else
  // every shard, the whole-store lock).
  bool lua_lock_on_first_touch = true;
  int64_t busy_reply_threshold_ms = 5000;
  // Persistence (main.cc: --dbfilename, --save; --dir is the working directory): the file
  // snapshots write and start-up loads, and the save points ("" = none).
  std::string dbfilename = "dump.rdb";
  std::string save;
  FunctionCodesSource function_codes = nullptr;
  FunctionLoader load_function = nullptr;
  // --lua_heap_limit: the start value of RuntimeConfig::lua_heap_limit.
  int64_t lua_heap_limit = 1ll << 30;
  // Start-up settings by CONFIG name that no flag carries (config-file directives and
  // `--name value` arguments, already checked), in the order given. `apply_settings`
  // (config_family.h, wired by server/families.h) applies them to RuntimeConfig before the
  // first client connects.
  std::vector<std::pair<std::string, std::string>> settings;
  void (*apply_settings)(Service* service) = nullptr;
  // Publishes a keyspace notification (the pub/sub family's, wired by server/families.h;
  // null: notifications go nowhere). `ctx` is the Service.
  void (*publish)(void* ctx, std::string_view channel, std::string_view message) = nullptr;
  // The config file the server started with (absolute path, empty: none): CONFIG REWRITE.
  std::string config_file;
  // What CONFIG GET reports of the start-up-only settings main.cc reads from flags.
  std::string unixsocket;
  int64_t unixsocketperm = 0;
  std::string logfile;
  // tls-port, tls-cert-file, tls-key-file, tls-ca-cert-file, tls-auth-clients, as started
  // (CONFIG GET; server/net/tls_context.h serves them).
  int64_t tls_port = 0;
  std::string tls_cert_file, tls_key_file, tls_ca_cert_file, tls_auth_clients = "yes";
  // --aclfile: the ACL file ACL LOAD/SAVE use and start-up loads ("" none).
  std::string aclfile;
  // --migrate_connections (issue 18): a plain client whose pipelined commands keep going to
  // one shard of another thread moves to that thread (server/net/README.md).
  bool migrate_connections = true;
  // The config file's `user` directives (words after "user"; checked by main with
  // CheckConfigUser, never together with an aclfile), created at start-up in this order.
  std::vector<std::vector<std::string>> users;
  // CLIENT LIST's line for a client (client_family, wired by server/families.h), for the
  // client-info of ACL LOG entries; null: empty.
  std::string (*client_info)(const ConnectionContext* cntx) = nullptr;
};

// Settings CONFIG SET may change while the server runs. Readers load a value once where a
// command (or a background pass) starts, never per element; writers are CONFIG SET.
// config_family.cc's table says which of them take effect and where; those marked "fixed"
// below describe a feature Lacewing lacks and only ever hold their default (CONFIG SET
// refuses other values).
// tls-auth-clients' values, in Redis's order (RuntimeConfig::tls_auth_clients indexes them).
inline constexpr std::string_view kTlsAuthClients[] = {"no", "yes", "optional"};

struct RuntimeConfig {
  // maxmemory's bits: values of 2^63 and more (Redis accepts up to 2^64-1) read as negative,
  // which every reader treats as "no limit".
  std::atomic<int64_t> maxmemory{0};
  // Index into Redis's list: volatile-lru, volatile-lfu, volatile-random, volatile-ttl,
  // allkeys-lru, allkeys-lfu, allkeys-random, noeviction (7, the default).
  std::atomic<int64_t> maxmemory_policy{7};
  std::atomic<int64_t> maxmemory_samples{5};  // fixed: eviction does not sample
  std::atomic<int64_t> lfu_log_factor{10};    // LFU counter growth (DbSlice::Touch)
  std::atomic<int64_t> lfu_decay_time{1};     // minutes per LFU counter decrement
  // CLIENT TRACKING: keys the tracking table may hold (0: no limit), split among the shards.
  std::atomic<int64_t> tracking_table_max_keys{1000000};
  // busy-reply-threshold, alias lua-time-limit (seeded from ServiceConfig): the age past
  // which a script makes commands that need its keys fail with -BUSY (busy_registry.h).
  std::atomic<int64_t> busy_reply_threshold_ms{5000};
  std::atomic<int64_t> proto_max_bulk_len{512ll << 20};  // each connection, per request
  // lacewing-lua-heap-limit (Lacewing): the cap on one Lua interpreter's heap while a script runs
  // (0: none); read when a script starts.
  std::atomic<int64_t> lua_heap_limit{1ll << 30};
  // key-load-delay (Redis's hidden test setting): microseconds of pause per key while an RDB
  // file loads, so tests can watch -LOADING; <= 0: none. Never set it in production.
  std::atomic<int64_t> key_load_delay_us{0};
  std::atomic<int64_t> timeout{0};  // seconds a client may idle before it is closed (0: never)
  std::atomic<int64_t> tcp_keepalive{300};  // connections accepted afterwards
  // client-output-buffer-limit: per class (kObufNormal, kObufReplica, kObufPubsub) the hard
  // limit, the soft limit (bytes; 0: none) and the seconds a client may stay over the soft
  // one. Read by each connection whenever its pending output grows (a relaxed load each).
  enum ObufClass { kObufNormal = 0, kObufReplica = 1, kObufPubsub = 2 };
  std::atomic<int64_t> obuf_limits[3][3] = {
      {0, 0, 0}, {256ll << 20, 64ll << 20, 60}, {32ll << 20, 8ll << 20, 60}};
  // protected-mode: with no password, clients not on the loopback interface get -DENIED
  // (connections accepted afterwards).
  std::atomic<int64_t> protected_mode{1};
  std::atomic<int64_t> hz{10};             // the background loop's period
  std::atomic<int64_t> maxclients{10000};  // connections accepted afterwards
  std::atomic<int64_t> slowlog_log_slower_than{10000};
  std::atomic<int64_t> slowlog_max_len{128};
  std::atomic<int64_t> latency_monitor_threshold{0};  // ms; 0: the latency monitor is off
  // latency-tracking: each command's latency goes into its thread's histogram (INFO
  // latencystats, /metrics); read once per command.
  std::atomic<int64_t> latency_tracking{1};
  // latency-tracking-info-percentiles, normalized ("50 99 99.9"), under `mu`; read by INFO.
  std::string latency_tracking_info_percentiles = "50 99 99.9";
  // The listpack thresholds: read by the list/hash/set/zset families per command. Lists
  // take list-max-listpack-size when created (Redis's default is -2; Lacewing's 128).
  std::atomic<int64_t> list_max_listpack_size{128};
  std::atomic<int64_t> hash_max_listpack_entries{128};
  std::atomic<int64_t> hash_max_listpack_value{64};
  std::atomic<int64_t> set_max_intset_entries{512};
  std::atomic<int64_t> set_max_listpack_entries{128};
  std::atomic<int64_t> zset_max_listpack_entries{128};
  std::atomic<int64_t> zset_max_listpack_value{64};
  // Where XADD closes a stream node, as Redis its listpack (0: no limit); read per XADD/XTRIM.
  std::atomic<int64_t> stream_node_max_bytes{4096};
  std::atomic<int64_t> stream_node_max_entries{100};
  // The size (header included) past which a sparse HyperLogLog becomes dense; read by PFADD
  // and PFMERGE per command.
  std::atomic<int64_t> hll_sparse_max_bytes{3000};
  std::atomic<int64_t> appendonly{0};                // fixed: RDB snapshots only, no AOF
  std::atomic<int64_t> lazyfree_lazy_user_del{0};    // fixed: no lazy-free thread
  std::atomic<int64_t> lazyfree_lazy_user_flush{0};  // fixed
  std::atomic<int64_t> loglevel{2};                  // debug, verbose, notice, warning (glog)
  // notify-keyspace-events as notify:: bits (keyspace_events.h); read by every write.
  std::atomic<int64_t> notify_flags{0};
  std::atomic<int64_t> acllog_max_len{128};  // ACL LOG's length
  // String settings: under the mutex (CONFIG only).
  std::mutex mu;
  std::string save;                     // the save points, as CONFIG GET shows them
  std::string notify_keyspace_events;   // unused: CONFIG shows notify_flags' string form
  std::string dbfilename = "dump.rdb";  // protected, as Redis's
  std::string requirepass;              // the default user's password; empty: none
  // TLS files (CONFIG SET reloads the server's context with them, Service::ReloadTls).
  std::string tls_cert_file, tls_key_file, tls_ca_cert_file;
  std::atomic<int64_t> tls_auth_clients{1};  // kTlsAuthClients' index: no, yes, optional
  std::atomic<int64_t> tls_port{0};          // 0: no TLS listener
  // Set by AclRegistry: the default user is off or has a password (Redis's authRequired). As
  // in Redis, a client that never authenticated may run commands while there is none.
  std::atomic<bool> auth_required{false};

  std::string Requirepass() {
    std::lock_guard<std::mutex> lock(mu);
    return requirepass;
  }
};

// Per-command counters of one thread (INFO commandstats). `latency` (nanoseconds, INFO
// latencystats and /metrics) is allocated at the command's first timed call on the thread.
struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
  // LATENCY HISTOGRAM: calls that took at most 2^i microseconds (bucket i), not cumulative.
  static constexpr size_t kLatencyBuckets = 40;
  uint64_t latency_log2[kLatencyBuckets] = {};
  static size_t BucketOf(int64_t us) {
    return us <= 1 ? 0 : std::min<size_t>(std::bit_width(uint64_t(us - 1)), kLatencyBuckets - 1);
  }
  std::unique_ptr<Histogram> latency;

  void RecordLatency(int64_t ns) {
    if (!latency) latency = std::make_unique<Histogram>();
    latency->Add(uint64_t(std::max<int64_t>(ns, 0)));
  }
};

// INFO's instantaneous_* figures: Redis's trackInstantaneousMetric, 16 samples of the rate
// over each 100 ms period, averaged. Sample() runs on shard 0's background tick; Mean() on
// INFO. Guarded by a mutex neither touches more than ten times a second.
class InstantaneousMetrics {
 public:
  enum Metric { kOps = 0, kNetInput, kNetOutput, kNumMetrics };
  void Sample(int64_t now_ns, const uint64_t (&totals)[kNumMetrics]);
  double Mean(Metric m) const;

 private:
  static constexpr int kSamples = 16;
  mutable std::mutex mu_;
  int64_t last_ns_ = 0;
  uint64_t last_[kNumMetrics] = {};
  double samples_[kNumMetrics][kSamples] = {};
  int next_ = 0;
};

class Service {
 public:
  // Registers `families`, then starts the per-shard background fibers (active expiry) on the
  // pool's threads. REQUIRES: the pool is started.
  Service(io::ProactorPool* pool, const ServiceConfig& config,
          std::span<const FamilyRegistrar> families);
  ~Service();  // REQUIRES: Shutdown() was called while the pool still runs

  // Stops the background fibers and waits for them. Idempotent.
  void Shutdown();
  // The server is stopping (SIGTERM, SHUTDOWN): long-running work (scripts, through their
  // hook) ends at its next check instead of holding the shutdown up. Any thread.
  void BeginShutdown() { stopping_.store(true, std::memory_order_relaxed); }
  // A SHUTDOWN whose final save failed: the server keeps running, scripts run again.
  void CancelShutdown() { stopping_.store(false, std::memory_order_relaxed); }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  const CommandRegistry& registry() const { return registry_; }
  ShardSet& shards() { return shards_; }
  io::ProactorPool* pool() { return pool_; }
  const ServiceConfig& config() const { return config_; }

  // Executes one request (args[0] = command name) and writes exactly one reply to cntx->rb.
  // REQUIRES: called from a fiber on one of the pool's threads (or any fiber).
  void Dispatch(CmdArgs args, ConnectionContext* cntx);
  // As Dispatch, for a caller that has looked the command up already: spec == Find(args[0]).
  void DispatchSpec(const CommandSpec* spec, CmdArgs args, ConnectionContext* cntx);
  // What Dispatch records for one executed request — the client's last command and activity,
  // command statistics, SLOWLOG — for batch handlers (command_registry.h) that run requests
  // without it. `start_ns` is SteadyNowNs()-based. REQUIRES: on a pool thread.
  void RecordCall(const CommandSpec& spec, CmdArgs args, int64_t start_ns, int64_t elapsed_us,
                  bool failed, ConnectionContext* cntx);

  uint64_t NextClientId() { return next_client_id_.fetch_add(1) + 1; }
  uint64_t total_commands() const {
    uint64_t sum = 0;
    for (size_t i = 0; i <= pool_->size(); ++i) {
      sum += total_commands_[i].n.load(std::memory_order_relaxed);
    }
    return sum;
  }
  uint64_t total_connections() const { return total_connections_.load(std::memory_order_relaxed); }
  // Bytes read from and written to client sockets (INFO total_net_input_bytes / ..._output_),
  // one counter per thread, written by that thread alone. REQUIRES: on a pool thread.
  // Each call is one read (one batch of writes) on a client socket: INFO total_reads_processed
  // and total_writes_processed count the calls.
  void CountNetInput(uint64_t n) {
    AddToThreadCounter(net_input_, n);
    AddToThreadCounter(reads_processed_, 1);
  }
  void CountNetOutput(uint64_t n) {
    AddToThreadCounter(net_output_, n);
    AddToThreadCounter(writes_processed_, 1);
  }
  uint64_t net_input_bytes() const { return SumThreadCounter(net_input_); }
  uint64_t net_output_bytes() const { return SumThreadCounter(net_output_); }
  uint64_t reads_processed() const { return SumThreadCounter(reads_processed_); }
  uint64_t reply_buffer_expands() const { return SumThreadCounter(reply_expands_); }
  uint64_t reply_buffer_shrinks() const { return SumThreadCounter(reply_shrinks_); }
  uint64_t writes_processed() const { return SumThreadCounter(writes_processed_); }
  // INFO expire_cycle_cpu_milliseconds: time the shards spent in active expiry passes.
  uint64_t expire_cycle_ms() const { return SumThreadCounter(expire_cycle_ns_) / 1000000; }
  // INFO total_/current_eviction_exceeded_time (ms): how long used_memory has been over
  // maxmemory under an evicting policy, in all and in the present episode (shard 0's tick
  // watches it, at its period: 1000/hz ms, 1 ms while its shard evicts).
  int64_t eviction_exceeded_ms(bool current_only) const;
  const InstantaneousMetrics& instantaneous() const { return instantaneous_; }
  // used_memory when the service had started (INFO used_memory_startup).
  int64_t startup_memory() const { return startup_memory_; }
  // Connections refused because maxclients was reached (INFO's rejected_connections).
  void CountRejectedConnection() { rejected_connections_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t rejected_connections() const {
    return rejected_connections_.load(std::memory_order_relaxed);
  }
  size_t connected_clients() const { return connected_clients_.load(std::memory_order_relaxed); }
  RuntimeConfig& runtime() { return runtime_; }
  // Long-running scripts and the keys they hold (-BUSY replies).
  BusyRegistry& busy() { return busy_; }
  SlowLog& slow_log() { return slow_log_; }
  AclRegistry& acl() { return *acl_; }
  // ACL: whether cntx's user may run `args`; if not, the NOPERM reply is sent, the denial
  // logged (context "toplevel" or "multi") and counted in the command's rejected_calls.
  bool AclPermits(const CommandSpec& spec, CmdArgs args, ConnectionContext* cntx);
  // A script's call (redis.call / pcall): "" or the script error text; logs with context
  // "lua". `cntx` is the client running the script.
  std::string AclScriptCall(const CommandSpec& spec, CmdArgs args, ConnectionContext* cntx);
  void LogAclDenial(acl::Verdict v, int id, int pos, CmdArgs args, std::string_view context,
                    const ConnectionContext* cntx);
  // ACL LOG for a failed AUTH / HELLO AUTH.
  void LogAuthFailure(std::string_view username, std::string_view command,
                      const ConnectionContext* cntx);
  Persistence& persistence() { return *persistence_; }
  // While a dataset loads, commands without the kLoading flag get -LOADING.
  bool loading() const { return loading_.load(std::memory_order_relaxed); }
  void set_loading(bool v) { loading_.store(v); }
  // stop-writes-on-bgsave-error: write commands get -MISCONF while set.
  void set_writes_refused(bool v) { writes_refused_.store(v); }
  bool writes_refused() const { return writes_refused_.load(std::memory_order_relaxed); }
  // Write commands that succeeded (rdb_changes_since_last_save counts from this).
  uint64_t write_commands() const {
    uint64_t sum = 0;
    for (size_t i = 0; i <= pool_->size(); ++i) {
      sum += write_commands_[i].n.load(std::memory_order_relaxed);
    }
    return sum;
  }

  // Memory (issue 8). UsedMemory() is the heap of every proactor thread, exact (a relaxed
  // load per thread), plus other threads' bytes as of the last background tick (100 ms).
  // OomRefuses() says whether a denyoom command must be refused now: used > maxmemory and
  // either no eviction (noeviction policy) or a shard that cannot evict anything more.
  // Any thread.
  int64_t UsedMemory() const;
  bool OomRefuses() const;
  // CLIENT PAUSE (Redis 7.0): until `end_ms` (Unix ms), commands that write (kWrite, and
  // PUBLISH/PFCOUNT, EVAL/FCALL of a script that may write, EXEC of queued writes; kWrite
  // mode) or every command (kAll) wait. A new pause keeps the later end. Any thread.
  enum PauseMode : int { kPauseNone = 0, kPauseWrite = 1, kPauseAll = 2 };
  void Pause(PauseMode mode, int64_t end_ms);
  void Unpause() { pause_mode_.store(kPauseNone); }
  bool pause_active() const { return pause_mode_.load(std::memory_order_relaxed) != kPauseNone; }
  // Suspends the calling fiber while a pause applies to a command that writes (`writes`) or
  // to any command; counts the client in blocked_clients meanwhile.
  void WaitWhilePaused(bool writes, ConnectionContext* cntx);
  // Monitors or a pause: pipelines and EXEC run their commands one by one through
  // DispatchSpec instead of squashing or batching them (one relaxed load each).
  bool unbatched() const { return monitors_.active() || pause_active(); }
  // Nothing may run squashed (pipelines, squashed groups): unbatched(), or a script is past
  // the busy threshold (squashed commands are never refused -BUSY; Dispatch answers it).
  bool squash_refused() const { return unbatched() || busy_.active(); }
  // The clients in MONITOR mode and the command feed to them.
  MonitorHub& monitors() { return monitors_; }
  // LATENCY: the spikes of `latency-monitor-threshold` ms or more.
  LatencyMonitor& latency() { return latency_; }
  // Records a spike of `ms` for `event` if the latency monitor is on and ms >= its threshold.
  void MaybeLatencySample(std::string_view event, int64_t ms) {
    int64_t threshold = runtime_.latency_monitor_threshold.load(std::memory_order_relaxed);
    if (threshold > 0 && ms >= threshold) latency_.AddSample(event, ms);
  }
  // Feeds `args`, run by `cntx`, to the monitors (the caller checked monitors().active()).
  void FeedMonitorsArgs(const ConnectionContext* cntx, CmdArgs args);
  // Proactor i's thread, for mem::HandOver of a block built here and freed there.
  mem::ThreadId thread_id(size_t i) const { return thread_ids_[i]; }
  // Monotonic start time (ns) and wall-clock start (Unix seconds), for INFO's uptime.
  int64_t start_steady_ns() const { return start_steady_ns_; }

  // Live clients. Register/Unregister run on the client's own thread (cntx->thread is set
  // here); FindLocalClient and ForEachLocalClient see only the calling thread's clients.
  // Other threads reach a client by sending work to pool()->at(cntx->thread).
  void RegisterClient(ConnectionContext* cntx);
  // maxclients: registers `cntx` with the next client id if fewer than `max_clients` clients
  // are connected; false, with no id taken and nothing counted, if not. The check and the
  // count are one atomic step, so connections accepted at once on several threads cannot
  // pass the limit together.
  bool AdmitClient(ConnectionContext* cntx, int64_t max_clients);
  void UnregisterClient(ConnectionContext* cntx);
  ConnectionContext* FindLocalClient(uint64_t client_id);
  template <typename F>
  void ForEachLocalClient(F&& fn) {
    for (auto& [id, cntx] : clients_[io::Proactor::Current()->index()]) fn(cntx);
  }
  // Connection migration (issue 18; server/net/README.md): a client moves from its thread to
  // another between two requests. BeginClientMove, on its thread, takes it off that thread's
  // list (still counted as connected); EndClientMove, on the new thread, lists it there
  // (cntx->thread) and counts the move. BeginClientMove refuses (false, nothing changed)
  // while a sweep runs: the caller stays and may try later.
  bool BeginClientMove(ConnectionContext* cntx);
  void EndClientMove(ConnectionContext* cntx);
  uint64_t migrated_connections() const { return migrated_.load(std::memory_order_relaxed); }
  // AwaitBriefOnAll for work that must see every client exactly once (CLIENT LIST, CLIENT
  // KILL, finding a client by id): no client is between two threads' lists while fn runs
  // (moves wait or are refused meanwhile). REQUIRES: a fiber or a thread off the pool.
  void AwaitBriefOnAllClients(const std::function<void(io::Proactor*)>& fn);

  // The calling thread's per-command counters, indexed by statistics slot
  // (CommandRegistry::StatSlot). REQUIRES: on a pool thread.
  std::vector<CommandStats>& LocalCommandStats() {
    return cmd_stats_[io::Proactor::Current()->index()];
  }
  // CONFIG RESETSTAT: zeroes the server counters, every thread's command statistics and the
  // shards' keyspace statistics. REQUIRES: a fiber (it waits on every thread).
  void ResetStats();

  // SHUTDOWN asks the process to stop through this hook (main's default raises SIGTERM,
  // which main() waits for). Set before serving.
  void set_shutdown_hook(std::function<void()> hook) { shutdown_hook_ = std::move(hook); }
  // TLS at run time: the server installs a hook that makes its TLS listeners and context match
  // the runtime tls-* settings (CONFIG SET): a new context for the connections accepted
  // afterwards (when a TLS port is served), the TLS port bound anew if it changed. On failure
  // nothing changes and ReloadTls returns Redis's reason ("Unable to update TLS configuration.
  // Check server logs." or "Unable to listen on this port. ..."), the details logged; "" when
  // it worked or there is no hook.
  void set_tls_reload_hook(std::function<std::string()> hook) { tls_reload_ = std::move(hook); }
  std::string ReloadTls() { return tls_reload_ ? tls_reload_() : std::string(); }
  void RequestShutdown();

 private:
  io::ProactorPool* pool_;
  ServiceConfig config_;
  CommandRegistry registry_;
  ShardSet shards_;
  void ActiveExpiryLoop(Shard* shard);
  // `timeout`: closes this thread's clients idle (waiting for input, not blocked, not
  // subscribed) for longer than the setting, as Redis's clientsCron does.
  void CloseIdleClients();
  // Registers an already counted client on the calling thread (RegisterClient, AdmitClient).
  void AddClient(ConnectionContext* cntx);
  void MaybeSlowLog(const CommandSpec& spec, CmdArgs args, int64_t elapsed_us,
                    const ConnectionContext* cntx);
  // One more command in total_commands_processed, on the calling thread's counter.
  void CountCommand(io::Proactor* here);
  void CountWrite(io::Proactor* here);
  // A call that ran: its time (-1: not timed), its error replies and how many of those were
  // uncounted (ReplyBuilder::SendErrorUncounted).
  void CountCall(CommandStats* stats, int64_t elapsed_ns, uint64_t errors, uint64_t uncounted);
  // Memory bookkeeping of one background tick on `shard`; returns true while the shard is
  // still over its cache-mode budget (the loop then comes back sooner).
  bool MemoryTick(Shard* shard);

  io::Done stop_background_;
  io::BlockingCounter background_fibers_{0};
  bool shut_down_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_client_id_{0};
  // Commands dispatched, one counter per proactor thread (written by it alone, so no cache
  // line bounces between threads) plus a last one for callers off the pool.
  struct alignas(64) ThreadCounter {
    std::atomic<uint64_t> n{0};
  };
  std::unique_ptr<ThreadCounter[]> total_commands_;
  std::unique_ptr<ThreadCounter[]> write_commands_;
  std::unique_ptr<ThreadCounter[]> net_input_;
  std::unique_ptr<ThreadCounter[]> net_output_;
  std::unique_ptr<ThreadCounter[]> reads_processed_;
  std::unique_ptr<ThreadCounter[]> writes_processed_;
  std::unique_ptr<ThreadCounter[]> expire_cycle_ns_;
  std::unique_ptr<ThreadCounter[]> reply_expands_;
  std::unique_ptr<ThreadCounter[]> reply_shrinks_;
  // Once a second on each thread: ReplyBuilder::AdjustBuffer of its clients, counted.
  void AdjustReplyBuffers();
  // See eviction_exceeded_ms: the start of the present episode (SteadyNowNs, 0: none) and the
  // total of the finished ones.
  std::atomic<int64_t> evict_exceeded_since_ns_{0};
  std::atomic<int64_t> evict_exceeded_total_ns_{0};
  void TrackEvictionExceeded();
  void AddToThreadCounter(const std::unique_ptr<ThreadCounter[]>& c, uint64_t n) {
    std::atomic<uint64_t>& v = c[io::Proactor::Current()->index()].n;
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);  // sole writer
  }
  uint64_t SumThreadCounter(const std::unique_ptr<ThreadCounter[]>& c) const {
    uint64_t sum = 0;
    for (size_t i = 0; i <= pool_->size(); ++i) sum += c[i].n.load(std::memory_order_relaxed);
    return sum;
  }
  InstantaneousMetrics instantaneous_;
  int64_t startup_memory_ = 0;
  std::atomic<bool> loading_{false};
  std::atomic<bool> writes_refused_{false};
  std::atomic<int> pause_mode_{kPauseNone};
  std::atomic<int64_t> pause_end_ms_{0};
  void MaybeWaitForPause(const CommandSpec& spec, ConnectionContext* cntx);
  // DispatchSpec's CLIENT PAUSE check: whether this command waits under a WRITE pause.
  bool PausedAsWrite(const CommandSpec& spec, const ConnectionContext* cntx) const;
  std::atomic<uint64_t> total_connections_{0};
  std::atomic<uint64_t> rejected_connections_{0};
  std::atomic<size_t> connected_clients_{0};
  // Connection migration: clients between two threads' lists, sweeps that need them listed
  // (AwaitBriefOnAllClients), moves done. Each side checks the other's counter after raising
  // its own (sequentially consistent), so a sweep never misses a moving client.
  std::atomic<int> clients_moving_{0};
  std::atomic<int> client_sweeps_{0};
  std::atomic<uint64_t> migrated_{0};
  RuntimeConfig runtime_;
  BusyRegistry busy_;
  SlowLog slow_log_;
  MonitorHub monitors_;
  LatencyMonitor latency_;
  void FeedMonitors(const CommandSpec& spec, CmdArgs args, const ConnectionContext* cntx,
                    bool before);
  std::unique_ptr<AclRegistry> acl_;
  // Memory: each proactor thread's allocation counter, the bytes of all other threads (shard
  // 0's background tick refreshes it), and per shard "over budget, nothing evictable".
  std::vector<const std::atomic<int64_t>*> thread_mem_;
  std::vector<mem::ThreadId> thread_ids_;  // the same threads, for mem::HandOver
  std::atomic<int64_t> other_mem_{0};
  std::unique_ptr<std::atomic<bool>[]> cannot_evict_;
  int64_t start_steady_ns_ = 0;
  // Indexed by proactor index; each entry touched only by its thread.
  std::vector<absl::flat_hash_map<uint64_t, ConnectionContext*>> clients_;
  std::vector<std::vector<CommandStats>> cmd_stats_;
  CommandStats& LocalStats(io::Proactor* here, const CommandSpec& spec, CmdArgs args) {
    return cmd_stats_[here->index()][CommandRegistry::StatSlot(spec, args)];
  }
  std::function<void()> shutdown_hook_;
  std::function<std::string()> tls_reload_;  // set before serving, then only read
  // Last: it uses the shard set and the pool, and goes first.
  std::unique_ptr<Persistence> persistence_;
};

}  // namespace lw
