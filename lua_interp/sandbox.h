// The sandbox: which libraries a script sees, Lua 5.1 names Redis scripts rely on, and the
// read-only protection of globals and library tables (Redis 7 behaviour).
//
// Libraries: base (without dofile, loadfile, print, warn; `load` and `loadstring` accept text
// only), table, string, math, coroutine, plus the modules the caller registers (cjson,
// cmsgpack, bit, struct, redis). No os, io, package/require, debug, utf8.
// Lua 5.1 names: unpack, loadstring, gcinfo, table.getn/maxn/foreach/foreachi, math.pow,
// math.ldexp/frexp/cosh/sinh/tanh/log10/atan2/mod. Where 5.4 demands integers and 5.1 took
// any number, floats are truncated/floored first: math.randomseed, math.random,
// string.format's %d/%i/%c/%o/%u/%x/%X. tostring() prints floats as 5.1 did (3.0 -> "3").
// Not fixable without patching Lua: `..` on a float still gives "3.0", and integer
// arithmetic wraps on overflow instead of turning into a float.
//
// Protection (LockGlobals): the global table seen by scripts is an empty proxy whose reads
// fall through to the real globals; assigning a global raises "Attempt to modify a readonly
// table" and reading a missing one raises "Script attempted to access nonexistent global
// variable 'x'". Library tables are replaced by read-only proxies the same way; pairs(),
// #, rawget and rawset see through (or refuse) proxies like Redis's read-only tables.
//
// Hostile arguments: the C loops of the libraries run outside the count hook, so SCRIPT KILL
// and the fiber yield cannot reach them. Each is bounded: string.rep of an empty result
// returns at once instead of looping 2^45 times; table.move polls the hook (PollInterrupt)
// every 64K elements; setmetatable ignores a table's __gc (Lua 5.1 had no table finalizers,
// and 5.4 runs them with hooks off, so a finalizer that loops could never be stopped); pattern
// matching (find, match, gmatch, gsub) runs on our own matcher, which polls the hook every 64K
// steps (lua_patterns.h); table.sort is our own too, polling every 64K comparisons
// (lua_sort.h); other big results are bounded by the interpreter's heap cap
// (Interpreter::SetMemoryLimit).
// Thread-safety: set-up of one lua_State, before any script runs.
#pragma once

#include <lua5.4/lua.hpp>

namespace lw::lua {

// Opens the allowed standard libraries and the 5.1 compatibility names into the globals.
void OpenSandboxLibs(lua_State* lua);

// Makes every table-valued global a read-only proxy and swaps the registry's global table for
// the protected proxy. REQUIRES: all globals are installed. After this, code that must set a
// global (KEYS, ARGV) uses SetRawGlobal.
void LockGlobals(lua_State* lua);

// Sets the global `name` to the value on top of the stack (popped), bypassing protection.
void SetRawGlobal(lua_State* lua, const char* name);

// What the count hook does, for C loops: runs the interpreter's hook (yield, SCRIPT KILL) and
// raises the kill error if the script was killed. Defined in interpreter.cc.
void PollInterrupt(lua_State* lua);

// __index of a protected table: raises "Script attempted to access nonexistent global
// variable '<key>'" (Redis's text for globals and for the load-time `redis` table).
int NonexistentGlobalIndex(lua_State* lua);

// Pushes a read-only proxy of the table on top of the stack (which is popped).
void MakeReadonly(lua_State* lua);

}  // namespace lw::lua
