// OpStatus and OpResult<T>: the error values that cross layer boundaries.
//
// Lacewing does not throw across layers. A function that can fail returns an OpStatus, or an
// OpResult<T> holding either a T or a non-OK OpStatus. The codes are storage-level outcomes
// (key missing, wrong type, out of memory, ...); the server maps each to Redis's error text.
// Thread-safety: plain values; copy freely between threads.
#pragma once

#include <cassert>
#include <optional>
#include <ostream>
#include <string_view>
#include <utility>

namespace lw {

enum class OpStatus : unsigned char {
  kOk,
  kKeyNotFound,
  kSkipped,       // the operation decided not to act (e.g. SET NX on an existing key)
  kWrongType,     // the key holds a value of another type
  kOutOfRange,    // an index, offset or count is out of the allowed range
  kInvalidValue,  // the value is not of the expected form (not an integer, ...)
  kInvalidFloat,
  kInvalidInt,
  kSyntaxError,
  kOutOfMemory,  // the write would pass the memory limit
  kBusyGroup,
  kTimedOut,
  kCancelled,
  kEntriesAdded,
  kInvalidArg,
};

std::string_view OpStatusName(OpStatus status);

inline std::ostream& operator<<(std::ostream& os, OpStatus status) {
  return os << OpStatusName(status);
}

// Holds a T on success, or the OpStatus that explains why there is none.
// Invariant: status() == kOk iff a value is held.
template <typename T>
class OpResult {
 public:
  OpResult(T value) : value_(std::move(value)) {}  // NOLINT(runtime/explicit)
  OpResult(OpStatus status) : status_(status) {    // NOLINT(runtime/explicit)
    assert(status != OpStatus::kOk);
  }

  bool ok() const { return status_ == OpStatus::kOk; }
  explicit operator bool() const { return ok(); }
  OpStatus status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

  T value_or(T fallback) const { return ok() ? *value_ : std::move(fallback); }

 private:
  std::optional<T> value_;
  OpStatus status_ = OpStatus::kOk;
};

template <>
class OpResult<void> {
 public:
  OpResult() = default;
  OpResult(OpStatus status) : status_(status) {}  // NOLINT(runtime/explicit)
  bool ok() const { return status_ == OpStatus::kOk; }
  explicit operator bool() const { return ok(); }
  OpStatus status() const { return status_; }

 private:
  OpStatus status_ = OpStatus::kOk;
};

}  // namespace lw
