#include "server/types/hash_obj.h"

#include <mimalloc.h>

#include <cstring>
#include <new>
#include <vector>

#include "base/hash.h"

namespace lw {

namespace {

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

}  // namespace

// Chained hash table. A node is one allocation: header, field bytes, value bytes.
class HashObj::Table {
 public:
  struct Node {
    Node* next;
    uint32_t flen;
    uint32_t vlen;
    std::string_view field() const { return {bytes(), flen}; }
    std::string_view value() const { return {bytes() + flen, vlen}; }
    const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
    char* bytes() { return reinterpret_cast<char*>(this + 1); }
  };

  Table() : buckets_(kMinBuckets, nullptr) {}
  ~Table() {
    for (Node* n : buckets_) {
      while (n) {
        Node* next = n->next;
        ::operator delete(n);
        n = next;
      }
    }
  }

  size_t size() const { return size_; }

  size_t MallocUsed() const {
    size_t total = buckets_.capacity() * sizeof(Node*);
    for (const Node* n : buckets_) {
      for (; n; n = n->next) total += mi_usable_size(n);
    }
    return total;
  }

  const Node* Find(std::string_view field) const {
    for (const Node* n = buckets_[BucketOf(field)]; n; n = n->next) {
      if (n->field() == field) return n;
    }
    return nullptr;
  }

  bool Set(std::string_view field, std::string_view value) {
    Node** link = &buckets_[BucketOf(field)];
    for (; *link; link = &(*link)->next) {
      Node* n = *link;
      if (n->field() != field) continue;
      if (n->vlen == value.size()) {
        std::memcpy(n->bytes() + n->flen, value.data(), value.size());
        return false;
      }
      Node* fresh = NewNode(field, value);
      fresh->next = n->next;
      *link = fresh;
      ::operator delete(n);
      return false;
    }
    Node* fresh = NewNode(field, value);
    fresh->next = nullptr;
    *link = fresh;
    if (++size_ > buckets_.size()) Rehash(buckets_.size() * 2);
    return true;
  }

  bool Del(std::string_view field) {
    for (Node** link = &buckets_[BucketOf(field)]; *link; link = &(*link)->next) {
      Node* n = *link;
      if (n->field() != field) continue;
      *link = n->next;
      ::operator delete(n);
      --size_;
      // Shrink when under 1/8 full, as Redis shrinks a dict under 10% fill.
      if (buckets_.size() > kMinBuckets && size_ * 8 < buckets_.size()) {
        size_t want = kMinBuckets;
        while (want < size_) want *= 2;
        Rehash(want);
      }
      return true;
    }
    return false;
  }

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const Node* n : buckets_) {
      for (; n; n = n->next) fn(n);
    }
  }

  // Redis's dictScan on a single table: the cursor is a bucket index whose bits are
  // incremented from the top, so buckets that split or merge on a resize are never skipped.
  uint64_t ScanStep(uint64_t cursor, const Visitor& fn) const {
    uint64_t mask = buckets_.size() - 1;
    for (const Node* n = buckets_[cursor & mask]; n; n = n->next) fn(n->field(), n->value());
    cursor |= ~mask;
    cursor = ReverseBits(cursor);
    ++cursor;
    return ReverseBits(cursor);
  }

  const Node* Random(std::mt19937_64& rng) const {
    const Node* chain;
    do {
      chain = buckets_[rng() & (buckets_.size() - 1)];
    } while (chain == nullptr);
    size_t len = 0;
    for (const Node* n = chain; n; n = n->next) ++len;
    size_t pick = rng() % len;
    while (pick--) chain = chain->next;
    return chain;
  }

 private:
  static constexpr size_t kMinBuckets = 4;

  size_t BucketOf(std::string_view field) const { return HashBytes(field) & (buckets_.size() - 1); }

  static Node* NewNode(std::string_view field, std::string_view value) {
    Node* n = static_cast<Node*>(::operator new(sizeof(Node) + field.size() + value.size()));
    n->flen = uint32_t(field.size());
    n->vlen = uint32_t(value.size());
    std::memcpy(n->bytes(), field.data(), field.size());
    std::memcpy(n->bytes() + field.size(), value.data(), value.size());
    return n;
  }

  void Rehash(size_t num_buckets) {
    std::vector<Node*> fresh(num_buckets, nullptr);
    for (Node* n : buckets_) {
      while (n) {
        Node* next = n->next;
        Node*& head = fresh[HashBytes(n->field()) & (num_buckets - 1)];
        n->next = head;
        head = n;
        n = next;
      }
    }
    buckets_.swap(fresh);
  }

  std::vector<Node*> buckets_;
  size_t size_ = 0;
};

