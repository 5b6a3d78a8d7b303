#include "server/types/zset_obj.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace lw {

// A skiplist node: fixed header, then `height` levels, then the member bytes, in one block.
struct ZNode {
  struct Level {
    ZNode* forward;
    uint64_t span;  // elements jumped over by `forward` (1 for adjacent nodes)
  };

  double score;
  ZNode* backward;
  ZNode* hnext;  // ScanTable chain
  uint32_t len;
  uint8_t height;

  Level* levels() { return reinterpret_cast<Level*>(this + 1); }
  const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
  ZNode* next(int i) const { return levels()[i].forward; }
  std::string_view member() const {
    return {reinterpret_cast<const char*>(levels() + height), len};
  }

  static size_t AllocSize(int height, size_t len) {
    return sizeof(ZNode) + size_t(height) * sizeof(Level) + len;
  }
};

std::string_view ZNodeTraits::Key(const ZNode* n) { return n->member(); }

namespace {

// (score, member) order of sorted sets.
bool Less(double s1, std::string_view m1, double s2, std::string_view m2) {
  return s1 < s2 || (s1 == s2 && m1 < m2);
}
bool NodeLess(const ZNode* a, const ZNode* b) {
  return Less(a->score, a->member(), b->score, b->member());
}

uint64_t NextRandom() {
  thread_local uint64_t state =
      0x9E3779B97F4A7C15ULL ^ uint64_t(reinterpret_cast<uintptr_t>(&state));
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

}  // namespace

// The order-statistic skiplist plus its member -> node table.
class ZSkipList {
 public:
  static constexpr int kMaxLevel = 32;

  ZSkipList() {
    header_ = static_cast<ZNode*>(::operator new(ZNode::AllocSize(kMaxLevel, 0)));
    std::memset(static_cast<void*>(header_), 0, ZNode::AllocSize(kMaxLevel, 0));
    header_->height = kMaxLevel;
  }
  ~ZSkipList() {
    table_.Clear([](ZNode*) {});
    ZNode* x = header_->next(0);
    while (x) {
      ZNode* next = x->next(0);
      ::operator delete(x);
      x = next;
    }
    ::operator delete(header_);
  }

  size_t size() const { return length_; }
  size_t MallocUsed() const {
    return sizeof(*this) + ZNode::AllocSize(kMaxLevel, 0) + node_bytes_ + table_.MallocUsed();
  }
  ZNode* Find(std::string_view member) const { return table_.Find(member); }

  ZNode* Insert(double score, std::string_view member) {
    int h = RandomHeight();
    size_t bytes = ZNode::AllocSize(h, member.size());
    // ::operator new, not malloc: base's accounting (used_memory, maxmemory) sees only that.
    auto* n = static_cast<ZNode*>(::operator new(bytes));
    n->score = score;
    n->backward = nullptr;
    n->hnext = nullptr;
    n->len = uint32_t(member.size());
    n->height = uint8_t(h);
    std::memcpy(const_cast<char*>(n->member().data()), member.data(), member.size());
    node_bytes_ += bytes;
    Link(n);
    table_.Insert(n);
    return n;
  }

  void Erase(ZNode* n) {
    table_.Remove(n->member());
    Unlink(n);
    node_bytes_ -= ZNode::AllocSize(n->height, n->len);
    ::operator delete(n);
  }

  void UpdateScore(ZNode* n, double score) {
    ZNode* next = n->next(0);
    bool after_prev =
        !n->backward || Less(n->backward->score, n->backward->member(), score, n->member());
    bool before_next = !next || Less(score, n->member(), next->score, next->member());
    if (after_prev && before_next) {
      n->score = score;  // same position: no relinking
      return;
    }
    Unlink(n);
    n->score = score;
    Link(n);
  }

