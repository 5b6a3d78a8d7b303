// DashTable<Key, Value, Policy>: an extendible hash table in the style of Dash (Lu et al.,
// VLDB 2020). A directory of segment pointers is indexed by the top bits of the hash; each
// segment is a fixed array of regular and stash buckets with a fingerprint byte per slot.
// A full segment splits in two (the directory doubles only when that segment's local depth
// equals the global depth), so growth never rehashes the whole table and no operation touches
// more than two segments. dash_table/README.md explains the algorithm.
//
// Thread-safety: none. A table belongs to one thread (one shard); it has no locks.
//
// Policy (compile-time): HashFn and Equal are required (see default_policy.h). These hooks are
// optional; the table calls each only if the policy declares it:
//   bool CanGrow(const DashTable& t)
//       Asked before a split. false = stay at this size: evict (cache mode) or fail.
//   unsigned GarbageCollect(DashTable& t, const Hotspot& h)
//       Called when an insert finds its segment full, before growing or evicting. May Erase()
//       candidates of `h` (e.g. expired entries); returns how many it erased.
//   unsigned Evict(DashTable& t, const Hotspot& h)
//       Called when full and CanGrow() said no. Erases some candidates (EvictColdest() is the
//       usual body); returns how many. 0 makes the insert fail.
//   bool IsPinned(ConstIterator it)
//       EvictColdest() never evicts an entry for which this is true (sticky keys).
//   void OnBucketChange(DashTable& t, BucketRef b)
//       Called before an insert or erase changes logical bucket `b`, so a snapshot can
//       serialise the bucket first (compare BucketVersion(b) with the snapshot's version).
//       Must not modify the table.
//   static constexpr bool kBumpUpOnFind = true;
//       Find() moves the found entry toward the hot end of its bucket (see BumpUp()).
//
// Invalidation: Insert() (which may displace, split, collect or evict) and BumpUp()/Find()
// with kBumpUpOnFind may move entries, invalidating every Iterator and BucketRef. Erase()
// invalidates only the erased entry's iterator. Cursors are never invalidated.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "dash_table/bucket.h"
#include "dash_table/default_policy.h"
#include "dash_table/segment.h"

namespace lw {

template <typename Key, typename Value, typename Policy = DefaultDashPolicy>
class DashTable {
  using Segment = dash_internal::Segment<Key, Value>;
  using SlotPos = dash_internal::SlotPos;

 public:
  // SCAN cursor: 0 starts a traversal, and Traverse() returns 0 when it is complete.
  using Cursor = uint64_t;
  static constexpr size_t kSegmentBytes = sizeof(Segment);
  static constexpr size_t kSegmentCapacity = Segment::kCapacity;
  static constexpr unsigned kMaxDepth = 50;

  // Points at one entry, or at nothing (IsEnd()).
  class Iterator {
   public:
    Iterator() = default;
    bool IsEnd() const { return seg_ == nullptr; }
    explicit operator bool() const { return seg_ != nullptr; }
    // REQUIRES: !IsEnd(). Never modify the key through a const_cast.
    const Key& key() const { return slot_->key; }
    // For metadata bits of the key that take no part in its hash or equality (a snapshot's
    // per-entry mark); anything else changed here corrupts the table.
    Key& key_metadata() const { return slot_->key; }
    Value& value() const { return slot_->value; }
    // Physical position, for eviction heuristics: slot 0 is the hot end of a bucket; entries
    // in the stash are the coldest.
    unsigned bucket_id() const { return pos().bucket(); }
    unsigned slot_id() const { return pos().slot(); }
    bool in_stash() const { return pos().bucket() >= dash_internal::kRegularBuckets; }
    bool operator==(const Iterator& o) const { return seg_ == o.seg_ && slot_ == o.slot_; }

   private:
    friend class DashTable;
    using Slot = typename Segment::Slot;
    Iterator(Segment* seg, SlotPos pos) : seg_(seg), slot_(&seg->At(pos)) {}
    Iterator(Segment* seg, Slot* slot) : seg_(seg), slot_(slot) {}
    SlotPos pos() const { return seg_->PosOf(slot_); }
    // The entry itself, so that key() and value() after a lookup are one load each; the
    // position in the segment (pos()) is derived from it where needed.
    Segment* seg_ = nullptr;
    Slot* slot_ = nullptr;
  };
  using ConstIterator = Iterator;

  // A logical bucket: every entry whose home is one regular bucket of one segment. Entries
  // never leave their logical bucket except by erase or a split (which copies the version
  // into the new half), so it is the unit of snapshot versioning and of traversal.
  class BucketRef {
   public:
    unsigned bucket_id() const { return bucket_; }
    bool operator==(const BucketRef& o) const { return seg_ == o.seg_ && bucket_ == o.bucket_; }

