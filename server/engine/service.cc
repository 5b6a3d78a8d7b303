#include "server/engine/service.h"

#include "server/engine/tracking.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>

#include "base/clock.h"
#include "base/logging.h"
#include "base/malloc_accounting.h"
#include "base/str_util.h"
#include "server/engine/acl_file.h"
#include "server/resp/error_strings.h"

namespace lw {

namespace {

// MULTI (server/families/multi_family.cc): queues the command if the client is inside MULTI
// (replying QUEUED) and returns true. Commands flagged kNotQueued run at once (RESET's handler
// drops the MULTI and WATCH state itself).
bool QueueInMulti(const CommandSpec& spec, CmdArgs args, ConnectionContext* cntx) {
  if (!cntx->multi->queuing || spec.Has(cmd::kNotQueued)) return false;
  if (spec.flags & cmd::kNoMulti) {
    cntx->multi->aborted = true;
    cntx->rb->SendError(errors::kNotInMulti);
    return true;
  }
  cntx->multi->queued.emplace_back(args.begin(), args.end());
  cntx->rb->SendSimpleString("QUEUED");
  return true;
}

}  // namespace

Service::Service(io::ProactorPool* pool, const ServiceConfig& config,
                 std::span<const FamilyRegistrar> families)
    : pool_(pool),
      config_(config),
      shards_(pool, tx::ShardSetOptions{.lock_on_hashtags = config.lock_on_hashtags}) {
  for (FamilyRegistrar r : families) r(&registry_);
  acl_ = std::make_unique<AclRegistry>(registry_, &runtime_.auth_required);
  if (!config_.requirepass.empty()) acl_->SetDefaultPassword(config_.requirepass);
  if (std::string err = LoadConfigUsers(acl_.get(), config_.users); !err.empty()) {
    LOG(ERROR) << err;
    LOG(ERROR) << "Critical error while loading ACLs. Exiting.";
    exit(1);
  }
  acl_->set_aclfile(config_.aclfile);
  if (!config_.aclfile.empty()) {
    std::string err = LoadAclFile(acl_.get());
    if (!err.empty()) {
      LOG(ERROR) << "Aborting Lacewing startup because of ACL errors: " << err;
      exit(1);
    }
  }
  start_steady_ns_ = SteadyNowNs();
  clients_.resize(pool_->size());
  cmd_stats_.resize(pool_->size());
  total_commands_ = std::make_unique<ThreadCounter[]>(pool_->size() + 1);
  write_commands_ = std::make_unique<ThreadCounter[]>(pool_->size() + 1);
  net_input_ = std::make_unique<ThreadCounter[]>(pool_->size() + 1);
  net_output_ = std::make_unique<ThreadCounter[]>(pool_->size() + 1);
  reads_processed_ = std::make_unique<ThreadCounter[]>(pool_->size() + 1);
  writes_processed_ = std::make_unique<ThreadCounter[]>(pool_->size() + 1);
  expire_cycle_ns_ = std::make_unique<ThreadCounter[]>(pool_->size() + 1);
  reply_expands_ = std::make_unique<ThreadCounter[]>(pool_->size() + 1);
  reply_shrinks_ = std::make_unique<ThreadCounter[]>(pool_->size() + 1);
  for (auto& stats : cmd_stats_) stats.resize(registry_.stat_slots());
  shutdown_hook_ = [] { kill(getpid(), SIGTERM); };
  // Memory limits: start-up flags into the runtime settings, then every shard reads them.
  runtime_.maxmemory.store(config_.maxmemory);
  runtime_.requirepass = config_.requirepass;
  runtime_.tls_port.store(config_.tls_port);
  runtime_.tls_cert_file = config_.tls_cert_file;
  runtime_.tls_key_file = config_.tls_key_file;
  runtime_.tls_ca_cert_file = config_.tls_ca_cert_file;
  for (size_t i = 0; i < std::size(kTlsAuthClients); ++i) {
    if (kTlsAuthClients[i] == config_.tls_auth_clients) runtime_.tls_auth_clients.store(int64_t(i));
  }
  if (config_.cache_mode) runtime_.maxmemory_policy.store(4);  // allkeys-lru
  runtime_.busy_reply_threshold_ms.store(config_.busy_reply_threshold_ms);
  runtime_.dbfilename = config_.dbfilename;
  runtime_.save = config_.save;
  if (config_.apply_settings) config_.apply_settings(this);
  persistence_ = std::make_unique<Persistence>(this);
  std::vector<Persistence::SavePoint> points;
  if (Persistence::ParseSavePoints(config_.save, &points)) {
    persistence_->SetSavePoints(std::move(points));
  }
  persistence_->Start();
  runtime_.lua_heap_limit.store(config_.lua_heap_limit);
  runtime_.protected_mode.store(config_.protected_mode ? 1 : 0);
  thread_mem_.resize(pool_->size());
  thread_ids_.resize(pool_->size());
  pool_->AwaitBriefOnAll([this](io::Proactor* p) {
    thread_mem_[p->index()] = mem::ThreadCounterAddress();
    thread_ids_[p->index()] = mem::CurrentThreadId();
  });
  int64_t pool_bytes = 0;
  for (const auto* c : thread_mem_) pool_bytes += c->load(std::memory_order_relaxed);
  other_mem_.store(mem::TotalAllocatedBytes() - pool_bytes);
  startup_memory_ = UsedMemory();
  cannot_evict_ = std::make_unique<std::atomic<bool>[]>(shards_.size());
  shards_.AwaitOnAll([this](Shard* shard) {
    MemoryConfig mc;
    mc.maxmemory = &runtime_.maxmemory;
    mc.policy = &runtime_.maxmemory_policy;
    mc.lfu_log_factor = &runtime_.lfu_log_factor;
    mc.lfu_decay_time = &runtime_.lfu_decay_time;
    mc.shard_count = shards_.size();
    mc.outside = &other_mem_;
    mc.cannot_evict = &cannot_evict_[shard->id];
    mc.pause_mode = &pause_mode_;
    mc.pause_end_ms = &pause_end_ms_;
    shard->db_slice.SetMemoryConfig(mc);
    if (config_.publish) {
      shard->db_slice.SetNotifier(KeyspaceNotifier{&runtime_.notify_flags, config_.publish, this});
    }
    shard->db_slice.tracking().SetDeliver(
        DeliverInvalidation,
        [](void* service, std::function<void()> fn) {
          io::Proactor::Current()->DispatchBrief(std::move(fn));
        },
        this);
    shard->db_slice.tracking().SetLimit(&runtime_.tracking_table_max_keys, shards_.size());
  });
  for (uint32_t i = 0; i < shards_.size(); ++i) {
    background_fibers_.Add(1);
    pool_->at(i)->Dispatch(
        [this, i] {
          ActiveExpiryLoop(shards_.shard(i));
          background_fibers_.Dec();
        },
        "active-expiry");
  }
}

Service::~Service() { CHECK(shut_down_) << "Service destroyed without Shutdown()"; }

void Service::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  persistence_->Stop();
  stop_background_.Notify();
  background_fibers_.Wait();
  shards_.Shutdown();
}

