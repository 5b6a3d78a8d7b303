#include "server/pubsub_family.h"

namespace lw {

void RegisterPubsubFamily(CommandRegistry* registry) {
  (void)registry;  // commands land here as the family is written
}

}  // namespace lw
