// One dash table segment: kRegularBuckets regular buckets plus kStashBuckets stash buckets of
// kSlotsPerBucket slots each, stored inline. The segment knows nothing of hashing: callers pass
// the home bucket and the fingerprint, and a hash function only to Split().
//
// Internal to dash_table/ (namespace lw::dash_internal).
// Thread-safety: none; owned by one DashTable.
// Placement rule (the invariant every method keeps): an item whose home bucket is h
// (0 <= h < kHomeBuckets) lives in
//   - regular bucket h (displaced bit clear), or
//   - regular bucket h + 1 (displaced bit set), or
//   - a stash bucket k, with stash_home_[k][slot] == h and bit k set in stash_mask_[h].
// Bucket 0 therefore never holds a displaced item, and the last regular bucket (index
// kHomeBuckets) holds only displaced items.
// stash_mask_[h] is exact: bit k is set iff stash bucket k holds an item homed at h. A lookup
// that misses in h and h + 1 reads the stash only if stash_mask_[h] != 0. stash_mask_ is one
// 64-byte line per segment, so it usually sits in L2 while the bucket metadata is a miss.
// Moves between those places (displacement, bump-up) never change an item's home, so the
// "logical bucket" h (all items homed at h) is stable until an insert or erase touches it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "dash_table/bucket.h"

namespace lw::dash_internal {

// A slot of a segment, or none. Slots are numbered bucket by bucket, so the slots of a bucket
// and of the next one are consecutive.
struct SlotPos {
  static constexpr uint16_t kNone = 0xffff;
  uint16_t index = kNone;  // bucket * kSlotsPerBucket + slot
  bool found() const { return index != kNone; }
  unsigned bucket() const { return index / kSlotsPerBucket; }  // >= kRegularBuckets: stash
  unsigned slot() const { return index % kSlotsPerBucket; }
};

inline SlotPos Pos(unsigned b, unsigned s) {
  return SlotPos{static_cast<uint16_t>(b * kSlotsPerBucket + s)};
}

template <typename Key, typename Value>
class Segment {
 public:
  struct Slot {
    Key key;
    Value value;
  };
  static constexpr unsigned kCapacity = kTotalBuckets * kSlotsPerBucket;

  explicit Segment(unsigned local_depth) : local_depth_(local_depth) {
    std::memset(meta_, 0, sizeof(meta_));
    std::memset(displaced_, 0, sizeof(displaced_));
    std::memset(stash_mask_, 0, sizeof(stash_mask_));
    std::memset(version_, 0, sizeof(version_));
    std::memset(stash_home_, 0, sizeof(stash_home_));
  }
  ~Segment() {
    for (unsigned b = 0; b < kTotalBuckets; ++b) {
      for (uint32_t m = meta_[b].busy(); m; m &= m - 1) At(b, std::countr_zero(m)).~Slot();
    }
  }
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  unsigned local_depth() const { return local_depth_; }
  void set_local_depth(unsigned d) { local_depth_ = d; }
  uint32_t size() const { return size_; }

  Slot& At(SlotPos p) { return SlotAt(p.index); }
  const Slot& At(SlotPos p) const { return SlotAt(p.index); }
  Slot& At(unsigned b, unsigned s) { return SlotAt(b * kSlotsPerBucket + s); }
  const BucketMeta& meta(unsigned b) const { return meta_[b]; }
  // Home buckets only: bit k set iff stash bucket k holds an item homed at b.
  uint8_t stash_mask(unsigned b) const { return stash_mask_[b]; }
  uint32_t version(unsigned b) const { return version_[b]; }
  void set_version(unsigned b, uint32_t v) { version_[b] = v; }

  // The home bucket of the item at (b, s). REQUIRES: the slot is busy.
  unsigned HomeOf(unsigned b, unsigned s) const {
    if (b >= kRegularBuckets) return stash_home_[b - kRegularBuckets][s];
    return b - ((displaced_[b] >> s) & 1);
  }
  unsigned HomeOf(SlotPos p) const { return HomeOf(p.bucket(), p.slot()); }