void Service::ActiveExpiryLoop(Shard* shard) {
  // Every 100 ms, each database with expiring keys gets a bounded sampling pass, so expired
  // keys nobody reads are reclaimed without a long pause.
  // The same fiber runs the memory tick: over its cache-mode budget (CONFIG SET maxmemory
  // lower, values that grew in place) a shard evicts a bounded batch per tick and comes back
  // after 1 ms instead of 100 ms until it is under budget.
  constexpr size_t kBudgetPerDb = 200;
  bool over_budget = false;
  int64_t last_idle_check = SteadyNowNs();
  // The period is 1000/hz ms (100 ms at Redis's default hz 10), read each round so that
  // CONFIG SET hz takes effect (CONFIG clamps it to 1..500).
  auto period = [&] {
    return 1000 / std::max<int64_t>(runtime_.hz.load(std::memory_order_relaxed), 1);
  };
  while (!stop_background_.WaitFor(std::chrono::milliseconds(over_budget ? 1 : period()))) {
    shard->db_slice.UpdateClock();  // the LRU/LFU clock keys are touched with
    int64_t cycle_start = SteadyNowNs();
    for (int db = 0; db < DbSlice::NumDbs(); ++db) {
      if (shard->db_slice.ExpireCount(db) > 0) {
        shard->db_slice.ActiveExpireStep(db, kBudgetPerDb);
      }
    }
    int64_t cycle_ns = SteadyNowNs() - cycle_start;
    AddToThreadCounter(expire_cycle_ns_, uint64_t(cycle_ns));
    MaybeLatencySample("expire-cycle", cycle_ns / 1000000);
    over_budget = MemoryTick(shard);
    int64_t now = SteadyNowNs();
    if (now - last_idle_check >= 1'000'000'000) {  // Redis too checks idle clients each second
      last_idle_check = now;
      CloseIdleClients();
      AdjustReplyBuffers();
    }
  }
}

