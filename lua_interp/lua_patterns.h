// Interruptible Lua pattern matching: string.find, string.match, string.gmatch and
// string.gsub with Lua 5.4's semantics and error texts, on a matcher of our own that counts
// its steps and polls the interpreter's hook (PollInterrupt: fiber yield, SCRIPT KILL,
// shutdown, the FUNCTION LOAD deadline) every 64K of them. Lua's own matcher runs in C where
// the instruction hook never fires, so a catastrophic pattern (`string.rep('a*', 40) .. 'b'`)
// froze its thread for good; here it is stopped like any looping script.
// The matcher keeps only trivially destructible state on the stack: an interrupt leaves it
// through lua_error (longjmp).
// Thread-safety: per lua_State, as the rest of the library.
#pragma once

#include <lua5.4/lua.hpp>

namespace lw::lua {

// Replaces find, match, gmatch and gsub in the string library table at `string_table`.
void InstallInterruptiblePatterns(lua_State* lua, int string_table);

}  // namespace lw::lua
