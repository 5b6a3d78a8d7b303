// One dash table segment: kRegularBuckets regular buckets plus kStashBuckets stash buckets of
// kSlotsPerBucket slots each, stored inline. The segment knows nothing of hashing: callers pass
// the home bucket and the fingerprint, and a hash function only to Split().
//
// Internal to dash_table/ (namespace lw::dash_internal).
// Thread-safety: none; owned by one DashTable.
// Placement rule (the invariant every method keeps): an item whose home bucket is h lives in
//   - regular bucket h (displaced bit clear), or
//   - regular bucket Next(h) (displaced bit set), or
//   - a stash bucket k, with stash_home_[k][slot] == h and bit k set in stash_mask_[h].
// stash_mask_[h] is exact: bit k is set iff stash bucket k holds an item homed at h.
// meta_[h].stash_hint() == (stash_mask_[h] != 0) for every regular bucket h, so a lookup reads
// stash_mask_ (another cache line) only when the stash can hold its key.
// Moves between those places (displacement, bump-up) never change an item's home, so the
// "logical bucket" h (all items homed at h) is stable until an insert or erase touches it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

#include "dash_table/bucket.h"

namespace lw::dash_internal {

struct SlotPos {
  static constexpr uint8_t kNone = 0xff;
  uint8_t bucket = kNone;  // >= kRegularBuckets means a stash bucket
  uint8_t slot = 0;
  bool found() const { return bucket != kNone; }
};

inline unsigned NextBucket(unsigned b) { return b + 1 == kRegularBuckets ? 0 : b + 1; }
inline unsigned PrevBucket(unsigned b) { return b == 0 ? kRegularBuckets - 1 : b - 1; }

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

  Slot& At(unsigned b, unsigned s) { return SlotAt(b * kSlotsPerBucket + s); }
  const Slot& At(unsigned b, unsigned s) const { return const_cast<Segment*>(this)->At(b, s); }
  Slot& At(SlotPos p) { return At(p.bucket, p.slot); }
  const BucketMeta& meta(unsigned b) const { return meta_[b]; }
  // Regular buckets only: bit k set iff stash bucket k holds an item homed at b.
  uint8_t stash_mask(unsigned b) const { return stash_mask_[b]; }
  uint32_t version(unsigned b) const { return version_[b]; }
  void set_version(unsigned b, uint32_t v) { version_[b] = v; }

  // The home bucket of the item at (b, s). REQUIRES: the slot is busy.
  unsigned HomeOf(unsigned b, unsigned s) const {
    if (b >= kRegularBuckets) return stash_home_[b - kRegularBuckets][s];
    return (displaced_[b] >> s) & 1 ? PrevBucket(b) : b;
  }

  // Finds the item homed at `home` with fingerprint `fp` for which eq(key) is true.
  // Home and neighbour are matched together, without consulting the displaced bits: an equal
  // key has the same home, so a candidate of the wrong home only costs a key comparison.
  template <typename Eq>
  LW_DASH_ALWAYS_INLINE SlotPos Find(unsigned home, uint8_t fp, Eq&& eq) const {
    unsigned nb = NextBucket(home);
    uint32_t m = meta_[home].Match(fp) | (meta_[nb].Match(fp) << kSlotsPerBucket);
    for (; m; m &= m - 1) {
      // Slots of `home` and `nb` are adjacent in slots_ (but for the wrap-around of the last
      // bucket), so the match bit is an offset from home's first slot. Branch-free on
      // purpose: which of the two buckets holds the key is a coin toss.
      unsigned index = home * kSlotsPerBucket + std::countr_zero(m);
      index -= index >= kRegularBuckets * kSlotsPerBucket ? kRegularBuckets * kSlotsPerBucket : 0;
      if (eq(SlotAt(index).key)) return Pos(index / kSlotsPerBucket, index % kSlotsPerBucket);
    }
    // A miss so far: the hint, in the metadata just read, usually rules the stash out.
    if (!meta_[home].stash_hint()) [[likely]] return SlotPos{};
    for (uint32_t k = stash_mask_[home]; k; k &= k - 1) {
      unsigned sb = std::countr_zero(k);
      for (uint32_t m = meta_[kRegularBuckets + sb].Match(fp); m; m &= m - 1) {
        unsigned s = std::countr_zero(m);
        if (stash_home_[sb][s] == home && eq(At(kRegularBuckets + sb, s).key)) {
          return Pos(kRegularBuckets + sb, s);
        }
      }
    }
    return SlotPos{};
  }

