#include "lua_interp/compat_libs.h"
namespace lw::lua {
int OpenCmsgpack(lua_State* lua) { lua_newtable(lua); return 1; }
}
