#include "server/types/list_obj.h"

#include <utility>

namespace lw {

namespace {

// Position of the entry `k` steps into lp, walking from whichever end is closer.
Listpack::Pos Seek(const Listpack& lp, size_t k) {
  Listpack::Pos p;
  if (k <= lp.size() / 2) {
    p = lp.Begin();
    for (size_t i = 0; i < k; ++i) lp.Get(p, &p);
  } else {
    p = lp.End();
    for (size_t i = lp.size(); i > k; --i) lp.GetBefore(p, &p);
  }
  return p;
}

}  // namespace

ListObj::~ListObj() { delete chunks_; }

ListObj* ListObj::Clone() const {
  auto* c = new ListObj(fill_);
  if (chunks_) {
    c->chunks_ = new std::deque<Listpack>();
    for (const Listpack& chunk : *chunks_) c->chunks_->push_back(chunk.Copy());
  } else {
    c->lp_ = lp_.Copy();
  }
  c->size_ = size_;
  return c;
}

size_t ListObj::MallocUsed() const {
  size_t total = sizeof(*this) + lp_.MallocUsed();
  if (chunks_) {
    // std::deque: the node blocks (512 bytes each) plus its map; an estimate is enough.
    total += sizeof(*chunks_) + 64 + (chunks_->size() * sizeof(Listpack) / 512 + 1) * 512;
    for (const Listpack& c : *chunks_) total += c.MallocUsed();
  }
  return total;
}

bool ListObj::ChunkHasRoom(const Listpack& lp, size_t len) const {
  if (lp.empty()) return true;
  return lp.size() < MaxEntries() && lp.bytes() + Listpack::EncodedSize(len) <= MaxBytes();
}

void ListObj::ToQuicklist() {
  chunks_ = new std::deque<Listpack>();
  if (!lp_.empty()) chunks_->push_back(std::move(lp_));
  lp_.Clear();
}

void ListObj::PushFront(std::string_view v) {
  if (packed() && !PackedHasRoom(v.size())) ToQuicklist();
  if (packed()) {
    lp_.PushFront(v);
  } else {
    if (chunks_->empty() || !ChunkHasRoom(chunks_->front(), v.size())) chunks_->emplace_front();
    chunks_->front().PushFront(v);
  }
  ++size_;
}

void ListObj::PushBack(std::string_view v) {
  if (packed() && !PackedHasRoom(v.size())) ToQuicklist();
  if (packed()) {
    lp_.PushBack(v);
  } else {
    if (chunks_->empty() || !ChunkHasRoom(chunks_->back(), v.size())) chunks_->emplace_back();
    chunks_->back().PushBack(v);
  }
  ++size_;
}

std::string ListObj::PopFront() {
  Listpack& c = Chunk(0);
  std::string out(c.Front());
  c.PopFront();
  if (!packed() && c.empty()) chunks_->pop_front();
  --size_;
  Compact();
  return out;
}

std::string ListObj::PopBack() {
  Listpack& c = Chunk(NumChunks() - 1);
  std::string out(c.Back());
  c.PopBack();
  if (!packed() && c.empty()) chunks_->pop_back();
  --size_;
  Compact();
  return out;
}

ListObj::Cursor ListObj::Locate(size_t index) const {
  if (packed()) return {0, Seek(lp_, index)};
  const auto& cs = *chunks_;
  if (index < size_ / 2) {
    size_t i = 0;
    while (index >= cs[i].size()) index -= cs[i++].size();
    return {i, Seek(cs[i], index)};
  }
  size_t from_tail = size_ - index;  // >= 1
  size_t i = cs.size() - 1;
  while (from_tail > cs[i].size()) from_tail -= cs[i--].size();
  return {i, Seek(cs[i], cs[i].size() - from_tail)};
}

std::string ListObj::At(size_t i) const {
  Cursor c = Locate(i);
  Listpack::Pos next;
  return std::string(Chunk(c.chunk).Get(c.pos, &next));
}

void ListObj::Set(size_t i, std::string_view v) {
  if (packed() && v.size() > kPackedMaxValue) ToQuicklist();  // a same-count replacement
  Cursor c = Locate(i);
  Chunk(c.chunk).Replace(c.pos, v);
  if (!packed()) SplitIfFull(c.chunk);
}

void ListObj::Range(size_t start, size_t end,
                    const std::function<void(std::string_view)>& fn) const {
  Cursor c = Locate(start);
  size_t left = end - start + 1;
  while (left > 0) {
    const Listpack& lp = Chunk(c.chunk);
    if (c.pos == lp.End()) {
      ++c.chunk;
      c.pos = 0;
      continue;
    }
    fn(lp.Get(c.pos, &c.pos));
    --left;
  }
}

void ListObj::Walk(bool from_head, const std::function<bool(size_t, std::string_view)>& fn) const {
  size_t n = NumChunks();
  if (from_head) {
    size_t index = 0;
    for (size_t i = 0; i < n; ++i) {
      const Listpack& lp = Chunk(i);
      for (Listpack::Pos p = 0; p < lp.End();) {
        if (!fn(index++, lp.Get(p, &p))) return;
      }
    }
    return;
  }
  size_t index = size_;
  for (size_t i = n; i-- > 0;) {
    const Listpack& lp = Chunk(i);
    for (Listpack::Pos p = lp.End(); p > 0;) {
      if (!fn(--index, lp.GetBefore(p, &p))) return;
    }
  }
}

void ListObj::SplitIfFull(size_t chunk) {
  Listpack& lp = (*chunks_)[chunk];
  if (lp.size() <= 1 || (lp.size() <= MaxEntries() && lp.bytes() <= MaxBytes())) return;
  size_t keep = lp.size() / 2;
  Listpack::Pos mid = Seek(lp, keep);
  Listpack tail;
  for (Listpack::Pos p = mid; p < lp.End();) tail.PushBack(lp.Get(p, &p));
  lp.Erase(mid, lp.End(), lp.size() - keep);
  chunks_->insert(chunks_->begin() + chunk + 1, std::move(tail));
}

bool ListObj::Insert(std::string_view pivot, std::string_view v, bool after) {
  if (packed() && !PackedHasRoom(v.size())) ToQuicklist();
  size_t n = NumChunks();
  for (size_t i = 0; i < n; ++i) {
    Listpack& lp = Chunk(i);
    for (Listpack::Pos p = 0; p < lp.End();) {
      Listpack::Pos next;
      if (lp.Get(p, &next) == pivot) {
        lp.Insert(after ? next : p, v);
        ++size_;
        if (!packed()) SplitIfFull(i);
        return true;
      }
      p = next;
    }
  }
  return false;
}

size_t ListObj::Remove(std::string_view v, size_t limit, bool from_head) {
  size_t removed = 0;
  bool emptied = false;
  size_t n = NumChunks();
  for (size_t k = 0; k < n && (limit == 0 || removed < limit); ++k) {
    Listpack& lp = Chunk(from_head ? k : n - 1 - k);
    size_t before = removed;
    if (from_head) {
      for (Listpack::Pos p = 0; p < lp.End();) {
        Listpack::Pos next;
        if (lp.Get(p, &next) == v) {
          lp.Erase(p, next, 1);
          if (++removed == limit) break;
        } else {
          p = next;
        }
      }
    } else {
      for (Listpack::Pos p = lp.End(); p > 0;) {
        Listpack::Pos start;
        if (lp.GetBefore(p, &start) == v) {
          lp.Erase(start, p, 1);
          if (++removed == limit) break;
        }
        p = start;
      }
    }
    emptied |= removed != before && lp.empty();
  }
  size_ -= removed;
  Compact(/*drop_empty_chunks=*/emptied);
  return removed;
}

void ListObj::RemoveFront(size_t n) {
  if (!packed()) {
    while (n > 0 && !chunks_->empty() && chunks_->front().size() <= n) {
      n -= chunks_->front().size();
      size_ -= chunks_->front().size();
      chunks_->pop_front();
    }
  }
  if (n == 0) return;
  Listpack& lp = Chunk(0);
  lp.Erase(0, Seek(lp, n), n);
  size_ -= n;
}

void ListObj::RemoveBack(size_t n) {
  if (!packed()) {
    while (n > 0 && !chunks_->empty() && chunks_->back().size() <= n) {
      n -= chunks_->back().size();
      size_ -= chunks_->back().size();
      chunks_->pop_back();
    }
  }
  if (n == 0) return;
  Listpack& lp = Chunk(NumChunks() - 1);
  lp.Erase(Seek(lp, lp.size() - n), lp.End(), n);
  size_ -= n;
}

void ListObj::Trim(size_t start, size_t end) {
  RemoveBack(size_ - 1 - end);
  RemoveFront(start);
  Compact();
}

void ListObj::Compact(bool drop_empty_chunks) {
  if (packed()) return;
  size_t bytes = 0;
  for (const Listpack& c : *chunks_) bytes += c.bytes();
  if (size_ > MaxEntries() / 2 || bytes > MaxBytes() / 2) {
    if (drop_empty_chunks) DropEmptyChunks();
    return;
  }
  bool short_values = true;
  Walk(true, [&](size_t, std::string_view e) {
    short_values = e.size() <= kPackedMaxValue;
    return short_values;
  });
  if (!short_values) {
    if (drop_empty_chunks) DropEmptyChunks();
    return;
  }
  Listpack merged;
  for (const Listpack& c : *chunks_) {
    for (Listpack::Pos p = 0; p < c.End();) merged.PushBack(c.Get(p, &p));
  }
  delete chunks_;
  chunks_ = nullptr;
  lp_ = std::move(merged);
}

void ListObj::DropEmptyChunks() {
  size_t kept = 0;
  for (size_t i = 0; i < chunks_->size(); ++i) {
    if (!(*chunks_)[i].empty()) {
      if (kept != i) (*chunks_)[kept] = std::move((*chunks_)[i]);
      ++kept;
    }
  }
  chunks_->resize(kept);
}

}  // namespace lw
