#include "server/types/compact_object.h"

#include <mimalloc.h>

#include <algorithm>
#include <charconv>

#include "base/logging.h"
#include "server/types/arg_utils.h"
#include "server/types/hash_obj.h"
#include "server/types/list_obj.h"
#include "server/types/set_obj.h"
#include "server/types/stream_obj.h"
#include "server/types/zset_obj.h"

namespace lw {

namespace {

// Calls fn(obj) with the container behind a kRobj cell, cast to its own class: every
// container operation of this file (free, clone, measure, name) goes through here, so adding
// a container type means one more case.
template <typename Fn>
decltype(auto) VisitRobj(ObjType type, void* obj, Fn&& fn) {
  switch (type) {
    case ObjType::kList:
      return fn(static_cast<ListObj*>(obj));
    case ObjType::kHash:
      return fn(static_cast<HashObj*>(obj));
    case ObjType::kSet:
      return fn(static_cast<SetObj*>(obj));
    case ObjType::kZSet:
      return fn(static_cast<ZSetObj*>(obj));
    case ObjType::kStream:
      return fn(static_cast<StreamObj*>(obj));
    case ObjType::kString:
      break;
  }
  LOG(FATAL) << "not a container type: " << int(type);
  __builtin_unreachable();
}

}  // namespace

std::string_view ObjTypeName(ObjType type) {
  switch (type) {
    case ObjType::kString:
      return "string";
    case ObjType::kList:
      return "list";
    case ObjType::kSet:
      return "set";
    case ObjType::kZSet:
      return "zset";
    case ObjType::kHash:
      return "hash";
    case ObjType::kStream:
      return "stream";
  }
  return "none";
}

void CompactObj::FreeData() {
  switch (kind()) {
    case kHeapStr:
      ::operator delete(const_cast<char*>(heap_ptr()));
      break;
    case kRobj:
      VisitRobj(type(), GetRobj<void>(), [](auto* obj) { delete obj; });
      break;
    default:
      break;
  }
  std::memset(data_, 0, sizeof(data_));
  inline_len_ = 0;
  tag_ = uint8_t(tag_ & (kStickyBit | kExpireBit));  // kind kInline, type bits cleared
}

void CompactObj::Reset() {
  FreeData();
  tag_ = 0;
}

void CompactObj::SetString(std::string_view s, bool allow_int) {
  int64_t iv;
  if (allow_int && s.size() <= 20 && ParseRedisInt(s, &iv)) return SetInt(iv);
  FreeData();
  if (s.size() <= kInlineLen) {
    std::memcpy(data_, s.data(), s.size());
    inline_len_ = uint8_t(s.size());
    SetKind(kInline);
    return;
  }
  char* p = static_cast<char*>(::operator new(s.size()));
  std::memcpy(p, s.data(), s.size());
  uint32_t n = uint32_t(s.size());
  std::memcpy(data_, &p, sizeof(p));
  std::memcpy(data_ + 8, &n, sizeof(n));
  SetKind(kHeapStr);
}

CompactObj CompactObj::MakeKey(std::string_view key) {
  CompactObj out;
  if (key.size() <= kKeyInlineLen) {
    std::memcpy(out.data_, key.data(), key.size());
    out.inline_len_ = uint8_t(key.size());
    return out;  // kind kInline is 0
  }
  // A heap block even where SetString would inline: pointer and length fill data_[0..11] only.
  char* p = static_cast<char*>(::operator new(key.size()));
  std::memcpy(p, key.data(), key.size());
  uint32_t n = uint32_t(key.size());
  std::memcpy(out.data_, &p, sizeof(p));
  std::memcpy(out.data_ + 8, &n, sizeof(n));
  out.SetKind(kHeapStr);
  return out;
}

void CompactObj::SetInt(int64_t v) {
  FreeData();
  std::memcpy(data_, &v, sizeof(v));
  SetKind(kInt);
}

int64_t CompactObj::int_value() const {
  int64_t v;
  std::memcpy(&v, data_, sizeof(v));
  return v;
}

std::string_view CompactObj::GetSlice(std::string* scratch) const {
  switch (kind()) {
    case kInline:
      return std::string_view(reinterpret_cast<const char*>(data_), inline_len());
    case kHeapStr:
      return std::string_view(heap_ptr(), heap_len());
    case kInt: {
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof(buf), int_value());
      scratch->assign(buf, res.ptr);
      return *scratch;
    }
    default:
      return {};
  }
}

void CompactObj::GetString(std::string* dest) const {
  std::string scratch;
  std::string_view s = GetSlice(&scratch);
  dest->assign(s.data(), s.size());
}