  // Checks the metadata invariants (placement bookkeeping, exact stash masks and stash hints).
  // For tests: O(capacity).
  bool MetadataConsistent() const {
    uint8_t masks[kRegularBuckets] = {};
    uint32_t count = 0;
    for (unsigned b = 0; b < kTotalBuckets; ++b) {
      if (meta_[b].bits & ~uint32_t(kAllSlotsMask | kStashHint)) return false;
      if (b >= kRegularBuckets && meta_[b].stash_hint()) return false;
      if (b < kRegularBuckets && (displaced_[b] & ~meta_[b].busy())) return false;
      count += meta_[b].Count();
      if (b < kRegularBuckets) continue;
      for (uint32_t m = meta_[b].busy(); m; m &= m - 1) {
        unsigned home = stash_home_[b - kRegularBuckets][std::countr_zero(m)];
        if (home >= kRegularBuckets) return false;
        masks[home] |= uint8_t(1u << (b - kRegularBuckets));
      }
    }
    for (unsigned h = 0; h < kRegularBuckets; ++h) {
      if (masks[h] != stash_mask_[h] || meta_[h].stash_hint() != (masks[h] != 0)) return false;
    }
    return count == size_;
  }

  // Calls cb(SlotPos) for every item homed at regular bucket `home`.
  template <typename Cb>
  void ForEachHomedAt(unsigned home, Cb&& cb) const {
    uint32_t stash_mask = stash_mask_[home];  // copied: cb may erase the item it is given
    for (uint32_t m = meta_[home].busy() & ~uint32_t(displaced_[home]); m; m &= m - 1) {
      cb(Pos(home, std::countr_zero(m)));
    }
    unsigned nb = NextBucket(home);
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
    unsigned nb = NextBucket(home);
    BucketMeta& hm = meta_[home];
    BucketMeta& nm = meta_[nb];
    bool home_full = hm.Full(), next_full = nm.Full();
    if (!home_full && (next_full || hm.Count() <= nm.Count())) return Pos(home, hm.FirstFree());
    if (!next_full) return Pos(nb, nm.FirstFree());

    // Push an item that lives at its own home `nb` on to its neighbour.
    unsigned nnb = NextBucket(nb);
    uint32_t movable = nm.busy() & ~uint32_t(displaced_[nb]);
    if (movable && !meta_[nnb].Full()) {
      unsigned s = 31 - std::countl_zero(movable);
      MoveRegular(Pos(nb, s), Pos(nnb, meta_[nnb].FirstFree()), /*displaced=*/true);
      return Pos(nb, s);
    }
    // Send an item displaced into `home` back to its own home.
    unsigned pb = PrevBucket(home);
    movable = hm.busy() & displaced_[home];
    if (movable && !meta_[pb].Full()) {
      unsigned s = 31 - std::countl_zero(movable);
      MoveRegular(Pos(home, s), Pos(pb, meta_[pb].FirstFree()), /*displaced=*/false);
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
    if (p.bucket < kRegularBuckets) {
      if (p.slot == 0) return p;
      SlotPos to = Pos(p.bucket, p.slot - 1);
      SwapSlots(p, to);
      return to;
    }
    unsigned home = HomeOf(p.bucket, p.slot);
    uint8_t fp = meta_[p.bucket].fp[p.slot];
    for (unsigned b : {home, NextBucket(home)}) {
      if (meta_[b].Full()) continue;
      SlotPos to = Pos(b, meta_[b].FirstFree());
      new (&At(to)) Slot(std::move(At(p)));
      Vacate(p);
      MarkBusy(to, home, fp);
      return to;
    }
    // Both full: trade places with the coldest item of the home bucket.
    SlotPos cold = Pos(home, kSlotsPerBucket - 1);
    unsigned cold_home = HomeOf(cold.bucket, cold.slot);
    uint8_t cold_fp = meta_[home].fp[cold.slot];
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
  }

 private:
  Slot& SlotAt(unsigned index) {
    return *std::launder(reinterpret_cast<Slot*>(slots_ + index * sizeof(Slot)));
  }
  const Slot& SlotAt(unsigned index) const { return const_cast<Segment*>(this)->SlotAt(index); }

  static SlotPos Pos(unsigned b, unsigned s) {
    return SlotPos{static_cast<uint8_t>(b), static_cast<uint8_t>(s)};
  }

  void MarkBusy(SlotPos p, unsigned home, uint8_t fp) {
    BucketMeta& m = meta_[p.bucket];
    uint16_t bit = uint16_t(1u << p.slot);
    m.fp[p.slot] = fp;
    m.bits |= bit;
    if (p.bucket < kRegularBuckets) {
      if (p.bucket != home) displaced_[p.bucket] |= bit;
    } else {
      unsigned sb = p.bucket - kRegularBuckets;
      stash_home_[sb][p.slot] = static_cast<uint8_t>(home);
      stash_mask_[home] |= uint8_t(1u << sb);
      meta_[home].bits |= kStashHint;
    }
    ++size_;
  }

  void ClearBusy(SlotPos p) {
    BucketMeta& m = meta_[p.bucket];
    uint16_t bit = uint16_t(1u << p.slot);
    m.bits &= ~bit;
    if (p.bucket < kRegularBuckets) {
      displaced_[p.bucket] &= ~bit;
    } else {
      unsigned sb = p.bucket - kRegularBuckets;
      unsigned home = stash_home_[sb][p.slot];
      bool still_there = false;
      for (uint32_t b = m.busy(); b; b &= b - 1) {
        still_there |= stash_home_[sb][std::countr_zero(b)] == home;
      }
      if (!still_there) {
        stash_mask_[home] &= ~uint8_t(1u << sb);
        if (stash_mask_[home] == 0) meta_[home].bits &= ~kStashHint;
      }
    }
    --size_;
  }

  // REQUIRES: `from` busy, `to` free, both regular.
  void MoveRegular(SlotPos from, SlotPos to, bool displaced) {
    unsigned home = displaced ? PrevBucket(to.bucket) : to.bucket;
    uint8_t fp = meta_[from.bucket].fp[from.slot];
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
    BucketMeta& m = meta_[a.bucket];
    bool a_busy = (m.busy() >> a.slot) & 1, b_busy = (m.busy() >> b.slot) & 1;
    if (a_busy && b_busy) {
      SwapPayload(At(a), At(b));
    } else if (a_busy) {
      new (&At(b)) Slot(std::move(At(a)));
      At(a).~Slot();
    } else if (b_busy) {
      new (&At(a)) Slot(std::move(At(b)));
      At(b).~Slot();
    }
    std::swap(m.fp[a.slot], m.fp[b.slot]);
    auto swap_bits = [&](uint16_t& bits) {
      uint16_t x = ((bits >> a.slot) ^ (bits >> b.slot)) & 1;
      bits ^= uint16_t((x << a.slot) | (x << b.slot));
    };
    swap_bits(m.bits);  // slot bits only: the stash hint stays
    swap_bits(displaced_[a.bucket]);
  }

  BucketMeta meta_[kTotalBuckets];
  uint16_t displaced_[kRegularBuckets];  // bit s: the item in slot s is homed at PrevBucket
  uint8_t stash_mask_[kRegularBuckets];
  uint32_t version_[kRegularBuckets];  // snapshot version of each logical bucket
  uint8_t stash_home_[kStashBuckets][kSlotsPerBucket];
  uint8_t local_depth_;
  uint32_t size_ = 0;
  alignas(Slot) unsigned char slots_[kCapacity * sizeof(Slot)];
};

}  // namespace lw::dash_internal
