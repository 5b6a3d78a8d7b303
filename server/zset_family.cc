#include "server/zset_family.h"

namespace lw {

void RegisterZsetFamily(CommandRegistry* registry) {
  (void)registry;  // commands land here as the family is written
}

}  // namespace lw
