#include "server/scripting/script_manager.h"

#include <algorithm>

#include "lua_interp/script_flags.h"
#include "lua_interp/sha1.h"
#include "server/resp/error_strings.h"

namespace lw {

namespace {
absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::atomic<uint64_t> g_next_manager_id{1};
}  // namespace

// sha -> script, immutable once published. A new script must not copy the whole table (a
// client that EVALs many distinct bodies would pay O(n) per script): new entries go to a
// small `recent` map copied with each new table, and fold into the shared `base` only when
// recent has grown to about sqrt(base) entries — O(sqrt(n)) copies per added script, two
// lookups per read. An entry of `recent` shadows the same sha in `base` (SCRIPT FLAGS).
class ScriptTable {
 public:
  using Map = absl::flat_hash_map<std::string, std::shared_ptr<const ScriptInfo>>;

  ScriptTable() : base_(std::make_shared<const Map>()) {}

  const ScriptInfo* Find(std::string_view sha) const {
    if (auto it = recent_.find(AbslView(sha)); it != recent_.end()) return it->second.get();
    if (auto it = base_->find(AbslView(sha)); it != base_->end()) return it->second.get();
    return nullptr;
  }
  size_t size() const { return size_; }

  // This table with `sha` set to `info` (added, or replaced).
  std::shared_ptr<const ScriptTable> With(const std::string& sha,
                                          std::shared_ptr<const ScriptInfo> info) const {
    auto next = std::make_shared<ScriptTable>(*this);  // copies recent_, shares base_
    if (Find(sha) == nullptr) ++next->size_;
    next->recent_.insert_or_assign(sha, std::move(info));
    const size_t r = next->recent_.size();
    if (r >= kMinRecent && r * r > base_->size()) {
      auto merged = std::make_shared<Map>(*base_);
      for (auto& [k, v] : next->recent_) merged->insert_or_assign(k, std::move(v));
      next->base_ = std::move(merged);
      next->recent_.clear();
    }
    return next;
  }

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [sha, info] : recent_) fn(sha, *info);
    for (const auto& [sha, info] : *base_) {
      if (!recent_.contains(sha)) fn(sha, *info);
    }
  }

 private:
  static constexpr size_t kMinRecent = 16;
  std::shared_ptr<const Map> base_;
  Map recent_;
  size_t size_ = 0;
};

// Libraries by name, and each function to its library; immutable once published.
class FunctionTable {
 public:
  using Libraries = std::map<std::string, std::shared_ptr<const LibraryInfo>>;

  explicit FunctionTable(Libraries libraries) : libraries_(std::move(libraries)) {
    for (const auto& [name, lib] : libraries_) {
      for (const auto& f : lib->functions) functions_.emplace(f.name, Entry{lib, &f});
    }
  }
  const Libraries& libraries() const { return libraries_; }

  std::shared_ptr<const LibraryInfo> Find(std::string_view function,
                                          lua::RegisteredFunction* out) const {
    auto it = functions_.find(AbslView(function));
    if (it == functions_.end()) return nullptr;
    *out = *it->second.function;
    return it->second.library;
  }

  // A copy sharing nothing with this table (a thread's own, see ThreadState).
  std::shared_ptr<const FunctionTable> DeepCopy() const {
    Libraries copy;
    for (const auto& [name, lib] : libraries_) {
      copy.emplace(name, std::make_shared<const LibraryInfo>(*lib));
    }
    return std::make_shared<const FunctionTable>(std::move(copy));
  }

 private:
  struct Entry {
    std::shared_ptr<const LibraryInfo> library;
    const lua::RegisteredFunction* function;  // in *library
  };
  Libraries libraries_;
  absl::flat_hash_map<std::string, Entry> functions_;
};

constinit thread_local ScriptManager::TlsCache ScriptManager::tls_cache_;

ScriptManager::ScriptManager()
    : id_(g_next_manager_id.fetch_add(1, std::memory_order_relaxed)),
      published_scripts_(std::make_shared<const ScriptTable>()),
      published_functions_(std::make_shared<const FunctionTable>(FunctionTable::Libraries{})) {}

ScriptManager::~ScriptManager() = default;

ScriptManager::ThreadState& ScriptManager::LocalSlow() {
  // Every manager this thread has used (tests run several Services in one process).
  thread_local absl::flat_hash_map<uint64_t, ThreadState*> states;
  ThreadState*& state = states[id_];
  if (state == nullptr) {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.push_back(std::make_unique<ThreadState>());
    state = threads_.back().get();
  }
  tls_cache_ = TlsCache{id_, state};
  return *state;
}

