// ReplyWriter: the abstract shape of a Redis reply, written element by element.
//
// One interface serves both directions across the lua_interp boundary:
//   * the server's ScriptRunner writes the reply of each redis.call into a ReplyWriter that the
//     interpreter implements (it builds Lua values from it), and
//   * the interpreter writes a script's result into a ReplyWriter that the server implements
//     (on top of its RESP2/RESP3 reply builder).
// Aggregates are length-prefixed like RESP: after StartArray(n) / StartSet(n) the next n
// elements belong to it; after StartMap(n) the next 2*n elements are key, value, key, value...
// There is no explicit end call. Error, status and bulk payloads carry no RESP framing: an error
// is "CODE message" (e.g. "ERR syntax error", "WRONGTYPE ..."), without '-' or CRLF.
//
// The RESP3-only calls (SendDouble, SendBool, SendBigNumber, SendVerbatim, StartMap, StartSet,
// SendNull as RESP3 null) are always legal: an implementation that speaks RESP2 downgrades
// them the way Redis does (double -> bulk string, map -> flat array, set -> array, ...).
// Thread-safety: an implementation is used by one thread at a time.
#pragma once

#include <cstdint>
#include <string_view>

namespace lw::lua {

class ReplyWriter {
 public:
  virtual ~ReplyWriter() = default;

  virtual void SendInt(int64_t value) = 0;
  virtual void SendBulk(std::string_view value) = 0;
  virtual void SendStatus(std::string_view value) = 0;   // "+OK"-style simple string, no '+'
  virtual void SendError(std::string_view message) = 0;  // "ERR ...", no '-'
  // An error table a command call produced (ignore_error_stats_update set), which errorstats
  // counted when the command failed: a writer that counts errors must not count it again.
  virtual void SendCountedError(std::string_view message) { SendError(message); }
  // RESP2 null bulk string ($-1) or RESP3 null (_).
  virtual void SendNull() = 0;
  // RESP2 null array (*-1); RESP3 writers treat it as SendNull().
  virtual void SendNullArray() = 0;
  virtual void SendDouble(double value) = 0;
  virtual void SendBool(bool value) = 0;
  virtual void SendBigNumber(std::string_view digits) = 0;
  // format is the 3-letter verbatim format, e.g. "txt" or "mkd".
  virtual void SendVerbatim(std::string_view format, std::string_view text) = 0;
  virtual void StartArray(uint32_t len) = 0;
  virtual void StartMap(uint32_t num_pairs) = 0;
  virtual void StartSet(uint32_t len) = 0;
};

}  // namespace lw::lua
