// ListObj: the value of a Redis list key.
//
// Two encodings, as Redis 7.2 with list-max-listpack-size 128:
//   - "listpack": the whole list in one Listpack, while it has at most 128 entries and no
//     entry longer than 64 bytes;
//   - "quicklist": a deque of Listpack chunks (at most 128 entries / ~8 KB each), so pushes
//     and pops at both ends are O(1) amortised and trimming the ends drops whole chunks.
// A list converts to quicklist when it outgrows the packed limits, and back to listpack when
// it shrinks to half of them (64 entries, all short), as Redis 7.2 does.
//
// Indexes are 0-based from the head; callers convert Redis's negative indexes first.
// Thread-safety: none; a ListObj belongs to the shard that stores its key.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "server/types/listpack.h"

namespace lw {

class ListObj {
 public:
  static constexpr size_t kPackedMaxEntries = 128;
  static constexpr size_t kPackedMaxValue = 64;
  static constexpr size_t kChunkMaxEntries = 128;
  static constexpr size_t kChunkMaxBytes = 8192;

  ListObj() = default;
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

  Listpack lp_;                             // the packed form
  std::deque<Listpack>* chunks_ = nullptr;  // the quicklist form
  size_t size_ = 0;
};

}  // namespace lw
