// AclRegistry: the process-wide ACL users (acl_user.h), the ACL LOG and the aclfile.
//
// Users change rarely (ACL SETUSER/DELUSER/LOAD, CONFIG SET requirepass, AUTH reads them);
// commands are checked constantly. So each change publishes new immutable snapshots
// (shared_ptr<const User>) under a mutex and bumps an atomic generation. A client keeps the
// snapshot of the user it authenticated as plus the generation it saw (ConnectionContext::user,
// acl_gen); the dispatcher compares generations (one relaxed load) and only on a change takes
// the mutex to pick up the user's new snapshot (Refresh). The default user with every
// permission is User::full: the per-command cost is then one load and two branches.
//
// The ACL LOG (denials, failed AUTH) is kept here too, under its own mutex: it is written only
// when something is refused.
//
// Thread-safety: every method may be called from any thread. Lifetime: owned by the Service.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "server/engine/acl_user.h"
#include "server/engine/connection_context.h"

namespace lw {

class AclRegistry {
 public:
  // `auth_required` (RuntimeConfig) is kept equal to "the default user needs a password".
  AclRegistry(const CommandRegistry& registry, std::atomic<bool>* auth_required);

  const acl::CommandTable& table() const { return table_; }
  uint64_t generation() const { return gen_.load(std::memory_order_acquire); }
  // Brings cntx->user up to date with its user's current snapshot (a deleted user: one
  // with no permissions; the connection is closed by whoever deleted it).
  void Refresh(ConnectionContext* cntx) const;
  // Dispatch's check: Refresh if stale, then whether the command may skip the check.
  bool FullAccess(ConnectionContext* cntx) const {
    if (cntx->acl_gen != generation()) Refresh(cntx);
    return cntx->user->full;
  }

  std::shared_ptr<const acl::User> Get(std::string_view name) const;
  std::vector<std::shared_ptr<const acl::User>> All() const;  // by name
  // ACL SETUSER: applies `rules` to a copy of the user (a new one if absent) and publishes it
  // only if all apply. "" or the error reply. On success *before (null for a new user) and
  // *after, when given, are the snapshots it replaced and published.
  std::string SetUser(std::string_view name, std::span<const std::string> rules,
                      std::shared_ptr<const acl::User>* before = nullptr,
                      std::shared_ptr<const acl::User>* after = nullptr);
  // Removes users; returns how many existed. REQUIRES: "default" is not among them.
  int DelUsers(std::span<const std::string_view> names);
  // AUTH: the user if it exists, is on and `pass` is one of its passwords (or it is nopass).
  std::shared_ptr<const acl::User> Authenticate(std::string_view name, std::string_view pass) const;
  // Makes cntx run as `user` from now on.
  void Login(ConnectionContext* cntx, std::shared_ptr<const acl::User> user) const;
  // CONFIG SET requirepass: the default user's passwords become `pass` (none: nopass).
  void SetDefaultPassword(std::string_view pass);
  // Replaces every user (ACL LOAD); `users` must hold "default" or it is recreated.
  void ReplaceAll(std::vector<acl::User> users);

  // ACL LOG.
  struct LogEntry {
    uint64_t count = 1;
    std::string reason, context, object, username, client_info;
    int64_t ctime_ms = 0;
  };
  void AddLog(std::string_view reason, std::string_view context, std::string_view object,
              std::string_view username, std::string client_info, size_t max_len);
  std::vector<LogEntry> LogEntries(size_t count) const;
  void ResetLog();

  // The aclfile setting ("" none): fixed at start-up.
  void set_aclfile(std::string path) { aclfile_ = std::move(path); }
  const std::string& aclfile() const { return aclfile_; }

 private:
  void PublishLocked();  // bumps the generation and the auth_required flag

  acl::CommandTable table_;
  std::atomic<bool>* auth_required_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const acl::User>> users_;
  std::atomic<uint64_t> gen_{1};
  std::shared_ptr<const acl::User> nobody_;  // what a deleted user's clients become
  mutable std::mutex log_mu_;
  std::deque<LogEntry> log_;
  std::string aclfile_;
};

// The default user as Redis creates it: on, nopass, every key, channel and command.
acl::User DefaultUser(const acl::CommandTable& table);

}  // namespace lw
