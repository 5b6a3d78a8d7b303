// Pub/sub command family: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB.
// See pubsub_family.cc for how messages cross threads.
#pragma once

#include <cstddef>
#include <string_view>

#include "server/engine/command_registry.h"

namespace lw {

void RegisterPubsubFamily(CommandRegistry* registry);

// For INFO stats: channels with at least one subscriber, and distinct subscribed patterns.
struct PubsubCounts {
  size_t channels = 0;
  size_t patterns = 0;
};
PubsubCounts GetPubsubCounts();

}  // namespace lw
