#include "server/types/listpack.h"

#include <mimalloc.h>

#include <cstring>
#include <new>
#include <utility>

namespace lw {

namespace {
uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
}  // namespace

Listpack::~Listpack() { ::operator delete(buf_); }

Listpack::Listpack(Listpack&& o) noexcept
    : buf_(o.buf_), cap_(o.cap_), head_(o.head_), tail_(o.tail_), count_(o.count_) {
  o.buf_ = nullptr;
  o.cap_ = o.head_ = o.tail_ = o.count_ = 0;
}

Listpack& Listpack::operator=(Listpack&& o) noexcept {
  if (this != &o) {
    ::operator delete(buf_);
    buf_ = o.buf_;
    cap_ = o.cap_;
    head_ = o.head_;
    tail_ = o.tail_;
    count_ = o.count_;
    o.buf_ = nullptr;
    o.cap_ = o.head_ = o.tail_ = o.count_ = 0;
  }
  return *this;
}

Listpack Listpack::Copy() const {
  Listpack c;
  const size_t used = bytes();
  if (used == 0) return c;
  c.buf_ = static_cast<char*>(::operator new(used));
  std::memcpy(c.buf_, data(), used);
  c.cap_ = c.tail_ = uint32_t(used);
  c.count_ = count_;
  return c;
}

size_t Listpack::MallocUsed() const { return buf_ ? mi_usable_size(buf_) : 0; }

std::string_view Listpack::Get(Pos p, Pos* next) const {
  const char* e = data() + p;
  uint8_t h = uint8_t(e[0]);
  if (h < 255) {
    *next = p + h + 2;
    return std::string_view(e + 1, h);
  }
  uint32_t len = Load32(e + 1);
  *next = p + len + 10;
  return std::string_view(e + 5, len);
}

std::string_view Listpack::GetBefore(Pos p, Pos* start) const {
  const char* end = data() + p;
  uint8_t t = uint8_t(end[-1]);
  if (t < 255) {
    *start = p - t - 2;
    return std::string_view(end - 1 - t, t);
  }
  uint32_t len = Load32(end - 5);
  *start = p - len - 10;
  return std::string_view(end - 5 - len, len);
}

void Listpack::Encode(char* dst, std::string_view s) {
  uint32_t len = uint32_t(s.size());
  if (len < 255) {
    dst[0] = char(len);
    if (len) std::memcpy(dst + 1, s.data(), len);
    dst[len + 1] = char(len);
    return;
  }
  dst[0] = char(0xFF);
  std::memcpy(dst + 1, &len, 4);
  std::memcpy(dst + 5, s.data(), len);
  std::memcpy(dst + 5 + len, &len, 4);
  dst[len + 9] = char(0xFF);
}

void Listpack::Reserve(size_t front, size_t back) {
  if (head_ >= front && cap_ - tail_ >= back) return;
  size_t used = bytes();
  // Geometric slack on both sides keeps pushes at either end O(1) amortised, even when they
  // alternate; a quarter keeps the waste of a compact object modest.
  size_t slack = used / 4 + 8;
  size_t new_front = front + (front ? slack : slack / 4);
  size_t new_back = back + (back ? slack : slack / 4);
  size_t new_cap = new_front + used + new_back;
  char* nb = static_cast<char*>(::operator new(new_cap));
  if (used) std::memcpy(nb + new_front, data(), used);
  ::operator delete(buf_);
  buf_ = nb;
  cap_ = uint32_t(new_cap);
  head_ = uint32_t(new_front);
  tail_ = uint32_t(new_front + used);
}

void Listpack::ShrinkIfSparse() {
  size_t used = bytes();
  if (cap_ <= 64 || cap_ <= 4 * used) return;
  if (used == 0) {
    ::operator delete(buf_);
    buf_ = nullptr;
    cap_ = head_ = tail_ = 0;
    return;
  }
  size_t side = used / 4 + 8;
  size_t new_cap = used + 2 * side;
  char* nb = static_cast<char*>(::operator new(new_cap));
  std::memcpy(nb + side, data(), used);
  ::operator delete(buf_);
  buf_ = nb;
  cap_ = uint32_t(new_cap);
  head_ = uint32_t(side);
  tail_ = uint32_t(side + used);
}

void Listpack::PushBack(std::string_view s) {
  size_t n = EncodedSize(s.size());
  Reserve(0, n);
  Encode(buf_ + tail_, s);
  tail_ += uint32_t(n);
  ++count_;
}

void Listpack::PushFront(std::string_view s) {
  size_t n = EncodedSize(s.size());
  Reserve(n, 0);
  head_ -= uint32_t(n);
  Encode(buf_ + head_, s);
  ++count_;
}

void Listpack::PopFront() {
  Pos next;
  Get(0, &next);
  head_ += next;
  --count_;
  if (count_ == 0) head_ = tail_ = cap_ / 2;
  ShrinkIfSparse();
}

void Listpack::PopBack() {
  Pos start;
  GetBefore(End(), &start);
  tail_ = head_ + start;
  --count_;
  if (count_ == 0) head_ = tail_ = cap_ / 2;
  ShrinkIfSparse();
}

void Listpack::Insert(Pos p, std::string_view s) {
  if (p == 0) return PushFront(s);
  if (p == End()) return PushBack(s);
  size_t n = EncodedSize(s.size());
  Reserve(0, n);
  char* at = data() + p;
  std::memmove(at + n, at, bytes() - p);
  Encode(at, s);
  tail_ += uint32_t(n);
  ++count_;
}

void Listpack::Erase(Pos from, Pos to, size_t n) {
  if (from == to) return;
  if (from == 0) {
    head_ += to;
  } else {
    char* d = data();
    std::memmove(d + from, d + to, bytes() - to);
    tail_ -= (to - from);
  }
  count_ -= uint32_t(n);
  if (count_ == 0) head_ = tail_ = cap_ / 2;
  ShrinkIfSparse();
}

void Listpack::Replace(Pos p, std::string_view s) {
  Pos next;
  std::string_view old = Get(p, &next);
  if (old.size() == s.size()) {
    std::memcpy(const_cast<char*>(old.data()), s.data(), s.size());
    return;
  }
  size_t old_n = next - p, new_n = EncodedSize(s.size());
  if (new_n > old_n) Reserve(0, new_n - old_n);
  char* d = data();
  std::memmove(d + p + new_n, d + next, bytes() - next);
  Encode(d + p, s);
  tail_ = uint32_t(tail_ + new_n - old_n);
}

void Listpack::Clear() {
  ::operator delete(buf_);
  buf_ = nullptr;
  cap_ = head_ = tail_ = count_ = 0;
}

}  // namespace lw
