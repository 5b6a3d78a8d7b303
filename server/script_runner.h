// CommandRunner: the server side of lua_interp's ScriptRunner. Every redis.call / pcall /
// acall / apcall of a running script arrives here and becomes a command dispatched through
// the Service, exactly as if a client had sent it — but with the script's own database, the
// script's protocol (redis.setresp) and the script's rules:
//   - commands flagged noscript are refused;
//   - writes are refused in read-only scripts (no-writes, EVAL_RO, FCALL_RO);
//   - in lock-ahead mode every key a command touches must be one the script declared;
//   - acall/apcall are queued and flushed, in order, at the next synchronous call and at the
//     end of the script; an acall error aborts the script with that error.
// Thread-safety: one script's fiber.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "lua_interp/script_runner.h"
#include "server/command_registry.h"
#include "server/connection_context.h"
#include "server/script_manager.h"
#include "transaction/transaction.h"

namespace lw {

enum class ScriptMode { kLockAhead, kGlobal, kNonAtomic };

class CommandRunner final : public lua::ScriptRunner {
 public:
  // `multi_tx` holds the script's locks (lock-ahead and global modes); null in non-atomic
  // mode, where every call is a transaction of its own.
  CommandRunner(ConnectionContext* client, ScriptMode mode, bool read_only, CmdArgs keys,
                RunningScript* running, ScriptManager* manager, tx::Transaction* multi_tx);

  void Call(const lua::CallInfo& info, std::span<const std::string_view> args,
            lua::ReplyWriter* reply) override;

  // Runs the queued async calls; returns the first error of an acall (not apcall), or "".
  std::string FlushAsync();

  // Scripts flagged allow-oom may write over maxmemory; others get the OOM error at each
  // denyoom call (issue 8).
  void set_allow_oom(bool v) { allow_oom_ = v; }

 private:
  // Dispatches one command and returns its decoded reply.
  void Execute(std::span<const std::string_view> args, int resp, std::string* raw);
  // "" if the script may run the command, else the error reply text.
  std::string Check(const CommandSpec* spec, std::span<const std::string_view> args) const;

  struct QueuedCall {
    std::vector<std::string> args;
    bool raise_error;
    int resp;
  };

  ConnectionContext* client_;
  ScriptMode mode_;
  bool read_only_;
  int db_;
  absl::flat_hash_set<std::string> declared_keys_;
  RunningScript* running_;
  ScriptManager* manager_;
  std::vector<QueuedCall> queue_;
  std::string pending_error_;  // first acall error seen by a flush inside the script
  tx::Transaction* multi_tx_;
  bool allow_oom_ = false;
};

}  // namespace lw
