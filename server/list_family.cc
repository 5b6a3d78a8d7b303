#include "server/list_family.h"

namespace lw {

void RegisterListFamily(CommandRegistry* registry) {
  (void)registry;  // commands land here as the family is written
}

}  // namespace lw
