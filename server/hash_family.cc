#include "server/hash_family.h"

namespace lw {

void RegisterHashFamily(CommandRegistry* registry) {
  (void)registry;  // commands land here as the family is written
}

}  // namespace lw
