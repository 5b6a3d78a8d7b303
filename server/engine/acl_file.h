// The aclfile: Redis's ACL file format (one `user NAME rule rule...` line per user), read at
// start-up and by ACL LOAD, written by ACL SAVE. Loading is all or nothing: any error leaves
// the active users untouched and is reported in Redis's words.
//
// Thread-safety: any thread (file I/O, then AclRegistry's own locking); ACL LOAD and SAVE
// block the calling fiber's thread for the file access, as Redis does. Lifetime: none.
#pragma once

#include <string>

#include "server/engine/acl_registry.h"

namespace lw {

// Loads registry->aclfile(); "" or the error text (without "ERR ").
std::string LoadAclFile(AclRegistry* registry);
// Writes every user to registry->aclfile() (through a temporary file and a rename); "" or the
// error text.
std::string SaveAclFile(AclRegistry* registry);

}  // namespace lw
