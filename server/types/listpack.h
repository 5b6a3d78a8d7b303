// Listpack: a sequence of byte strings packed into one heap block, the compact building block
// of lists (ListObj: the whole small list, or one chunk of a long one) and small hashes
// (HashObj: field, value, field, value, ...).
//
// Each entry is its length, its bytes and its length again, so the block can be walked from
// either end:  len < 255:  [len:1][bytes][len:1]
//              otherwise:  [0xFF][len:4][bytes][len:4][0xFF]
// The block is a gap buffer: free room is kept before and after the entries, so pushing or
// popping at either end is O(1) amortised; inserting or erasing in the middle moves the
// bytes after the spot (bounded by the owner's chunk size limits).
//
// Positions (Pos) are byte offsets from the first entry: Begin() == 0, End() == bytes(). An
// entry is addressed by the position where it starts; Get() returns the following position,
// GetBefore(p) the entry that ends at p. Any modification invalidates string_views and
// positions after the modified spot.
// Thread-safety: none; owned by one shard's data structure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lw {

class Listpack {
 public:
  using Pos = uint32_t;

  Listpack() = default;
  ~Listpack();
  Listpack(Listpack&& other) noexcept;
  Listpack& operator=(Listpack&& other) noexcept;
  Listpack(const Listpack&) = delete;
  Listpack& operator=(const Listpack&) = delete;

  // The same entries in a block of exactly their size: one allocation and one copy (a clone
  // is mostly kept, seldom grown; a push then makes room as usual).
  Listpack Copy() const;

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Encoded bytes of all entries.
  size_t bytes() const { return tail_ - head_; }
  size_t MallocUsed() const;
  static size_t EncodedSize(size_t len) { return len < 255 ? len + 2 : len + 10; }

  Pos Begin() const { return 0; }
  Pos End() const { return Pos(bytes()); }
  // The entry starting at p; *next receives the position after it. REQUIRES: p < End().
  std::string_view Get(Pos p, Pos* next) const;
  // The entry ending at p; *start receives its position. REQUIRES: p > Begin().
  std::string_view GetBefore(Pos p, Pos* start) const;

  std::string_view Front() const {
    Pos n;
    return Get(0, &n);
  }
  std::string_view Back() const {
    Pos s;
    return GetBefore(End(), &s);
  }

  void PushBack(std::string_view s);
  void PushFront(std::string_view s);
  void PopFront();  // REQUIRES: !empty()
  void PopBack();   // REQUIRES: !empty()

  // Inserts `s` as a new entry starting at p (before the entry now at p).
  void Insert(Pos p, std::string_view s);
  // Removes the bytes [from, to) holding exactly `n` entries.
  void Erase(Pos from, Pos to, size_t n);
  // Replaces the entry starting at p with `s`.
  void Replace(Pos p, std::string_view s);
  void Clear();

 private:
  // Makes room for `front` bytes before the entries and `back` bytes after them.
  void Reserve(size_t front, size_t back);
  void ShrinkIfSparse();
  static void Encode(char* dst, std::string_view s);
  char* data() { return buf_ + head_; }
  const char* data() const { return buf_ + head_; }

  char* buf_ = nullptr;
  uint32_t cap_ = 0;
  uint32_t head_ = 0;  // entries occupy buf_[head_, tail_)
  uint32_t tail_ = 0;
  uint32_t count_ = 0;
};

}  // namespace lw
