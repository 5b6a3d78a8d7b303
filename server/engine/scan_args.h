// SSCAN/ZSCAN argument parsing and MATCH patterns, shared by the set and sorted-set families.
//
// Redis order of checks (t_set.c/t_zset.c + db.c scanGenericCommand): the cursor is parsed
// first ("ERR invalid cursor"); then the key is looked up (missing key: empty scan reply,
// options never looked at; wrong type: WRONGTYPE); only then are MATCH/COUNT parsed. So
// ParseScanOptions keeps its error for the caller to send after the lookup.
//
// MATCH patterns use Redis's glob rules (server/types/glob.h).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/engine/command_registry.h"

namespace lw {

struct ScanOptions {
  std::string pattern;  // empty: no MATCH (or MATCH "*")
  bool has_pattern = false;
  uint64_t count = 10;
  std::string_view error;  // non-empty: the reply to send if the key exists with the right type

  bool Matches(std::string_view s) const;
};

// strtoul rules as Redis: leading spaces and trailing garbage rejected, "-1" wraps.
bool ParseScanCursor(std::string_view arg, uint64_t* cursor);

// Parses args[start..] as [MATCH pattern] [COUNT n] pairs, any order, repeated.
ScanOptions ParseScanOptions(CmdArgs args, size_t start);

}  // namespace lw
