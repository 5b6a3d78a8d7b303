#include "lua_interp/lua_sort.h"

#include <algorithm>
#include <cstdint>

#include "lua_interp/sandbox.h"

namespace lw::lua {

namespace {

constexpr uint64_t kPollMask = 0xffff;  // poll the hook every 64K steps

// The table is at stack index 1 and the comparator (or nil) at 2, as table.sort gets them.
struct Sorter {
  lua_State* lua;
  bool has_comparator;
  uint64_t steps;  // comparisons, weighted by the length of compared strings
};

// Whether the value at stack index a sorts before the one at b (absolute or relative indices,
// taken before anything is pushed).
bool Less(Sorter* s, int a, int b) {
  lua_State* lua = s->lua;
  a = lua_absindex(lua, a);
  b = lua_absindex(lua, b);
  // A comparison of two long strings reads them (strcoll): it weighs one step per 256 bytes,
  // so that sorting many copies of a huge string polls often enough too.
  uint64_t weight = 1;
  if (!s->has_comparator && lua_type(lua, a) == LUA_TSTRING && lua_type(lua, b) == LUA_TSTRING) {
    weight += std::min(lua_rawlen(lua, a), lua_rawlen(lua, b)) / 256;
  }
  uint64_t before = s->steps;
  s->steps += weight;
  if ((before & ~kPollMask) != (s->steps & ~kPollMask)) PollInterrupt(lua);
  if (!s->has_comparator) return lua_compare(lua, a, b, LUA_OPLT) != 0;
  lua_pushvalue(lua, 2);
  lua_pushvalue(lua, a);
  lua_pushvalue(lua, b);
  lua_call(lua, 2, 1);
  bool less = lua_toboolean(lua, -1) != 0;
  lua_pop(lua, 1);
  return less;
}

void Push(lua_State* lua, lua_Integer i) { lua_rawgeti(lua, 1, i); }

// Pops the top value into t[i] and the one below it into t[j].
void StoreTwo(lua_State* lua, lua_Integer i, lua_Integer j) {
  lua_rawseti(lua, 1, i);
  lua_rawseti(lua, 1, j);
}

[[noreturn]] void InvalidOrder(lua_State* lua) {
  luaL_error(lua, "invalid order function for sorting");
  __builtin_unreachable();
}

// Orders t[lo], t[mid] and t[hi] among themselves (t[hi] and t[lo] first, then the middle
// against each), as Lua 5.1 does before partitioning.
void MedianOfThree(Sorter* s, lua_Integer lo, lua_Integer mid, lua_Integer hi) {
  lua_State* lua = s->lua;
  Push(lua, mid);
  Push(lua, lo);
  if (Less(s, -2, -1)) {  // t[mid] < t[lo]: swap them
    StoreTwo(lua, mid, lo);
    return;
  }
  lua_pop(lua, 1);
  Push(lua, hi);
  if (Less(s, -1, -2)) {  // t[hi] < t[mid]: swap them
    StoreTwo(lua, mid, hi);
  } else {
    lua_pop(lua, 2);
  }
}

// Partitions t[lo..hi] around the pivot, which the caller moved to t[hi - 1] and left on the
// stack top; returns the pivot's final index p: t[lo..p-1] <= t[p] <= t[p+1..hi]. The scans
// check their bounds only after a comparison says "keep going", as Lua 5.1 does (so an
// inconsistent comparator sees the value just outside the range before the error).
lua_Integer Partition(Sorter* s, lua_Integer lo, lua_Integer hi) {
  lua_State* lua = s->lua;
  lua_Integer i = lo, j = hi - 1;
  while (true) {
    // Stack: pivot.
    while (Push(lua, ++i), Less(s, -1, -2)) {
      if (i > hi) InvalidOrder(lua);
      lua_pop(lua, 1);
    }
    // Stack: pivot, t[i].
    while (Push(lua, --j), Less(s, -3, -1)) {
      if (j < lo) InvalidOrder(lua);
      lua_pop(lua, 1);
    }
    // Stack: pivot, t[i], t[j].
    if (j < i) break;
    StoreTwo(lua, i, j);  // t[i] = old t[j], t[j] = old t[i]
  }
  lua_pop(lua, 3);
  Push(lua, hi - 1);
  Push(lua, i);
  StoreTwo(lua, hi - 1, i);  // the pivot into its place
  return i;
}

// Sorts t[lo..hi]: recursion on the smaller side, a loop on the larger one (depth O(log n)).
void SortRange(Sorter* s, lua_Integer lo, lua_Integer hi) {
  lua_State* lua = s->lua;
  while (lo < hi) {
    Push(lua, lo);
    Push(lua, hi);
    if (Less(s, -1, -2)) {  // t[hi] < t[lo]: swap them
      StoreTwo(lua, lo, hi);
    } else {
      lua_pop(lua, 2);
    }
    if (hi - lo == 1) return;
    lua_Integer mid = (lo + hi) / 2;
    MedianOfThree(s, lo, mid, hi);
    if (hi - lo == 2) return;
    // The median becomes the pivot: swapped with t[hi - 1], and a copy kept on the stack.
    Push(lua, mid);
    lua_pushvalue(lua, -1);
    Push(lua, hi - 1);
    StoreTwo(lua, mid, hi - 1);
    lua_Integer p = Partition(s, lo, hi);
    if (p - lo < hi - p) {
      SortRange(s, lo, p - 1);
      lo = p + 1;
    } else {
      SortRange(s, p + 1, hi);
      hi = p - 1;
    }
  }
}

}  // namespace

int InterruptibleSort(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  lua_Integer n = lua_Integer(lua_rawlen(lua, 1));
  luaL_checkstack(lua, 40, "");
  if (!lua_isnoneornil(lua, 2)) luaL_checktype(lua, 2, LUA_TFUNCTION);
  lua_settop(lua, 2);
  Sorter s{lua, !lua_isnil(lua, 2), 0};
  SortRange(&s, 1, n);
  return 0;
}

}  // namespace lw::lua
