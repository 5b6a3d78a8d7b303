#include "server/scan_args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "server/arg_utils.h"
#include "server/error_strings.h"

namespace lw {

namespace {

char Fold(char c, bool nocase) {
  return nocase ? char(std::tolower(static_cast<unsigned char>(c))) : c;
}

bool Match(const char* p, size_t plen, const char* s, size_t slen, bool nocase, int depth) {
  if (depth > 1000) return false;  // bounds the recursion of pathological '*' patterns
  while (plen && slen) {
    switch (p[0]) {
      case '*': {
        while (plen > 1 && p[1] == '*') {
          ++p;
          --plen;
        }
        if (plen == 1) return true;
        while (slen) {
          if (Match(p + 1, plen - 1, s, slen, nocase, depth + 1)) return true;
          ++s;
          --slen;
        }
        return false;
      }
      case '?':
        ++s;
        --slen;
        break;
      case '[': {
        ++p;
        --plen;
        bool negate = plen && p[0] == '^';
        if (negate) {
          ++p;
          --plen;
        }
        bool matched = false;
        while (true) {
          if (plen == 0) {
            // Unterminated class: back up so the outer step consumes nothing more.
            --p;
            ++plen;
            break;
          }
          if (p[0] == '\\' && plen >= 2) {
            ++p;
            --plen;
            if (Fold(p[0], nocase) == Fold(s[0], nocase)) matched = true;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            char lo = Fold(p[0], nocase), hi = Fold(p[2], nocase), c = Fold(s[0], nocase);
            if (lo > hi) std::swap(lo, hi);
            if (c >= lo && c <= hi) matched = true;
            p += 2;
            plen -= 2;
          } else if (Fold(p[0], nocase) == Fold(s[0], nocase)) {
            matched = true;
          }
          ++p;
          --plen;
        }
        if (negate) matched = !matched;
        if (!matched) return false;
        ++s;
        --slen;
        break;
      }
      case '\\':
        if (plen >= 2) {
          ++p;
          --plen;
        }
        [[fallthrough]];
      default:
        if (Fold(p[0], nocase) != Fold(s[0], nocase)) return false;
        ++s;
        --slen;
        break;
    }
    ++p;
    --plen;
    if (slen == 0) {
      while (plen && p[0] == '*') {
        ++p;
        --plen;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  return Match(pattern.data(), pattern.size(), str.data(), str.size(), nocase, 0);
}

bool ScanOptions::Matches(std::string_view s) const {
  return !has_pattern || GlobMatch(pattern, s);
}

bool ParseScanCursor(std::string_view arg, uint64_t* cursor) {
  std::string buf(arg);
  if (!buf.empty() && std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long v = std::strtoul(buf.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *cursor = v;
  return true;
}

ScanOptions ParseScanOptions(CmdArgs args, size_t start) {
  ScanOptions opts;
  for (size_t i = start; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      opts.error = errors::kSyntax;
      return opts;
    }
    if (EqualsIgnoreCase(args[i], "COUNT")) {
      int64_t n;
      if (!ParseRedisInt(args[i + 1], &n)) {
        opts.error = errors::kNotInteger;
        return opts;
      }
      if (n < 1) {
        opts.error = errors::kSyntax;
        return opts;
      }
      opts.count = uint64_t(n);
    } else if (EqualsIgnoreCase(args[i], "MATCH")) {
      opts.pattern = std::string(args[i + 1]);
      // "*" matches everything: skip matching altogether, as Redis does.
      opts.has_pattern = opts.pattern != "*";
    } else {
      opts.error = errors::kSyntax;
      return opts;
    }
  }
  return opts;
}

}  // namespace lw