HashObj::~HashObj() { delete table_; }

HashObj* HashObj::Clone() const {
  auto* c = new HashObj;
  if (table_) {
    c->table_ = new Table();
    ForEach([&](std::string_view f, std::string_view v) { c->table_->Set(f, v); });
  } else {
    for (Listpack::Pos p = lp_.Begin(); p < lp_.End();) c->lp_.PushBack(lp_.Get(p, &p));
  }
  return c;
}

size_t HashObj::size() const { return table_ ? table_->size() : lp_.size() / 2; }

size_t HashObj::MallocUsed() const {
  return sizeof(*this) + lp_.MallocUsed() + (table_ ? sizeof(Table) + table_->MallocUsed() : 0);
}

std::optional<std::string_view> HashObj::Get(std::string_view field) const {
  if (table_) {
    const Table::Node* n = table_->Find(field);
    if (!n) return std::nullopt;
    return n->value();
  }
  for (Listpack::Pos p = 0; p < lp_.End();) {
    std::string_view f = lp_.Get(p, &p);
    std::string_view v = lp_.Get(p, &p);
    if (f == field) return v;
  }
  return std::nullopt;
}

void HashObj::ToTable() {
  auto* table = new Table();
  for (Listpack::Pos p = 0; p < lp_.End();) {
    std::string_view f = lp_.Get(p, &p);
    std::string_view v = lp_.Get(p, &p);
    table->Set(f, v);
  }
  lp_.Clear();
  table_ = table;
}

bool HashObj::Set(std::string_view field, std::string_view value, const HashLimits& limits) {
  if (!table_ &&
      (field.size() > limits.max_listpack_value || value.size() > limits.max_listpack_value)) {
    ToTable();
  }
  if (table_) return table_->Set(field, value);
  for (Listpack::Pos p = 0; p < lp_.End();) {
    std::string_view f = lp_.Get(p, &p);
    if (f == field) {
      lp_.Replace(p, value);
      return false;
    }
    lp_.Get(p, &p);
  }
  if (size() + 1 > limits.max_listpack_entries) {
    ToTable();
    return table_->Set(field, value);
  }
  lp_.PushBack(field);
  lp_.PushBack(value);
  return true;
}

bool HashObj::Del(std::string_view field) {
  if (table_) return table_->Del(field);
  for (Listpack::Pos p = 0; p < lp_.End();) {
    Listpack::Pos start = p;
    std::string_view f = lp_.Get(p, &p);
    lp_.Get(p, &p);
    if (f == field) {
      lp_.Erase(start, p, 2);
      return true;
    }
  }
  return false;
}

void HashObj::ForEach(const Visitor& fn) const {
  if (table_) {
    table_->ForEach([&](const Table::Node* n) { fn(n->field(), n->value()); });
    return;
  }
  for (Listpack::Pos p = 0; p < lp_.End();) {
    std::string_view f = lp_.Get(p, &p);
    std::string_view v = lp_.Get(p, &p);
    fn(f, v);
  }
}

uint64_t HashObj::ScanStep(uint64_t cursor, const Visitor& fn) const {
  return table_->ScanStep(cursor, fn);
}

std::pair<std::string_view, std::string_view> HashObj::RandomPair(std::mt19937_64& rng) const {
  if (table_) {
    const Table::Node* n = table_->Random(rng);
    return {n->field(), n->value()};
  }
  size_t pick = rng() % size();
  Listpack::Pos p = 0;
  for (size_t i = 0; i < pick; ++i) {
    lp_.Get(p, &p);
    lp_.Get(p, &p);
  }
  std::string_view f = lp_.Get(p, &p);
  return {f, lp_.Get(p, &p)};
}

}  // namespace lw