void Service::AdjustReplyBuffers() {
  ForEachLocalClient([&](ConnectionContext* c) {
    // A client's builder is touched only between its requests (the buffer is empty then,
    // or holds bytes a parked write still needs: AdjustBuffer never shrinks a non-empty one).
    if (c->rb == nullptr) return;
    int change = c->rb->AdjustBuffer();
    if (change > 0) AddToThreadCounter(reply_expands_, 1);
    if (change < 0) AddToThreadCounter(reply_shrinks_, 1);
  });
}

void Service::CloseIdleClients() {
  int64_t timeout_s = runtime_.timeout.load(std::memory_order_relaxed);
  if (timeout_s <= 0) return;
  int64_t now = SteadyNowNs();
  std::vector<ClientControl*> idle;
  ForEachLocalClient([&](ConnectionContext* c) {
    // Blocked and subscribed clients wait on purpose (Redis exempts them too).
    if (!c->waiting_for_input || c->blocked || c->subscribed() || c->control == nullptr) return;
    if ((now - c->last_active_ns) / 1'000'000'000 > timeout_s) idle.push_back(c->control);
  });
  // Kill() unregisters the client, so not while walking the client map.
  for (ClientControl* control : idle) control->Kill();
}

bool Service::MemoryTick(Shard* shard) {
  mem::ThreadAllocatedBytes();  // folds in bytes other threads handed over (mem::HandOver)
  if (shard->id == 0) {
    // Bytes of threads outside the pool (main, exited threads), for UsedMemory().
    int64_t pool_bytes = 0;
    for (const auto* c : thread_mem_) pool_bytes += c->load(std::memory_order_relaxed);
    other_mem_.store(mem::TotalAllocatedBytes() - pool_bytes, std::memory_order_relaxed);
    const uint64_t totals[] = {total_commands(), net_input_bytes(), net_output_bytes()};
    instantaneous_.Sample(SteadyNowNs(), totals);
    TrackEvictionExceeded();
  }
  DbSlice& slice = shard->db_slice;
  if (!slice.EvictionAllowed()) return false;  // no cache mode, or a CLIENT PAUSE
  // Bounded work per tick: a few hundred logical buckets (a few thousand entries).
  constexpr size_t kEvictBucketsPerTick = 256;
  if (slice.ShardUsed() > slice.ShardBudget()) {
    int64_t start = SteadyNowNs();
    slice.EvictStep(kEvictBucketsPerTick);
    MaybeLatencySample("eviction-cycle", (SteadyNowNs() - start) / 1000000);
  }
  return slice.ShardUsed() > slice.ShardBudget() &&
         !cannot_evict_[shard->id].load(std::memory_order_relaxed);
}

void Service::TrackEvictionExceeded() {
  int64_t limit = runtime_.maxmemory.load(std::memory_order_relaxed);
  bool over = limit > 0 && UsedMemory() > limit &&
              runtime_.maxmemory_policy.load(std::memory_order_relaxed) != kNoEvictionPolicy;
  int64_t since = evict_exceeded_since_ns_.load(std::memory_order_relaxed);
  int64_t now = SteadyNowNs();
  if (over && since == 0) {
    evict_exceeded_since_ns_.store(now, std::memory_order_relaxed);
  } else if (!over && since != 0) {
    evict_exceeded_total_ns_.fetch_add(now - since, std::memory_order_relaxed);
    evict_exceeded_since_ns_.store(0, std::memory_order_relaxed);
  }
}

int64_t Service::eviction_exceeded_ms(bool current_only) const {
  int64_t since = evict_exceeded_since_ns_.load(std::memory_order_relaxed);
  int64_t current = since == 0 ? 0 : SteadyNowNs() - since;
  if (current_only) return current / 1000000;
  return (current + evict_exceeded_total_ns_.load(std::memory_order_relaxed)) / 1000000;
}

int64_t Service::UsedMemory() const {
  int64_t total = other_mem_.load(std::memory_order_relaxed);
  for (const auto* c : thread_mem_) total += c->load(std::memory_order_relaxed);
  return total;
}

bool Service::OomRefuses() const {
  int64_t limit = runtime_.maxmemory.load(std::memory_order_relaxed);
  if (limit <= 0 || UsedMemory() <= limit) return false;
  if (runtime_.maxmemory_policy.load(std::memory_order_relaxed) == kNoEvictionPolicy) {
    return true;
  }
  // Cache mode evicts inside the shards; refuse only while some shard has nothing left to
  // evict (its writes would fail anyway, and this catches the families whose writes cannot
  // report OOM themselves).
  for (uint32_t i = 0; i < shards_.size(); ++i) {
    if (cannot_evict_[i].load(std::memory_order_relaxed)) return true;
  }
  return false;
}

void Service::RegisterClient(ConnectionContext* cntx) {
  connected_clients_.fetch_add(1, std::memory_order_relaxed);
  AddClient(cntx);
}

bool Service::AdmitClient(ConnectionContext* cntx, int64_t max_clients) {
  size_t n = connected_clients_.load(std::memory_order_relaxed);
  do {
    if (int64_t(n) >= max_clients) return false;
  } while (!connected_clients_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  cntx->client_id = NextClientId();
  AddClient(cntx);
  return true;
}

void Service::AddClient(ConnectionContext* cntx) {
  cntx->thread = uint32_t(io::Proactor::Current()->index());
  clients_[cntx->thread][cntx->client_id] = cntx;
  total_connections_.fetch_add(1, std::memory_order_relaxed);
}

void Service::UnregisterClient(ConnectionContext* cntx) {
  if (cntx->monitor) monitors_.Remove(cntx->client_id);
  if (clients_[cntx->thread].erase(cntx->client_id)) {
    connected_clients_.fetch_sub(1, std::memory_order_relaxed);
  }
}

ConnectionContext* Service::FindLocalClient(uint64_t client_id) {
  auto& mine = clients_[io::Proactor::Current()->index()];
  auto it = mine.find(client_id);
  return it == mine.end() ? nullptr : it->second;
}

void Service::ResetStats() {
  total_commands_[pool_->size()].n.store(0, std::memory_order_relaxed);
  total_connections_.store(0, std::memory_order_relaxed);
  migrated_.store(0, std::memory_order_relaxed);
  // Each thread's counters are reset on that thread: it is their only writer.
  pool_->AwaitBriefOnAll([this](io::Proactor* p) {
    total_commands_[p->index()].n.store(0, std::memory_order_relaxed);
    net_input_[p->index()].n.store(0, std::memory_order_relaxed);
    net_output_[p->index()].n.store(0, std::memory_order_relaxed);
    reads_processed_[p->index()].n.store(0, std::memory_order_relaxed);
    writes_processed_[p->index()].n.store(0, std::memory_order_relaxed);
    expire_cycle_ns_[p->index()].n.store(0, std::memory_order_relaxed);
    reply_expands_[p->index()].n.store(0, std::memory_order_relaxed);
    reply_shrinks_[p->index()].n.store(0, std::memory_order_relaxed);
    for (CommandStats& s : cmd_stats_[p->index()]) s = CommandStats{};
    ReplyBuilder::ThreadErrorCounts() = {};
  });
  shards_.AwaitOnAll([](Shard* shard) { shard->db_slice.ResetStats(); });
  evict_exceeded_total_ns_.store(0, std::memory_order_relaxed);
}

void Service::RequestShutdown() {
  if (shutdown_hook_) shutdown_hook_();
}

void Service::RecordCall(const CommandSpec& spec, CmdArgs args, int64_t start_ns,
                         int64_t elapsed_us, bool failed, ConnectionContext* cntx) {
  io::Proactor* here = io::Proactor::Current();
  CountCommand(here);
  cntx->last_cmd = spec.name;
  cntx->last_active_ns = start_ns;
  cntx->cmd_flags = spec.flags;
  CommandStats& stats = cmd_stats_[here->index()][CommandRegistry::StatSlot(spec, args)];
  ++stats.calls;
  stats.usec += uint64_t(std::max<int64_t>(elapsed_us, 0));
  // LATENCY HISTOGRAM lists only commands with timed calls.
  ++stats.latency_log2[CommandStats::BucketOf(std::max<int64_t>(elapsed_us, 0))];
  if (failed) ++stats.failed_calls;
  if (runtime_.latency_tracking.load(std::memory_order_relaxed)) {
    stats.RecordLatency(elapsed_us * 1000);
  }
  if ((spec.flags & cmd::kWrite) && !failed) CountWrite(here);
  MaybeSlowLog(spec, args, elapsed_us, cntx);
}

void Service::CountWrite(io::Proactor* here) {
  if (here != nullptr) {
    std::atomic<uint64_t>& n = write_commands_[here->index()].n;
    n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);  // sole writer
  } else {
    write_commands_[pool_->size()].n.fetch_add(1, std::memory_order_relaxed);
  }
}

void Service::CountCommand(io::Proactor* here) {
  if (here != nullptr) {
    std::atomic<uint64_t>& n = total_commands_[here->index()].n;
    n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);  // sole writer
  } else {
    total_commands_[pool_->size()].n.fetch_add(1, std::memory_order_relaxed);
  }
}

