// Every command family of the server, for Service's constructor. A new family adds its
// Register function here and its library to the "families" target in BUILD.bazel.
#pragma once

#include "server/generic_family.h"
#include "server/string_family.h"

#define LW_ALL_FAMILIES ::lw::RegisterGenericFamily, ::lw::RegisterStringFamily
