#include "lua_interp/resp_conversion.h"

#include <charconv>
#include <cmath>
#include <string>

#include "lua_interp/error_format.h"

namespace lw::lua {
namespace {

// Redis maps CR and LF to spaces in status and error texts so the protocol stays valid.
std::string_view NoNewlines(std::string_view s, std::string* scratch) {
  if (s.find_first_of("\r\n") == std::string_view::npos) return s;
  scratch->assign(s.data(), s.size());
  for (char& c : *scratch) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return *scratch;
}

// Redis reads an error or status table field as a C string: it ends at the first NUL.
std::string_view UpToNul(std::string_view s) { return s.substr(0, s.find('\0')); }

int64_t TruncateToInt(lua_Number n) {
  // Like a C cast on x86-64 (what Redis does), but defined for NaN and out-of-range values.
  if (!(n >= -9223372036854775808.0 && n < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(n);
}

std::string_view ToView(lua_State* lua, int idx) {
  size_t len;
  const char* s = lua_tolstring(lua, idx, &len);
  return std::string_view(s, len);
}

// Pushes t[field] (raw) and returns its type.
int RawField(lua_State* lua, int idx, const char* field) {
  lua_pushstring(lua, field);
  return lua_rawget(lua, idx);
}

void TableToReply(lua_State* lua, int idx, int resp, ReplyWriter* out, int depth);

void ValueToReply(lua_State* lua, int idx, int resp, ReplyWriter* out, int depth) {
  switch (lua_type(lua, idx)) {
    case LUA_TSTRING:
      out->SendBulk(ToView(lua, idx));
      return;
    case LUA_TNUMBER:
      if (lua_isinteger(lua, idx)) {
        out->SendInt(lua_tointeger(lua, idx));
      } else {
        out->SendInt(TruncateToInt(lua_tonumber(lua, idx)));
      }
      return;
    case LUA_TBOOLEAN:
      if (resp == 3) {
        out->SendBool(lua_toboolean(lua, idx));
      } else if (lua_toboolean(lua, idx)) {
        out->SendInt(1);
      } else {
        out->SendNull();
      }
      return;
    case LUA_TTABLE:
      if (depth >= kMaxNesting || !lua_checkstack(lua, 8)) {
        out->SendError(kErrStackLimit);
        return;
      }
      TableToReply(lua, idx, resp, out, depth + 1);
      return;
    default:
      out->SendNull();
  }
}

// The single-value table forms ({err=}, {ok=}, {double=}, {big_number=}, {verbatim_string=}):
// true if `idx` is one and was sent. Out of line so that TableToReply, which recurses up to
// kMaxNesting deep on a fiber's stack, keeps a small frame.
[[gnu::noinline]] bool SendSpecialTable(lua_State* lua, int idx, ReplyWriter* out) {
  std::string scratch;
  if (RawField(lua, idx, "err") == LUA_TSTRING) {
    bool counted = RawField(lua, idx, kIgnoreErrorStats) != LUA_TNIL && lua_toboolean(lua, -1);
    lua_pop(lua, 1);
    std::string_view msg = NoNewlines(UpToNul(ToView(lua, -1)), &scratch);
    counted ? out->SendCountedError(msg) : out->SendError(msg);
    lua_pop(lua, 1);
    return true;
  }
  lua_pop(lua, 1);
  if (RawField(lua, idx, "ok") == LUA_TSTRING) {
    out->SendStatus(NoNewlines(UpToNul(ToView(lua, -1)), &scratch));
    lua_pop(lua, 1);
    return true;
  }
  lua_pop(lua, 1);
  if (RawField(lua, idx, "double") == LUA_TNUMBER) {
    out->SendDouble(lua_tonumber(lua, -1));
    lua_pop(lua, 1);
    return true;
  }
  lua_pop(lua, 1);
  if (RawField(lua, idx, "big_number") == LUA_TSTRING) {
    out->SendBigNumber(NoNewlines(ToView(lua, -1), &scratch));
    lua_pop(lua, 1);
    return true;
  }
  lua_pop(lua, 1);
  if (RawField(lua, idx, "verbatim_string") == LUA_TTABLE) {
    int vt = lua_gettop(lua);
    int ft = RawField(lua, vt, "format");
    int st = RawField(lua, vt, "string");
    if (ft == LUA_TSTRING && st == LUA_TSTRING) {
      out->SendVerbatim(ToView(lua, -2), ToView(lua, -1));
      lua_pop(lua, 3);
      return true;
    }
    lua_pop(lua, 2);
  }
  lua_pop(lua, 1);
  return false;
}

void TableToReply(lua_State* lua, int idx, int resp, ReplyWriter* out, int depth) {
  idx = lua_absindex(lua, idx);
  if (SendSpecialTable(lua, idx, out)) return;
  if (RawField(lua, idx, "map") == LUA_TTABLE) {
    int mt = lua_gettop(lua);
    uint32_t pairs = 0;
    lua_pushnil(lua);
    while (lua_next(lua, mt)) {
      ++pairs;
      lua_pop(lua, 1);
    }
    out->StartMap(pairs);
    lua_pushnil(lua);
    while (lua_next(lua, mt)) {
      ValueToReply(lua, -2, resp, out, depth);
      ValueToReply(lua, -1, resp, out, depth);
      lua_pop(lua, 1);
    }
    lua_pop(lua, 1);
    return;
  }
  lua_pop(lua, 1);
  if (RawField(lua, idx, "set") == LUA_TTABLE) {
    int st = lua_gettop(lua);
    uint32_t len = 0;
    lua_pushnil(lua);
    while (lua_next(lua, st)) {
      ++len;
      lua_pop(lua, 1);
    }
    out->StartSet(len);
    lua_pushnil(lua);
    while (lua_next(lua, st)) {
      ValueToReply(lua, -2, resp, out, depth);
      lua_pop(lua, 1);
    }
    lua_pop(lua, 1);
    return;
  }
  lua_pop(lua, 1);

  // An array: t[1], t[2], ... up to the first nil.
  uint32_t len = 0;
  while (lua_rawgeti(lua, idx, len + 1) != LUA_TNIL) {
    ++len;
    lua_pop(lua, 1);
  }
  lua_pop(lua, 1);
  out->StartArray(len);
  for (uint32_t i = 1; i <= len; ++i) {
    lua_rawgeti(lua, idx, i);
    ValueToReply(lua, -1, resp, out, depth);
    lua_pop(lua, 1);
  }
}

}  // namespace

void LuaToReply(lua_State* lua, int idx, int resp, ReplyWriter* out) {
  ValueToReply(lua, lua_absindex(lua, idx), resp, out, 0);
}

LuaReplyBuilder::LuaReplyBuilder(lua_State* lua, int resp)
    : lua_(lua), resp_(resp), base_top_(lua_gettop(lua)) {}

bool LuaReplyBuilder::Accept() {
  if (done_) return false;  // only the first top-level value counts
  if (!lua_checkstack(lua_, 4)) return false;
  return true;
}

void LuaReplyBuilder::ElementPushed() {
  while (true) {
    if (frames_.empty()) {
      done_ = true;
      return;
    }
    Frame& f = frames_.back();
    switch (f.kind) {
      case Kind::kArray:
        lua_rawseti(lua_, -2, f.index + 1);
        break;
      case Kind::kMap:
        if (f.index % 2 == 1) {  // a value: the key is below it
          if (lua_isnil(lua_, -2)) {
            lua_pop(lua_, 2);
          } else {
            lua_rawset(lua_, -3);
          }
        }
        break;
      case Kind::kSet:
        if (lua_isnil(lua_, -1)) {
          lua_pop(lua_, 1);
        } else {
          lua_pushboolean(lua_, 1);
          lua_rawset(lua_, -3);
        }
        break;
    }
    ++f.index;
    if (--f.remaining > 0) return;
    // The aggregate is complete: it becomes an element of its parent.
    bool wrapped = f.wrapped;
    Kind kind = f.kind;
    frames_.pop_back();
    if (wrapped) lua_setfield(lua_, -2, kind == Kind::kMap ? "map" : "set");
  }
}

void LuaReplyBuilder::Open(Kind kind, bool wrapped, uint32_t num_elems) {
  if (!Accept()) return;
  if (wrapped) lua_createtable(lua_, 0, 1);
  if (kind == Kind::kArray) {
    lua_createtable(lua_, num_elems, 0);
  } else {
    lua_createtable(lua_, 0, kind == Kind::kMap ? num_elems / 2 : num_elems);
  }
  if (num_elems == 0) {
    if (wrapped) lua_setfield(lua_, -2, kind == Kind::kMap ? "map" : "set");
    ElementPushed();
    return;
  }
  frames_.push_back(Frame{kind, wrapped, num_elems, 0});
}

void LuaReplyBuilder::PushTableWithField(const char* field, std::string_view value) {
  lua_createtable(lua_, 0, 1);
  lua_pushlstring(lua_, value.data(), value.size());
  lua_setfield(lua_, -2, field);
}

void LuaReplyBuilder::SendInt(int64_t value) {
  if (!Accept()) return;
  // Redis hands an integer reply to Lua 5.1 as a double: beyond 2^53 it is rounded (and
  // 2^63-1 becomes 2^63, which a script returning it turns into INT64_MIN). Same here; smaller
  // values stay Lua 5.4 integers (exact either way).
  constexpr int64_t kExact = int64_t{1} << 53;
  if (value > kExact || value < -kExact) {
    lua_pushnumber(lua_, static_cast<lua_Number>(value));
  } else {
    lua_pushinteger(lua_, value);
  }
  ElementPushed();
}

void LuaReplyBuilder::SendBulk(std::string_view value) {
  if (!Accept()) return;
  lua_pushlstring(lua_, value.data(), value.size());
  ElementPushed();
}

void LuaReplyBuilder::SendStatus(std::string_view value) {
  if (!Accept()) return;
  PushTableWithField("ok", value);
  ElementPushed();
}

void LuaReplyBuilder::SendError(std::string_view message) {
  if (!Accept()) return;
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
    message.remove_suffix(1);
  }
  if (frames_.empty()) top_level_error_ = true;
  PushTableWithField("err", message);
  lua_pushboolean(lua_, 1);
  lua_setfield(lua_, -2, kIgnoreErrorStats);
  ElementPushed();
}

void LuaReplyBuilder::SendNull() {
  if (!Accept()) return;
  if (resp_ == 3) {
    lua_pushnil(lua_);
  } else {
    lua_pushboolean(lua_, 0);
  }
  ElementPushed();
}

void LuaReplyBuilder::SendNullArray() { SendNull(); }

void LuaReplyBuilder::SendDouble(double value) {
  if (!Accept()) return;
  if (resp_ == 3) {
    lua_createtable(lua_, 0, 1);
    lua_pushnumber(lua_, value);
    lua_setfield(lua_, -2, "double");
  } else {
    char buf[64];
    std::string_view text;
    if (std::isinf(value)) {
      text = value > 0 ? "inf" : "-inf";
    } else {
      auto res = std::to_chars(buf, buf + sizeof(buf), value);
      text = std::string_view(buf, res.ptr - buf);
    }
    lua_pushlstring(lua_, text.data(), text.size());
  }
  ElementPushed();
}

void LuaReplyBuilder::SendBool(bool value) {
  if (!Accept()) return;
  if (resp_ == 3) {
    lua_pushboolean(lua_, value);
  } else {
    lua_pushinteger(lua_, value ? 1 : 0);
  }
  ElementPushed();
}

void LuaReplyBuilder::SendBigNumber(std::string_view digits) {
  if (!Accept()) return;
  if (resp_ == 3) {
    PushTableWithField("big_number", digits);
  } else {
    lua_pushlstring(lua_, digits.data(), digits.size());
  }
  ElementPushed();
}

void LuaReplyBuilder::SendVerbatim(std::string_view format, std::string_view text) {
  if (!Accept()) return;
  if (resp_ == 3) {
    lua_createtable(lua_, 0, 1);
    lua_createtable(lua_, 0, 2);
    lua_pushlstring(lua_, format.data(), format.size());
    lua_setfield(lua_, -2, "format");
    lua_pushlstring(lua_, text.data(), text.size());
    lua_setfield(lua_, -2, "string");
    lua_setfield(lua_, -2, "verbatim_string");
  } else {
    lua_pushlstring(lua_, text.data(), text.size());
  }
  ElementPushed();
}

void LuaReplyBuilder::StartArray(uint32_t len) { Open(Kind::kArray, false, len); }

void LuaReplyBuilder::StartMap(uint32_t num_pairs) {
  if (resp_ == 3) {
    Open(Kind::kMap, true, num_pairs * 2);
  } else {
    Open(Kind::kArray, false, num_pairs * 2);
  }
}

void LuaReplyBuilder::StartSet(uint32_t len) {
  if (resp_ == 3) {
    Open(Kind::kSet, true, len);
  } else {
    Open(Kind::kArray, false, len);
  }
}

int LuaReplyBuilder::Finish() {
  // Close what the writer left open, keeping the elements it did send.
  while (!frames_.empty()) {
    Frame f = frames_.back();
    if (f.kind == Kind::kMap && f.index % 2 == 1) lua_pop(lua_, 1);  // dangling key
    frames_.pop_back();
    if (f.wrapped) lua_setfield(lua_, -2, f.kind == Kind::kMap ? "map" : "set");
    ElementPushed();
  }
  return lua_gettop(lua_) - base_top_;
}

}  // namespace lw::lua
