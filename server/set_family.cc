#include "server/set_family.h"

namespace lw {

void RegisterSetFamily(CommandRegistry* registry) {
  (void)registry;  // commands land here as the family is written
}

}  // namespace lw
