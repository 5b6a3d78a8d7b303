// SetObj: the value of a Redis set, in one of three encodings (Redis 7.2's):
//   - "intset": sorted packed integers (2, 4 or 8 bytes each, widened on demand) while every
//     member is a canonical integer (string2ll) and there are at most
//     SetLimits::max_intset_entries of them (set-max-intset-entries, 512 by default);
//   - "listpack": a packed byte buffer of [u8 len][bytes] entries in insertion order while
//     there are at most SetLimits::max_listpack_entries members (set-max-listpack-entries,
//     128 by default) of at most 64 bytes;
//   - "hashtable": a ScanTable of malloc'd entries (cursor-stable SSCAN).
// Conversions go only towards "hashtable" (Redis never shrinks a set's encoding back).
// Thread-safety: none; a SetObj belongs to the shard holding its key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/types/scan_table.h"

namespace lw {

struct SetEntry {
  SetEntry* hnext;
  uint32_t len;
  char data[];  // the member bytes

  std::string_view key() const { return {data, len}; }
};

struct SetEntryTraits {
  static std::string_view Key(const SetEntry* e) { return e->key(); }
};

// When a set leaves the intset / listpack encodings. The families fill it from CONFIG's
// set-max-intset-entries / set-max-listpack-entries once per command; the defaults are
// Redis's.
struct SetLimits {
  size_t max_intset_entries = 512;
  size_t max_listpack_entries = 128;
};

class SetObj {
 public:
  enum class Encoding : uint8_t { kIntset, kListpack, kHashtable };

  // Longest member the listpack encoding holds (Redis 7.2's set-max-listpack-value default;
  // not a setting here, and at most 255 for the one-byte length prefix).
  static constexpr size_t kMaxListpackValue = 64;

  // An empty set whose encoding suits `first` and about `size_hint` members (SADD's rule).
  SetObj(std::string_view first, size_t size_hint, const SetLimits& limits);
  ~SetObj();
  SetObj(const SetObj&) = delete;
  SetObj& operator=(const SetObj&) = delete;
  // A deep copy in the same encoding (COPY).
  SetObj* Clone() const;

  Encoding encoding() const { return enc_; }
  std::string_view EncodingName() const;
  size_t size() const;
  // Heap bytes held, including this object.
  size_t MallocUsed() const;

  // True if `member` was not there. Converts first if `limits` say the set outgrows its
  // encoding.
  bool Add(std::string_view member, const SetLimits& limits);
  // True if `member` was there.
  bool Remove(std::string_view member);
  bool Contains(std::string_view member) const;

  // Calls fn(std::string_view) for every member (order: intset ascending, listpack insertion,
  // hashtable bucket). The view is valid only during the call.
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  // Every member, copied.
  std::vector<std::string> Members() const;
  // The member at a uniformly random position. REQUIRES: size() > 0. `rnd` is a 64-bit source.
  std::string RandomMember(uint64_t (*rnd)()) const;
  // Removes and returns a random member. REQUIRES: size() > 0.
  std::string PopRandom(uint64_t (*rnd)());

  // One SSCAN step: packed encodings return everything with next cursor 0. `visit` sees each
  // candidate member; returns the next cursor.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, size_t count, Fn&& visit) const;

 private:
  // --- intset ---
  int64_t IntAt(size_t i) const;
  // Index of the first element >= v.
  size_t IntLowerBound(int64_t v) const;
  void IntInsert(size_t pos, int64_t v);
  // --- listpack ---
  // Byte offset of the entry equal to `m`, or npos.
  size_t PackFind(std::string_view m) const;
  std::string_view PackEntryAt(size_t offset) const {
    return {packed_.data() + offset + 1, size_t(uint8_t(packed_[offset]))};
  }
  // --- conversions ---
  void ToListpack();
  void ToHashtable();
  std::string MemberAt(size_t index) const;  // packed encodings only
  static SetEntry* NewEntry(std::string_view m);

  using Table = ScanTable<SetEntry, SetEntryTraits>;

  Encoding enc_;
  uint8_t int_width_ = 2;  // intset: bytes per integer
  uint32_t count_ = 0;     // packed encodings
  std::string packed_;     // intset or listpack bytes
  std::unique_ptr<Table> table_;
  size_t entry_bytes_ = 0;  // hashtable: bytes of malloc'd entries
};

template <typename Fn>
uint64_t SetObj::Scan(uint64_t cursor, size_t count, Fn&& visit) const {
  if (enc_ != Encoding::kHashtable) {
    ForEach([&](std::string_view m) { visit(std::string(m)); });
    return 0;
  }
  // Redis: at most count*10 bucket visits, stopping once `count` elements were collected.
  size_t visited = 0, iterations = count * 10;
  do {
    cursor = table_->ScanStep(cursor, [&](const SetEntry* e) {
      ++visited;
      visit(std::string(e->key()));
    });
  } while (cursor && iterations-- && visited < count);
  return cursor;
}

template <typename Fn>
void SetObj::ForEach(Fn&& fn) const {
  switch (enc_) {
    case Encoding::kIntset:
      for (size_t i = 0; i < count_; ++i) fn(std::string_view(std::to_string(IntAt(i))));
      break;
    case Encoding::kListpack:
      for (size_t off = 0; off < packed_.size(); off += 1 + uint8_t(packed_[off])) {
        fn(PackEntryAt(off));
      }
      break;
    case Encoding::kHashtable:
      table_->ForEach([&](const SetEntry* e) { fn(e->key()); });
      break;
  }
}

}  // namespace lw
