// CompactObj: the 16-byte cell that holds every key and every value of the keyspace.
//
//   - strings up to 14 bytes live inline (no allocation);
//   - longer strings live in one heap block (pointer + length);
//   - a value string that is a canonical integer is stored as an int64 (Redis's "int"
//     encoding; keys are never int-encoded, so a key's bytes are always as sent);
//   - lists, hashes, sets, sorted sets and streams are a pointer to a typed container object
//   ("robj",
//     types/{list,hash,set,zset,stream}_obj.h) owned by the cell; compact_object.cc frees, clones,
//     measures and names them by their type, so no table of hooks is written at start-up.
// Two metadata bits ride along: `sticky` (never evicted) and `has_expire` (an entry exists in
// the expire table). A key made by MakeKey() also carries Redis's 24 access bits (the LRU
// clock or the LFU time and counter, see access_bits()) in room the key never uses: such a key
// is inline only up to kKeyInlineLen bytes, leaving data_[12..13] free, its length needs only
// the low nibble of inline_len_, and a key's tag bits 3-5 and 7 are unused.
// Thread-safety: a CompactObj belongs to the shard that stores it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lw {

enum class ObjType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kStream = 5
};

// Redis's TYPE names: "string", "list", "set", "zset", "hash", "stream".
std::string_view ObjTypeName(ObjType type);

class CompactObj {
 public:
  CompactObj() { std::memset(this, 0, sizeof(*this)); }
  // A key: bytes as given.
  explicit CompactObj(std::string_view key) : CompactObj() { SetString(key, false); }
  // A key of the prime table: like CompactObj(key), with room for access_bits(). The bits
  // start at 0.
  static CompactObj MakeKey(std::string_view key);
  ~CompactObj() { Reset(); }

  CompactObj(CompactObj&& other) noexcept {
    std::memcpy(static_cast<void*>(this), &other, sizeof(*this));
    std::memset(static_cast<void*>(&other), 0, sizeof(other));
  }
  CompactObj& operator=(CompactObj&& other) noexcept {
    if (this != &other) {
      Reset();
      std::memcpy(static_cast<void*>(this), &other, sizeof(*this));
      std::memset(static_cast<void*>(&other), 0, sizeof(other));
    }
    return *this;
  }
  CompactObj(const CompactObj&) = delete;
  CompactObj& operator=(const CompactObj&) = delete;

  // Frees what the cell owns; metadata bits are cleared too.
  void Reset();

  // --- strings ---
  // Stores `s`; with allow_int, a canonical integer is stored as int64. Keeps metadata bits.
  void SetString(std::string_view s, bool allow_int = true);
  void SetInt(int64_t v);
  bool IsString() const { return kind() != kRobj; }
  bool IsInt() const { return kind() == kInt; }
  int64_t int_value() const;  // REQUIRES: IsInt()
  // The string's bytes; int-encoded values are formatted into *scratch.
  std::string_view GetSlice(std::string* scratch) const;
  void GetString(std::string* dest) const;
  size_t StringSize() const;
  // Byte equality with a key (REQUIRES: this is a key, i.e. not int-encoded).
  bool EqualsKey(std::string_view key) const;
  // OBJECT ENCODING for strings: "int", "embstr" (<= 44 bytes) or "raw" (longer, or marked
  // raw by ResizeRawString, as Redis leaves a value that APPEND/SETRANGE/SETBIT changed).
  std::string_view Encoding() const;
  // Makes the value a mutable "raw" string of `len` bytes, keeping the old bytes up to `len`
  // and zero-filling the rest; returns the writable bytes (valid until the next change of
  // this cell). Heap blocks grow geometrically (like Redis's sds), so repeated APPENDs are
  // amortised O(1). Any Set*() clears the raw mark. REQUIRES: IsString(), len < 4 GiB.
  char* ResizeRawString(size_t len);