   private:
    friend class DashTable;
    BucketRef(Segment* seg, unsigned bucket) : seg_(seg), bucket_(bucket) {}
    Segment* seg_;
    unsigned bucket_;
  };

  // The buckets an insert into a full segment could use: the home bucket, its neighbour and
  // the stash. Freeing any of their slots lets the insert succeed.
  class Hotspot {
   public:
    // Calls cb(Iterator) for every candidate, coldest first: stash entries, then the
    // highest slots of the home and neighbour buckets. cb may Erase() the entry it gets.
    template <typename Cb>
    void ForEachCandidate(Cb&& cb) const {
      namespace di = dash_internal;
      const unsigned buckets[2] = {home_, home_ + 1};
      for (int s = di::kSlotsPerBucket - 1; s >= 0; --s) {
        for (unsigned sb = di::kRegularBuckets; sb < di::kTotalBuckets; ++sb) Visit(sb, s, cb);
      }
      for (int s = di::kSlotsPerBucket - 1; s >= 0; --s) {
        for (unsigned b : buckets) Visit(b, s, cb);
      }
    }
    unsigned home_bucket() const { return home_; }

   private:
    friend class DashTable;
    Hotspot(Segment* seg, unsigned home) : seg_(seg), home_(home) {}
    template <typename Cb>
    void Visit(unsigned b, unsigned s, Cb& cb) const {
      if ((seg_->meta(b).busy() >> s) & 1) cb(Iterator(seg_, dash_internal::Pos(b, s)));
    }
    Segment* seg_;
    unsigned home_;
  };

  // Segments and the directory are allocated from `mr`, which must outlive the table.
  explicit DashTable(Policy policy = Policy(),
                     std::pmr::memory_resource* mr = std::pmr::new_delete_resource())
      : policy_(std::move(policy)), mr_(mr), dir_(2, nullptr, Alloc(mr)) {
    dir_[0] = dir_[1] = NewSegment(0);
  }
  ~DashTable() { DestroySegments(); }
  DashTable(const DashTable&) = delete;
  DashTable& operator=(const DashTable&) = delete;

  // Inserts (key, value) unless an equal key is present. Returns the entry and whether it was
  // inserted; {end(), false} if the table is full and the policy neither grows nor evicts.
  template <typename K, typename V>
  std::pair<Iterator, bool> Insert(K&& key, V&& value) {
    uint64_t hash = policy_.HashFn(key);
    if (Iterator it = FindHashed(hash, key); !it.IsEnd()) return {it, false};
    Iterator it = InsertNewHashed(hash, std::forward<K>(key), std::forward<V>(value));
    return {it, !it.IsEnd()};
  }

  // REQUIRES: no key equal to `key` is present. Skips the duplicate check.
  template <typename K, typename V>
  Iterator InsertNew(K&& key, V&& value) {
    uint64_t hash = policy_.HashFn(key);
    return InsertNewHashed(hash, std::forward<K>(key), std::forward<V>(value));
  }

  // `probe` may be any type the policy hashes and compares with Key (heterogeneous lookup).
  template <typename Q>
  LW_DASH_ALWAYS_INLINE Iterator Find(const Q& probe) {
    Iterator it = FindHashed(policy_.HashFn(probe), probe);
    if constexpr (requires { Policy::kBumpUpOnFind; }) {
      if (Policy::kBumpUpOnFind && !it.IsEnd()) it = BumpUp(it);
    }
    return it;
  }

  template <typename Q>
  bool Contains(const Q& probe) const {
    return !const_cast<DashTable*>(this)->FindHashed(policy_.HashFn(probe), probe).IsEnd();
  }

  // REQUIRES: `it` points at an entry of this table.
  void Erase(Iterator it) {
    NotifyChange(BucketOf(it));
    it.seg_->Vacate(it.pos());
    --size_;
  }

  // Returns whether an entry was erased.
  template <typename Q>
  requires(!std::is_same_v<Q, Iterator>) bool Erase(const Q& probe) {
    Iterator it = FindHashed(policy_.HashFn(probe), probe);
    if (it.IsEnd()) return false;
    Erase(it);
    return true;
  }

  // Moves the entry toward the hot end (out of the stash, or one slot toward slot 0) and
  // returns its new position. Other entries may move. The entry stays in its logical bucket.
  Iterator BumpUp(Iterator it) { return Iterator(it.seg_, it.seg_->BumpUp(it.pos())); }

