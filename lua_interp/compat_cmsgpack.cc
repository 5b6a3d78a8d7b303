// cmsgpack: MessagePack pack/unpack with lua-cmsgpack's rules (see compat_libs.h).
// The decoder raises Lua errors, so it keeps no C++ objects with destructors on the stack.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "lua_interp/compat_libs.h"
#include "lua_interp/script_context.h"

namespace lw::lua {
namespace {

constexpr int kMaxPackNesting = 16;  // deeper tables pack as nil, like lua-cmsgpack
constexpr int kMaxUnpackNesting = 1000;

void PutBE(std::string* out, uint8_t tag, uint64_t v, int bytes) {
  out->push_back(static_cast<char>(tag));
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void PackInt(std::string* out, int64_t v) {
  if (v >= 0) {
    if (v < 128) {
      out->push_back(static_cast<char>(v));
    } else if (v < 256) {
      PutBE(out, 0xcc, v, 1);
    } else if (v < 65536) {
      PutBE(out, 0xcd, v, 2);
    } else if (v <= 0xffffffffLL) {
      PutBE(out, 0xce, v, 4);
    } else {
      PutBE(out, 0xcf, v, 8);
    }
  } else if (v >= -32) {
    out->push_back(static_cast<char>(v));
  } else if (v >= -128) {
    PutBE(out, 0xd0, static_cast<uint64_t>(v), 1);
  } else if (v >= -32768) {
    PutBE(out, 0xd1, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN) {
    PutBE(out, 0xd2, static_cast<uint64_t>(v), 4);
  } else {
    PutBE(out, 0xd3, static_cast<uint64_t>(v), 8);
  }
}

void PackFloat(std::string* out, double d) {
  if (d == std::floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
    PackInt(out, static_cast<int64_t>(d));  // Lua 5.1 had no integers: whole floats are ints
    return;
  }
  float f = static_cast<float>(d);
  if (static_cast<double>(f) == d) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    PutBE(out, 0xca, bits, 4);
  } else {
    uint64_t bits;
    memcpy(&bits, &d, 8);
    PutBE(out, 0xcb, bits, 8);
  }
}

void PackString(std::string* out, const char* s, size_t len) {
  if (len < 32) {
    out->push_back(static_cast<char>(0xa0 | len));
  } else if (len < 256) {
    PutBE(out, 0xd9, len, 1);
  } else if (len < 65536) {
    PutBE(out, 0xda, len, 2);
  } else {
    PutBE(out, 0xdb, len, 4);
  }
  out->append(s, len);
}

void PackValue(lua_State* lua, int idx, std::string* out, int depth);

// Returns the array length if the table at idx has exactly the keys 1..n, else -1.
int64_t ArrayLength(lua_State* lua, int idx) {
  int64_t count = 0, max = 0;
  lua_pushnil(lua);
  while (lua_next(lua, idx)) {
    lua_pop(lua, 1);
    if (!lua_isinteger(lua, -1) || lua_tointeger(lua, -1) < 1) {
      lua_pop(lua, 1);
      return -1;
    }
    ++count;
    max = std::max<int64_t>(max, lua_tointeger(lua, -1));
  }
  return count == max ? max : -1;
}

void PackTable(lua_State* lua, int idx, std::string* out, int depth) {
  int64_t n = ArrayLength(lua, idx);
  if (n >= 0) {
    if (n < 16) {
      out->push_back(static_cast<char>(0x90 | n));
    } else if (n < 65536) {
      PutBE(out, 0xdc, n, 2);
    } else {
      PutBE(out, 0xdd, n, 4);
    }
    for (int64_t i = 1; i <= n; ++i) {
      lua_rawgeti(lua, idx, i);
      PackValue(lua, lua_gettop(lua), out, depth + 1);
      lua_pop(lua, 1);
    }
    return;
  }
  int64_t pairs = 0;
  lua_pushnil(lua);
  while (lua_next(lua, idx)) {
    ++pairs;
    lua_pop(lua, 1);
  }
  if (pairs < 16) {
    out->push_back(static_cast<char>(0x80 | pairs));
  } else if (pairs < 65536) {
    PutBE(out, 0xde, pairs, 2);
  } else {
    PutBE(out, 0xdf, pairs, 4);
  }
  lua_pushnil(lua);
  while (lua_next(lua, idx)) {
    int top = lua_gettop(lua);
    PackValue(lua, top - 1, out, depth + 1);
    PackValue(lua, top, out, depth + 1);
    lua_pop(lua, 1);
  }
}

void PackValue(lua_State* lua, int idx, std::string* out, int depth) {
  switch (lua_type(lua, idx)) {
    case LUA_TBOOLEAN:
      out->push_back(lua_toboolean(lua, idx) ? '\xc3' : '\xc2');
      return;
    case LUA_TNUMBER:
      if (lua_isinteger(lua, idx)) {
        PackInt(out, lua_tointeger(lua, idx));
      } else {
        PackFloat(out, lua_tonumber(lua, idx));
      }
      return;
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(lua, idx, &len);
      PackString(out, s, len);
      return;
    }
    case LUA_TTABLE:
      if (depth < kMaxPackNesting && lua_checkstack(lua, 4)) {
        PackTable(lua, idx, out, depth);
        return;
      }
      break;
    default:
      break;
  }
  out->push_back('\xc0');
}

int Pack(lua_State* lua) {
  int n = lua_gettop(lua);
  if (n == 0) return luaL_argerror(lua, 0, "MessagePack pack needs input.");
  {
    std::string out;
    for (int i = 1; i <= n; ++i) PackValue(lua, i, &out, 0);
    ScriptContext* ctx = GetContext(lua);
    ++ctx->alloc_guard;  // out is alive
    lua_pushlstring(lua, out.data(), out.size());
    --ctx->alloc_guard;
  }
  return 1;
}

struct Cursor {
  const uint8_t* p;
  const uint8_t* end;
};

[[noreturn]] void Missing(lua_State* lua) {
  luaL_error(lua, "Missing bytes in input.");
  __builtin_unreachable();
}

uint64_t ReadBE(lua_State* lua, Cursor* c, int bytes) {
  if (c->end - c->p < bytes) Missing(lua);
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | *c->p++;
  return v;
}

void DecodeValue(lua_State* lua, Cursor* c, int depth);

void DecodeString(lua_State* lua, Cursor* c, uint64_t len) {
  if (static_cast<uint64_t>(c->end - c->p) < len) Missing(lua);
  lua_pushlstring(lua, reinterpret_cast<const char*>(c->p), len);
  c->p += len;
}

void DecodeArray(lua_State* lua, Cursor* c, uint64_t n, int depth) {
  lua_createtable(lua, n < 1024 ? static_cast<int>(n) : 1024, 0);
  for (uint64_t i = 1; i <= n; ++i) {
    DecodeValue(lua, c, depth + 1);
    lua_rawseti(lua, -2, static_cast<lua_Integer>(i));
  }
}

void DecodeMap(lua_State* lua, Cursor* c, uint64_t n, int depth) {
  lua_createtable(lua, 0, n < 1024 ? static_cast<int>(n) : 1024);
  for (uint64_t i = 0; i < n; ++i) {
    DecodeValue(lua, c, depth + 1);
    DecodeValue(lua, c, depth + 1);
    if (lua_isnil(lua, -2)) {
      lua_pop(lua, 2);
    } else {
      lua_rawset(lua, -3);
    }
  }
}

void PushUnsigned(lua_State* lua, uint64_t v) {
  if (v > static_cast<uint64_t>(INT64_MAX)) {
    lua_pushnumber(lua, static_cast<lua_Number>(v));
  } else {
    lua_pushinteger(lua, static_cast<lua_Integer>(v));
  }
}

void DecodeValue(lua_State* lua, Cursor* c, int depth) {
  if (depth > kMaxUnpackNesting || !lua_checkstack(lua, 4)) {
    luaL_error(lua, "Bad data format in input.");
  }
  if (c->p >= c->end) Missing(lua);
  uint8_t tag = *c->p++;
  if (tag < 0x80) return lua_pushinteger(lua, tag);
  if (tag >= 0xe0) return lua_pushinteger(lua, static_cast<int8_t>(tag));
  if ((tag & 0xf0) == 0x80) return DecodeMap(lua, c, tag & 0x0f, depth);
  if ((tag & 0xf0) == 0x90) return DecodeArray(lua, c, tag & 0x0f, depth);
  if ((tag & 0xe0) == 0xa0) return DecodeString(lua, c, tag & 0x1f);
  switch (tag) {
    case 0xc0:
      return lua_pushnil(lua);
    case 0xc2:
      return lua_pushboolean(lua, 0);
    case 0xc3:
      return lua_pushboolean(lua, 1);
    case 0xc4:
    case 0xd9:
      return DecodeString(lua, c, ReadBE(lua, c, 1));
    case 0xc5:
    case 0xda:
      return DecodeString(lua, c, ReadBE(lua, c, 2));
    case 0xc6:
    case 0xdb:
      return DecodeString(lua, c, ReadBE(lua, c, 4));
    case 0xca: {
      uint32_t bits = static_cast<uint32_t>(ReadBE(lua, c, 4));
      float f;
      memcpy(&f, &bits, 4);
      return lua_pushnumber(lua, f);
    }
    case 0xcb: {
      uint64_t bits = ReadBE(lua, c, 8);
      double d;
      memcpy(&d, &bits, 8);
      return lua_pushnumber(lua, d);
    }
    case 0xcc:
      return PushUnsigned(lua, ReadBE(lua, c, 1));
    case 0xcd:
      return PushUnsigned(lua, ReadBE(lua, c, 2));
    case 0xce:
      return PushUnsigned(lua, ReadBE(lua, c, 4));
    case 0xcf:
      return PushUnsigned(lua, ReadBE(lua, c, 8));
    case 0xd0:
      return lua_pushinteger(lua, static_cast<int8_t>(ReadBE(lua, c, 1)));
    case 0xd1:
      return lua_pushinteger(lua, static_cast<int16_t>(ReadBE(lua, c, 2)));
    case 0xd2:
      return lua_pushinteger(lua, static_cast<int32_t>(ReadBE(lua, c, 4)));
    case 0xd3:
      return lua_pushinteger(lua, static_cast<int64_t>(ReadBE(lua, c, 8)));
    case 0xdc:
      return DecodeArray(lua, c, ReadBE(lua, c, 2), depth);
    case 0xdd:
      return DecodeArray(lua, c, ReadBE(lua, c, 4), depth);
    case 0xde:
      return DecodeMap(lua, c, ReadBE(lua, c, 2), depth);
    case 0xdf:
      return DecodeMap(lua, c, ReadBE(lua, c, 4), depth);
    default:
      luaL_error(lua, "Bad data format in input.");
  }
}

// Decodes up to `limit` objects (0: all) from byte `offset`. With `with_offset`, the first
// result is the offset of the next object, or -1 when the input is exhausted.
int Unpack(lua_State* lua, lua_Integer limit, lua_Integer offset, bool with_offset) {
  size_t len;
  const char* s = luaL_checklstring(lua, 1, &len);
  if (offset < 0 || limit < 0)
    return luaL_error(lua, "Invalid request to unpack with offset of %d and limit of %d.",
                      (int)offset, (int)limit);
  if (static_cast<size_t>(offset) > len)
    return luaL_error(lua, "Start offset %d greater than input length %d.", (int)offset, (int)len);
  Cursor c{reinterpret_cast<const uint8_t*>(s) + offset, reinterpret_cast<const uint8_t*>(s) + len};
  int base = lua_gettop(lua);
  if (with_offset) lua_pushnil(lua);
  lua_Integer count = 0;
  while (c.p < c.end && (limit == 0 || count < limit)) {
    DecodeValue(lua, &c, 0);
    ++count;
  }
  if (with_offset) {
    lua_Integer next = c.p < c.end ? c.p - reinterpret_cast<const uint8_t*>(s) : -1;
    lua_pushinteger(lua, next);
    lua_replace(lua, base + 1);
  }
  return lua_gettop(lua) - base;
}

int UnpackAll(lua_State* lua) { return Unpack(lua, 0, 0, false); }

int UnpackOne(lua_State* lua) { return Unpack(lua, 1, luaL_optinteger(lua, 2, 0), true); }

int UnpackLimit(lua_State* lua) {
  return Unpack(lua, luaL_checkinteger(lua, 2), luaL_optinteger(lua, 3, 0), true);
}

}  // namespace

int OpenCmsgpack(lua_State* lua) {
  static const luaL_Reg kFunctions[] = {
      {"pack", Pack},
      {"unpack", UnpackAll},
      {"unpack_one", UnpackOne},
      {"unpack_limit", UnpackLimit},
      {nullptr, nullptr},
  };
  luaL_newlib(lua, kFunctions);
  return 1;
}

}  // namespace lw::lua
