// Script flags: what a script declares about itself in its first line(s).
//
//   #!lua flags=no-writes,allow-oom     Redis 7 shebang; "#!lua" alone is valid (no flags).
//   --!df flags=disable-atomicity       Lacewing/Dragonfly form, a plain Lua comment.
//
// A Redis shebang line is not Lua, so it must be stripped before compiling; ShebangLength()
// says how many bytes to drop (the newline stays, so line numbers in errors do not move).
// The "--!df" line is a comment and stays. Both forms may be combined: "#!lua" on line 1 and
// "--!df" on line 2. Unknown engines, options and flags are errors with Redis's texts.
// A script without "#!lua" runs in Redis's EVAL compatibility mode (flags_declared false).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lw::lua {

enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1u << 0,
  kScriptAllowOom = 1u << 1,
  kScriptAllowStale = 1u << 2,
  kScriptNoCluster = 1u << 3,
  kScriptAllowCrossSlotKeys = 1u << 4,
  kScriptDisableAtomicity = 1u << 5,     // non-atomic mode: each call is its own command
  kScriptAllowUndeclaredKeys = 1u << 6,  // global mode: any key may be touched
};

struct ScriptFlags {
  uint32_t bits = 0;
  bool has_shebang = false;  // "#!lua" present: Redis runs the script outside compat mode
  size_t shebang_len = 0;    // bytes of "#!lua ..." to drop before compiling (0 if none)
};

// Parses the flag lines at the head of `body`. On failure returns nullopt and sets *error to
// the full error reply text, e.g. "ERR Unexpected flag in script shebang: foo".
std::optional<ScriptFlags> ParseScriptFlags(std::string_view body, std::string* error);

// Parses "a,b,c" (names as in the shebang). On an unknown name returns nullopt and sets *bad
// to that name. An empty list gives 0.
std::optional<uint32_t> ParseFlagList(std::string_view list, std::string* bad);

// Parses one flag name; nullopt if unknown.
std::optional<ScriptFlag> ParseFlagName(std::string_view name);

// "no-writes,allow-oom" in bit order; "" for 0.
std::string FlagsToString(uint32_t bits);

// FUNCTION LOAD metadata line "#!lua name=<lib>". On failure returns nullopt and sets *error
// to Redis's text ("ERR Missing library metadata", ...).
std::optional<std::string> ParseLibraryName(std::string_view code, std::string* error);

}  // namespace lw::lua
