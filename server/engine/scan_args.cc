#include "server/engine/scan_args.h"

#include "server/types/glob.h"

namespace lw {

bool ScanOptions::Matches(std::string_view s) const {
  return !has_pattern || glob::Match(pattern, s);
}

ScanOptions ParseScanOptions(CmdArgs args, size_t start, bool allow_type) {
  ScanOptions opts;
  for (size_t i = start; i < args.size(); i += 2) {
    std::string_view name = args[i];
    if (i + 1 >= args.size()) {
      opts.error = errors::kSyntax;
      break;
    }
    std::string_view value = args[i + 1];
    if (EqualsIgnoreCase(name, "COUNT")) {
      int64_t n;
      if (!ParseRedisInt(value, &n)) {
        opts.error = errors::kNotInteger;
        break;
      }
      if (n < 1) {
        opts.error = errors::kSyntax;
        break;
      }
      opts.count = uint64_t(n);
    } else if (EqualsIgnoreCase(name, "MATCH")) {
      opts.pattern = value;
      // "*" matches everything: skip matching altogether, as Redis does.
      opts.has_pattern = !glob::MatchesAll(value);
    } else if (allow_type && EqualsIgnoreCase(name, "TYPE")) {
      opts.type = value;  // unknown type names simply match nothing (Redis 7.0)
      opts.has_type = true;
    } else {
      opts.error = errors::kSyntax;
      break;
    }
  }
  return opts;
}

void SendScanPage(ReplyBuilder* rb, uint64_t cursor, std::span<const std::string> items) {
  rb->StartArray(2);
  rb->SendBulk(std::to_string(cursor));
  rb->SendStringArray(items);
}

}  // namespace lw
