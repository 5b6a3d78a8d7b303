// The Lua 5.1-era modules Redis scripts use, each pushing its module table (lua_CFunction
// style: `lua_pushcfunction(L, OpenBit); lua_call(L, 0, 1);` or call directly, returns 1).
//
//   OpenCjson    Debian's lua-cjson, with decode fixed for Lua 5.4: JSON numbers with an
//                integral value that fits in int64 decode as Lua integers (so
//                'k'..cjson.decode('{"id":101}').id is "k101", as under Lua 5.1).
//   OpenCmsgpack cmsgpack.pack(...) / cmsgpack.unpack(s) / unpack_one / unpack_limit for nil,
//                booleans, integers, floats, strings, arrays and maps (lua-cmsgpack rules: a
//                table with keys 1..n is an array; floats with an integral value pack as
//                integers; nesting deeper than 16 packs as nil).
//   OpenBit      LuaBitOp: 32-bit signed results; tobit tohex bnot band bor bxor lshift rshift
//                arshift rol ror bswap.
//   OpenStruct   Roberto Ierusalimschy's struct: pack, unpack, size with formats
//                < > ! x b B h H l L i I (with size) f d s c (with size; c0 in unpack).
// Thread-safety: each call works on its lua_State only.
#pragma once

#include <lua5.4/lua.hpp>

namespace lw::lua {

int OpenCjson(lua_State* lua);
int OpenCmsgpack(lua_State* lua);
int OpenBit(lua_State* lua);
int OpenStruct(lua_State* lua);

}  // namespace lw::lua
