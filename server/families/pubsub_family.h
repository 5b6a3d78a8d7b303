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

// Publishes `message` on `channel` to the subscribers of `service` (a Service*), as PUBLISH
// does, from any pool thread (keyspace notifications: ServiceConfig::publish). Each
// subscriber thread gets its messages from one thread in the order published.
void PublishFromShard(void* service, std::string_view channel, std::string_view message);

}  // namespace lw
