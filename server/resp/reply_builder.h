// ReplyBuilder: serialises Redis replies, RESP2 or RESP3, into one output buffer.
//
// A connection owns one builder. Commands append replies; the connection writes buffer() to
// the socket when it runs out of pipelined input, so many replies leave in one write, then
// calls Clear() (or erases the written prefix itself). The protocol is chosen per connection
// at run time (HELLO 3 switches to RESP3) and may change between replies.
//
// Aggregates are written as a header followed by their elements: StartArray(2), SendBulk(a),
// SendLong(1). The builder does not check that the caller sends as many elements as it
// announced. In RESP2 a map of n pairs becomes an array of 2n elements; sets and pushes
// become arrays; a double becomes a bulk string; a boolean an integer 1/0; a null "$-1".
//
// Bytes match Redis 7.0 (the reference redis-server): doubles are "%.17g" ("0.1" replies as
// "0.10000000000000001", 3.0 as "3"), infinities "inf"/"-inf" (see FormatDouble()).
//
// Thread-safety: none; used only by the connection's own fiber.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lw {

enum class RespVersion : uint8_t { kResp2 = 2, kResp3 = 3 };

// Longest FormatDouble() output ("-1.7976931348623157e+308" is 24) plus slack.
inline constexpr size_t kMaxDoubleChars = 32;

// Writes `value` as Redis's d2string() does and returns the length written (no NUL).
// REQUIRES: dest holds kMaxDoubleChars bytes.
size_t FormatDouble(double value, char* dest);
std::string FormatDouble(double value);

class ReplyBuilder {
 public:
  explicit ReplyBuilder(RespVersion version = RespVersion::kResp2) : version_(version) {}

  void SetRespVersion(RespVersion version) { version_ = version; }
  RespVersion resp_version() const { return version_; }
  bool IsResp3() const { return version_ == RespVersion::kResp3; }

  // "+<text>\r\n". REQUIRES: text holds no '\r' or '\n'.
  void SendSimpleString(std::string_view text);
  void SendOk() { SendSimpleString("OK"); }

  // "-<full_text>\r\n". full_text is the whole error with its code word, as Redis spells it:
  // "ERR syntax error", "WRONGTYPE Operation against a key ...". A leading '-' is accepted
  // and not doubled. '\r' and '\n' inside are replaced by spaces, as Redis does, so the
  // stream stays well formed.
  void SendError(std::string_view full_text);

  void SendLong(int64_t value);             // ":<value>\r\n"
  void SendBulk(std::string_view payload);  // "$<len>\r\n<payload>\r\n"
  void SendNull();                          // RESP2 "$-1\r\n", RESP3 "_\r\n"
  void SendNullArray();                     // RESP2 "*-1\r\n", RESP3 "_\r\n"
  void SendEmptyArray() { StartArray(0); }  // "*0\r\n"
  void SendDouble(double value);            // RESP3 ",<d>\r\n", RESP2 bulk "<d>"
  // A double already formatted (GEOPOS's "%.17Lf" without trailing zeros): as SendDouble.
  void SendDoubleText(std::string_view text);
  void SendBool(bool value);  // RESP3 "#t\r\n"/"#f\r\n", RESP2 ":1\r\n"/":0\r\n"
  // RESP3 "=<len>\r\n<format>:<text>\r\n", RESP2 bulk <text>. REQUIRES: format.size() == 3.
  void SendVerbatim(std::string_view text, std::string_view format = "txt");
  // RESP3 "(<digits>\r\n", RESP2 bulk <digits>. REQUIRES: digits is a decimal integer.
  void SendBigNumber(std::string_view digits);

  // Aggregate headers; the caller then sends the elements.
  void StartArray(size_t len);      // "*<len>\r\n"
  void StartMap(size_t num_pairs);  // RESP3 "%<n>\r\n", RESP2 "*<2n>\r\n"; then k1 v1 k2 v2 ...
  void StartSet(size_t len);        // RESP3 "~<len>\r\n", RESP2 "*<len>\r\n"
  void StartPush(size_t len);       // RESP3 "><len>\r\n", RESP2 "*<len>\r\n"

