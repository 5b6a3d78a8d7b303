#include "server/scripting/script_manager.h"

#include <absl/flags/flag.h>

#include <algorithm>

#include "base/logging.h"
#include "lua_interp/script_flags.h"
#include "lua_interp/sha1.h"

ABSL_FLAG(std::string, default_lua_flags, "",
          "flags (comma separated, e.g. allow-undeclared-keys,disable-atomicity) for scripts "
          "that declare none");
ABSL_FLAG(bool, lua_auto_async, false,
          "run redis.call/pcall whose result a script discards as redis.acall/apcall");
ABSL_FLAG(uint32_t, busy_reply_threshold, 5000,
          "ms after which a running script counts as busy (alias of lua-time-limit)");

namespace lw {

namespace {
absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

ScriptManager::ScriptManager() {
  std::string bad;
  auto flags = lua::ParseFlagList(absl::GetFlag(FLAGS_default_lua_flags), &bad);
  if (!flags) {
    LOG(ERROR) << "--default_lua_flags: unknown flag '" << bad << "', ignoring it";
  } else {
    default_flags_ = *flags;
  }
  auto_async_ = absl::GetFlag(FLAGS_lua_auto_async);
  busy_threshold_ms_ = absl::GetFlag(FLAGS_busy_reply_threshold);
}

std::optional<std::string> ScriptManager::Add(std::string_view body, std::string* error) {
  std::string sha = lua::Sha1Hex(body);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (scripts_.contains(AbslView(sha))) return sha;
  }
  auto parsed = lua::ParseScriptFlags(body, error);
  if (!parsed) return std::nullopt;
  auto info = std::make_shared<ScriptInfo>();
  info->body = std::string(body);
  info->flags_declared = parsed->has_shebang || parsed->bits != 0;
  info->flags = info->flags_declared ? parsed->bits : default_flags_;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = overrides_.find(AbslView(sha)); it != overrides_.end()) info->flags = it->second;
  scripts_.emplace(sha, std::move(info));
  return sha;
}

std::shared_ptr<const ScriptInfo> ScriptManager::Get(std::string_view sha) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = scripts_.find(AbslView(sha));
  return it == scripts_.end() ? nullptr : it->second;
}

bool ScriptManager::Exists(std::string_view sha) const { return Get(sha) != nullptr; }

void ScriptManager::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  scripts_.clear();
  script_epoch_.fetch_add(1, std::memory_order_acq_rel);
}

void ScriptManager::SetFlagsOverride(std::string_view sha, uint32_t flags) {
  std::lock_guard<std::mutex> lock(mu_);
  overrides_[std::string(sha)] = flags;
  auto it = scripts_.find(AbslView(sha));
  if (it != scripts_.end()) {
    auto copy = std::make_shared<ScriptInfo>(*it->second);
    copy->flags = flags;
    it->second = std::move(copy);
  }
}

std::vector<std::pair<std::string, std::string>> ScriptManager::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [sha, info] : scripts_) out.emplace_back(sha, info->body);
  std::sort(out.begin(), out.end());
  return out;
}

size_t ScriptManager::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return scripts_.size();
}

std::string ScriptManager::StoreLibrary(LibraryInfo lib, bool replace) {
  std::lock_guard<std::mutex> lock(mu_);
  auto existing = libraries_.find(lib.name);
  if (existing != libraries_.end() && !replace) {
    return "ERR Library '" + lib.name + "' already exists";
  }
  // A function name may belong to one library only.
  for (const auto& [name, other] : libraries_) {
    if (name == lib.name) continue;
    for (const auto& f : other->functions) {
      for (const auto& g : lib.functions) {
        if (f.name == g.name) return "ERR Function " + g.name + " already exists";
      }
    }
  }
  std::string name = lib.name;  // `lib` is moved below; C++17 evaluates the right side first
  libraries_[name] = std::make_shared<LibraryInfo>(std::move(lib));
  function_epoch_.fetch_add(1, std::memory_order_acq_rel);
  return "";
}

bool ScriptManager::DeleteLibrary(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (libraries_.erase(std::string(name)) == 0) return false;
  function_epoch_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void ScriptManager::FlushLibraries() {
  std::lock_guard<std::mutex> lock(mu_);
  libraries_.clear();
  function_epoch_.fetch_add(1, std::memory_order_acq_rel);
}

std::vector<LibraryInfo> ScriptManager::Libraries() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<LibraryInfo> out;
  for (const auto& [name, lib] : libraries_) out.push_back(*lib);
  return out;
}

std::shared_ptr<const LibraryInfo> ScriptManager::FindFunction(std::string_view function,
                                                               lua::RegisteredFunction* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, lib] : libraries_) {
    for (const auto& f : lib->functions) {
      if (f.name == function) {
        *out = f;
        return lib;
      }
    }
  }
  return nullptr;
}

void ScriptManager::Register(RunningScript* s) {
  std::lock_guard<std::mutex> lock(mu_);
  running_.push_back(s);
}

void ScriptManager::Unregister(RunningScript* s) {
  std::lock_guard<std::mutex> lock(mu_);
  running_.erase(std::remove(running_.begin(), running_.end(), s), running_.end());
}

size_t ScriptManager::RunningCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_.size();
}

ScriptManager::KillResult ScriptManager::KillRunning(bool functions) {
  std::lock_guard<std::mutex> lock(mu_);
  bool any = false;
  for (RunningScript* s : running_) {
    if (s->is_function != functions) continue;
    any = true;
    if (s->wrote.load()) return KillResult::kUnkillable;
  }
  if (!any) return KillResult::kNotBusy;
  for (RunningScript* s : running_) {
    if (s->is_function == functions) s->kill_requested.store(true);
  }
  return KillResult::kKilled;
}

}  // namespace lw
