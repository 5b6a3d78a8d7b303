#include "server/types/glob.h"

#include <utility>

namespace lw::glob {

namespace {

// ASCII-only case folding, as tolower() in the C locale.
int Fold(int c, bool nocase) { return nocase && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

bool Same(char a, char b, bool nocase) { return a == b || Fold(a, nocase) == Fold(b, nocase); }

// Matches the single-byte atom (everything but '*') that starts at pattern[p] against `c`,
// and stores where the next atom starts in *next. The bracket scan follows Redis's order of
// tests exactly: that order decides how odd patterns such as "[a-]" or "[\" parse.
bool MatchAtom(std::string_view pattern, size_t p, char c, bool nocase, size_t* next) {
  const size_t n = pattern.size();
  switch (pattern[p]) {
    case '?':
      *next = p + 1;
      return true;
    case '[': {
      size_t i = p + 1;
      bool negate = i < n && pattern[i] == '^';
      if (negate) ++i;
      bool match = false;
      while (true) {
        size_t left = n - i;
        if (left >= 2 && pattern[i] == '\\') {
          ++i;
          if (Same(pattern[i], c, nocase)) match = true;
        } else if (left >= 1 && pattern[i] == ']') {
          break;
        } else if (left == 0) {
          // Unterminated set: it extends to the end of the pattern.
          --i;
          break;
        } else if (left >= 3 && pattern[i + 1] == '-') {
          int lo = static_cast<signed char>(pattern[i]);
          int hi = static_cast<signed char>(pattern[i + 2]);
          if (lo > hi) std::swap(lo, hi);
          lo = Fold(lo, nocase);
          hi = Fold(hi, nocase);
          int ch = Fold(static_cast<signed char>(c), nocase);
          if (ch >= lo && ch <= hi) match = true;
          i += 2;
        } else if (Same(pattern[i], c, nocase)) {
          match = true;
        }
        ++i;
      }
      *next = i + 1;
      return match != negate;
    }
    case '\\':
      if (n - p >= 2) {
        *next = p + 2;
        return Same(pattern[p + 1], c, nocase);
      }
      [[fallthrough]];
    default:
      *next = p + 1;
      return Same(pattern[p], c, nocase);
  }
}

}  // namespace

bool Match(std::string_view pattern, std::string_view str, bool nocase) {
  if (str.empty()) return pattern.empty();
  // Greedy scan that, on a mismatch, lets the most recent star swallow one more byte. Every
  // atom but '*' consumes exactly one byte, which makes retrying only the last star enough.
  constexpr size_t kNoStar = std::string_view::npos;
  size_t p = 0, s = 0;
  size_t star_p = kNoStar, star_s = 0;
  while (s < str.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      if (p == pattern.size()) return true;
      star_p = p;
      star_s = s;
      continue;
    }
    size_t next;
    if (p < pattern.size() && MatchAtom(pattern, p, str[s], nocase, &next)) {
      p = next;
      ++s;
      continue;
    }
    if (star_p == kNoStar) return false;
    p = star_p;
    s = ++star_s;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace lw::glob
