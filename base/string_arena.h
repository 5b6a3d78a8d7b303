// StringArena: copies of byte strings that stay in place until the arena is destroyed or
// cleared, in blocks of kBlockBytes (a string longer than that gets a block of its own). For
// a batch that keeps views of many short copies (a script's queued calls: ~250 arguments of a
// few bytes each), one or two allocations replace one per string and per deque node.
//
// Thread-safety: none; an arena belongs to one owner at a time. Moving the arena keeps every
// copy where it is (views stay valid), so a batch may hand its arena to another owner.
// Lifetime: views returned by Copy() are valid until Clear() or destruction.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace lw {

class StringArena {
 public:
  static constexpr size_t kBlockBytes = 4096;

  StringArena() = default;
  // The moved-from arena is empty: its next copy starts a block of its own.
  StringArena(StringArena&& other) noexcept
      : blocks_(std::move(other.blocks_)),
        next_(std::exchange(other.next_, nullptr)),
        room_(std::exchange(other.room_, 0)) {
    other.blocks_.clear();
  }
  StringArena& operator=(StringArena&& other) noexcept {
    if (this != &other) {
      blocks_ = std::move(other.blocks_);
      other.blocks_.clear();
      next_ = std::exchange(other.next_, nullptr);
      room_ = std::exchange(other.room_, 0);
    }
    return *this;
  }
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;

  // A copy of `s`, valid until Clear() or destruction.
  std::string_view Copy(std::string_view s) {
    if (s.empty()) return std::string_view(kEmpty, 0);  // a real pointer, as a string's
    if (s.size() > room_) {
      const size_t size = std::max(s.size(), kBlockBytes);
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
      next_ = blocks_.back().get();
      room_ = size;
    }
    char* dst = next_;
    std::memcpy(dst, s.data(), s.size());
    next_ += s.size();
    room_ -= s.size();
    return std::string_view(dst, s.size());
  }

  // Frees every block.
  void Clear() {
    blocks_.clear();
    next_ = nullptr;
    room_ = 0;
  }

  size_t blocks() const { return blocks_.size(); }

 private:
  static constexpr char kEmpty[1] = {0};
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  size_t room_ = 0;
};

}  // namespace lw