  // 0-based rank of a linked node.
  size_t Rank(const ZNode* n) const {
    const ZNode* x = header_;
    size_t rank = 0;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->next(i) && !NodeLess(n, x->next(i))) {
        rank += x->levels()[i].span;
        x = x->next(i);
      }
      if (x == n) return rank - 1;
    }
    return rank - 1;
  }

  // The node at 0-based rank. REQUIRES: rank < size().
  ZNode* AtRank(size_t rank) const {
    const ZNode* x = header_;
    size_t traversed = 0, target = rank + 1;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->next(i) && traversed + x->levels()[i].span <= target) {
        traversed += x->levels()[i].span;
        x = x->next(i);
      }
      if (traversed == target) return const_cast<ZNode*>(x);
    }
    return nullptr;
  }

  size_t CountBefore(ZSetObj::Pred pred) const {
    const ZNode* x = header_;
    size_t rank = 0;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->next(i) && pred(x->next(i)->score, x->next(i)->member())) {
        rank += x->levels()[i].span;
        x = x->next(i);
      }
    }
    return rank;
  }

  const ScanTable<ZNode, ZNodeTraits>& table() const { return table_; }

 private:
  static int RandomHeight() {
    int h = 1;
    while (h < kMaxLevel && (NextRandom() & 3) == 0) ++h;  // p = 1/4, as Redis
    return h;
  }

  // Links an unlinked node at the position of its (score, member).
  void Link(ZNode* n) {
    ZNode* update[kMaxLevel];
    uint64_t rank[kMaxLevel];
    ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i) {
      rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
      while (x->next(i) && NodeLess(x->next(i), n)) {
        rank[i] += x->levels()[i].span;
        x = x->next(i);
      }
      update[i] = x;
    }
    int h = n->height;
    if (h > level_) {
      for (int i = level_; i < h; ++i) {
        rank[i] = 0;
        update[i] = header_;
        header_->levels()[i].span = length_;
      }
      level_ = h;
    }
    for (int i = 0; i < h; ++i) {
      ZNode::Level& up = update[i]->levels()[i];
      n->levels()[i].forward = up.forward;
      up.forward = n;
      n->levels()[i].span = up.span - (rank[0] - rank[i]);
      up.span = (rank[0] - rank[i]) + 1;
    }
    for (int i = h; i < level_; ++i) update[i]->levels()[i].span++;
    n->backward = update[0] == header_ ? nullptr : update[0];
    if (n->next(0)) {
      n->next(0)->backward = n;
    } else {
      tail_ = n;
    }
    ++length_;
  }

  void Unlink(ZNode* n) {
    ZNode* update[kMaxLevel];
    ZNode* x = header_;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->next(i) && NodeLess(x->next(i), n)) x = x->next(i);
      update[i] = x;
    }
    for (int i = 0; i < level_; ++i) {
      ZNode::Level& up = update[i]->levels()[i];
      if (up.forward == n) {
        up.span += n->levels()[i].span - 1;
        up.forward = n->levels()[i].forward;
      } else {
        up.span -= 1;
      }
    }
    if (n->next(0)) {
      n->next(0)->backward = n->backward;
    } else {
      tail_ = n->backward;
    }
    while (level_ > 1 && !header_->next(level_ - 1)) --level_;
    --length_;
  }

  ZNode* header_;
  ZNode* tail_ = nullptr;
  size_t length_ = 0;
  int level_ = 1;
  size_t node_bytes_ = 0;
  ScanTable<ZNode, ZNodeTraits> table_;
};

// ---------------------------------------------------------------------------------------------

ZSetObj::ZSetObj(size_t size_hint, size_t max_member_len, const ZSetLimits& limits) {
  if (size_hint > limits.max_listpack_entries ||
      max_member_len > std::min(limits.max_listpack_value, kPackMaxMember)) {
    list_ = std::make_unique<ZSkipList>();
  }
}

ZSetObj::~ZSetObj() = default;

ZSetObj* ZSetObj::Clone() const {
  auto* c = new ZSetObj(0, 0, ZSetLimits{});
  if (!list_) {
    c->packed_ = packed_;
    c->count_ = count_;
    return c;
  }
  c->list_ = std::make_unique<ZSkipList>();
  Visit(0, size(), false, [&](std::string_view m, double s) { c->list_->Insert(s, m); });
  return c;
}

size_t ZSetObj::size() const { return list_ ? list_->size() : count_; }

size_t ZSetObj::MallocUsed() const {
  size_t n = sizeof(*this) + (packed_.capacity() > 15 ? packed_.capacity() + 1 : 0);
  if (list_) n += list_->MallocUsed();
  return n;
}

ZSetObj::PackRef ZSetObj::PackAt(size_t offset) const {
  size_t len = uint8_t(packed_[offset]);
  double score;
  std::memcpy(&score, packed_.data() + offset + 1 + len, sizeof(double));
  return {offset, std::string_view(packed_.data() + offset + 1, len), score};
}

namespace {
inline size_t PackEntrySize(size_t len) { return 1 + len + sizeof(double); }
}  // namespace

size_t ZSetObj::PackFind(std::string_view member) const {
  for (size_t off = 0; off < packed_.size();) {
    PackRef e = PackAt(off);
    if (e.member == member) return off;
    off += PackEntrySize(e.member.size());
  }
  return std::string::npos;
}

void ZSetObj::ConvertToSkiplist() {
  auto list = std::make_unique<ZSkipList>();
  for (size_t off = 0; off < packed_.size();) {
    PackRef e = PackAt(off);
    list->Insert(e.score, e.member);
    off += PackEntrySize(e.member.size());
  }
  list_ = std::move(list);
  packed_.clear();
  packed_.shrink_to_fit();
  count_ = 0;
}

std::optional<double> ZSetObj::Score(std::string_view member) const {
  if (list_) {
    const ZNode* n = list_->Find(member);
    if (!n) return std::nullopt;
    return n->score;
  }
  size_t off = PackFind(member);
  if (off == std::string::npos) return std::nullopt;
  return PackAt(off).score;
}

