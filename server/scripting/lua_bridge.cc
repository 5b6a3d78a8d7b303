#include "server/scripting/lua_bridge.h"

namespace lw {

void WriteRespValue(const RespValue& v, lua::ReplyWriter* out) {
  switch (v.type) {
    case RespType::kSimpleString:
      return out->SendStatus(v.str);
    case RespType::kError:
      return out->SendError(v.str);
    case RespType::kInteger:
      return out->SendInt(v.integer);
    case RespType::kBulkString:
      return out->SendBulk(v.str);
    case RespType::kNull:
      return out->SendNull();
    case RespType::kNullArray:
      return out->SendNullArray();
    case RespType::kDouble:
      return out->SendDouble(v.dbl);
    case RespType::kBoolean:
      return out->SendBool(v.integer != 0);
    case RespType::kVerbatim:
      return out->SendVerbatim(v.format, v.str);
    case RespType::kBigNumber:
      return out->SendBigNumber(v.str);
    case RespType::kMap:
      out->StartMap(uint32_t(v.elems.size() / 2));
      break;
    case RespType::kSet:
      out->StartSet(uint32_t(v.elems.size()));
      break;
    case RespType::kArray:
    case RespType::kPush:
      out->StartArray(uint32_t(v.elems.size()));
      break;
  }
  for (const RespValue& e : v.elems) WriteRespValue(e, out);
}

}  // namespace lw