  // Finds the item homed at `home` with fingerprint `fp` (never 0) for which
  // eq(key) is true. Home and neighbour are matched together, without consulting the
  // displaced bits: an equal key has the same home, so a candidate of the wrong home only
  // costs a key comparison. The neighbour is home + 1 and its slots follow home's, so bit i
  // of the combined match is slot home * kSlotsPerBucket + i.
  template <typename Eq>
  LW_DASH_ALWAYS_INLINE SlotPos Find(unsigned home, uint8_t fp, Eq&& eq) const {
    uint32_t m = meta_[home].Match(fp) | (meta_[home + 1].Match(fp) << kSlotsPerBucket);
    unsigned first = home * kSlotsPerBucket;
    for (; m; m &= m - 1) {
      unsigned index = first + std::countr_zero(m);
      if (eq(SlotAt(index).key)) [[likely]]
        return SlotPos{static_cast<uint16_t>(index)};
    }
    // A miss so far: the stash mask usually rules the stash out.
    if (stash_mask_[home] == 0) [[likely]]
      return SlotPos{};
    return FindInStash<std::decay_t<Eq>>(home, fp, eq);
  }

  // Find() for a key with this 64-bit hash (fingerprint and home as FingerprintOf() and
  // HomeBucketOf() take them), returning the item itself or nullptr: the lookup path of
  // DashTable. Written for a short dependency chain and few instructions: the metadata and
  // slot row offsets come straight from the hash, the item address is a shift and an add
  // from the match, and the caller reads the value through the returned pointer.
  template <typename Eq>
  LW_DASH_ALWAYS_INLINE Slot* FindSlot(uint64_t hash, Eq&& eq) {
    uint8_t fp = FingerprintOf(hash);
    // meta_offset = HomeBucketOf(hash) * 16 and row = the byte offset of the home bucket's
    // first slot in slots_ (home * kSlotsPerBucket slots), each in as few instructions as
    // possible: the home bits are bits 8..13, so for 16-byte items (256-byte rows) the row
    // offset is the hash masked in place.
    static_assert(sizeof(BucketMeta) == 16);
    constexpr size_t kRowBytes = kSlotsPerBucket * sizeof(Slot);
    size_t meta_offset, row;
    if constexpr (kRowBytes == 256) {
      row = hash & ((kHomeBuckets - 1) << 8);
      meta_offset = row >> 4;
    } else {
      meta_offset = (hash >> (8 - 4)) & ((kHomeBuckets - 1) << 4);
      row = kRowBytes % 16 == 0 ? meta_offset * (kRowBytes / 16) : meta_offset / 16 * kRowBytes;
    }
    const BucketMeta* hm = reinterpret_cast<const BucketMeta*>(
        reinterpret_cast<const unsigned char*>(meta_) + meta_offset);
    uint32_t m = hm[0].Match(fp) | (hm[1].Match(fp) << kSlotsPerBucket);
    for (; m; m &= m - 1) {
      // 32-bit arithmetic: tzcnt's result needs no sign extension.
      uint32_t offset = uint32_t(row) + uint32_t(std::countr_zero(m)) * uint32_t(sizeof(Slot));
      Slot* slot = std::launder(reinterpret_cast<Slot*>(slots_ + offset));
      if (eq(slot->key)) [[likely]]
        return slot;
    }
    // A miss so far: the stash mask usually rules the stash out.
    unsigned home = meta_offset / sizeof(BucketMeta);
    if (stash_mask_[home] == 0) [[likely]]
      return nullptr;
    SlotPos p = FindInStash<std::decay_t<Eq>>(home, fp, eq);
    return p.found() ? &At(p) : nullptr;
  }

  // The position of an item given its address.
  SlotPos PosOf(const Slot* slot) const {
    size_t index = (reinterpret_cast<const unsigned char*>(slot) - slots_) / sizeof(Slot);
    return SlotPos{static_cast<uint16_t>(index)};
  }