size_t CompactObj::StringSize() const {
  switch (kind()) {
    case kInline:
      return inline_len();
    case kHeapStr:
      return heap_len();
    case kInt: {
      char buf[24];
      return size_t(std::to_chars(buf, buf + sizeof(buf), int_value()).ptr - buf);
    }
    default:
      return 0;
  }
}

bool CompactObj::EqualsKey(std::string_view key) const {
  if (kind() == kInline) {
    return inline_len() == key.size() && std::memcmp(data_, key.data(), key.size()) == 0;
  }
  if (kind() == kHeapStr) {
    return heap_len() == key.size() && std::memcmp(heap_ptr(), key.data(), key.size()) == 0;
  }
  std::string scratch;
  return GetSlice(&scratch) == key;
}

std::string_view CompactObj::Encoding() const {
  if (kind() == kInt) return "int";
  if (kind() == kRobj) {
    return VisitRobj(type(), GetRobj<void>(), [](const auto* obj) -> std::string_view {
      if constexpr (requires { obj->EncodingName(); }) {
        return obj->EncodingName();
      } else {
        return obj->Encoding();
      }
    });
  }
  if (tag_ & kRawBit) return "raw";
  return StringSize() <= 44 ? "embstr" : "raw";
}

char* CompactObj::ResizeRawString(size_t len) {
  if (kind() == kHeapStr && len <= mi_usable_size(heap_ptr())) {
    char* p = const_cast<char*>(heap_ptr());
    uint32_t old_len = heap_len();
    if (len > old_len) std::memset(p + old_len, 0, len - old_len);
    uint32_t n = uint32_t(len);
    std::memcpy(data_ + 8, &n, sizeof(n));
    tag_ |= kRawBit;
    return p;
  }
  if (kind() == kInline && len <= kInlineLen) {
    if (len > inline_len_) std::memset(data_ + inline_len_, 0, len - inline_len_);
    inline_len_ = uint8_t(len);
    tag_ |= kRawBit;
    return reinterpret_cast<char*>(data_);
  }
  // Change of representation: int to bytes, or a block that must grow.
  std::string scratch;
  std::string_view old = GetSlice(&scratch);
  size_t keep = std::min(old.size(), len);
  if (len <= kInlineLen) {
    char tmp[kInlineLen];
    std::memcpy(tmp, old.data(), keep);
    FreeData();
    std::memcpy(data_, tmp, keep);
    inline_len_ = uint8_t(len);
    SetKind(kInline);
    tag_ |= kRawBit;
    return reinterpret_cast<char*>(data_);
  }
  constexpr size_t kMaxPrealloc = 1 << 20;
  size_t cap = len < kMaxPrealloc ? len * 2 : len + kMaxPrealloc;
  char* p = static_cast<char*>(::operator new(cap));
  std::memcpy(p, old.data(), keep);
  std::memset(p + keep, 0, len - keep);
  FreeData();
  uint32_t n = uint32_t(len);
  std::memcpy(data_, &p, sizeof(p));
  std::memcpy(data_ + 8, &n, sizeof(n));
  SetKind(kHeapStr);
  tag_ |= kRawBit;
  return p;
}

void CompactObj::SetRobj(ObjType type, void* obj) {
  FreeData();
  std::memcpy(data_, &obj, sizeof(obj));
  tag_ = uint8_t((tag_ & (kStickyBit | kExpireBit)) | kRobj | (unsigned(type) << 3));
}

CompactObj CompactObj::Clone() const {
  CompactObj out;
  switch (kind()) {
    case kHeapStr: {
      char* p = static_cast<char*>(::operator new(heap_len()));
      std::memcpy(p, heap_ptr(), heap_len());
      std::memcpy(out.data_, &p, sizeof(p));
      std::memcpy(out.data_ + 8, data_ + 8, sizeof(uint32_t));
      break;
    }
    case kRobj: {
      void* copy =
          VisitRobj(type(), GetRobj<void>(), [](const auto* obj) -> void* { return obj->Clone(); });
      std::memcpy(out.data_, &copy, sizeof(copy));
      break;
    }
    default:  // inline bytes and integers are plain data
      std::memcpy(out.data_, data_, sizeof(data_));
      out.inline_len_ = inline_len_;
      break;
  }
  out.tag_ = uint8_t(tag_ & ~(kStickyBit | kExpireBit));  // kind, type and raw mark
  return out;
}

size_t CompactObj::MallocUsed() const {
  switch (kind()) {
    case kHeapStr:
      return mi_usable_size(heap_ptr());
    case kRobj:
      return VisitRobj(type(), GetRobj<void>(), [](const auto* obj) { return obj->MallocUsed(); });
    default:
      return 0;
  }
}

}  // namespace lw
