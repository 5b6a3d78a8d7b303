// Every command family of the server, for Service's constructor. A new family adds its
// Register function here and its library to the "families" target in BUILD.bazel.
#pragma once

#include "server/generic_family.h"
#include "server/string_family.h"
#include "server/keys_family.h"
#include "server/list_family.h"
#include "server/hash_family.h"
#include "server/set_family.h"
#include "server/zset_family.h"
#include "server/server_family.h"
#include "server/pubsub_family.h"
#include "server/scripting_family.h"
#include "server/multi_family.h"
#include "server/sticky_family.h"  // issue 8: STICK, STICKY

#define LW_ALL_FAMILIES                                                   \
  ::lw::RegisterGenericFamily, ::lw::RegisterStringFamily, ::lw::RegisterKeysFamily, ::lw::RegisterListFamily, ::lw::RegisterHashFamily, ::lw::RegisterSetFamily, ::lw::RegisterZsetFamily, ::lw::RegisterServerFamily, ::lw::RegisterPubsubFamily, \
      ::lw::RegisterScriptingFamily, ::lw::RegisterMultiFamily, ::lw::RegisterStickyFamily