void Service::MaybeSlowLog(const CommandSpec& spec, CmdArgs args, int64_t elapsed_us,
                           const ConnectionContext* cntx) {
  // Client commands only (a script's or EXEC's own commands are covered by it).
  // LATENCY: Redis's command events (a blocking command's wait is not its latency).
  if (!cntx->from_script && cntx->multi_tx == nullptr && !spec.Has(cmd::kBlocking)) {
    MaybeLatencySample(spec.Has(cmd::kFast) ? "fast-command" : "command", elapsed_us / 1000);
  }
  int64_t slower_than = runtime_.slowlog_log_slower_than.load(std::memory_order_relaxed);
  if (slower_than >= 0 && elapsed_us >= slower_than && !cntx->from_script &&
      cntx->multi_tx == nullptr) {
    slow_log_.Add(args, spec.slowlog_arg, elapsed_us, cntx->addr, cntx->name,
                  size_t(std::max<int64_t>(runtime_.slowlog_max_len.load(), 0)));
  }
}

void Service::Dispatch(CmdArgs args, ConnectionContext* cntx) {
  DispatchSpec(registry_.Find(args[0]), args, cntx);
}

namespace {
// MULTI (server/families/multi_family.cc): a command rejected while queuing (unknown, arity,
// OOM...) makes EXEC fail with EXECABORT. A queued or executed command clears `rejected`.
struct MultiRejectGuard {
  ConnectionContext* cntx;
  uint64_t errors = cntx->rb->errors_sent();
  bool rejected = true;
  ~MultiRejectGuard() {
    if (rejected && cntx->multi && cntx->multi->queuing && cntx->rb->errors_sent() != errors) {
      cntx->multi->aborted = true;
    }
  }
};
}  // namespace

