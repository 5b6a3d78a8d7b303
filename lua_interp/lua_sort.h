// Interruptible table.sort. Lua's own sort compares with lua_lessthan in C when no comparator
// is given (numbers, strings), where the instruction hook never fires: sorting a big table
// could not be stopped by SCRIPT KILL, SIGTERM or the FUNCTION LOAD deadline. This one counts
// its comparisons (a comparison of two strings weighs one more per 256 bytes) and polls the
// interpreter's hook (PollInterrupt) every 64K of them.
//
// It reproduces the quicksort of Lua 5.1, the Lua of redis-server, comparison for comparison
// (median of three, the same partition and recursion): a table holding elements that compare
// equal, or sorted by an inconsistent comparator, comes out in the same order as in Redis, and
// an invalid comparator fails the same way ("invalid order function for sorting", or the
// comparator's own error when the scan runs past the bounds). Elements are read and written
// raw and the length is the raw length, as 5.1's table.sort did; errors are Lua's ("bad
// argument #1 to 'sort' (table expected, got nil)", "attempt to compare number with nil").
// Only Lua values on the Lua stack and integers on the C stack: an interrupt or an error
// leaves through lua_error (longjmp) safely.
// Thread-safety: per lua_State, as the rest of the library.
#pragma once

#include <lua5.4/lua.hpp>

namespace lw::lua {

// table.sort(t [, comp]).
int InterruptibleSort(lua_State* lua);

}  // namespace lw::lua