  // Visits one logical bucket: calls cb(Iterator) for each of its entries and returns the
  // cursor of the next one (0 when the traversal is complete). Every entry present for the
  // whole traversal is visited at least once, whatever inserts, erases and splits happen
  // between calls. cb may Erase() the entry it is given, and nothing else.
  template <typename Cb>
  Cursor Traverse(Cursor cursor, Cb&& cb) {
    Segment* seg = dir_[DirIndex(cursor)];
    unsigned b = cursor & kBucketMask;
    if (b < dash_internal::kHomeBuckets) {
      seg->ForEachHomedAt(b, [&](SlotPos p) { cb(Iterator(seg, p)); });
    }
    return NextCursor(cursor, seg);
  }

  // Like Traverse(), but hands over the logical bucket itself (for snapshots).
  template <typename Cb>
  Cursor TraverseBuckets(Cursor cursor, Cb&& cb) {
    Segment* seg = dir_[DirIndex(cursor)];
    unsigned b = cursor & kBucketMask;
    if (b < dash_internal::kHomeBuckets) cb(BucketRef(seg, b));
    return NextCursor(cursor, seg);
  }

  // Calls cb(Iterator) for every entry of logical bucket `b`.
  template <typename Cb>
  void ForEachInBucket(BucketRef b, Cb&& cb) {
    b.seg_->ForEachHomedAt(b.bucket_, [&](SlotPos p) { cb(Iterator(b.seg_, p)); });
  }

  // REQUIRES: !it.IsEnd().
  BucketRef BucketOf(Iterator it) const { return BucketRef(it.seg_, it.seg_->HomeOf(it.pos())); }
  // The logical bucket `probe` belongs (or would belong) to.
  template <typename Q>
  BucketRef BucketOf(const Q& probe) const {
    uint64_t hash = policy_.HashFn(probe);
    return BucketRef(dir_[DirIndex(hash)], HomeBucket(hash));
  }
  uint32_t BucketVersion(BucketRef b) const { return b.seg_->version(b.bucket_); }
  void SetBucketVersion(BucketRef b, uint32_t version) { b.seg_->set_version(b.bucket_, version); }

  // The hotspot an insert of `probe` would use, so a caller may evict ahead of an insert
  // (cache mode over its memory budget) before the segment is full.
  template <typename Q>
  Hotspot HotspotOf(const Q& probe) {
    uint64_t hash = policy_.HashFn(probe);
    return Hotspot(dir_[DirIndex(hash)], HomeBucket(hash));
  }

  // Erases up to `max` candidates of `h`, coldest first, skipping entries the policy pins.
  // Calls on_evict(Iterator) just before erasing each. Returns how many were erased.
  template <typename OnEvict>
  unsigned EvictColdest(const Hotspot& h, unsigned max, OnEvict&& on_evict) {
    unsigned evicted = 0;
    h.ForEachCandidate([&](Iterator it) {
      if (evicted >= max) return;
      if constexpr (requires { policy_.IsPinned(it); }) {
        if (policy_.IsPinned(it)) return;
      }
      on_evict(it);
      Erase(it);
      ++evicted;
    });
    return evicted;
  }

