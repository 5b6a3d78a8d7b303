// Every command family the lacewing binary serves, and the scripting package's INFO source.
// A new family adds its Register function here and its library to //server:families.
// Thread-safety: start-up only.
#pragma once

#include <vector>

#include "server/engine/service.h"
#include "server/families/acl_family.h"
#include "server/families/client_family.h"
#include "server/families/config_family.h"
#include "server/families/generic_family.h"
#include "server/families/geo_family.h"
#include "server/families/hash_family.h"
#include "server/families/hll_family.h"
#include "server/families/info_family.h"
#include "server/families/keys_family.h"
#include "server/families/list_family.h"
#include "server/families/memory_family.h"
#include "server/families/multi_family.h"
#include "server/families/persist_family.h"
#include "server/families/pubsub_family.h"
#include "server/families/server_family.h"
#include "server/families/set_family.h"
#include "server/families/sort_family.h"
#include "server/families/sticky_family.h"
#include "server/families/stream_family.h"
#include "server/families/string_family.h"
#include "server/families/zset_family.h"
#include "server/net/server.h"
#include "server/scripting/scripting_family.h"

namespace lw {

inline std::vector<FamilyRegistrar> AllFamilies() {
  return {RegisterGenericFamily,   RegisterStringFamily, RegisterKeysFamily,   RegisterListFamily,
          RegisterHashFamily,      RegisterSetFamily,    RegisterZsetFamily,   RegisterServerFamily,
          RegisterInfoFamily,      RegisterConfigFamily, RegisterClientFamily, RegisterPubsubFamily,
          RegisterScriptingFamily, RegisterMultiFamily,  RegisterStickyFamily, RegisterHllFamily,
          RegisterPersistFamily,   RegisterGeoFamily,    RegisterSortFamily,   RegisterStreamFamily,
          RegisterMemoryFamily,    RegisterAclFamily};
}

// Fills in what the binary wires between packages that do not know each other.
inline void WireServer(ServerConfig* config) {
  config->families = AllFamilies();
  config->service.scripting_info = &GetScriptingInfo;
  config->service.render_metrics = &RenderMetrics;
  config->service.script_metrics = &ScriptMetrics;
  config->service.function_codes = &FunctionLibraryCodes;
  config->service.load_function = &LoadFunctionLibrary;
  config->service.apply_settings = &ApplyStartupSettings;
  config->service.publish = &PublishFromShard;
  config->service.client_info = &ClientInfoLine;
}

}  // namespace lw
