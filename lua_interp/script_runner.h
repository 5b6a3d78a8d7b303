// ScriptRunner: how the interpreter hands redis.call & co. to the server.
//
// The interpreter knows nothing about commands, keys or shards. Every redis.call, redis.pcall,
// redis.acall and redis.apcall whose arguments are valid (at least one, each a string or a
// number) becomes one ScriptRunner::Call. The runner executes the command (or queues it, for
// async calls) and writes its reply into `reply`:
//   * exactly one top-level value for a synchronous call; an error reply is written with
//     SendError("CODE message") and the interpreter turns it into a raised Lua error
//     (redis.call) or an {err=...} table (redis.pcall), in Redis's formats;
//   * nothing for an async call that was queued (the Lua call then returns nothing), or one
//     error if the command was rejected up front (e.g. unknown command).
// `info.resp` is the protocol the script asked for with redis.setresp (2 by default): the
// runner should shape the reply for it (e.g. HGETALL: flat array for 2, map for 3). The
// interpreter downgrades RESP3-only elements it receives while in RESP2 mode, as Redis does.
//
// Thread-safety: called on the thread running the script, inside Interpreter::RunFunction.
// The runner may block the calling fiber (e.g. hop to other shards). It must not re-enter the
// same Interpreter.
#pragma once

#include <span>
#include <string_view>

#include "lua_interp/reply_writer.h"

namespace lw::lua {

struct CallInfo {
  bool async = false;       // redis.acall / redis.apcall (or a call routed by auto-async)
  bool raise_error = true;  // redis.call / redis.acall; false for the pcall variants
  int resp = 2;             // 2 or 3, from redis.setresp
};

class ScriptRunner {
 public:
  virtual ~ScriptRunner() = default;

  // args[0] is the command name as the script wrote it (any case); the views are valid only
  // during the call.
  virtual void Call(const CallInfo& info, std::span<const std::string_view> args,
                    ReplyWriter* reply) = 0;

  // Non-empty once the runner has decided to stop the script (the server's own decision, e.g.
  // a key the script may not use): after the Call that set it, the interpreter ends the script
  // with this error ("CODE message", as given to SendError), and the script cannot catch it, as
  // with SCRIPT KILL (the run returns kKilled).
  virtual std::string_view StopReason() const { return {}; }

  // redis.acl_check_cmd(): 1 if the user running the script may run `args` (args[0] the
  // command), 0 if not, -1 if no such command (or subcommand). Default: everything allowed.
  virtual int AclCheck(std::span<const std::string_view> args) { return 1; }
};

}  // namespace lw::lua
