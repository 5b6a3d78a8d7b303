// RESP reply decoder: turns serialised RESP2/RESP3 replies back into a small value tree.
//
// For tests and tools that check what the server sent (ReplyBuilder output, in-process
// command tests, a client in end-to-end tests). It favours clear failures over speed: any
// malformed input is reported as kInvalid rather than guessed at. Attributes ('|') and
// streamed aggregates ('?' lengths) are not supported and decode as kInvalid.
//
// Thread-safety: free functions on caller-owned data; RespValue is a plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lw {

enum class RespType : uint8_t {
  kSimpleString,  // +text
  kError,         // -text
  kInteger,       // :n
  kBulkString,    // $len payload
  kNull,          // $-1 (RESP2) or _ (RESP3)
  kNullArray,     // *-1 (RESP2)
  kArray,         // *n
  kMap,           // %n (elems hold key1, value1, key2, value2, ...)
  kSet,           // ~n
  kPush,          // >n
  kDouble,        // ,d
  kBoolean,       // #t / #f
  kVerbatim,      // =len fmt:payload
  kBigNumber,     // (digits
};

struct RespValue {
  RespType type = RespType::kNull;
  // kSimpleString, kError, kBulkString, kVerbatim: the payload (verbatim without "fmt:").
  // kDouble, kBigNumber: the text as sent.
  std::string str;
  int64_t integer = 0;           // kInteger; kBoolean as 0/1
  double dbl = 0;                // kDouble
  std::string format;            // kVerbatim: the 3-letter format, e.g. "txt"
  std::vector<RespValue> elems;  // aggregates

  bool IsAggregate() const {
    return type == RespType::kArray || type == RespType::kMap || type == RespType::kSet ||
           type == RespType::kPush;
  }
  // True for a string-like value whose payload equals `text`.
  bool IsString(std::string_view text) const;
};

enum class DecodeResult { kOk, kIncomplete, kInvalid };

// Decodes the first reply in `input`. On kOk sets *consumed to its length and *out to it.
// kIncomplete: `input` is a proper prefix of a reply. kInvalid: not RESP.
// Nesting deeper than kMaxDecodeDepth is kInvalid.
// REQUIRES: consumed != nullptr, out != nullptr.
inline constexpr int kMaxDecodeDepth = 256;
DecodeResult DecodeReply(std::string_view input, size_t* consumed, RespValue* out);

// Decodes every reply in `input`, which must hold whole replies only. Returns false (and
// leaves the replies decoded so far in *out) if anything is incomplete or invalid.
bool DecodeReplies(std::string_view input, std::vector<RespValue>* out);

// A compact, unambiguous rendering for test expectations and failure messages:
//   +OK  -ERR x  :5  "bulk\n" (C-style escapes)  nil  nil-array  [a, b]  {k: v}  ~{a}
//   >[a]  ,1.5  #t  =txt:"text"  (123
std::string ToDebugString(const RespValue& value);

// Appends `s` quoted as Redis's sdscatrepr does (MONITOR's lines, ToDebugString's strings):
// \\ \" \n \r \t \a \b escaped, other bytes outside 0x20..0x7e as \xhh.
void AppendRepr(std::string* out, std::string_view s);

}  // namespace lw