std::shared_ptr<const ScriptInfo> ScriptManager::Find(std::string_view sha) {
  ThreadState& local = Local();
  // Read the version before the table: a table at least as new as the version is then seen.
  uint64_t version = script_version_.load(std::memory_order_acquire);
  if (local.script_version != version) {
    local.scripts.clear();
    local.script_version = version;
  }
  if (auto it = local.scripts.find(AbslView(sha)); it != local.scripts.end()) return it->second;
  std::shared_ptr<const ScriptTable> table = PublishedScripts();
  const ScriptInfo* found = table->Find(sha);
  if (found == nullptr) return nullptr;
  auto own = std::make_shared<const ScriptInfo>(*found);
  local.scripts.emplace(std::string(sha), own);
  return own;
}

std::shared_ptr<const ScriptInfo> ScriptManager::Add(std::string_view body, uint32_t default_flags,
                                                     std::string* sha, std::string* error) {
  *sha = lua::Sha1Hex(body);
  if (auto known = Find(*sha)) return known;
  auto parsed = lua::ParseScriptFlags(body, error);
  if (!parsed) return nullptr;
  auto info = std::make_shared<ScriptInfo>();
  info->body = std::string(body);
  info->flags_declared = parsed->has_shebang || parsed->bits != 0;
  info->flags = info->flags_declared ? parsed->bits : default_flags;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<const ScriptTable> table = PublishedScripts();
    if (table->Find(*sha) == nullptr) {
      if (auto it = overrides_.find(AbslView(*sha)); it != overrides_.end()) {
        info->flags = it->second;
      }
      // Adding removes nothing: thread caches stay valid, the version does not move.
      published_scripts_.store(table->With(*sha, std::move(info)), std::memory_order_release);
    }
  }
  return Find(*sha);  // null if flushed meanwhile
}

void ScriptManager::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  published_scripts_.store(std::make_shared<const ScriptTable>(), std::memory_order_release);
  script_epoch_.fetch_add(1, std::memory_order_acq_rel);
  script_version_.fetch_add(1, std::memory_order_acq_rel);
}

void ScriptManager::SetFlagsOverride(std::string_view sha, uint32_t flags) {
  std::lock_guard<std::mutex> lock(mu_);
  overrides_[std::string(sha)] = flags;
  std::shared_ptr<const ScriptTable> table = PublishedScripts();
  const ScriptInfo* current = table->Find(sha);
  if (current == nullptr) return;
  auto copy = std::make_shared<ScriptInfo>(*current);
  copy->flags = flags;
  published_scripts_.store(table->With(std::string(sha), std::move(copy)),
                           std::memory_order_release);
  script_version_.fetch_add(1, std::memory_order_acq_rel);
}

std::vector<std::pair<std::string, std::string>> ScriptManager::List() const {
  std::vector<std::pair<std::string, std::string>> out;
  PublishedScripts()->ForEach(
      [&out](const std::string& sha, const ScriptInfo& info) { out.emplace_back(sha, info.body); });
  std::sort(out.begin(), out.end());
  return out;
}

size_t ScriptManager::size() const { return PublishedScripts()->size(); }

void ScriptManager::PublishLibraries(FunctionTable::Libraries libraries) {
  published_functions_.store(std::make_shared<const FunctionTable>(std::move(libraries)),
                             std::memory_order_release);
  function_epoch_.fetch_add(1, std::memory_order_acq_rel);
}

std::string ScriptManager::StoreLibrary(LibraryInfo lib, bool replace) {
  std::lock_guard<std::mutex> lock(mu_);
  FunctionTable::Libraries libraries = PublishedFunctions()->libraries();
  if (libraries.contains(lib.name) && !replace) {
    return errors::LibraryExists(lib.name);
  }
  // A function name may belong to one library only.
  for (const auto& [name, other] : libraries) {
    if (name == lib.name) continue;
    for (const auto& f : other->functions) {
      for (const auto& g : lib.functions) {
        if (f.name == g.name) return errors::FunctionExists(g.name);
      }
    }
  }
  std::string name = lib.name;  // `lib` is moved below
  libraries[name] = std::make_shared<const LibraryInfo>(std::move(lib));
  PublishLibraries(std::move(libraries));
  return "";
}