void Service::CountCall(CommandStats* stats, int64_t elapsed_ns, uint64_t errors,
                        uint64_t uncounted) {
  ++stats->calls;
  stats->usec += uint64_t(std::max<int64_t>(elapsed_ns, 0) / 1000);
  if (elapsed_ns >= 0) ++stats->latency_log2[CommandStats::BucketOf(elapsed_ns / 1000)];
  if (elapsed_ns >= 0 && runtime_.latency_tracking.load(std::memory_order_relaxed)) {
    stats->RecordLatency(elapsed_ns);
  }
  // Redis: one failed call for the counted errors of a call, one per uncounted error (a
  // script returning the error tables of its failed calls).
  stats->failed_calls += uncounted + (errors > uncounted ? 1 : 0);
}

void Service::DispatchSpec(const CommandSpec* spec, CmdArgs args, ConnectionContext* cntx) {
  io::Proactor* here = io::Proactor::Current();
  CountCommand(here);
  MultiRejectGuard multi_guard{cntx};
  if (spec == nullptr) {
    cntx->rb->SendError(errors::UnknownCommand(args));
    return;
  }
  // Statistics are per thread; a caller off the pool (none today) just goes uncounted.
  CommandStats* stats = here ? &LocalStats(here, *spec, args) : nullptr;
  if (!cntx->authenticated && !(spec->flags & cmd::kNoAuth) &&
      runtime_.auth_required.load(std::memory_order_relaxed)) {
    if (stats) ++stats->rejected_calls;
    cntx->rb->SendError(errors::kNoAuth);
    return;
  }
  if (!spec->ArityOk(args.size())) {
    if (stats) ++stats->rejected_calls;
    cntx->rb->SendError(errors::WrongArity(spec->name));
    return;
  }
  // ACL (the default user: one load, two branches); script calls were checked by the runner.
  if (!cntx->acl_checked && !acl_->FullAccess(cntx) && !AclPermits(*spec, args, cntx)) return;
  if (cntx->subscribed() && !cntx->rb->IsResp3() && !spec->Has(cmd::kSubscribeOk)) {
    if (stats) ++stats->rejected_calls;
    cntx->rb->SendError(errors::OnlySubscribeAllowed(spec->name));
    return;
  }
  // Redis's order: while a dataset loads, only kLoading commands run; after a failed save
  // with save points (stop-writes-on-bgsave-error), no write command does.
  if (loading_.load(std::memory_order_relaxed) && !(spec->flags & cmd::kLoading)) {
    if (stats) ++stats->rejected_calls;
    cntx->rb->SendError(errors::kLoading);
    return;
  }
  if ((spec->flags & cmd::kWrite) && writes_refused_.load(std::memory_order_relaxed)) {
    if (stats) ++stats->rejected_calls;
    cntx->rb->SendError(errors::kMisconf);
    return;
  }
  // maxmemory (issue 8): a command that may grow memory is refused up front over the limit.
  // Script calls were checked by the script runner (allow-oom scripts pass), see oom_checked.
  if ((spec->flags & cmd::kDenyOom) && !cntx->oom_checked && OomRefuses()) {
    if (stats) ++stats->rejected_calls;
    cntx->rb->SendError(errors::kOom);
    return;
  }
  // A command that needs keys held by a script running past the busy threshold is answered
  // -BUSY instead of waiting (commands run by scripts themselves are never refused).
  if (busy_.active() && (spec->first_key > 0 || spec->busy_keys != nullptr) &&
      cntx->multi_tx == nullptr && cntx->direct_shard == nullptr) {
    std::vector<std::string_view> keys =
        spec->busy_keys != nullptr ? spec->busy_keys(args) : CommandRegistry::KeysOf(*spec, args);
    std::string_view busy =
        busy_.Check(keys, cntx->db_index, runtime_.busy_reply_threshold_ms.load());
    if (!busy.empty()) {
      if (stats) ++stats->rejected_calls;
      cntx->rb->SendError(busy);
      return;
    }
  }
  multi_guard.rejected = false;
  if (pause_active()) MaybeWaitForPause(*spec, cntx);  // CLIENT PAUSE: one relaxed load
  if (cntx->multi != nullptr && QueueInMulti(*spec, args, cntx)) return;
  // A script's own calls are not timed (the script is): two clock reads per call would cost
  // more than many of the calls themselves.
  const bool timed = !cntx->from_script;
  int64_t start = 0;
  if (timed) start = cntx->clock_chain && *cntx->clock_chain ? *cntx->clock_chain : SteadyNowNs();
  uint64_t errors_before = cntx->rb->errors_sent();
  uint64_t uncounted_before = cntx->rb->uncounted_errors();
  cntx->last_cmd = spec->name;
  cntx->last_active_ns = start;
  cntx->cmd_flags = spec->flags;
  cntx->cmd_args = args;
  const bool monitored = monitors_.active();  // MONITOR: one relaxed load per command
  if (monitored) FeedMonitors(*spec, args, cntx, /*before=*/true);
  // WATCH needs nothing here: the operations that change a key report it themselves, on the
  // shard (watch_registry.h). CLIENT TRACKING registers a read's keys before it runs.
  if (cntx->tracking != nullptr) [[unlikely]]
    TrackReads(*spec, args, cntx);
  spec->handler(args, cntx);
  if (cntx->tracking != nullptr) [[unlikely]]
    AfterTrackedCommand(*spec, cntx);
  int64_t end = timed ? SteadyNowNs() : 0;
  if (cntx->clock_chain != nullptr) *cntx->clock_chain = end;
  int64_t elapsed_us = (end - start) / 1000;
  if (stats) {
    CountCall(stats, timed ? end - start : -1, cntx->rb->errors_sent() - errors_before,
              cntx->rb->uncounted_errors() - uncounted_before);
  }
  if ((spec->flags & cmd::kWrite) && cntx->rb->errors_sent() == errors_before) CountWrite(here);
  MaybeSlowLog(*spec, args, elapsed_us, cntx);
  if (monitored) FeedMonitors(*spec, args, cntx, /*before=*/false);
}