  // Checks the metadata invariants (placement bookkeeping, exact stash masks).
  // For tests: O(capacity).
  bool MetadataConsistent() const {
    uint8_t masks[kHomeBuckets] = {};
    uint32_t count = 0;
    for (unsigned b = 0; b < kTotalBuckets; ++b) {
      const BucketMeta& mb = meta_[b];
      if (b < kRegularBuckets) {
        if (displaced_[b] & ~mb.busy()) return false;
        if (b == 0 && displaced_[b] != 0) return false;
        if (b == kHomeBuckets && displaced_[b] != mb.busy()) return false;
      }
      count += mb.Count();
      if (b < kRegularBuckets) continue;
      for (uint32_t m = mb.busy(); m; m &= m - 1) {
        unsigned home = stash_home_[b - kRegularBuckets][std::countr_zero(m)];
        if (home >= kHomeBuckets) return false;
        masks[home] |= uint8_t(1u << (b - kRegularBuckets));
      }
    }
    for (unsigned h = 0; h < kHomeBuckets; ++h) {
      if (masks[h] != stash_mask_[h]) return false;
    }
    return count == size_;
  }

  // Calls cb(SlotPos) for every item homed at home bucket `home`.
  template <typename Cb>
  void ForEachHomedAt(unsigned home, Cb&& cb) const {
    uint32_t stash_mask = stash_mask_[home];  // copied: cb may erase the item it is given
    for (uint32_t m = meta_[home].busy() & ~uint32_t(displaced_[home]); m; m &= m - 1) {
      cb(Pos(home, std::countr_zero(m)));
    }
    unsigned nb = home + 1;
    for (uint32_t m = meta_[nb].busy() & displaced_[nb]; m; m &= m - 1) {
      cb(Pos(nb, std::countr_zero(m)));
    }
    for (; stash_mask; stash_mask &= stash_mask - 1) {
      unsigned sb = std::countr_zero(stash_mask);
      for (uint32_t m = meta_[kRegularBuckets + sb].busy(); m; m &= m - 1) {
        unsigned s = std::countr_zero(m);
        if (stash_home_[sb][s] == home) cb(Pos(kRegularBuckets + sb, s));
      }
    }
  }

  // Finds a free slot where an item homed at `home` may live, displacing one neighbour item
  // if that is what frees it (Dash's balanced insert + displacement, then the stash).
  // Returns !found() when the segment has no room for this home bucket.
  // The returned slot stays free until Occupy().
  SlotPos PrepareInsert(unsigned home) {
    unsigned nb = home + 1;
    const BucketMeta& hm = meta_[home];
    const BucketMeta& nm = meta_[nb];
    uint32_t home_busy = hm.busy(), next_busy = nm.busy();
    bool home_full = home_busy == kAllSlotsMask, next_full = next_busy == kAllSlotsMask;
    if (!home_full && (next_full || std::popcount(home_busy) <= std::popcount(next_busy))) {
      return Pos(home, std::countr_one(home_busy));
    }
    if (!next_full) return Pos(nb, std::countr_one(next_busy));

    // Push an item that lives at its own home `nb` on to nb + 1 (the last regular bucket is
    // nobody's home: all its items are displaced, so nothing there is movable).
    uint32_t movable = next_busy & ~uint32_t(displaced_[nb]);
    if (movable && nb < kHomeBuckets && !meta_[nb + 1].Full()) {
      unsigned s = 31 - std::countl_zero(movable);
      MoveRegular(Pos(nb, s), Pos(nb + 1, meta_[nb + 1].FirstFree()), nb);
      return Pos(nb, s);
    }
    // Send an item displaced into `home` back to its own home (bucket 0 holds none).
    movable = home_busy & displaced_[home];
    if (movable && !meta_[home - 1].Full()) {
      unsigned s = 31 - std::countl_zero(movable);
      MoveRegular(Pos(home, s), Pos(home - 1, meta_[home - 1].FirstFree()), home - 1);
      return Pos(home, s);
    }
    for (unsigned i = 0; i < kStashBuckets; ++i) {
      unsigned sb = kRegularBuckets + (home + i) % kStashBuckets;
      if (!meta_[sb].Full()) return Pos(sb, meta_[sb].FirstFree());
    }
    return SlotPos{};
  }

  // Constructs an item at `p` (from PrepareInsert(home)) and records it.
  template <typename K, typename V>
  Slot& Occupy(SlotPos p, unsigned home, uint8_t fp, K&& key, V&& value) {
    Slot* slot = new (&At(p)) Slot{Key(std::forward<K>(key)), Value(std::forward<V>(value))};
    MarkBusy(p, home, fp);
    return *slot;
  }