  // An array of bulk strings.
  void SendStringArray(std::span<const std::string_view> items);
  void SendStringArray(std::span<const std::string> items);
  // A push message of bulk strings, e.g. {"message", channel, payload}.
  void SendPush(std::span<const std::string_view> items);

  // Members with scores, as ZRANGE replies. Without scores: array of members. With scores:
  // RESP2 one flat array member1, score1 (bulk), member2, ...; RESP3 an array of
  // [member, double] pairs.
  void SendScoredArray(std::span<const std::pair<std::string_view, double>> items,
                       bool with_scores);

  // The serialised replies not yet taken. The connection may write and erase from it.
  std::string& buffer() { return buffer_; }
  const std::string& buffer() const { return buffer_; }
  size_t size() const { return buffer_.size(); }
  bool empty() const { return buffer_.empty(); }
  // Keeps the capacity for the next batch (and notes the batch's size for AdjustBuffer).
  void Clear() {
    peak_ = std::max(peak_, buffer_.size());
    buffer_.clear();
  }
  // Redis's reply-buffer resizing (INFO reply_buffer_expands / reply_buffer_shrinks), called
  // about once a second per connection: +1 if the buffer grew since the last call (a batch
  // needed more room), -1 if it was shrunk now — empty, over kKeepBytes, and the batches since
  // the last call used less than half of it (it is reallocated to their peak) — else 0.
  static constexpr size_t kKeepBytes = 16 * 1024;  // Redis's PROTO_REPLY_CHUNK_BYTES
  // The largest batch since the last AdjustBuffer (CLIENT LIST rbp, Redis's buf_peak).
  size_t buffer_peak() const { return std::max(peak_, buffer_.size()); }
  int AdjustBuffer() {
    size_t cap = buffer_.capacity();
    int result = cap > checked_capacity_ ? 1 : 0;
    if (result == 0 && buffer_.empty() && cap > kKeepBytes && peak_ < cap / 2) {
      std::string().swap(buffer_);
      buffer_.reserve(peak_);
      result = -1;
    }
    checked_capacity_ = buffer_.capacity();
    peak_ = 0;
    return result;
  }

  // An error reply that errorstats must not count again: a script returning the error table
  // of a command it called (Redis's ignore_error_stats_update). It still makes the command
  // failed (errors_sent()).
  void SendErrorUncounted(std::string_view full_text);
  // Number of error replies since construction (for failed_calls); AddErrorsSent adds those
  // a nested builder sent (a script's result, appended as bytes).
  // uncounted_errors() counts the SendErrorUncounted ones: Redis makes each of those a failed
  // call of its own, and all the counted ones of a call one failed call.
  uint64_t errors_sent() const { return errors_sent_; }
  uint64_t uncounted_errors() const { return uncounted_errors_; }
  void AddErrorsSent(const ReplyBuilder& nested) {
    errors_sent_ += nested.errors_sent_;
    uncounted_errors_ += nested.uncounted_errors_;
  }
  // Counts one error reply sent by other means (a script's refused call) in the calling
  // thread's errorstats.
  static void CountErrorReply(std::string_view text);

  // INFO errorstats: the error replies every ReplyBuilder of the calling thread sent, by
  // Redis's error code (the first word: ERR, WRONGTYPE, NOSCRIPT...), at most kMaxErrorCodes
  // codes (later new codes count in the total only, as Redis caps its table). Each thread
  // writes only its own; read and reset them on that thread.
  static constexpr size_t kMaxErrorCodes = 128;
  struct ErrorCounts {
    std::vector<std::pair<std::string, uint64_t>> by_code;
    uint64_t total = 0;
  };
  static ErrorCounts& ThreadErrorCounts();

 private:
  void AppendError(std::string_view text);
  void AppendHeader(char prefix, uint64_t len);
  void AppendLine(char prefix, std::string_view body);

  std::string buffer_;
  size_t peak_ = 0;              // the largest batch since the last AdjustBuffer
  size_t checked_capacity_ = 0;  // the capacity AdjustBuffer saw last
  RespVersion version_;
  uint64_t errors_sent_ = 0;
  uint64_t uncounted_errors_ = 0;
};

}  // namespace lw