void ZSetObj::Insert(std::string_view member, double score, const ZSetLimits& limits) {
  if (!list_ && (count_ + 1 > limits.max_listpack_entries ||
                 member.size() > std::min(limits.max_listpack_value, kPackMaxMember))) {
    ConvertToSkiplist();
  }
  if (list_) {
    list_->Insert(score, member);
    return;
  }
  // Redis's listpack keeps scores as text that reads back "-0" as integer 0: match it.
  if (score == 0) score = 0;
  size_t off = 0;
  while (off < packed_.size()) {
    PackRef e = PackAt(off);
    if (Less(score, member, e.score, e.member)) break;
    off += PackEntrySize(e.member.size());
  }
  char entry[1 + kPackMaxMember + sizeof(double)];
  entry[0] = char(member.size());
  std::memcpy(entry + 1, member.data(), member.size());
  std::memcpy(entry + 1 + member.size(), &score, sizeof(double));
  packed_.insert(off, entry, PackEntrySize(member.size()));
  ++count_;
}

void ZSetObj::UpdateScore(std::string_view member, double old_score, double new_score) {
  (void)old_score;
  if (list_) {
    list_->UpdateScore(list_->Find(member), new_score);
    return;
  }
  std::string copy(member);  // `member` may point into packed_
  Erase(copy);
  // The member was packed already: moving it never converts (Redis's update path does not).
  Insert(copy, new_score, ZSetLimits{SIZE_MAX, kPackMaxMember});
}

bool ZSetObj::Erase(std::string_view member) {
  if (list_) {
    ZNode* n = list_->Find(member);
    if (!n) return false;
    list_->Erase(n);
    return true;
  }
  size_t off = PackFind(member);
  if (off == std::string::npos) return false;
  packed_.erase(off, PackEntrySize(member.size()));
  --count_;
  return true;
}

std::optional<size_t> ZSetObj::Rank(std::string_view member) const {
  if (list_) {
    const ZNode* n = list_->Find(member);
    if (!n) return std::nullopt;
    return list_->Rank(n);
  }
  size_t rank = 0;
  for (size_t off = 0; off < packed_.size(); ++rank) {
    PackRef e = PackAt(off);
    if (e.member == member) return rank;
    off += PackEntrySize(e.member.size());
  }
  return std::nullopt;
}

size_t ZSetObj::CountBefore(Pred pred) const {
  if (list_) return list_->CountBefore(pred);
  size_t n = 0;
  for (size_t off = 0; off < packed_.size(); ++n) {
    PackRef e = PackAt(off);
    if (!pred(e.score, e.member)) break;
    off += PackEntrySize(e.member.size());
  }
  return n;
}

void ZSetObj::Visit(size_t start, size_t end, bool reverse, Visitor visit) const {
  if (start >= end) return;
  if (list_) {
    if (!reverse) {
      ZNode* n = list_->AtRank(start);
      for (size_t i = start; i < end; ++i, n = n->next(0)) visit(n->member(), n->score);
    } else {
      ZNode* n = list_->AtRank(end - 1);
      for (size_t i = start; i < end; ++i, n = n->backward) visit(n->member(), n->score);
    }
    return;
  }
  std::vector<uint32_t> offsets;
  offsets.reserve(count_);
  for (size_t off = 0; off < packed_.size(); off += PackEntrySize(uint8_t(packed_[off]))) {
    offsets.push_back(uint32_t(off));
  }
  for (size_t i = 0; i < end - start; ++i) {
    PackRef e = PackAt(offsets[reverse ? end - 1 - i : start + i]);
    visit(e.member, e.score);
  }
}

void ZSetObj::EraseRanks(size_t start, size_t end) {
  if (start >= end) return;
  if (list_) {
    std::vector<ZNode*> doomed;
    doomed.reserve(end - start);
    ZNode* n = list_->AtRank(start);
    for (size_t i = start; i < end; ++i, n = n->next(0)) doomed.push_back(n);
    for (ZNode* d : doomed) list_->Erase(d);
    return;
  }
  size_t off = 0, rank = 0, from = 0;
  for (; rank < end; ++rank) {
    if (rank == start) from = off;
    off += PackEntrySize(uint8_t(packed_[off]));
  }
  packed_.erase(from, off - from);
  count_ -= uint32_t(end - start);
}

uint64_t ZSetObj::Scan(uint64_t cursor, size_t count, Visitor visit) const {
  if (!list_) {
    Visit(0, count_, false, visit);
    return 0;
  }
  size_t visited = 0, iterations = count * 10;
  do {
    cursor = list_->table().ScanStep(cursor, [&](const ZNode* n) {
      ++visited;
      visit(n->member(), n->score);
    });
  } while (cursor && iterations-- && visited < count);
  return cursor;
}

}  // namespace lw
