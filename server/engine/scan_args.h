// The SCAN family's options and replies, shared by SCAN (keys_family), HSCAN, SSCAN and ZSCAN.
// The cursor grammar itself is ParseScanCursor (server/types/arg_utils.h); MATCH patterns use
// Redis's glob rules (server/types/glob.h).
//
// Redis's order of checks (db.c scanGenericCommand): the cursor is parsed first ("ERR invalid
// cursor"); for HSCAN/SSCAN/ZSCAN the key is looked up next (a missing key gives an empty page
// without the options ever being read; the wrong type gives WRONGTYPE); only then are the
// options parsed, the first bad one giving the error. So ParseScanOptions keeps its error for
// the caller to send after the lookup, and ScanContainer does all of this for the three
// container scans.
// Thread-safety: ParseScanOptions and SendScanPage are pure / connection-fiber only;
// ScanContainer runs its page callback on the key's shard (see RunOnKeyShard).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"
#include "server/engine/family_util.h"
#include "server/engine/op_args.h"
#include "server/resp/error_strings.h"
#include "server/resp/reply_builder.h"
#include "server/types/arg_utils.h"

namespace lw {

struct ScanOptions {
  std::string_view pattern;  // meaningful only with has_pattern (MATCH "*" sets neither)
  bool has_pattern = false;
  std::string_view type;  // SCAN's TYPE, meaningful only with has_type
  bool has_type = false;
  uint64_t count = 10;
  std::string_view error;  // non-empty: the first bad option's error, for the caller to send

  bool Matches(std::string_view s) const;
};

// Parses args[start..] as [MATCH pattern] [COUNT n] (and, with allow_type, [TYPE name]) in
// any order, repeated (the last one wins). The views point into `args`.
ScanOptions ParseScanOptions(CmdArgs args, size_t start, bool allow_type = false);

// The SCAN reply: [cursor, [items...]].
void SendScanPage(ReplyBuilder* rb, uint64_t cursor, std::span<const std::string> items);

struct ScanPage {
  uint64_t cursor = 0;
  std::vector<std::string> items;
};

// HSCAN/SSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count] over the container of `type`
// (class T) at args[1]: `page(const T&, cursor, const ScanOptions&, std::vector<std::string>*)`
// runs on the key's shard, appends one page of items and returns the next cursor.
template <typename T, typename Page>
void ScanContainer(CmdArgs args, ConnectionContext* cntx, ObjType type, Page page) {
  ReplyBuilder* rb = cntx->rb;
  uint64_t cursor;
  if (!ParseScanCursor(args[2], &cursor)) return rb->SendError(errors::kInvalidCursor);
  ScanOptions opts = ParseScanOptions(args, 3);
  std::string_view key = args[1];
  OpResult<ScanPage> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<ScanPage> {
    OpResult<T*> found = FindContainer<T>(op, key, type);
    if (found.status() == OpStatus::kKeyNotFound) return ScanPage{};
    if (!found.ok()) return found.status();
    if (!opts.error.empty()) return OpStatus::kSyntaxError;
    ScanPage out;
    out.cursor = page(**found, cursor, opts, &out.items);
    return out;
  });
  switch (res.status()) {
    case OpStatus::kOk:
      return SendScanPage(rb, res->cursor, res->items);
    case OpStatus::kWrongType:
      return rb->SendError(errors::kWrongType);
    case OpStatus::kSyntaxError:
      return rb->SendError(opts.error);
    default:
      return rb->SendError(errors::kUndeclaredKeys);
  }
}

}  // namespace lw
