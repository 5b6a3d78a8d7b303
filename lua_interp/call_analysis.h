// Discarded-call analysis for --lua_auto_async: which redis.call / redis.pcall call sites
// throw their result away, decided from the compiled Lua 5.4 bytecode, not from the text.
//
// Input is a binary chunk as produced by lua_dump (with debug info; Debian ships no internal
// Lua headers, so the chunk format of Lua 5.4 is parsed here). A call site discards its result
// when its OP_CALL has C == 1 (zero results wanted), i.e. the call is a statement. The callee
// is traced back to the instruction that loaded it into the call's base register:
//   * kDirect:   GETFIELD R, <redis>, "call"|"pcall" where <redis> was loaded by
//                GETTABUP _ENV "redis" (or is a never-reassigned local holding it);
//   * kLocal:    MOVE R, L where L is a local initialised from redis.call/pcall and never
//                reassigned (and never written through an upvalue);
//   * kUpvalue:  GETUPVAL R, U where U captures such a local (through any number of levels).
// Calls in conditions, assignments, returns, arguments and table constructors keep their
// result and are never reported; text in strings and comments is not code and never matches.
//
// RewriteDiscardedCalls also patches those sites so they run asynchronously, without moving
// any instruction (so jumps and line info stay valid):
//   * kDirect:  the GETFIELD's key constant becomes "acall" / "apcall";
//   * kLocal:   MOVE R, L      -> GETFIELD R, L, "__lw_async";
//   * kUpvalue: GETUPVAL R, U  -> GETTABUP R, U, "__lw_async";
// where indexing redis.call / redis.pcall with kAsyncAliasKey yields redis.acall / apcall
// (see InstallAsyncAliasMetatable in redis_api.h). Constants are appended as needed; a site
// whose constant index would not fit the instruction is left synchronous.
// Only the interpreter loads the rewritten chunk (lua_load mode "b"); scripts never can.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lw::lua {

inline constexpr std::string_view kAsyncAliasKey = "__lw_async";

struct DiscardedCall {
  enum class Via : uint8_t { kDirect, kLocal, kUpvalue };
  int line = 0;        // source line of the OP_CALL (0 if the chunk has no line info)
  bool pcall = false;  // redis.pcall rather than redis.call
  Via via = Via::kDirect;
  std::string function;  // "main" or "proto@<linedefined>" for nested functions
};

struct CallAnalysis {
  std::vector<DiscardedCall> calls;  // in chunk order (prototype tree pre-order, then pc)
  std::string rewritten;             // the patched chunk (== input if calls is empty)
};

// Returns nullopt if `chunk` is not a Lua 5.4 binary chunk this parser understands.
std::optional<CallAnalysis> AnalyzeDiscardedCalls(std::string_view chunk, bool rewrite);

}  // namespace lw::lua
