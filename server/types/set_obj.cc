#include "server/types/set_obj.h"

#include <cstdlib>
#include <cstring>

#include "server/types/arg_utils.h"

namespace lw {

namespace {

uint8_t WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

}  // namespace

SetObj::SetObj(std::string_view first, size_t size_hint, const SetLimits& limits) {
  int64_t v;
  if (ParseRedisInt(first, &v) && size_hint <= limits.max_intset_entries) {
    enc_ = Encoding::kIntset;
  } else if (size_hint <= limits.max_listpack_entries) {
    enc_ = Encoding::kListpack;
  } else {
    enc_ = Encoding::kHashtable;
    table_ = std::make_unique<Table>();
    table_->Reserve(size_hint);
  }
}

SetObj::~SetObj() {
  if (table_) table_->Clear([](SetEntry* e) { ::operator delete(e); });
}

std::string_view SetObj::EncodingName() const {
  switch (enc_) {
    case Encoding::kIntset:
      return "intset";
    case Encoding::kListpack:
      // Redis 7.0 (the reference server) has no listpack sets: small non-integer sets report
      // "hashtable" there, so OBJECT ENCODING does too; the packed form is internal.
      return "hashtable";
    case Encoding::kHashtable:
      break;
  }
  return "hashtable";
}

size_t SetObj::size() const { return enc_ == Encoding::kHashtable ? table_->size() : count_; }

size_t SetObj::MallocUsed() const {
  size_t n = sizeof(*this) + (packed_.capacity() > 15 ? packed_.capacity() + 1 : 0);
  if (table_) n += sizeof(Table) + table_->MallocUsed() + entry_bytes_;
  return n;
}

// --- intset ---

int64_t SetObj::IntAt(size_t i) const {
  const char* p = packed_.data() + i * int_width_;
  switch (int_width_) {
    case 2: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

size_t SetObj::IntLowerBound(int64_t v) const {
  size_t lo = 0, hi = count_;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (IntAt(mid) < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

void SetObj::IntInsert(size_t pos, int64_t v) {
  uint8_t width = WidthFor(v);
  if (width > int_width_) {
    // Widen every element; the new value is then the smallest or the largest.
    std::string wide;
    wide.resize(size_t(count_) * width);
    for (size_t i = 0; i < count_; ++i) {
      int64_t x = IntAt(i);
      if (width == 4) {
        int32_t y = int32_t(x);
        std::memcpy(wide.data() + i * 4, &y, 4);
      } else {
        std::memcpy(wide.data() + i * 8, &x, 8);
      }
    }
    packed_ = std::move(wide);
    int_width_ = width;
  }
  char buf[8];
  if (int_width_ == 2) {
    int16_t y = int16_t(v);
    std::memcpy(buf, &y, 2);
  } else if (int_width_ == 4) {
    int32_t y = int32_t(v);
    std::memcpy(buf, &y, 4);
  } else {
    std::memcpy(buf, &v, 8);
  }
  packed_.insert(pos * int_width_, buf, int_width_);
  ++count_;
}

// --- listpack ---

size_t SetObj::PackFind(std::string_view m) const {
  for (size_t off = 0; off < packed_.size(); off += 1 + uint8_t(packed_[off])) {
    if (PackEntryAt(off) == m) return off;
  }
  return std::string::npos;
}

// --- conversions ---

SetEntry* SetObj::NewEntry(std::string_view m) {
  // ::operator new, not malloc: base's accounting (used_memory, maxmemory) sees only that.
  auto* e = static_cast<SetEntry*>(::operator new(sizeof(SetEntry) + m.size()));
  e->hnext = nullptr;
  e->len = uint32_t(m.size());
  std::memcpy(e->data, m.data(), m.size());
  return e;
}

void SetObj::ToListpack() {
  std::string out;
  for (size_t i = 0; i < count_; ++i) {
    std::string s = std::to_string(IntAt(i));
    out.push_back(char(s.size()));
    out += s;
  }
  packed_ = std::move(out);
  enc_ = Encoding::kListpack;
}

void SetObj::ToHashtable() {
  auto table = std::make_unique<Table>();
  table->Reserve(count_ + 1);
  ForEach([&](std::string_view m) {
    table->Insert(NewEntry(m));
    entry_bytes_ += sizeof(SetEntry) + m.size();
  });
  table_ = std::move(table);
  packed_.clear();
  packed_.shrink_to_fit();
  count_ = 0;
  enc_ = Encoding::kHashtable;
}

std::string SetObj::MemberAt(size_t index) const {
  if (enc_ == Encoding::kIntset) return std::to_string(IntAt(index));
  size_t off = 0;
  while (index--) off += 1 + uint8_t(packed_[off]);
  return std::string(PackEntryAt(off));
}

SetObj* SetObj::Clone() const {
  auto* c = new SetObj("0", 0, SetLimits{});
  c->enc_ = enc_;
  c->int_width_ = int_width_;
  c->count_ = count_;
  c->packed_ = packed_;
  if (table_) {
    c->table_ = std::make_unique<Table>();
    c->table_->Reserve(table_->size());
    table_->ForEach([&](const SetEntry* e) { c->table_->Insert(NewEntry(e->key())); });
    c->entry_bytes_ = entry_bytes_;
  }
  return c;
}

// --- operations ---

bool SetObj::Add(std::string_view member, const SetLimits& limits) {
  if (enc_ == Encoding::kIntset) {
    int64_t v;
    if (ParseRedisInt(member, &v)) {
      size_t pos = IntLowerBound(v);
      if (pos < count_ && IntAt(pos) == v) return false;
      if (count_ + 1 <= limits.max_intset_entries) {
        IntInsert(pos, v);
        return true;
      }
      ToHashtable();
    } else if (count_ + 1 <= limits.max_listpack_entries && member.size() <= kMaxListpackValue) {
      ToListpack();
    } else {
      ToHashtable();
    }
  }
  if (enc_ == Encoding::kListpack) {
    if (PackFind(member) != std::string::npos) return false;
    if (count_ + 1 <= limits.max_listpack_entries && member.size() <= kMaxListpackValue) {
      packed_.push_back(char(member.size()));
      packed_.append(member.data(), member.size());
      ++count_;
      return true;
    }
    ToHashtable();
  }
  if (table_->Find(member)) return false;
  table_->Insert(NewEntry(member));
  entry_bytes_ += sizeof(SetEntry) + member.size();
  return true;
}

bool SetObj::Remove(std::string_view member) {
  switch (enc_) {
    case Encoding::kIntset: {
      int64_t v;
      if (!ParseRedisInt(member, &v)) return false;
      size_t pos = IntLowerBound(v);
      if (pos >= count_ || IntAt(pos) != v) return false;
      packed_.erase(pos * int_width_, int_width_);
      --count_;
      return true;
    }
    case Encoding::kListpack: {
      size_t off = PackFind(member);
      if (off == std::string::npos) return false;
      packed_.erase(off, 1 + member.size());
      --count_;
      return true;
    }
    case Encoding::kHashtable: {
      SetEntry* e = table_->Remove(member);
      if (!e) return false;
      entry_bytes_ -= sizeof(SetEntry) + e->len;
      ::operator delete(e);
      return true;
    }
  }
  return false;
}

bool SetObj::Contains(std::string_view member) const {
  switch (enc_) {
    case Encoding::kIntset: {
      int64_t v;
      if (!ParseRedisInt(member, &v)) return false;
      size_t pos = IntLowerBound(v);
      return pos < count_ && IntAt(pos) == v;
    }
    case Encoding::kListpack:
      return PackFind(member) != std::string::npos;
    case Encoding::kHashtable:
      return table_->Find(member) != nullptr;
  }
  return false;
}

std::vector<std::string> SetObj::Members() const {
  std::vector<std::string> out;
  out.reserve(size());
  ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

std::string SetObj::RandomMember(uint64_t (*rnd)()) const {
  if (enc_ != Encoding::kHashtable) return MemberAt(rnd() % count_);
  return std::string(table_->Random(rnd)->key());
}

std::string SetObj::PopRandom(uint64_t (*rnd)()) {
  std::string m = RandomMember(rnd);
  Remove(m);
  return m;
}

}  // namespace lw
