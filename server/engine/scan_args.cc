#include "server/engine/scan_args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/glob.h"

namespace lw {

bool ScanOptions::Matches(std::string_view s) const {
  return !has_pattern || glob::Match(pattern, s);
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
