// The aclfile: Redis's ACL file format (one `user NAME rule rule...` line per user), read at
// start-up and by ACL LOAD, written by ACL SAVE. Loading is all or nothing: any error leaves
// the active users untouched and is reported in Redis's words.
//
// Thread-safety: any thread (file I/O, then AclRegistry's own locking); ACL LOAD and SAVE
// block the calling fiber's thread for the file access, as Redis does. Lifetime: none.
#pragma once

#include <string>
#include <vector>

#include "server/engine/acl_registry.h"

namespace lw {

// Loads registry->aclfile(); "" or the error text (without "ERR ").
std::string LoadAclFile(AclRegistry* registry);
// `user NAME rule...` directives of the config file, as Redis 7.0 reads them. Words are the
// directive's words without "user" (name first).
//
// CheckConfigUser is the parse-time check of one directive (`seen`: the names of the
// directives before it): "" or the reason a FATAL CONFIG FILE ERROR gives, in Redis's words
// ("Error in user declaration 'W': Syntax error"; W is the word Redis names, which is not
// always the culprit). Unknown commands and categories pass here, as in Redis...
std::string CheckConfigUser(const acl::CommandTable& table, const std::vector<std::string>& words,
                            const std::vector<std::string>& seen);
// ...and stop LoadConfigUsers, which creates the users (the default user is reset first, so its
// directive replaces requirepass): "" or the text Redis logs before "Critical error while
// loading ACLs. Exiting.".
std::string LoadConfigUsers(AclRegistry* registry,
                            const std::vector<std::vector<std::string>>& directives);

// Writes every user to registry->aclfile() (through a temporary file and a rename); "" or the
// error text.
std::string SaveAclFile(AclRegistry* registry);

}  // namespace lw
