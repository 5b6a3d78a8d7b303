// Redis 7 error texts produced by the Lua layer, kept in one place so they match Redis byte
// for byte. Messages are "CODE message" without the leading '-' (see reply_writer.h).
// Thread-safety: constants and pure functions.
#pragma once

#include <string>
#include <string_view>

namespace lw::lua {

// Raised by redis.call/pcall argument checks (after NormalizeError: "ERR ...").
inline constexpr std::string_view kErrNoArgs =
    "Please specify at least one argument for this redis lib call";
inline constexpr std::string_view kErrBadArgType =
    "Lua redis lib command arguments must be strings or integers";
inline constexpr std::string_view kErrScriptKilled = "Script killed by user with SCRIPT KILL...";
inline constexpr std::string_view kErrReadonlyTable = "Attempt to modify a readonly table";
inline constexpr std::string_view kErrStackLimit = "ERR reached lua stack limit";
inline constexpr std::string_view kErrNoRunner = "ERR redis.call is not available here";
inline constexpr std::string_view kErrNoScript = "NOSCRIPT No matching script. Please use EVAL.";
inline constexpr std::string_view kErrRegisterOutsideLoad =
    "redis.register_function can only be called on FUNCTION LOAD command";

// The field Redis sets (true) in the error table of a failed command call: errorstats counted
// the error when the command failed, so a script that raises or returns it is not counted
// again. Scripts see it, as in Redis.
inline constexpr const char* kIgnoreErrorStats = "ignore_error_stats_update";
// A script error text that starts with this byte repeats an error errorstats already counted
// (the escaping error table had kIgnoreErrorStats): the server strips it and sends the rest
// with ReplyBuilder::SendErrorUncounted. (A byte no Redis error text contains.)
inline constexpr char kCountedErrorMark = '\x01';

// Redis's luaPushErrorBuff rule for an error text given by a script or a command:
// "-CODE msg" -> "CODE msg"; "-word" -> "ERR word"; "msg" (no '-') -> "ERR msg"; a trailing
// CR/LF is trimmed.
std::string NormalizeError(std::string_view raw);

// "Script attempted to access nonexistent global variable 'name'".
std::string NonexistentGlobal(std::string_view name);

// Lua 5.4's error texts in Lua 5.1's phrasing, as Redis's scripts see them:
//   "attempt to index a number value (local 'r')" -> "attempt to index local 'r' (a number
//   value)" (likewise call, perform arithmetic on, concatenate, get length of, for local,
//   global, field, upvalue, method and constant names), and "near <eof>" -> "near '<eof>'".
// Other texts are returned unchanged.
std::string Lua51Message(std::string_view msg);

// Compile error for EVAL/SCRIPT LOAD: "ERR Error compiling script (new function): <lua msg>".
std::string CompileError(std::string_view lua_message);

// The reply for an error that escaped a script: "<msg> script: <sha>, on <source>:<line>."
// when the position is known (source non-empty), else just msg. `msg` is already normalized.
std::string ScriptRunError(std::string_view msg, std::string_view sha, std::string_view source,
                           int line);

// An error that is no error table (Lua's own "not enough memory"):
// "ERR Error running script <name>, <msg>" (Redis 7's luaCallFunction).
std::string ScriptFailure(std::string_view name, std::string_view msg);

// Shebang errors (script_flags.h), returned as "ERR ...".
std::string UnexpectedEngine(std::string_view engine);
std::string UnexpectedFlag(std::string_view flag);
std::string UnknownShebangOption(std::string_view option);
inline constexpr std::string_view kErrInvalidShebang = "ERR Invalid script shebang";

}  // namespace lw::lua
