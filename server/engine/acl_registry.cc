#include "server/engine/acl_registry.h"

#include <algorithm>

#include "base/clock.h"

namespace lw {

namespace {
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

acl::User DefaultUser(const acl::CommandTable& table) {
  acl::User u = acl::NewUser("default", table);
  for (std::string_view rule : {"on", "nopass", "~*", "&*", "+@all"}) {
    acl::ApplyRule(&u, rule, table);
  }
  u.Finish();
  return u;
}

AclRegistry::AclRegistry(const CommandRegistry& registry, std::atomic<bool>* auth_required)
    : table_(registry), auth_required_(auth_required) {
  users_["default"] = std::make_shared<const acl::User>(DefaultUser(table_));
  nobody_ = std::make_shared<const acl::User>(acl::NewUser("", table_));
  std::lock_guard<std::mutex> lock(mu_);
  PublishLocked();
}

void AclRegistry::PublishLocked() {
  const acl::User& d = *users_.at("default");
  auth_required_->store(!(d.nopass && d.enabled));
  gen_.fetch_add(1, std::memory_order_release);
}

void AclRegistry::Refresh(ConnectionContext* cntx) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string_view name = cntx->user ? std::string_view(cntx->user->name) : "default";
  auto it = users_.find(AV(name));
  if (it != users_.end()) {
    cntx->user = it->second;
  } else if (cntx->user == nullptr || cntx->user != nobody_) {
    // Keep the name (CLIENT LIST, ACL WHOAMI) but no permission at all.
    auto gone = std::make_shared<acl::User>(*nobody_);
    gone->name = std::string(name);
    cntx->user = std::move(gone);
  }
  cntx->acl_gen = gen_.load(std::memory_order_relaxed);
}

std::shared_ptr<const acl::User> AclRegistry::Get(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(AV(name));
  return it == users_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const acl::User>> AclRegistry::All() const {
  std::vector<std::shared_ptr<const acl::User>> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, u] : users_) out.push_back(u);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->name < b->name; });
  return out;
}

std::string AclRegistry::SetUser(std::string_view name, std::span<const std::string> rules,
                                 std::shared_ptr<const acl::User>* before,
                                 std::shared_ptr<const acl::User>* after) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(AV(name));
  acl::User u = it != users_.end() ? *it->second : acl::NewUser(name, table_);
  for (const std::string& r : rules) {
    std::string err = acl::ApplyRule(&u, r, table_);
    if (!err.empty()) return "ERR Error in ACL SETUSER modifier '" + r + "': " + err;
  }
  u.Finish();
  auto published = std::make_shared<const acl::User>(std::move(u));
  if (before) *before = it != users_.end() ? it->second : nullptr;
  if (after) *after = published;
  users_[std::string(name)] = std::move(published);
  PublishLocked();
  return "";
}

int AclRegistry::DelUsers(std::span<const std::string_view> names) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (std::string_view name : names) {
    auto it = users_.find(AV(name));
    if (it == users_.end()) continue;
    users_.erase(it);
    ++n;
  }
  if (n) PublishLocked();
  return n;
}

std::shared_ptr<const acl::User> AclRegistry::Authenticate(std::string_view name,
                                                           std::string_view pass) const {
  std::shared_ptr<const acl::User> u = Get(name);
  if (u == nullptr || !u->enabled || !u->CheckPassword(pass)) return nullptr;
  return u;
}

void AclRegistry::Login(ConnectionContext* cntx, std::shared_ptr<const acl::User> user) const {
  // The generation first: a change published after it is picked up by the next command.
  cntx->acl_gen = generation();
  cntx->user = std::move(user);
  cntx->authenticated = true;
}

void AclRegistry::SetDefaultPassword(std::string_view pass) {
  std::lock_guard<std::mutex> lock(mu_);
  acl::User u = *users_.at("default");
  acl::ApplyRule(&u, "resetpass", table_);
  acl::ApplyRule(&u, pass.empty() ? std::string("nopass") : ">" + std::string(pass), table_);
  u.Finish();
  users_["default"] = std::make_shared<const acl::User>(std::move(u));
  PublishLocked();
}

void AclRegistry::ReplaceAll(std::vector<acl::User> users) {
  std::lock_guard<std::mutex> lock(mu_);
  users_.clear();
  for (acl::User& u : users) {
    std::string name = u.name;
    users_[name] = std::make_shared<const acl::User>(std::move(u));
  }
  if (!users_.contains("default")) {
    users_["default"] = std::make_shared<const acl::User>(DefaultUser(table_));
  }
  PublishLocked();
}

void AclRegistry::AddLog(std::string_view reason, std::string_view context, std::string_view object,
                         std::string_view username, std::string client_info, size_t max_len) {
  int64_t now = UnixNowMs();
  std::lock_guard<std::mutex> lock(log_mu_);
  // As Redis: a similar entry among the 10 newest, less than 60 s old, is counted again.
  for (size_t i = 0; i < log_.size() && i < 10; ++i) {
    LogEntry& e = log_[i];
    if (e.reason == reason && e.context == context && e.object == object &&
        e.username == username && now - e.ctime_ms < 60000) {
      LogEntry moved = std::move(e);
      log_.erase(log_.begin() + i);
      ++moved.count;
      moved.ctime_ms = now;
      moved.client_info = std::move(client_info);
      log_.push_front(std::move(moved));
      return;
    }
  }
  LogEntry e;
  e.reason = std::string(reason);
  e.context = std::string(context);
  e.object = std::string(object);
  e.username = std::string(username);
  e.client_info = std::move(client_info);
  e.ctime_ms = now;
  log_.push_front(std::move(e));
  while (log_.size() > max_len) log_.pop_back();
}

std::vector<AclRegistry::LogEntry> AclRegistry::LogEntries(size_t count) const {
  std::lock_guard<std::mutex> lock(log_mu_);
  count = std::min(count, log_.size());
  return std::vector<LogEntry>(log_.begin(), log_.begin() + count);
}

void AclRegistry::ResetLog() {
  std::lock_guard<std::mutex> lock(log_mu_);
  log_.clear();
}

}  // namespace lw
