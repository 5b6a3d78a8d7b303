// ElementUndo: how to undo one write command on a large collection by the elements it names,
// instead of a clone of the whole value (undo_log.h).
//
// Why: a script's first write to a key saves the key's previous state so that Lacewing can
// roll the script back. A clone costs O(size of the value) on every script run: a queue
// script that adds to a 3,000-member 'done' set spent most of its CPU cloning the set, and a
// 1M-member set would cost tens of ms per call. The common writes change only the elements
// their arguments name (SADD/SREM/SMOVE, HSET/HDEL/HINCRBY..., ZADD/ZREM/ZINCRBY) or a few
// elements at one end of a list (pushes and pops), so recording those elements' previous
// state is O(arguments).
//
// Robust to the command failing or doing less than its arguments say: member and field
// records restore each named element's previous state (idempotent); list records store the
// size before and the elements nearest the popped end, and the undo derives from the size it
// finds how many were really pushed or popped. The undo runs on the state right after the
// command (UndoLog applies a script's records in reverse order), and puts the value back
// element for element; a collection the command emptied (and so deleted) is recreated with
// the recorded TTL and stickiness. The encoding of a restored value may differ from the one
// it had (a listpack that grew into a hash table stays one), as after Redis's own shrinking.
//
// Thread-safety: none; runs on the shard's thread of the key (inside UndoLog).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/types/compact_object.h"

namespace lw {

class DbSlice;

struct ElementUndo {
  enum class Kind : uint8_t { kSetMembers, kHashFields, kZSetScores, kListPush, kListPop };
  Kind kind = Kind::kSetMembers;
  bool front = false;      // lists: the end pushed or popped
  size_t size_before = 0;  // lists
  int64_t expire_at = 0;   // to recreate a collection the command emptied
  bool sticky = false;
  // Set members / hash fields / zset members with their previous state: nullopt when absent,
  // else "" (set), the value (hash) or the score's 8 bytes (zset). kListPop: the elements
  // nearest the popped end, nearest first (second unused).
  std::vector<std::pair<std::string, std::optional<std::string>>> items;
};

// Values with at most this many elements are cloned whole (cheap, and exact encoding).
inline constexpr size_t kCloneWholeUpTo = 64;

// Describes how to undo command `args` (args[0] is its name) on `key`, whose current value
// is `value`: fills *out and returns true, or returns false when the command is not one of
// the described writes for this key's role or type (the caller then clones the value).
bool DescribeElementUndo(const CompactObj& value, std::span<const std::string_view> args,
                         std::string_view key, ElementUndo* out);

// Applies the undo to `key` of `db` in `slice`, whose state is the one right after the
// described command.
void ApplyElementUndo(DbSlice* slice, int db, std::string_view key, const ElementUndo& undo);

}  // namespace lw
