// ZSetObj: the value of a Redis sorted set, ordered by (score, member bytes).
//
// Two encodings, as Redis:
//   - "listpack": one packed buffer of [u8 len][member][8-byte double] entries kept sorted,
//     while there are at most ZSetLimits::max_listpack_entries members of at most
//     max_listpack_value bytes (zset-max-listpack-entries / -value, 128 and 64 by default;
//     linear operations, so meant for small sets);
//   - "skiplist": an order-statistic skiplist (each forward link carries its span, the number
//     of elements it jumps over, so rank <-> element is O(log n) in both directions) plus a
//     ScanTable from member to node for O(1) score lookup and a cursor-stable ZSCAN.
// Conversion goes only from listpack to skiplist (Redis never shrinks it back on writes).
//
// Every range command reduces to ranks: CountBefore(pred) counts the leading elements for
// which a monotone predicate holds (O(log n) on the skiplist), so a score or lex interval is
// the rank interval [CountBefore(below min), CountBefore(not above max)).
// Ranks are 0-based throughout.
// Thread-safety: none; a ZSetObj belongs to the shard holding its key.
#pragma once

#include <absl/functional/function_ref.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/types/scan_table.h"

namespace lw {

struct ZNode;
struct ZNodeTraits {
  static std::string_view Key(const ZNode* n);
};
class ZSkipList;

// When a sorted set leaves the listpack encoding. The families fill it from CONFIG's
// zset-max-listpack-entries / zset-max-listpack-value once per command; the defaults are
// Redis's.
struct ZSetLimits {
  size_t max_listpack_entries = 128;
  size_t max_listpack_value = 64;
};

class ZSetObj {
 public:
  // The packed entries' one-byte length prefix caps listpack members at this length, whatever
  // max_listpack_value says (Redis's own listpack has no such cap).
  static constexpr size_t kPackMaxMember = 255;

  // Redis's zsetTypeCreate: listpack if size_hint and max_member_len fit `limits`.
  ZSetObj(size_t size_hint, size_t max_member_len, const ZSetLimits& limits);
  ~ZSetObj();
  ZSetObj(const ZSetObj&) = delete;
  ZSetObj& operator=(const ZSetObj&) = delete;
  // A deep copy in the same encoding (COPY).
  ZSetObj* Clone() const;

  bool is_listpack() const { return !list_; }
  std::string_view EncodingName() const { return list_ ? "skiplist" : "listpack"; }
  size_t size() const;
  // Heap bytes held, including this object.
  size_t MallocUsed() const;

  std::optional<double> Score(std::string_view member) const;
  // REQUIRES: member absent; score not NaN. Converts to skiplist first if `limits` say so.
  void Insert(std::string_view member, double score, const ZSetLimits& limits);
  // REQUIRES: member present with old_score.
  void UpdateScore(std::string_view member, double old_score, double new_score);
  // True if it was there.
  bool Erase(std::string_view member);
  // Ascending 0-based rank, if present.
  std::optional<size_t> Rank(std::string_view member) const;

  using Pred = absl::FunctionRef<bool(double score, std::string_view member)>;
  using Visitor = absl::FunctionRef<void(std::string_view member, double score)>;
  // Length of the longest prefix (in order) whose elements all satisfy `pred`, which must be
  // true-then-false along the order (e.g. "score < min").
  size_t CountBefore(Pred pred) const;
  // Visits ranks [start, end): ascending, or from end-1 down to start if `reverse`.
  // REQUIRES: start <= end <= size().
  void Visit(size_t start, size_t end, bool reverse, Visitor visit) const;
  // Removes ranks [start, end). REQUIRES: start <= end <= size().
  void EraseRanks(size_t start, size_t end);

  // Converts a listpack set to the skiplist encoding (SORT does, as Redis's zsetConvert).
  void MakeSkiplist() {
    if (is_listpack()) ConvertToSkiplist();
  }

  // One ZSCAN step (listpack: everything, next cursor 0). Returns the next cursor.
  uint64_t Scan(uint64_t cursor, size_t count, Visitor visit) const;

 private:
  // listpack helpers
  struct PackRef {
    size_t offset;
    std::string_view member;
    double score;
  };
  PackRef PackAt(size_t offset) const;
  size_t PackFind(std::string_view member) const;  // offset or npos
  void ConvertToSkiplist();

  std::string packed_;  // listpack entries, sorted
  uint32_t count_ = 0;  // listpack entries
  std::unique_ptr<ZSkipList> list_;
};

}  // namespace lw