  // Destroys the item at `p`. Never moves any other item.
  void Vacate(SlotPos p) {
    At(p).~Slot();
    ClearBusy(p);
  }

  // Moves the item at `p` toward the hot end: out of the stash into its home (or neighbour)
  // bucket, swapping with the coldest item there if both are full; inside a regular bucket,
  // one slot toward slot 0. Returns the item's new position.
  SlotPos BumpUp(SlotPos p) {
    unsigned bucket = p.bucket(), slot = p.slot();
    if (bucket < kRegularBuckets) {
      if (slot == 0) return p;
      SlotPos to = Pos(bucket, slot - 1);
      SwapSlots(p, to);
      return to;
    }
    unsigned home = HomeOf(bucket, slot);
    uint8_t fp = meta_[bucket].fp[slot];
    for (unsigned b : {home, home + 1}) {
      if (meta_[b].Full()) continue;
      SlotPos to = Pos(b, meta_[b].FirstFree());
      new (&At(to)) Slot(std::move(At(p)));
      Vacate(p);
      MarkBusy(to, home, fp);
      return to;
    }
    // Both full: trade places with the coldest item of the home bucket.
    SlotPos cold = Pos(home, kSlotsPerBucket - 1);
    unsigned cold_home = HomeOf(cold);
    uint8_t cold_fp = meta_[home].fp[kSlotsPerBucket - 1];
    SwapPayload(At(p), At(cold));
    ClearBusy(p);
    ClearBusy(cold);
    MarkBusy(cold, home, fp);
    MarkBusy(p, cold_home, cold_fp);
    return cold;
  }

  // Moves every item whose hash (by hash_fn) has bit `bit` set into the empty segment `right`,
  // each to the same bucket and slot it held here, which keeps every placement valid. Bucket
  // versions are copied so a snapshot in progress sees both halves as it saw the whole.
  // Both halves then move what they can out of the stash (see DrainStash()).
  template <typename HashFn>
  void SplitInto(Segment* right, HashFn&& hash_fn, unsigned bit) {
    for (unsigned b = 0; b < kTotalBuckets; ++b) {
      for (uint32_t m = meta_[b].busy(); m; m &= m - 1) {
        unsigned s = std::countr_zero(m);
        if (((hash_fn(At(b, s).key) >> bit) & 1) == 0) continue;
        SlotPos p = Pos(b, s);
        unsigned home = HomeOf(b, s);
        new (&right->At(p)) Slot(std::move(At(p)));
        right->MarkBusy(p, home, meta_[b].fp[s]);
        Vacate(p);
      }
    }
    std::memcpy(right->version_, version_, sizeof(version_));
    DrainStash();
    right->DrainStash();
  }

  // Moves each stash item into its home or neighbour bucket if either has room (the less full
  // one). Items stay in their logical bucket. After a split both halves are about half empty,
  // and without this they would keep the stash items of the full segment: lookups homed there
  // would then have to read the stash on every miss (a third of all misses, measured).
  void DrainStash() {
    for (unsigned b = kRegularBuckets; b < kTotalBuckets; ++b) {
      for (uint32_t m = meta_[b].busy(); m; m &= m - 1) {
        unsigned s = std::countr_zero(m);
        unsigned home = stash_home_[b - kRegularBuckets][s];
        uint32_t home_busy = meta_[home].busy(), next_busy = meta_[home + 1].busy();
        unsigned to;
        if (home_busy != kAllSlotsMask &&
            (next_busy == kAllSlotsMask || std::popcount(home_busy) <= std::popcount(next_busy))) {
          to = home;
        } else if (next_busy != kAllSlotsMask) {
          to = home + 1;
        } else {
          continue;
        }
        SlotPos from = Pos(b, s), dest = Pos(to, meta_[to].FirstFree());
        uint8_t fp = meta_[b].fp[s];
        new (&At(dest)) Slot(std::move(At(from)));
        Vacate(from);
        MarkBusy(dest, home, fp);
      }
    }
  }

 private:
  Slot& SlotAt(size_t index) {
    return *std::launder(reinterpret_cast<Slot*>(slots_ + index * sizeof(Slot)));
  }
  const Slot& SlotAt(size_t index) const { return const_cast<Segment*>(this)->SlotAt(index); }

