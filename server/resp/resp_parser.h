// RespParser: incremental parser for the RESP2 requests a client sends on one connection.
//
// A request is either a multibulk (`*<n>\r\n` followed by n `$<len>\r\n<bytes>\r\n`) or an
// inline command (one text line split into words by redis-cli's quoting rules). Requests may
// be pipelined: one buffer can hold many of them, and any of them can be cut anywhere by the
// socket. Parse() extracts one request at a time from the front of the unconsumed input.
//
// Use from a connection loop:
//
//   std::string buf;  size_t start = 0;          // buf[start..] is unconsumed
//   ... append what the socket read to buf ...
//   for (;;) {
//     size_t used;
//     RespParser::Result r = parser.Parse(std::string_view(buf).substr(start), &used, &args);
//     start += used;                              // always, whatever r is
//     if (r == RespParser::kNeedMore) break;
//     if (r == RespParser::kError) { reply.SendError(parser.error()); close after flush; }
//     Execute(args);                              // args view buf or the parser's arena
//   }
//   buf.erase(0, start); start = 0;               // compact, then read more
//
// Resumption: after kNeedMore the parser remembers how far it got inside the pending request
// (array count, the arguments already framed, the bulk it is waiting for, how far it has
// searched for a line end) as offsets from the pending request's first byte. The next call
// must pass input that starts at that same byte, holding the same bytes plus possibly more;
// the buffer may have been moved or compacted in between. So every byte is examined a bounded
// number of times: a 512MB bulk that arrives in 4KB reads costs O(1) per read, not a rescan.
// NeededBytes() tells the connection how much to reserve for a big bulk in one allocation.
//
// Redis compatibility (networking.c, processInlineBuffer/processMultibulkBuffer):
//   * The error texts are Redis's, byte for byte; after kError the connection must reply with
//     error() and close. The parser's state is then unspecified until Reset().
//   * Integers in `*`/`$` lines follow Redis's string2ll: no sign other than a leading '-',
//     no leading zeros, no spaces, at most 20 characters.
//   * `*0`, `*-1` (any count <= 0) and inline lines with no words (empty, only spaces) are
//     requests with no arguments; Parse() skips them and goes on to the next request.
//   * The two bytes after a bulk's payload and after a `*`/`$` line's '\r' are skipped
//     without being checked, as Redis does.
//   * Where Redis's limits depend on how the bytes were chunked into reads, this parser makes
//     them deterministic: a line ("*n", "$len" or inline) whose terminator is not within its
//     first max_inline_len + 1 bytes is "too big", however it was chunked. Results never
//     depend on where the input was split.
//   * Inline lines: words are split like sdssplitargs(): "double quotes" with \n \r \t \b \a
//     \xHH and \<any> escapes, 'single quotes' with \' only; a closing quote must be followed
//     by a space or the line's end. A line ends at '\n' ('\r\n' also accepted). As in Redis,
//     whose splitter reads the line as a C string, bytes after a NUL in the line are ignored.
//
// Thread-safety: none; one parser per connection, used by that connection's fiber only.
// Memory: no allocation is proportional to a declared (not yet received) length; argument
// bookkeeping is reserved for at most kMaxReservedArgs up front and grows with real data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lw {

struct RespParserConfig {
  // Largest accepted bulk argument (Redis's proto-max-bulk-len).
  int64_t max_bulk_len = 512LL * 1024 * 1024;
  // Largest accepted argument count of a multibulk request.
  int64_t max_multibulk_len = 1024 * 1024;
  // A client that must still AUTH (Redis's authRequired): as in Redis, a multibulk of more than
  // kUnauthMaxArgs arguments or a bulk longer than kUnauthMaxBulk is a protocol error
  // ("unauthenticated multibulk/bulk length"), checked after the general limits.
  bool unauthenticated = false;
  static constexpr int64_t kUnauthMaxArgs = 10;
  static constexpr int64_t kUnauthMaxBulk = 16384;
  // Longest line accepted for inline requests and `*`/`$` count lines (PROTO_INLINE_MAX_SIZE).
  size_t max_inline_len = 64 * 1024;
};

class RespParser {
 public:
  enum Result {
    kOk,        // *args holds one request with at least one argument
    kNeedMore,  // the input ends inside a request; call again with more bytes appended
    kError,     // protocol error: reply error() and close the connection
  };

  // error() holds Redis's exact text (the texts live in error_strings.h, kProto*).

  // Bookkeeping reserved up front for a multibulk, whatever count it declares.
  static constexpr size_t kMaxReservedArgs = 1024;

  explicit RespParser(const RespParserConfig& config = RespParserConfig{});

  // Parses the first non-empty request at the front of `input`, which must begin at the first
  // byte not yet consumed (see the file comment for resumption).
  // Sets *consumed to the number of bytes the caller must drop from the front of its input,
  // for every result: the request returned, plus any empty requests skipped before it.
  // On kOk, *args holds the request's arguments. They view either `input` (multibulk) or an
  // arena inside the parser (inline), and stay valid until the next Parse() or Reset() call
  // or until the caller changes its buffer, whichever is first. *args is cleared otherwise.
  // REQUIRES: consumed != nullptr, args != nullptr.
  Result Parse(std::string_view input, size_t* consumed, std::vector<std::string_view>* args);

  // After kError: the full error text to send (Redis's wording, starting with "ERR ").
  std::string_view error() const { return error_; }

  // After kNeedMore: how many bytes, counted from the pending request's first byte, must be
  // buffered before the bulk being waited for is complete; 0 when not waiting for a bulk
  // payload. Lets the connection grow its buffer once for a large argument.
  size_t NeededBytes() const;

  // True if a request has been partly read (the parser holds state about it).
  bool InRequest() const { return state_ != State::kStart; }

  // Forgets any partly read request and the last error.
  void Reset();

  const RespParserConfig& config() const { return config_; }
  void set_config(const RespParserConfig& config) { config_ = config; }

 private:
  enum class State : uint8_t { kStart, kInline, kArrayLen, kBulkLen, kBulkBody };

  struct Span {
    size_t offset;
    size_t len;
  };

  // A whole multibulk request at the front of `input` in the usual shape (short decimal
  // lengths, every bulk complete, no limit reached): framed in one pass, *used set, true.
  // Otherwise false with nothing changed but *args (the general path decides, errors too).
  bool ParseWholeFast(std::string_view input, size_t* used, std::vector<std::string_view>* args);
  // Parses one request, possibly empty; on kOk *used is its length.
  Result ParseOne(std::string_view input, size_t* used, std::vector<std::string_view>* args);
  Result ParseInline(std::string_view input, size_t* used, std::vector<std::string_view>* args);
  // Finds the '\r' that ends the line starting at line_start_, within the deterministic
  // window; kOk sets *cr to its offset. On kNeedMore the search position is remembered.
  Result FindCountLineEnd(std::string_view input, std::string_view too_big_error, size_t* cr);
  Result Fail(std::string_view text);
  void ResetRequest();

  RespParserConfig config_;
  State state_ = State::kStart;
  size_t line_start_ = 0;     // offset of the line being framed
  size_t scan_pos_ = 0;       // offset from which the line end search resumes
  size_t pos_ = 0;            // offset of the next unframed byte (multibulk)
  int64_t args_left_ = 0;     // bulks still to frame in this multibulk
  size_t bulk_len_ = 0;       // payload length of the bulk being waited for
  std::vector<Span> spans_;   // arguments framed so far, as offsets into the request
  std::string inline_arena_;  // unescaped words of the last inline request
  std::string error_;
};

}  // namespace lw
