// RenderMetrics: GET /metrics in Prometheus's text exposition format (version 0.0.4).
//
// Every figure is gathered the way INFO gathers it (each thread reads its own counters, merged
// here), so a scrape costs what an INFO everything costs and nothing on the command path.
// Metric names start with lacewing_; counters end in _total; latencies are histograms in
// seconds with power-of-two bucket bounds (exact for the per-thread log-linear histograms).
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "base/malloc_accounting.h"
#include "server/engine/service.h"
#include "server/families/info_family.h"
#include "transaction/engine_shard.h"
#include "transaction/shard_set.h"

namespace lw {

namespace {

class Exposition {
 public:
  // One family: its HELP and TYPE lines, then its samples.
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    absl::StrAppend(&out_, "# HELP ", Cat(name), " ", Cat(help), "\n# TYPE ", Cat(name), " ",
                    Cat(type), "\n");
  }
  void Sample(std::string_view name, std::string_view labels, double value) {
    absl::StrAppend(&out_, Cat(name), labels.empty() ? "" : "{", Cat(labels),
                    labels.empty() ? "" : "}", " ", absl::StrFormat("%.17g", value), "\n");
  }
  void Sample(std::string_view name, std::string_view labels, uint64_t value) {
    absl::StrAppend(&out_, Cat(name), labels.empty() ? "" : "{", Cat(labels),
                    labels.empty() ? "" : "}", " ", value, "\n");
  }
  std::string& str() { return out_; }