bool ScriptManager::DeleteLibrary(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  FunctionTable::Libraries libraries = PublishedFunctions()->libraries();
  if (libraries.erase(std::string(name)) == 0) return false;
  PublishLibraries(std::move(libraries));
  return true;
}

void ScriptManager::FlushLibraries() {
  std::lock_guard<std::mutex> lock(mu_);
  PublishLibraries({});
}

std::vector<LibraryInfo> ScriptManager::Libraries() const {
  std::vector<LibraryInfo> out;
  for (const auto& [name, lib] : PublishedFunctions()->libraries()) out.push_back(*lib);
  return out;
}

std::shared_ptr<const LibraryInfo> ScriptManager::FindFunction(std::string_view function,
                                                               lua::RegisteredFunction* out,
                                                               uint64_t* epoch) {
  ThreadState& local = Local();
  uint64_t version = function_epoch_.load(std::memory_order_acquire);
  if (local.functions == nullptr || local.function_version != version) {
    local.functions = PublishedFunctions()->DeepCopy();
    local.function_version = version;
  }
  if (epoch != nullptr) *epoch = local.function_version;
  return local.functions->Find(function, out);
}

void ScriptManager::Register(RunningScript* s) {
  ThreadState& local = Local();
  local.running.push_back(s);
  local.running_count.store(local.running.size(), std::memory_order_relaxed);
}

void ScriptManager::Unregister(RunningScript* s) {
  ThreadState& local = Local();
  std::erase(local.running, s);
  local.running_count.store(local.running.size(), std::memory_order_relaxed);
}

size_t ScriptManager::RunningCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& t : threads_) n += t->running_count.load(std::memory_order_relaxed);
  return n;
}

ScriptManager::KillResult ScriptManager::KillRunning(io::ProactorPool* pool, bool functions) {
  // Each thread's list is its own: read it there. A first round decides, as Redis does for
  // its one script, whether anything may be killed at all; a second one asks the scripts to
  // stop (their hook or their next call ends them, and their writes are rolled back). Both
  // rounds run between a script's steps, and a script marks itself irreversible before such a
  // write starts — and checks for a kill before it — so such a script is never killed.
  std::atomic<bool> any{false};
  std::atomic<bool> unkillable{false};
  pool->AwaitBriefOnAll([&](io::Proactor*) {
    for (RunningScript* s : Local().running) {
      if (s->is_function != functions) continue;
      any.store(true, std::memory_order_relaxed);
      if (s->irreversible.load(std::memory_order_relaxed)) unkillable.store(true);
    }
  });
  if (!any.load()) return KillResult::kNotBusy;
  if (unkillable.load()) return KillResult::kUnkillable;
  pool->AwaitBriefOnAll([&](io::Proactor*) {
    for (RunningScript* s : Local().running) {
      if (s->is_function == functions && !s->irreversible.load(std::memory_order_relaxed)) {
        s->kill_requested.store(true, std::memory_order_relaxed);
      }
    }
  });
  return KillResult::kKilled;
}

ScriptManager::CounterTotals ScriptManager::SumCounters() const {
  std::lock_guard<std::mutex> lock(mu_);
  CounterTotals sum;
  for (const auto& t : threads_) {
    const ScriptCounters& c = t->counters;
    sum.runs_lock_ahead += c.runs_lock_ahead.load(std::memory_order_relaxed);
    sum.runs_global += c.runs_global.load(std::memory_order_relaxed);
    sum.runs_non_atomic += c.runs_non_atomic.load(std::memory_order_relaxed);
    sum.async_flushes += c.async_flushes.load(std::memory_order_relaxed);
    sum.async_commands += c.async_commands.load(std::memory_order_relaxed);
    sum.detached_flushes += c.detached_flushes.load(std::memory_order_relaxed);
    sum.reruns += c.reruns.load(std::memory_order_relaxed);
    sum.rollbacks += c.rollbacks.load(std::memory_order_relaxed);
    sum.global_fallbacks += c.global_fallbacks.load(std::memory_order_relaxed);
    sum.predicted_keys += c.predicted_keys.load(std::memory_order_relaxed);
    sum.predicted_keys_hit += c.predicted_keys_hit.load(std::memory_order_relaxed);
    sum.unpredicted_keys += c.unpredicted_keys.load(std::memory_order_relaxed);
  }
  return sum;
}

}  // namespace lw
