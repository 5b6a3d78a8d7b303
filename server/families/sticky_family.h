// Sticky keys (Lacewing extension, issue 8): keys that cache-mode eviction never removes.
//   STICK key [key ...]  marks existing keys sticky; replies how many were newly marked (a
//                        missing or already sticky key counts 0). Atomic over all its keys.
//   STICKY key           :1 if the key exists and is sticky, else :0.
// SET ... STICK (string_family) sets and marks in one command. Stickiness lives in the value
// cell's sticky bit (CompactObj), so it survives overwrite (SET, APPEND, any in-place write)
// and RENAME, while COPY's new key is not sticky; DEL, UNLINK, FLUSH* and expiry still remove
// a sticky key. Sticky keys count toward maxmemory: when only sticky (or locked) data is
// left, writes that need memory fail with OOM instead of evicting them.
#pragma once

#include "server/engine/command_registry.h"

namespace lw {
void RegisterStickyFamily(CommandRegistry* registry);
}  // namespace lw