  // The rare part of Find(): the stash buckets that hold items homed at `home`. `eq` is taken
  // by value so that Find() builds the copy only on this cold path.
  template <typename Eq>
  LW_DASH_NOINLINE SlotPos FindInStash(unsigned home, uint8_t fp, Eq eq) const {
    for (uint32_t k = stash_mask_[home]; k; k &= k - 1) {
      unsigned sb = std::countr_zero(k);
      for (uint32_t m = meta_[kRegularBuckets + sb].Match(fp); m; m &= m - 1) {
        unsigned s = std::countr_zero(m);
        if (stash_home_[sb][s] == home &&
            eq(SlotAt((kRegularBuckets + sb) * kSlotsPerBucket + s).key)) {
          return Pos(kRegularBuckets + sb, s);
        }
      }
    }
    return SlotPos{};
  }

  void MarkBusy(SlotPos p, unsigned home, uint8_t fp) {
    unsigned b = p.bucket(), s = p.slot();
    meta_[b].fp[s] = fp;
    if (b < kRegularBuckets) {
      if (b != home) displaced_[b] |= uint16_t(1u << s);
    } else {
      unsigned sb = b - kRegularBuckets;
      stash_home_[sb][s] = static_cast<uint8_t>(home);
      stash_mask_[home] |= uint8_t(1u << sb);
    }
    ++size_;
  }

  void ClearBusy(SlotPos p) {
    unsigned b = p.bucket(), s = p.slot();
    BucketMeta& m = meta_[b];
    m.fp[s] = 0;
    if (b < kRegularBuckets) {
      displaced_[b] &= ~uint16_t(1u << s);
    } else {
      unsigned sb = b - kRegularBuckets;
      unsigned home = stash_home_[sb][s];
      bool still_there = false;
      for (uint32_t busy = m.busy(); busy; busy &= busy - 1) {
        still_there |= stash_home_[sb][std::countr_zero(busy)] == home;
      }
      if (!still_there) stash_mask_[home] &= ~uint8_t(1u << sb);
    }
    --size_;
  }

  // REQUIRES: `from` busy, `to` free, both regular; `home` is the item's home.
  void MoveRegular(SlotPos from, SlotPos to, unsigned home) {
    uint8_t fp = meta_[from.bucket()].fp[from.slot()];
    new (&At(to)) Slot(std::move(At(from)));
    Vacate(from);
    MarkBusy(to, home, fp);
  }

  static void SwapPayload(Slot& a, Slot& b) {
    Slot tmp(std::move(a));
    a = std::move(b);
    b = std::move(tmp);
  }

  // Swaps two slots of the same regular bucket; either may be free.
  void SwapSlots(SlotPos a, SlotPos b) {
    unsigned bucket = a.bucket(), sa = a.slot(), sb = b.slot();
    BucketMeta& m = meta_[bucket];
    bool a_busy = m.fp[sa] != 0, b_busy = m.fp[sb] != 0;
    if (a_busy && b_busy) {
      SwapPayload(At(a), At(b));
    } else if (a_busy) {
      new (&At(b)) Slot(std::move(At(a)));
      At(a).~Slot();
    } else if (b_busy) {
      new (&At(a)) Slot(std::move(At(b)));
      At(b).~Slot();
    }
    std::swap(m.fp[sa], m.fp[sb]);  // the busy bits travel with the fingerprints
    uint16_t& bits = displaced_[bucket];
    uint16_t x = ((bits >> sa) ^ (bits >> sb)) & 1;
    bits ^= uint16_t((x << sa) | (x << sb));
  }

  BucketMeta meta_[kTotalBuckets];
  uint16_t displaced_[kRegularBuckets];  // bit s: the item in slot s is homed at bucket - 1
  uint8_t stash_mask_[kHomeBuckets];
  uint32_t version_[kHomeBuckets];  // snapshot version of each logical bucket
  uint8_t stash_home_[kStashBuckets][kSlotsPerBucket];
  uint8_t local_depth_;
  uint32_t size_ = 0;
  // 16-aligned: a slot of 16 bytes never straddles two cache lines, so a hit reads one line.
  alignas(alignof(Slot) > 16 ? alignof(Slot) : 16) unsigned char slots_[kCapacity * sizeof(Slot)];
};

}  // namespace lw::dash_internal