void Service::Pause(PauseMode mode, int64_t end_ms) {
  int64_t old_end = pause_end_ms_.load();
  if (!pause_active() || end_ms > old_end) pause_end_ms_.store(end_ms);
  pause_mode_.store(mode);
}

void Service::MaybeWaitForPause(const CommandSpec& spec, ConnectionContext* cntx) {
  // A script's or EXEC's own commands and squashed sub-contexts never wait (their script or
  // EXEC did).
  if (cntx->from_script || cntx->multi_tx != nullptr || cntx->direct_shard != nullptr) return;
  WaitWhilePaused(PausedAsWrite(spec, cntx), cntx);
}

bool Service::PausedAsWrite(const CommandSpec& spec, const ConnectionContext* cntx) const {
  std::string_view n = spec.name;
  // EVAL/EVALSHA/FCALL wait in scripting's Run(), which knows whether the script may write.
  if (n == "eval" || n == "evalsha" || n == "fcall") return false;
  if ((spec.flags & cmd::kWrite) || n == "publish" || n == "pfcount") return true;
  if (n == "exec" && cntx->multi != nullptr) {  // queued writes make EXEC a write
    for (const std::vector<std::string>& q : cntx->multi->queued) {
      const CommandSpec* s = q.empty() ? nullptr : registry_.Find(q[0]);
      if (s != nullptr && PausedAsWrite(*s, cntx)) return true;
    }
  }
  return false;
}

