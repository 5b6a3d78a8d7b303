// struct: pack/unpack/size of binary records (see compat_libs.h for the formats).
// Every function raises Lua errors, so no C++ object with a destructor is used here.
#include <cctype>
#include <cstdint>
#include <cstring>

#include "lua_interp/compat_libs.h"

namespace lw::lua {
namespace {

constexpr int kMaxIntSize = 8;
constexpr int kMaxAlign = 8;

struct Header {
  bool little;
  int align;
};

bool NativeLittle() {
  const uint16_t one = 1;
  return *reinterpret_cast<const uint8_t*>(&one) == 1;
}

size_t ReadNumber(const char** fmt, size_t fallback) {
  if (!isdigit(static_cast<unsigned char>(**fmt))) return fallback;
  size_t n = 0;
  do {
    n = n * 10 + (*(*fmt)++ - '0');
  } while (isdigit(static_cast<unsigned char>(**fmt)) && n < 100000000);
  return n;
}

// Size in bytes of the option `opt` (whose count follows in *fmt), 0 for variable sizes.
size_t OptionSize(lua_State* lua, char opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
      return sizeof(long);
    case 'T':
      return sizeof(size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return ReadNumber(fmt, 1);
    case 'i':
    case 'I': {
      size_t sz = ReadNumber(fmt, sizeof(int));
      if (sz > kMaxIntSize)
        luaL_error(lua, "integral size %d is larger than limit of %d", (int)sz, kMaxIntSize);
      return sz;
    }
    default:
      return 0;
  }
}

// Padding needed before an option of `size` bytes at offset `len`.
size_t Gap(const Header& h, size_t len, size_t size, char opt) {
  if (opt == 'c' || opt == 's' || opt == 'x') return 0;
  size_t align = size < static_cast<size_t>(h.align) ? size : h.align;
  if (align <= 1 || (align & (align - 1)) != 0) return 0;
  return (align - (len & (align - 1))) & (align - 1);
}

// Handles the header options; returns true if `opt` was one.
bool Control(lua_State* lua, char opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ':
      return true;
    case '>':
      h->little = false;
      return true;
    case '<':
      h->little = true;
      return true;
    case '=':
      h->little = NativeLittle();
      return true;
    case '!': {
      size_t a = ReadNumber(fmt, kMaxAlign);
      if (a == 0 || (a & (a - 1)) != 0) luaL_error(lua, "alignment %d is not a power of 2", (int)a);
      h->align = static_cast<int>(a);
      return true;
    }
    default:
      return false;
  }
}

void PutInt(luaL_Buffer* b, uint64_t v, bool little, size_t size) {
  char buf[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    buf[little ? i : size - 1 - i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  luaL_addlstring(b, buf, size);
}

void PutBytes(luaL_Buffer* b, const void* p, size_t size, bool little) {
  char buf[8];
  memcpy(buf, p, size);
  if (little != NativeLittle()) {
    for (size_t i = 0; i < size / 2; ++i) {
      char t = buf[i];
      buf[i] = buf[size - 1 - i];
      buf[size - 1 - i] = t;
    }
  }
  luaL_addlstring(b, buf, size);
}

int Pack(lua_State* lua) {
  const char* fmt = luaL_checkstring(lua, 1);
  Header h{NativeLittle(), 1};
  int arg = 2;
  size_t total = 0;
  luaL_Buffer b;
  luaL_buffinit(lua, &b);
  while (*fmt) {
    char opt = *fmt++;
    if (Control(lua, opt, &fmt, &h)) continue;
    size_t size = OptionSize(lua, opt, &fmt);
    size_t gap = Gap(h, total, size, opt);
    total += gap;
    while (gap-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I': {
        uint64_t v;
        if (lua_isinteger(lua, arg)) {
          v = static_cast<uint64_t>(lua_tointeger(lua, arg));
        } else {
          lua_Number n = luaL_checknumber(lua, arg);
          v = n < 0 ? static_cast<uint64_t>(static_cast<int64_t>(n)) : static_cast<uint64_t>(n);
        }
        ++arg;
        PutInt(&b, v, h.little, size);
        break;
      }
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        float f = static_cast<float>(luaL_checknumber(lua, arg++));
        PutBytes(&b, &f, sizeof(f), h.little);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(lua, arg++);
        PutBytes(&b, &d, sizeof(d), h.little);
        break;
      }
      case 'c':
      case 's': {
        size_t len;
        const char* s = luaL_checklstring(lua, arg, &len);
        if (opt == 'c' && size == 0) size = len;
        if (opt == 'c') {
          luaL_argcheck(lua, len >= size, arg, "string too short");
          luaL_addlstring(&b, s, size);
        } else {
          luaL_addlstring(&b, s, len);
          luaL_addchar(&b, '\0');
          size = len + 1;
        }
        ++arg;
        break;
      }
      default:
        return luaL_error(lua, "invalid format option '%c'", opt);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

uint64_t GetInt(const char* p, bool little, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) {
    uint8_t byte = static_cast<uint8_t>(p[little ? size - 1 - i : i]);
    v = (v << 8) | byte;
  }
  return v;
}

void GetBytes(const char* p, void* out, size_t size, bool little) {
  char buf[8];
  memcpy(buf, p, size);
  if (little != NativeLittle()) {
    for (size_t i = 0; i < size / 2; ++i) {
      char t = buf[i];
      buf[i] = buf[size - 1 - i];
      buf[size - 1 - i] = t;
    }
  }
  memcpy(out, buf, size);
}

int Unpack(lua_State* lua) {
  const char* fmt = luaL_checkstring(lua, 1);
  size_t len;
  const char* data = luaL_checklstring(lua, 2, &len);
  lua_Integer init = luaL_optinteger(lua, 3, 1);
  luaL_argcheck(lua, init > 0, 3, "offset must be 1 or greater");
  size_t pos = static_cast<size_t>(init) - 1;
  Header h{NativeLittle(), 1};
  int results = 0;
  while (*fmt) {
    char opt = *fmt++;
    if (Control(lua, opt, &fmt, &h)) continue;
    size_t size = OptionSize(lua, opt, &fmt);
    pos += Gap(h, pos, size, opt);
    luaL_argcheck(lua, pos <= len && size <= len - pos, 2, "data string too short");
    luaL_checkstack(lua, 2, "too many results");
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I': {
        uint64_t v = GetInt(data + pos, h.little, size);
        bool is_signed = islower(static_cast<unsigned char>(opt));
        if (is_signed && size < 8) {
          uint64_t mask = uint64_t{1} << (size * 8 - 1);
          v = (v ^ mask) - mask;
        }
        if (!is_signed && size == 8 && v > static_cast<uint64_t>(INT64_MAX)) {
          lua_pushnumber(lua, static_cast<lua_Number>(v));
        } else {
          lua_pushinteger(lua, static_cast<lua_Integer>(v));
        }
        ++results;
        break;
      }
      case 'x':
        break;
      case 'f': {
        float f;
        GetBytes(data + pos, &f, sizeof(f), h.little);
        lua_pushnumber(lua, f);
        ++results;
        break;
      }
      case 'd': {
        double d;
        GetBytes(data + pos, &d, sizeof(d), h.little);
        lua_pushnumber(lua, d);
        ++results;
        break;
      }
      case 'c': {
        if (size == 0) {
          if (results == 0 || !lua_isinteger(lua, -1)) {
            return luaL_error(lua, "format 'c0' needs a previous size");
          }
          size = static_cast<size_t>(lua_tointeger(lua, -1));
          lua_pop(lua, 1);
          --results;
          luaL_argcheck(lua, size <= len - pos, 2, "data string too short");
        }
        lua_pushlstring(lua, data + pos, size);
        ++results;
        break;
      }
      case 's': {
        const void* end = memchr(data + pos, '\0', len - pos);
        if (end == nullptr) return luaL_error(lua, "unfinished string in data");
        size = static_cast<const char*>(end) - (data + pos) + 1;
        lua_pushlstring(lua, data + pos, size - 1);
        ++results;
        break;
      }
      default:
        return luaL_error(lua, "invalid format option '%c'", opt);
    }
    pos += size;
  }
  lua_pushinteger(lua, static_cast<lua_Integer>(pos + 1));
  return results + 1;
}

int Size(lua_State* lua) {
  const char* fmt = luaL_checkstring(lua, 1);
  Header h{NativeLittle(), 1};
  size_t total = 0;
  while (*fmt) {
    char opt = *fmt++;
    if (Control(lua, opt, &fmt, &h)) continue;
    size_t size = OptionSize(lua, opt, &fmt);
    if (opt == 's' || (opt == 'c' && size == 0)) {
      return luaL_argerror(lua, 1, "options 'c0' - 's' have undefined sizes");
    }
    if (size == 0) return luaL_error(lua, "invalid format option '%c'", opt);
    total += Gap(h, total, size, opt) + size;
  }
  lua_pushinteger(lua, static_cast<lua_Integer>(total));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* lua) {
  static const luaL_Reg kFunctions[] = {
      {"pack", Pack},
      {"unpack", Unpack},
      {"size", Size},
      {nullptr, nullptr},
  };
  luaL_newlib(lua, kFunctions);
  return 1;
}

}  // namespace lw::lua
