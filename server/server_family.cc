#include "server/server_family.h"

namespace lw {

void RegisterServerFamily(CommandRegistry* registry) {
  (void)registry;  // commands land here as the family is written
}

}  // namespace lw
