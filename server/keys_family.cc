#include "server/keys_family.h"

namespace lw {

void RegisterKeysFamily(CommandRegistry* registry) {
  (void)registry;  // commands land here as the family is written
}

}  // namespace lw