 private:
  static absl::string_view Cat(std::string_view s) { return absl::string_view(s.data(), s.size()); }
  std::string out_;
};

// A label value: backslash, double quote and newline escaped, as the format requires.
std::string Label(std::string_view key, std::string_view value) {
  std::string out = std::string(key) + "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

void CommandFamilies(Service* service, Exposition& e) {
  std::vector<CommandStats> stats = MergedCommandStats(service);
  // Per command and per subcommand (cmd="client|list"), as INFO commandstats.
  std::vector<std::pair<std::string_view, uint32_t>> slots = service->registry().StatSlotsByName();
  struct Counter {
    const char* name;
    const char* help;
    uint64_t CommandStats::*field;
  };
  const Counter counters[] = {
      {"lacewing_commands_total", "Calls of each command that ran.", &CommandStats::calls},
      {"lacewing_command_failures_total", "Calls that ran and replied an error.",
       &CommandStats::failed_calls},
      {"lacewing_command_rejections_total", "Calls refused before running (arity, auth, OOM...).",
       &CommandStats::rejected_calls},
      {"lacewing_command_usec_total", "Microseconds spent in each command.", &CommandStats::usec},
  };
  for (const Counter& c : counters) {
    e.Family(c.name, "counter", c.help);
    for (const auto& [name, slot] : slots) {
      const CommandStats& s = stats[slot];
      if (s.calls || s.rejected_calls) e.Sample(c.name, Label("cmd", name), s.*c.field);
    }
  }
  // Bounds at 2^k - 1 ns (about 1 us, 4 us, ..., 4.3 s): bucket edges of the histograms.
  const char* hist = "lacewing_command_latency_seconds";
  e.Family(hist, "histogram", "Latency of each command (latency-tracking).");
  for (const auto& [name, slot] : slots) {
    const Histogram* h = stats[slot].latency.get();
    if (h == nullptr || h->count() == 0) continue;
    std::string cmd = Label("cmd", name);
    for (int k = 10; k <= 32; k += 2) {
      uint64_t bound = (uint64_t(1) << k) - 1;
      e.Sample(std::string(hist) + "_bucket",
               cmd + "," + Label("le", absl::StrFormat("%.6g", double(bound) / 1e9)),
               h->CountAtOrBelow(bound));
    }
    e.Sample(std::string(hist) + "_bucket", cmd + "," + Label("le", "+Inf"), h->count());
    e.Sample(std::string(hist) + "_sum", cmd, double(h->sum()) / 1e9);
    e.Sample(std::string(hist) + "_count", cmd, h->count());
  }
}

void ErrorFamilies(Service* service, Exposition& e) {
  ReplyBuilder::ErrorCounts errors = MergedErrorCounts(service);
  e.Family("lacewing_error_replies_total", "counter",
           "Error replies by error code (INFO errorstats).");
  for (const auto& [code, n] : errors.by_code) {
    e.Sample("lacewing_error_replies_total", Label("code", code), n);
  }
}

void ShardFamilies(Service* service, Exposition& e) {
  size_t threads = service->pool()->size();
  std::vector<int64_t> heap(threads);
  service->pool()->AwaitBriefOnAll(
      [&](io::Proactor* p) { heap[p->index()] = mem::ThreadAllocatedBytes(); });
  std::vector<uint64_t> keys(service->shards().size()), expires(service->shards().size());
  std::vector<DbSlice::Stats> slice(service->shards().size());
  service->shards().AwaitOnAll([&](Shard* shard) {
    for (int db = 0; db < DbSlice::NumDbs(); ++db) {
      keys[shard->id] += shard->db_slice.DbSize(db);
      expires[shard->id] += shard->db_slice.ExpireCount(db);
    }
    slice[shard->id] = shard->db_slice.stats();
  });
  std::vector<tx::EngineShard::Stats> txs(service->shards().size());
  service->shards().tx()->AwaitBriefOnAll([&](tx::EngineShard* s) { txs[s->id()] = s->stats(); });
  e.Family("lacewing_shard_used_memory_bytes", "gauge", "Heap bytes of each shard's thread.");
  for (size_t i = 0; i < threads; ++i) {
    e.Sample("lacewing_shard_used_memory_bytes", Label("shard", std::to_string(i)),
             uint64_t(std::max<int64_t>(heap[i], 0)));
  }
  struct PerShard {
    const char* name;
    const char* type;
    const char* help;
    std::function<uint64_t(size_t)> get;
  };
  const PerShard families[] = {
      {"lacewing_shard_keys", "gauge", "Keys of each shard, all databases.",
       [&](size_t i) { return keys[i]; }},
      {"lacewing_shard_expiring_keys", "gauge", "Keys with a TTL.",
       [&](size_t i) { return expires[i]; }},
      {"lacewing_expired_keys_total", "counter", "Keys deleted because their TTL passed.",
       [&](size_t i) { return slice[i].expired_keys; }},
      {"lacewing_evicted_keys_total", "counter", "Keys evicted under maxmemory.",
       [&](size_t i) { return slice[i].evicted_keys; }},
      {"lacewing_keyspace_hits_total", "counter", "Key lookups that found the key.",
       [&](size_t i) { return slice[i].keyspace_hits; }},
      {"lacewing_keyspace_misses_total", "counter", "Key lookups that did not.",
       [&](size_t i) { return slice[i].keyspace_misses; }},
      {"lacewing_tx_queued_total", "counter",
       "Multi-key transactions (and scripts) that queued for their key locks.",
       [&](size_t i) { return txs[i].scheduled; }},
      {"lacewing_tx_lock_conflicts_total", "counter",
       "Conflicting late arrivals refused and retried (lock waits).",
       [&](size_t i) { return txs[i].schedule_conflicts; }},
      {"lacewing_tx_late_arrivals_accepted_total", "counter",
       "Schedule requests that arrived after a younger transaction ran, touching none of its "
       "locks: queued at their id, no retry.",
       [&](size_t i) { return txs[i].late_accepted; }},
      {"lacewing_tx_out_of_order_runs_total", "counter",
       "Hops run ahead of their queue position (no lock wait).",
       [&](size_t i) { return txs[i].ooo_runs; }},
  };
  for (const PerShard& f : families) {
    e.Family(f.name, f.type, f.help);
    for (size_t i = 0; i < keys.size(); ++i) {
      e.Sample(f.name, Label("shard", std::to_string(i)), f.get(i));
    }
  }
}

void ServerFamilies(Service* service, Exposition& e) {
  auto one = [&](const char* name, const char* type, const char* help, uint64_t v) {
    e.Family(name, type, help);
    e.Sample(name, "", v);
  };
  one("lacewing_used_memory_bytes", "gauge", "Heap bytes of every thread (INFO used_memory).",
      uint64_t(std::max<int64_t>(mem::TotalAllocatedBytes(), 0)));
  one("lacewing_connected_clients", "gauge", "Client connections.", service->connected_clients());
  one("lacewing_blocked_clients", "gauge", "Clients waiting in a blocking command.",
      CountBlockedClients(service));
  one("lacewing_connections_received_total", "counter", "Connections accepted.",
      service->total_connections());
  one("lacewing_rejected_connections_total", "counter", "Connections refused (maxclients).",
      service->rejected_connections());
  one("lacewing_net_input_bytes_total", "counter", "Bytes read from clients.",
      service->net_input_bytes());
  one("lacewing_net_output_bytes_total", "counter", "Bytes written to clients.",
      service->net_output_bytes());
  one("lacewing_migrated_connections_total", "counter",
      "Connections moved to the thread of their keys (INFO migrated_connections).",
      service->migrated_connections());
  if (service->config().scripting_info == nullptr) return;
  ScriptingInfo s = service->config().scripting_info(service);
  e.Family("lacewing_script_runs_total", "counter", "Script runs by atomicity mode.");
  e.Sample("lacewing_script_runs_total", Label("mode", "lock_ahead"), s.runs_lock_ahead);
  e.Sample("lacewing_script_runs_total", Label("mode", "global"), s.runs_global);
  e.Sample("lacewing_script_runs_total", Label("mode", "non_atomic"), s.runs_non_atomic);
  one("lacewing_script_async_flushes_total", "counter",
      "Batches of redis.acall/apcall calls flushed.", s.async_flushes);
  one("lacewing_script_async_commands_total", "counter", "Commands run as async calls.",
      s.async_commands);
  one("lacewing_script_reruns_total", "counter", "allow-undeclared-keys runs run again.", s.reruns);
  one("lacewing_script_rollbacks_total", "counter", "Scripts stopped and rolled back.",
      s.rollbacks);
  one("lacewing_script_global_fallbacks_total", "counter",
      "Scripts that fell back to the whole-store lock.", s.global_fallbacks);
  one("lacewing_script_predicted_keys_total", "counter",
      "Undeclared keys predicted and locked at a script's start (INFO lua_predicted_keys).",
      s.predicted_keys);
  one("lacewing_script_predicted_keys_hit_total", "counter",
      "Predicted keys the script then touched (INFO lua_predicted_keys_hit).",
      s.predicted_keys_hit);
  one("lacewing_script_unpredicted_keys_total", "counter",
      "Undeclared keys touched that were not predicted (INFO lua_unpredicted_keys).",
      s.unpredicted_keys);
  one("lacewing_lua_memory_bytes", "gauge", "Heap of the idle Lua interpreters.",
      s.used_memory_lua);
}

}  // namespace

std::string RenderMetrics(Service* service) {
  Exposition e;
  ServerFamilies(service, e);
  ShardFamilies(service, e);
  CommandFamilies(service, e);
  ErrorFamilies(service, e);
  if (service->config().script_metrics) e.str() += service->config().script_metrics(service);
  return std::move(e.str());
}

}  // namespace lw
