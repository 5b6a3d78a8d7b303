// ScanTable<Entry, Traits>: an intrusive chained hash table of byte-string keys whose SCAN
// cursor survives resizing, for the "hashtable" encodings of sets and sorted sets.
//
// Why not absl::flat_hash_set: SSCAN/ZSCAN promise that an element present for the whole scan
// is returned at least once even while the set grows or shrinks between calls. With a
// power-of-two bucket array indexed by the low hash bits, Redis's reverse-binary cursor
// (increment the bit-reversed cursor) gives exactly that guarantee across any resize,
// so this table keeps that layout.
//
// Entries are owned by the caller: the table only links them through `Entry::hnext`.
//   Traits::Key(const Entry*) -> std::string_view   the entry's key bytes.
// Resizing is done at once (no incremental rehash): grows when size > buckets, shrinks when
// size < buckets / 8.
// Thread-safety: none; the table belongs to its shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "base/hash.h"

namespace lw {

template <typename Entry, typename Traits>
class ScanTable {
 public:
  ScanTable() = default;
  ScanTable(const ScanTable&) = delete;
  ScanTable& operator=(const ScanTable&) = delete;

  size_t size() const { return size_; }
  size_t bucket_count() const { return buckets_.size(); }
  // Bytes of the bucket array (entries are accounted by their owner).
  size_t MallocUsed() const { return buckets_.capacity() * sizeof(Entry*); }

  // Pre-sizes for n entries (no-op if already large enough).
  void Reserve(size_t n) {
    size_t want = kMinBuckets;
    while (want < n) want <<= 1;
    if (want > buckets_.size()) Rehash(want);
  }

  Entry* Find(std::string_view key) const {
    if (buckets_.empty()) return nullptr;
    for (Entry* e = buckets_[Bucket(key)]; e; e = e->hnext) {
      if (Traits::Key(e) == key) return e;
    }
    return nullptr;
  }

  // REQUIRES: no entry with e's key is linked.
  void Insert(Entry* e) {
    if (size_ + 1 > buckets_.size()) Rehash(buckets_.empty() ? kMinBuckets : buckets_.size() * 2);
    Entry*& head = buckets_[Bucket(Traits::Key(e))];
    e->hnext = head;
    head = e;
    ++size_;
  }

  // Unlinks the entry with `key` and returns it (nullptr if absent). May shrink the table.
  Entry* Remove(std::string_view key) {
    if (buckets_.empty()) return nullptr;
    Entry** link = &buckets_[Bucket(key)];
    for (; *link; link = &(*link)->hnext) {
      if (Traits::Key(*link) == key) {
        Entry* e = *link;
        *link = e->hnext;
        e->hnext = nullptr;
        --size_;
        MaybeShrink();
        return e;
      }
    }
    return nullptr;
  }

  // Unlinks every entry, calling fn(Entry*) for each (e.g. to free it).
  template <typename Fn>
  void Clear(Fn&& fn) {
    for (Entry*& head : buckets_) {
      while (head) {
        Entry* e = head;
        head = e->hnext;
        fn(e);
      }
    }
    buckets_.clear();
    buckets_.shrink_to_fit();
    size_ = 0;
  }

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (Entry* head : buckets_) {
      for (Entry* e = head; e; e = e->hnext) fn(e);
    }
  }

  // Visits one bucket at `cursor` (all of its entries) and returns the next cursor; 0 ends the
  // scan. Same cursor semantics as Redis's dictScan on a single table.
  template <typename Fn>
  uint64_t ScanStep(uint64_t cursor, Fn&& fn) const {
    if (buckets_.empty()) return 0;
    uint64_t mask = buckets_.size() - 1;
    for (Entry* e = buckets_[cursor & mask]; e; e = e->hnext) fn(e);
    cursor |= ~mask;
    cursor = Reverse(cursor);
    ++cursor;
    return Reverse(cursor);
  }

  // A random entry (nullptr if empty): a random non-empty bucket, then a random chain member.
  // `rnd` returns uniformly distributed 64-bit values.
  template <typename Rnd>
  Entry* Random(Rnd&& rnd) const {
    if (size_ == 0) return nullptr;
    size_t mask = buckets_.size() - 1;
    Entry* head;
    do {
      head = buckets_[rnd() & mask];
    } while (!head);
    size_t len = 0;
    for (Entry* e = head; e; e = e->hnext) ++len;
    size_t pick = rnd() % len;
    while (pick--) head = head->hnext;
    return head;
  }

 private:
  static constexpr size_t kMinBuckets = 4;

  size_t Bucket(std::string_view key) const { return HashBytes(key) & (buckets_.size() - 1); }

  static uint64_t Reverse(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
  }

  void MaybeShrink() {
    if (buckets_.size() > kMinBuckets && size_ < buckets_.size() / 8) {
      size_t want = kMinBuckets;
      while (want < size_) want <<= 1;
      Rehash(want);
    }
  }

  void Rehash(size_t n) {
    std::vector<Entry*> fresh(n, nullptr);
    for (Entry* head : buckets_) {
      while (head) {
        Entry* next = head->hnext;
        Entry*& slot = fresh[HashBytes(Traits::Key(head)) & (n - 1)];
        head->hnext = slot;
        slot = head;
        head = next;
      }
    }
    buckets_ = std::move(fresh);
  }

  std::vector<Entry*> buckets_;
  size_t size_ = 0;
};

}  // namespace lw