void Service::WaitWhilePaused(bool writes, ConnectionContext* cntx) {
  bool counted = false;
  while (true) {
    int mode = pause_mode_.load(std::memory_order_relaxed);
    if (mode == kPauseNone || (mode == kPauseWrite && !writes)) break;
    int64_t left = pause_end_ms_.load(std::memory_order_relaxed) - UnixNowMs();
    if (left <= 0) {
      int expected = mode;
      pause_mode_.compare_exchange_strong(expected, kPauseNone);  // the pause is over
      break;
    }
    if (!counted && !cntx->blocked) {
      cntx->blocked = true;  // Redis counts paused clients in blocked_clients
      counted = true;
    }
    // Polling keeps UNPAUSE and a later end simple; 1 ms is Redis's resolution here too.
    io::this_fiber::SleepFor(std::chrono::milliseconds(std::min<int64_t>(left, 1)));
  }
  if (counted) cntx->blocked = false;
}

void Service::FeedMonitors(const CommandSpec& spec, CmdArgs args, const ConnectionContext* cntx,
                           bool before) {
  // Redis shows neither admin commands nor commands it rejected (those never get here); a
  // client's command once it has run (so SELECT shows the new database), but EVAL/EVALSHA/
  // FCALL and their _RO forms before, so that the script's own calls ([db lua]) follow them.
  // Squashed commands run in sub-contexts (no connection, not a script): pipelines and EXEC
  // do not squash while a client monitors.
  if (!cntx->from_script && cntx->control == nullptr) return;
  std::string_view n = spec.name;
  if (spec.flags & cmd::kAdmin) {
    // CLIENT is admin as a whole here; in Redis only some of its subcommands are.
    if (n != "client" || args.size() < 2) return;
    for (std::string_view sub : {"kill", "list", "pause", "unpause", "unblock", "no-evict"}) {
      if (EqualsIgnoreCase(args[1], sub)) return;
    }
  }
  bool script = n == "eval" || n == "evalsha" || n == "eval_ro" || n == "evalsha_ro" ||
                n == "fcall" || n == "fcall_ro";
  if (script != before) return;
  FeedMonitorsArgs(cntx, args);
}

void Service::FeedMonitorsArgs(const ConnectionContext* cntx, CmdArgs args) {
  if (cntx->from_script) return monitors_.Feed(this, cntx->db_index, "lua", args);
  // A Unix-socket peer has no IP address (its addr reads "?:0").
  if (!config_.unixsocket.empty() && cntx->addr.starts_with('?')) {
    return monitors_.Feed(this, cntx->db_index, "unix:" + config_.unixsocket, args);
  }
  monitors_.Feed(this, cntx->db_index, cntx->addr, args);
}

void InstantaneousMetrics::Sample(int64_t now_ns, const uint64_t (&totals)[kNumMetrics]) {
  std::lock_guard<std::mutex> lock(mu_);
  if (last_ns_ != 0 && now_ns - last_ns_ < 100'000'000) return;  // one sample per 100 ms
  if (last_ns_ != 0) {
    double secs = double(now_ns - last_ns_) / 1e9;
    for (int m = 0; m < kNumMetrics; ++m) {
      // A RESETSTAT in between makes a total go down: that period counts as zero.
      uint64_t delta = totals[m] >= last_[m] ? totals[m] - last_[m] : 0;
      samples_[m][next_] = double(delta) / secs;
    }
    next_ = (next_ + 1) % kSamples;
  }
  last_ns_ = now_ns;
  for (int m = 0; m < kNumMetrics; ++m) last_[m] = totals[m];
}

