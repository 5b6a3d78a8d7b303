// glob::Match: Redis's glob patterns (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET), with
// Redis's exact semantics, quirks included, so that a pattern selects the same keys here as
// in redis-server:
//   *        any run of bytes (several stars count as one)
//   ?        any single byte
//   [abc]    one byte of the set; [^abc] one byte not in it; [a-z] a range (reversed bounds
//            are swapped; bounds compare as signed chars, like Redis on x86); \x inside a set
//            is x itself; a set left open at the end of the pattern ends there
//   \x       x itself (a trailing lone backslash is a literal backslash)
// Quirk kept on purpose: a non-empty pattern never matches the empty string ("*" matches ""
// only because KEYS and SCAN treat the pattern "*" as "everything" before matching).
// With nocase, ASCII letters compare case-insensitively (Redis's nocase flag); KEYS and SCAN
// match case-sensitively.
// Runs in O(|pattern| * |string|) in the worst case (no exponential backtracking).
// Lives in namespace lw::glob: server/engine/scan_args.h still carries an older private GlobMatch.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace lw::glob {

bool Match(std::string_view pattern, std::string_view str, bool nocase = false);

// True for the one pattern that KEYS and SCAN treat as "every key" without matching.
inline bool MatchesAll(std::string_view pattern) { return pattern == "*"; }

}  // namespace lw::glob