  // --- containers ---
  ObjType type() const { return IsString() ? ObjType::kString : ObjType((tag_ >> 3) & 7); }
  // Takes ownership of `obj`, which must be the container class of `type` (ListObj for
  // kList, HashObj, SetObj, ZSetObj, StreamObj), allocated with new.
  void SetRobj(ObjType type, void* obj);
  template <typename T>
  T* GetRobj() const {
    void* p;
    std::memcpy(&p, data_, sizeof(p));
    return static_cast<T*>(p);
  }

  // A deep copy of the value: the same string bytes and encoding, or a clone of the container
  // (its Clone(), in the same encoding). Metadata bits (sticky, has_expire) are not copied.
  CompactObj Clone() const;

  // Heap bytes owned (not counting the 16 bytes of the cell itself).
  size_t MallocUsed() const;

  bool sticky() const { return tag_ & kStickyBit; }
  void set_sticky(bool v) { tag_ = v ? (tag_ | kStickyBit) : (tag_ & ~kStickyBit); }
  bool has_expire() const { return tag_ & kExpireBit; }
  // Keys only (a key never carries sticky or has_expire, so its bit 6 is free): a running
  // snapshot's per-entry mark, meaning "already written, or added after the cut"
  // (server/engine/rdb_snapshot.h). Not part of equality or hashing.
  bool snapshot_mark() const { return tag_ & kStickyBit; }
  void set_snapshot_mark(bool v) { set_sticky(v); }
  void set_has_expire(bool v) { tag_ = v ? (tag_ | kExpireBit) : (tag_ & ~kExpireBit); }

  // Keys made by MakeKey() only: Redis's 24-bit `lru` field (LRU clock, or LFU minutes << 8 |
  // counter). Not part of equality or hashing; moves with the key.
  uint32_t access_bits() const {
    return uint32_t(data_[12]) | uint32_t(data_[13]) << 8 | uint32_t(inline_len_ >> 4) << 16 |
           uint32_t((tag_ >> 3) & 7) << 20 | uint32_t(tag_ >> 7) << 23;
  }
  void set_access_bits(uint32_t v) {
    data_[12] = uint8_t(v);
    data_[13] = uint8_t(v >> 8);
    inline_len_ = uint8_t((inline_len_ & kLenMask) | ((v >> 16) & 15) << 4);
    tag_ = uint8_t((tag_ & ~kKeyAccessTagBits) | ((v >> 20) & 7) << 3 | ((v >> 23) & 1) << 7);
  }

  static constexpr size_t kInlineLen = 14;
  static constexpr size_t kKeyInlineLen = 12;

 private:
  enum Kind : uint8_t { kInline = 0, kHeapStr = 1, kInt = 2, kRobj = 3 };
  static constexpr uint8_t kKindMask = 7;
  // For string kinds the ObjType bits are unused; bit 3 marks a raw-encoded string.
  static constexpr uint8_t kRawBit = 1 << 3;
  static constexpr uint8_t kStickyBit = 1 << 6;
  static constexpr uint8_t kExpireBit = 1 << 7;
  // A key's tag bits that hold access bits 20..23; inline_len_'s high nibble holds 16..19.
  static constexpr uint8_t kKeyAccessTagBits = (7 << 3) | kExpireBit;
  static constexpr uint8_t kLenMask = 15;
  uint8_t inline_len() const { return inline_len_ & kLenMask; }

  Kind kind() const { return Kind(tag_ & kKindMask); }
  void SetKind(Kind k) { tag_ = uint8_t((tag_ & ~kKindMask) | k); }
  // Frees owned memory but keeps metadata bits.
  void FreeData();
  const char* heap_ptr() const {
    const char* p;
    std::memcpy(&p, data_, sizeof(p));
    return p;
  }
  uint32_t heap_len() const {
    uint32_t n;
    std::memcpy(&n, data_ + 8, sizeof(n));
    return n;
  }

  uint8_t data_[kInlineLen];
  uint8_t inline_len_;
  uint8_t tag_;  // bits 0-2 kind, 3-5 ObjType of an robj (bit 3: raw mark of a string),
                 // 6 sticky, 7 has_expire
};

static_assert(sizeof(CompactObj) == 16);

}  // namespace lw