double InstantaneousMetrics::Mean(Metric m) const {
  std::lock_guard<std::mutex> lock(mu_);
  double sum = 0;
  for (double v : samples_[m]) sum += v;
  return sum / kSamples;
}

bool Service::AclPermits(const CommandSpec& spec, CmdArgs args, ConnectionContext* cntx) {
  int id = acl_->table().IdFor(spec, args);
  if (id < 0) return true;
  int pos = -1;
  acl::Verdict v = acl::Check(*cntx->user, acl_->table(), id, args, &pos);
  if (v == acl::Verdict::kOk) return true;
  cntx->last_cmd = spec.name;  // the log's client-info names the refused command, as Redis's
  if (io::Proactor* here = io::Proactor::Current()) ++LocalStats(here, spec, args).rejected_calls;
  bool queuing = cntx->multi && cntx->multi->queuing;
  LogAclDenial(v, id, pos, args, queuing || cntx->in_exec ? "multi" : "toplevel", cntx);
  if (cntx->in_exec) {
    std::string_view reason =
        v == acl::Verdict::kCommand ? "no permission to execute the command or subcommand"
        : v == acl::Verdict::kKey   ? "no permission to touch the specified keys"
                                    : "no permission to access one of the "
                                      "channels used as arguments";
    cntx->rb->SendError(
        "NOPERM ACLs rules changed between the moment the transaction was accumulated and the "
        "EXEC call. This command is no longer allowed for the following reason: " +
        std::string(reason));
  } else if (v == acl::Verdict::kCommand) {
    cntx->rb->SendError("NOPERM this user has no permissions to run the '" +
                        acl_->table().at(id).name + "' command");
  } else if (v == acl::Verdict::kKey) {
    cntx->rb->SendError(
        "NOPERM this user has no permissions to access one of the keys used as arguments");
  } else {
    cntx->rb->SendError(
        "NOPERM this user has no permissions to access one of the channels used as arguments");
  }
  return false;
}

std::string Service::AclScriptCall(const CommandSpec& spec, CmdArgs args, ConnectionContext* cntx) {
  if (acl_->FullAccess(cntx)) return "";
  int id = acl_->table().IdFor(spec, args);
  if (id < 0) return "";
  int pos = -1;
  acl::Verdict v = acl::Check(*cntx->user, acl_->table(), id, args, &pos);
  if (v == acl::Verdict::kOk) return "";
  LogAclDenial(v, id, pos, args, "lua", cntx);
  if (v == acl::Verdict::kCommand) {
    return "ERR The user executing the script can't run this command or subcommand";
  }
  if (v == acl::Verdict::kKey) {
    return "ERR The user executing the script can't access at least one of the keys mentioned "
           "in the command arguments";
  }
  return "ERR The user executing the script can't publish to the channel mentioned in the "
         "command";
}

void Service::LogAclDenial(acl::Verdict v, int id, int pos, CmdArgs args, std::string_view context,
                           const ConnectionContext* cntx) {
  std::string_view reason = v == acl::Verdict::kCommand ? "command"
                            : v == acl::Verdict::kKey   ? "key"
                                                        : "channel";
  std::string_view object = v == acl::Verdict::kCommand
                                ? std::string_view(acl_->table().at(id).name)
                            : pos >= 0 && size_t(pos) < args.size() ? args[pos]
                                                                    : std::string_view();
  acl_->AddLog(reason, context, object, cntx->user ? cntx->user->name : "default",
               config_.client_info ? config_.client_info(cntx) : std::string(),
               size_t(std::max<int64_t>(runtime_.acllog_max_len.load(), 0)));
}

void Service::LogAuthFailure(std::string_view username, std::string_view command,
                             const ConnectionContext* cntx) {
  bool multi = (cntx->multi && cntx->multi->queuing) || cntx->in_exec;
  acl_->AddLog("auth", multi ? "multi" : "toplevel", command, username,
               config_.client_info ? config_.client_info(cntx) : std::string(),
               size_t(std::max<int64_t>(runtime_.acllog_max_len.load(), 0)));
}

}  // namespace lw
