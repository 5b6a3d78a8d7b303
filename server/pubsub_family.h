// Pub/sub command family: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB.
// See pubsub_family.cc for how messages cross threads.
#pragma once

#include <cstddef>
#include <string_view>

#include "server/command_registry.h"

namespace lw {

void RegisterPubsubFamily(CommandRegistry* registry);

// Redis's glob matching (stringmatchlen), quirks included: a non-empty pattern never matches
// the empty string. Used by PSUBSCRIBE, PUBSUB CHANNELS and CONFIG GET (nocase).
bool PubsubGlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// For INFO stats: channels with at least one subscriber, and distinct subscribed patterns.
struct PubsubCounts {
  size_t channels = 0;
  size_t patterns = 0;
};
PubsubCounts GetPubsubCounts();

}  // namespace lw
