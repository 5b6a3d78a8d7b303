// ListObj: the value of a Redis list key.
//
// Two encodings, as Redis 7.2, sized by the list's `fill` (Redis's list-max-listpack-size):
//   - "listpack": the whole list in one Listpack, while it fits one node (below) and no
//     entry is longer than 64 bytes;
//   - "quicklist": a deque of Listpack nodes, so pushes and pops at both ends are O(1)
//     amortised and trimming the ends drops whole nodes.
// A node holds, for fill >= 0, at most `fill` entries (0 counts as 1) and 8 KB (Redis's safety
// limit); for fill < 0, at most 4 KB << (-fill - 1) bytes (-1: 4 KB ... -5 and below: 64 KB),
// any number of entries.
// A list converts to quicklist when it outgrows one node, and back to listpack when it shrinks
// to half a node (all entries short), as Redis 7.2 does. A list keeps the fill it was created
// with, as Redis's quicklist does: CONFIG SET list-max-listpack-size applies to new lists.
//
// Indexes are 0-based from the head; callers convert Redis's negative indexes first.
// Thread-safety: none; a ListObj belongs to the shard that stores its key.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "server/types/listpack.h"

namespace lw {

class ListObj {
 public:
  static constexpr int kDefaultFill = 128;       // Lacewing's list-max-listpack-size default
  static constexpr size_t kPackedMaxValue = 64;  // longest entry of the packed form
  static constexpr size_t kSafetyBytes = 8192;   // a node's bytes when fill counts entries

  explicit ListObj(int fill = kDefaultFill) : fill_(fill) {}
  ~ListObj();
  ListObj(const ListObj&) = delete;
  ListObj& operator=(const ListObj&) = delete;
  // A deep copy in the same encoding (COPY).
  ListObj* Clone() const;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool packed() const { return chunks_ == nullptr; }
  // OBJECT ENCODING: Redis 7.0 (the reference server) calls every list "quicklist", whatever
  // its inside; the packed form is an implementation detail.
  std::string_view Encoding() const { return "quicklist"; }
  // Heap bytes held, including this object.
  size_t MallocUsed() const;

  void PushFront(std::string_view v);
  void PushBack(std::string_view v);
  // REQUIRES: !empty().
  std::string PopFront();
  std::string PopBack();

  // REQUIRES: i < size().
  std::string At(size_t i) const;
  void Set(size_t i, std::string_view v);

  // Calls fn(element) for indexes [start, end] in order. REQUIRES: start <= end < size().
  void Range(size_t start, size_t end, const std::function<void(std::string_view)>& fn) const;
  // Visits elements from the head (or from the tail when !from_head) with their index until
  // fn returns false.
  void Walk(bool from_head, const std::function<bool(size_t index, std::string_view)>& fn) const;

  // Inserts v before (or after) the first element equal to pivot. False if pivot is absent.
  bool Insert(std::string_view pivot, std::string_view v, bool after);
  // Removes up to `limit` elements equal to v (0: all), from the head or from the tail.
  size_t Remove(std::string_view v, size_t limit, bool from_head);
  // Keeps only indexes [start, end]. REQUIRES: start <= end < size().
  void Trim(size_t start, size_t end);

 private:
  // A place in the list: chunk index and the byte position of an entry inside it.
  struct Cursor {
    size_t chunk;
    Listpack::Pos pos;
  };

  size_t NumChunks() const { return chunks_ ? chunks_->size() : 1; }
  Listpack& Chunk(size_t i) { return chunks_ ? (*chunks_)[i] : lp_; }
  const Listpack& Chunk(size_t i) const { return chunks_ ? (*chunks_)[i] : lp_; }
  Cursor Locate(size_t index) const;
  void ToQuicklist();
  // After removals: returns to listpack when small enough. Pops and trims never leave an
  // empty chunk behind (they drop it at once); Remove() can, in the middle, so only it asks
  // for the O(chunks) sweep.
  void Compact(bool drop_empty_chunks = false);
  void DropEmptyChunks();
  void RemoveFront(size_t n);
  void RemoveBack(size_t n);
  void SplitIfFull(size_t chunk);
  bool ChunkHasRoom(const Listpack& lp, size_t len) const;
  // One node's limits under fill_ (see the file comment).
  size_t MaxEntries() const { return fill_ >= 0 ? size_t(fill_ > 0 ? fill_ : 1) : SIZE_MAX; }
  size_t MaxBytes() const {
    return fill_ >= 0 ? kSafetyBytes : size_t(4096) << (std::min(-fill_, 5) - 1);
  }
  // True if the packed form may take one more entry of `len` bytes.
  bool PackedHasRoom(size_t len) const { return len <= kPackedMaxValue && ChunkHasRoom(lp_, len); }

  Listpack lp_;                             // the packed form
  std::deque<Listpack>* chunks_ = nullptr;  // the quicklist form
  size_t size_ = 0;
  int fill_;  // list-max-listpack-size when the list was created
};

}  // namespace lw
