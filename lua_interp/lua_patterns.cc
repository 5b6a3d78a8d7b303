#include "lua_interp/lua_patterns.h"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lua_interp/sandbox.h"

namespace lw::lua {
namespace {

constexpr int kMaxCaptures = 32;        // LUA_MAXCAPTURES
constexpr int kMaxDepth = 200;          // Lua's MAXCCALLS: recursion of the matcher
constexpr uint32_t kPollMask = 0xffff;  // poll the hook every 64K steps
constexpr ptrdiff_t kUnfinished = -1;   // capture opened, not closed yet
constexpr ptrdiff_t kPosition = -2;     // position capture "()"
constexpr char kSpecials[] = "^$*+?.([%-";

int U(char c) { return static_cast<unsigned char>(c); }

// Everything here is trivially destructible: a poll may leave through lua_error (longjmp).
struct Matcher {
  const char* src_begin;
  const char* src_end;
  const char* pat_end;
  lua_State* lua;
  int depth;  // recursion left
  int level;  // captures opened
  uint32_t steps;
  struct {
    const char* init;
    ptrdiff_t len;
  } cap[kMaxCaptures];
};

void Prepare(Matcher* m, lua_State* lua, const char* s, size_t ls, const char* p, size_t lp) {
  m->src_begin = s;
  m->src_end = s + ls;
  m->pat_end = p + lp;
  m->lua = lua;
  m->steps = 0;
}

void Restart(Matcher* m) {
  m->level = 0;
  m->depth = kMaxDepth;
}

// The bound on C-level work: every 64K steps the interpreter's hook runs, as it does every
// few thousand Lua instructions.
void Tick(Matcher* m) {
  if ((++m->steps & kPollMask) == 0) PollInterrupt(m->lua);
}

// Past the single-character class at p (a letter, %x, [set]).
const char* ClassEnd(Matcher* m, const char* p) {
  char c = *p++;
  if (c == '%') {
    if (p == m->pat_end) luaL_error(m->lua, "malformed pattern (ends with '%%')");
    return p + 1;
  }
  if (c == '[') {
    if (*p == '^') p++;
    do {  // the first character is part of the set even if it is ']'
      if (p == m->pat_end) luaL_error(m->lua, "malformed pattern (missing ']')");
      c = *p++;
      if (c == '%' && p < m->pat_end) p++;
    } while (*p != ']');
    return p + 1;
  }
  return p;
}

bool MatchClass(int c, int cl) {
  bool res;
  switch (std::tolower(cl)) {
    case 'a':
      res = std::isalpha(c);
      break;
    case 'c':
      res = std::iscntrl(c);
      break;
    case 'd':
      res = std::isdigit(c);
      break;
    case 'g':
      res = std::isgraph(c);
      break;
    case 'l':
      res = std::islower(c);
      break;
    case 'p':
      res = std::ispunct(c);
      break;
    case 's':
      res = std::isspace(c);
      break;
    case 'u':
      res = std::isupper(c);
      break;
    case 'w':
      res = std::isalnum(c);
      break;
    case 'x':
      res = std::isxdigit(c);
      break;
    case 'z':
      res = c == 0;
      break;  // Lua 5.1's %z (Redis's Lua), gone from 5.4
    default:
      return cl == c;
  }
  return std::isupper(cl) ? !res : res;
}

// [set] from p ('[') to ec (its ']').
bool MatchBracket(int c, const char* p, const char* ec) {
  bool found = true;
  if (*(p + 1) == '^') {
    found = false;
    p++;
  }
  while (++p < ec) {
    if (*p == '%') {
      p++;
      if (MatchClass(c, U(*p))) return found;
    } else if (*(p + 1) == '-' && p + 2 < ec) {
      p += 2;
      if (U(*(p - 2)) <= c && c <= U(*p)) return found;
    } else if (U(*p) == c) {
      return found;
    }
  }
  return !found;
}

bool SingleMatch(Matcher* m, const char* s, const char* p, const char* ep) {
  if (s >= m->src_end) return false;
  int c = U(*s);
  switch (*p) {
    case '.':
      return true;
    case '%':
      return MatchClass(c, U(*(p + 1)));
    case '[':
      return MatchBracket(c, p, ep - 1);
    default:
      return U(*p) == c;
  }
}

const char* Match(Matcher* m, const char* s, const char* p);

const char* MatchBalance(Matcher* m, const char* s, const char* p) {
  if (p >= m->pat_end - 1) luaL_error(m->lua, "malformed pattern (missing arguments to '%%b')");
  if (s >= m->src_end || *s != *p) return nullptr;
  char open = *p, close = *(p + 1);
  int depth = 1;
  while (++s < m->src_end) {
    Tick(m);
    if (*s == close) {
      if (--depth == 0) return s + 1;
    } else if (*s == open) {
      depth++;
    }
  }
  return nullptr;
}

const char* MaxExpand(Matcher* m, const char* s, const char* p, const char* ep) {
  ptrdiff_t i = 0;
  while (SingleMatch(m, s + i, p, ep)) {
    i++;
    Tick(m);
  }
  for (; i >= 0; i--) {  // try the longest repetition first
    if (const char* res = Match(m, s + i, ep + 1)) return res;
  }
  return nullptr;
}

const char* MinExpand(Matcher* m, const char* s, const char* p, const char* ep) {
  while (true) {
    if (const char* res = Match(m, s, ep + 1)) return res;
    if (!SingleMatch(m, s, p, ep)) return nullptr;
    s++;
  }
}

const char* StartCapture(Matcher* m, const char* s, const char* p, ptrdiff_t what) {
  if (m->level >= kMaxCaptures) luaL_error(m->lua, "too many captures");
  m->cap[m->level].init = s;
  m->cap[m->level].len = what;
  m->level++;
  const char* res = Match(m, s, p);
  if (res == nullptr) m->level--;
  return res;
}

const char* EndCapture(Matcher* m, const char* s, const char* p) {
  int l = m->level - 1;
  while (l >= 0 && m->cap[l].len != kUnfinished) l--;
  if (l < 0) luaL_error(m->lua, "invalid pattern capture");
  m->cap[l].len = s - m->cap[l].init;
  const char* res = Match(m, s, p);
  if (res == nullptr) m->cap[l].len = kUnfinished;
  return res;
}

const char* MatchCapture(Matcher* m, const char* s, int digit) {
  int l = digit - '1';
  if (l < 0 || l >= m->level || m->cap[l].len == kUnfinished) {
    luaL_error(m->lua, "invalid capture index %%%d", l + 1);
  }
  size_t len = size_t(m->cap[l].len);
  if (size_t(m->src_end - s) >= len && memcmp(m->cap[l].init, s, len) == 0) return s + len;
  return nullptr;
}

const char* Match(Matcher* m, const char* s, const char* p) {
  if (m->depth-- == 0) luaL_error(m->lua, "pattern too complex");
  while (s != nullptr && p != m->pat_end) {
    Tick(m);
    if (*p == '(') {
      s = *(p + 1) == ')' ? StartCapture(m, s, p + 2, kPosition)
                          : StartCapture(m, s, p + 1, kUnfinished);
      break;
    }
    if (*p == ')') {
      s = EndCapture(m, s, p + 1);
      break;
    }
    if (*p == '$' && p + 1 == m->pat_end) {
      if (s != m->src_end) s = nullptr;
      break;
    }
    if (*p == '%' && *(p + 1) == 'b') {
      s = MatchBalance(m, s, p + 2);
      p += 4;
      continue;
    }
    if (*p == '%' && *(p + 1) == 'f') {
      p += 2;
      if (*p != '[') luaL_error(m->lua, "missing '[' after '%%f' in pattern");
      const char* ep = ClassEnd(m, p);
      int prev = s == m->src_begin ? 0 : U(*(s - 1));
      int cur = s < m->src_end ? U(*s) : 0;
      if (MatchBracket(prev, p, ep - 1) || !MatchBracket(cur, p, ep - 1)) s = nullptr;
      p = ep;
      continue;
    }
    if (*p == '%' && std::isdigit(U(*(p + 1)))) {
      s = MatchCapture(m, s, U(*(p + 1)));
      p += 2;
      continue;
    }
    const char* ep = ClassEnd(m, p);
    bool one = SingleMatch(m, s, p, ep);
    char quantifier = *ep;
    if (!one) {
      if (quantifier == '*' || quantifier == '?' || quantifier == '-') {
        p = ep + 1;  // zero repetitions
        continue;
      }
      s = nullptr;
      break;
    }
    if (quantifier == '?') {
      if (const char* res = Match(m, s + 1, ep + 1)) {
        s = res;
        break;
      }
      p = ep + 1;
      continue;
    }
    if (quantifier == '+' || quantifier == '*') {
      s = MaxExpand(m, quantifier == '+' ? s + 1 : s, p, ep);
      break;
    }
    if (quantifier == '-') {
      s = MinExpand(m, s, p, ep);
      break;
    }
    s++;
    p = ep;
  }
  m->depth++;
  return s;
}

// Pushes capture i (or the whole match s..e when the pattern has none and i is 0).
void PushCapture(Matcher* m, int i, const char* s, const char* e) {
  if (i >= m->level) {
    if (i != 0) luaL_error(m->lua, "invalid capture index %%%d", i + 1);
    lua_pushlstring(m->lua, s, size_t(e - s));
    return;
  }
  ptrdiff_t len = m->cap[i].len;
  if (len == kUnfinished) luaL_error(m->lua, "unfinished capture");
  if (len == kPosition) {
    lua_pushinteger(m->lua, (m->cap[i].init - m->src_begin) + 1);
  } else {
    lua_pushlstring(m->lua, m->cap[i].init, size_t(len));
  }
}

int PushCaptures(Matcher* m, const char* s, const char* e) {
  int n = (m->level == 0 && s != nullptr) ? 1 : m->level;
  luaL_checkstack(m->lua, n, "too many captures");
  for (int i = 0; i < n; i++) PushCapture(m, i, s, e);
  return n;
}

// A 1-based (negative: from the end) start position as a 1-based index in 1..len+1 or more.
size_t StartIndex(lua_Integer pos, size_t len) {
  if (pos > 0) return size_t(pos);
  if (pos == 0) return 1;
  if (pos < -lua_Integer(len)) return 1;
  return size_t(lua_Integer(len) + pos + 1);
}

bool NoSpecials(const char* p, size_t lp) {
  for (size_t i = 0; i < lp; i++) {
    if (p[i] != 0 && strchr(kSpecials, p[i]) != nullptr) return false;
  }
  return true;
}

int FindOrMatch(lua_State* lua, bool find) {
  size_t ls, lp;
  const char* s = luaL_checklstring(lua, 1, &ls);
  const char* p = luaL_checklstring(lua, 2, &lp);
  size_t init = StartIndex(luaL_optinteger(lua, 3, 1), ls) - 1;
  if (init > ls) {
    luaL_pushfail(lua);
    return 1;
  }
  if (find && (lua_toboolean(lua, 4) || NoSpecials(p, lp))) {
    // memmem is linear: a plain search needs no polling.
    const void* at = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);
    if (at != nullptr) {
      const char* hit = static_cast<const char*>(at);
      lua_pushinteger(lua, (hit - s) + 1);
      lua_pushinteger(lua, lua_Integer((hit - s) + lp));
      return 2;
    }
    luaL_pushfail(lua);
    return 1;
  }
  bool anchor = lp > 0 && *p == '^';
  if (anchor) {
    p++;
    lp--;
  }
  Matcher m;
  Prepare(&m, lua, s, ls, p, lp);
  const char* from = s + init;
  do {
    Restart(&m);
    if (const char* end = Match(&m, from, p)) {
      if (!find) return PushCaptures(&m, from, end);
      lua_pushinteger(lua, (from - s) + 1);
      lua_pushinteger(lua, end - s);
      return PushCaptures(&m, nullptr, nullptr) + 2;
    }
  } while (from++ < m.src_end && !anchor);
  luaL_pushfail(lua);
  return 1;
}

int Find(lua_State* lua) { return FindOrMatch(lua, true); }
int MatchFn(lua_State* lua) { return FindOrMatch(lua, false); }

// gmatch's iterator; upvalues: subject, pattern, next position, end of the last match (-1).
int GmatchStep(lua_State* lua) {
  size_t ls, lp;
  const char* s = lua_tolstring(lua, lua_upvalueindex(1), &ls);
  const char* p = lua_tolstring(lua, lua_upvalueindex(2), &lp);
  lua_Integer pos = lua_tointeger(lua, lua_upvalueindex(3));
  lua_Integer last = lua_tointeger(lua, lua_upvalueindex(4));
  Matcher m;
  Prepare(&m, lua, s, ls, p, lp);
  for (const char* from = s + pos; from <= m.src_end; from++) {
    Restart(&m);
    const char* end = Match(&m, from, p);
    // An empty match right where the previous one ended does not count.
    if (end != nullptr && (last < 0 || end != s + last)) {
      lua_pushinteger(lua, end - s);
      lua_pushvalue(lua, -1);
      lua_replace(lua, lua_upvalueindex(3));
      lua_replace(lua, lua_upvalueindex(4));
      return PushCaptures(&m, from, end);
    }
  }
  return 0;
}

int Gmatch(lua_State* lua) {
  size_t ls;
  luaL_checklstring(lua, 1, &ls);
  luaL_checkstring(lua, 2);
  size_t init = StartIndex(luaL_optinteger(lua, 3, 1), ls) - 1;
  if (init > ls) init = ls + 1;  // past the end: nothing to find
  lua_settop(lua, 2);
  lua_pushinteger(lua, lua_Integer(init));
  lua_pushinteger(lua, -1);
  lua_pushcclosure(lua, GmatchStep, 4);
  return 1;
}

// gsub's replacement string: %0-%9 and %%.
void AddString(Matcher* m, luaL_Buffer* b, const char* s, const char* e) {
  size_t len;
  const char* repl = lua_tolstring(m->lua, 3, &len);
  const char* end = repl + len;
  while (repl < end) {
    const char* esc = static_cast<const char*>(memchr(repl, '%', size_t(end - repl)));
    if (esc == nullptr) {
      luaL_addlstring(b, repl, size_t(end - repl));
      break;
    }
    luaL_addlstring(b, repl, size_t(esc - repl));
    char c = *++esc;  // the terminating NUL if '%' ends the string
    if (c == '%') {
      luaL_addchar(b, '%');
    } else if (c == '0') {
      luaL_addlstring(b, s, size_t(e - s));
    } else if (std::isdigit(U(c))) {
      PushCapture(m, c - '1', s, e);
      luaL_tolstring(m->lua, -1, nullptr);
      lua_remove(m->lua, -2);
      luaL_addvalue(b);
    } else {
      luaL_error(m->lua, "invalid use of '%c' in replacement string", '%');
    }
    repl = esc + 1;
  }
}

// Appends the replacement of the match s..e; false if it kept the original text.
bool AddValue(Matcher* m, luaL_Buffer* b, const char* s, const char* e, int repl_type) {
  lua_State* lua = m->lua;
  if (repl_type == LUA_TFUNCTION) {
    lua_pushvalue(lua, 3);
    int n = PushCaptures(m, s, e);
    lua_call(lua, n, 1);
  } else if (repl_type == LUA_TTABLE) {
    PushCapture(m, 0, s, e);
    lua_gettable(lua, 3);
  } else {
    AddString(m, b, s, e);
    return true;
  }
  if (!lua_toboolean(lua, -1)) {  // nil or false: keep the match
    lua_pop(lua, 1);
    luaL_addlstring(b, s, size_t(e - s));
    return false;
  }
  if (!lua_isstring(lua, -1)) {
    luaL_error(lua, "invalid replacement value (a %s)", luaL_typename(lua, -1));
  }
  luaL_addvalue(b);
  return true;
}

int Gsub(lua_State* lua) {
  size_t ls, lp;
  const char* src = luaL_checklstring(lua, 1, &ls);
  const char* p = luaL_checklstring(lua, 2, &lp);
  int repl_type = lua_type(lua, 3);
  lua_Integer max_n = luaL_optinteger(lua, 4, lua_Integer(ls) + 1);
  luaL_argexpected(lua,
                   repl_type == LUA_TNUMBER || repl_type == LUA_TSTRING ||
                       repl_type == LUA_TFUNCTION || repl_type == LUA_TTABLE,
                   3, "string/function/table");
  bool anchor = lp > 0 && *p == '^';
  if (anchor) {
    p++;
    lp--;
  }
  luaL_Buffer b;
  luaL_buffinit(lua, &b);
  Matcher m;
  Prepare(&m, lua, src, ls, p, lp);
  const char* last = nullptr;
  lua_Integer n = 0;
  bool changed = false;
  while (n < max_n) {
    Restart(&m);
    const char* e = Match(&m, src, p);
    if (e != nullptr && e != last) {
      n++;
      changed = AddValue(&m, &b, src, e, repl_type) || changed;
      src = last = e;
    } else if (src < m.src_end) {
      luaL_addchar(&b, *src++);
      Tick(&m);
    } else {
      break;
    }
    if (anchor) break;
  }
  if (!changed) {
    lua_pushvalue(lua, 1);
  } else {
    luaL_addlstring(&b, src, size_t(m.src_end - src));
    luaL_pushresult(&b);
  }
  lua_pushinteger(lua, n);
  return 2;
}

}  // namespace

void InstallInterruptiblePatterns(lua_State* lua, int string_table) {
  string_table = lua_absindex(lua, string_table);
  static const luaL_Reg kFunctions[] = {
      {"find", Find}, {"match", MatchFn}, {"gmatch", Gmatch}, {"gsub", Gsub}, {nullptr, nullptr}};
  for (const luaL_Reg* f = kFunctions; f->name != nullptr; ++f) {
    lua_pushcfunction(lua, f->func);
    lua_setfield(lua, string_table, f->name);
  }
}

}  // namespace lw::lua