  // Erases every entry; keeps one empty segment.
  void Clear() {
    DestroySegments();
    Dir fresh(2, nullptr, Alloc(mr_));
    dir_.swap(fresh);
    global_depth_ = 1;
    dir_shift_ = 63;
    size_ = 0;
    dir_[0] = dir_[1] = NewSegment(0);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t segment_count() const { return segment_count_; }
  unsigned global_depth() const { return global_depth_; }
  size_t capacity() const { return segment_count_ * kSegmentCapacity; }
  double load_factor() const { return double(size_) / capacity(); }
  // Bytes this table holds from its memory resource (segments and directory), exact. Memory
  // owned by keys and values themselves (e.g. long string payloads) is not included.
  size_t mem_usage() const {
    return segment_count_ * sizeof(Segment) + dir_.capacity() * sizeof(Segment*);
  }
  Policy& policy() { return policy_; }
  const Policy& policy() const { return policy_; }

  // For tests: checks every segment's metadata invariants (see segment.h). O(capacity).
  bool MetadataConsistent() const {
    size_t total = 0;
    for (size_t i = 0; i < dir_.size();) {
      const Segment* seg = dir_[i];
      i += size_t{1} << (global_depth_ - seg->local_depth());
      if (!seg->MetadataConsistent()) return false;
      total += seg->size();
    }
    return total == size_;
  }

 private:
  using Alloc = std::pmr::polymorphic_allocator<Segment*>;
  using Dir = std::vector<Segment*, Alloc>;
  static constexpr uint64_t kBucketMask = dash_internal::kHomeBuckets - 1;  // low cursor bits

  // Hash bits: the top global_depth_ pick the directory entry, bits 8..13 the home bucket,
  // bits 0..7 the fingerprint.
  size_t DirIndex(uint64_t hash) const { return hash >> dir_shift_; }
  static unsigned HomeBucket(uint64_t hash) { return dash_internal::HomeBucketOf(hash); }
  static uint8_t Fingerprint(uint64_t hash) { return dash_internal::FingerprintOf(hash); }

  template <typename Q>
  LW_DASH_ALWAYS_INLINE Iterator FindHashed(uint64_t hash, const Q& probe) {
    Segment* seg = dir_[DirIndex(hash)];
    if (seg == nullptr) __builtin_unreachable();  // spares callers' IsEnd() a null test
    auto* slot = seg->FindSlot(hash, [&](const Key& k) { return policy_.Equal(k, probe); });
    return slot ? Iterator(seg, slot) : Iterator();
  }

  template <typename K, typename V>
  Iterator InsertNewHashed(uint64_t hash, K&& key, V&& value) {
    unsigned home = HomeBucket(hash);
    // Bounds the rounds of a policy whose GarbageCollect()/Evict() report erasures that did
    // not free a usable slot.
    for (int round = 0; round < 64; ++round) {
      size_t index = DirIndex(hash);
      Segment* seg = dir_[index];
      SlotPos p = seg->PrepareInsert(home);
      if (p.found()) {
        NotifyChange(BucketRef(seg, home));
        seg->Occupy(p, home, Fingerprint(hash), std::forward<K>(key), std::forward<V>(value));
        ++size_;
        return Iterator(seg, p);
      }
      Hotspot hotspot(seg, home);
      if constexpr (requires { policy_.GarbageCollect(*this, hotspot); }) {
        if (policy_.GarbageCollect(*this, hotspot) > 0) continue;
      }
      bool grow = seg->local_depth() < kMaxDepth;
      if constexpr (requires { policy_.CanGrow(*this); }) grow = grow && policy_.CanGrow(*this);
      if (grow) {
        Split(index);
        continue;
      }
      unsigned evicted = 0;
      if constexpr (requires { policy_.Evict(*this, hotspot); }) {
        evicted = policy_.Evict(*this, hotspot);
      }
      if (evicted == 0) break;
    }
    return Iterator();
  }

  // Splits the segment at directory entry `index` into two.
  void Split(size_t index) {
    Segment* left = dir_[index];
    unsigned depth = left->local_depth();
    if (depth == global_depth_) {
      Dir doubled(dir_.size() * 2, nullptr, Alloc(mr_));
      for (size_t i = 0; i < dir_.size(); ++i) doubled[2 * i] = doubled[2 * i + 1] = dir_[i];
      dir_.swap(doubled);
      ++global_depth_;
      --dir_shift_;
      index *= 2;
    }
    Segment* right = NewSegment(depth + 1);
    left->set_local_depth(depth + 1);
    left->SplitInto(
        right, [&](const Key& k) { return uint64_t(policy_.HashFn(k)); }, 63 - depth);
    // The entries that pointed at `left` form an aligned run; its upper half now means `right`.
    size_t span = size_t{1} << (global_depth_ - depth);
    size_t start = index & ~(span - 1);
    for (size_t i = start + span / 2; i < start + span; ++i) dir_[i] = right;
  }

  Cursor NextCursor(Cursor cursor, Segment* seg) const {
    if ((cursor & kBucketMask) + 1 < dash_internal::kHomeBuckets) return cursor + 1;
    unsigned depth = seg->local_depth();
    if (depth == 0) return 0;
    uint64_t step = uint64_t{1} << (64 - depth);
    return (cursor & ~(step - 1)) + step;  // wraps to 0 after the last segment
  }

  void NotifyChange(BucketRef b) {
    if constexpr (requires { policy_.OnBucketChange(*this, b); }) policy_.OnBucketChange(*this, b);
  }

  Segment* NewSegment(unsigned depth) {
    void* mem = mr_->allocate(sizeof(Segment), alignof(Segment));
    ++segment_count_;
    return new (mem) Segment(depth);
  }

  void DestroySegments() {
    // A segment appears in a run of 2^(global - local) directory entries; free it once.
    for (size_t i = 0; i < dir_.size();) {
      Segment* seg = dir_[i];
      i += size_t{1} << (global_depth_ - seg->local_depth());
      seg->~Segment();
      mr_->deallocate(seg, sizeof(Segment), alignof(Segment));
    }
    segment_count_ = 0;
  }

  Policy policy_;
  std::pmr::memory_resource* mr_;
  Dir dir_;
  // At least 1, so that dir_shift_ = 64 - global_depth_ is a valid shift (two directory
  // entries may point at one segment of local depth 0).
  unsigned global_depth_ = 1;
  unsigned dir_shift_ = 63;
  size_t size_ = 0;
  size_t segment_count_ = 0;
};

}  // namespace lw
