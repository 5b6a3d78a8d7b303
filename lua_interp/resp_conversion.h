// Conversions between Lua values and Redis replies, by Redis 7's rules.
//
// Lua -> reply (a script's return value, LuaToReply):
//   integer -> integer; float -> integer truncated toward zero (3.7 -> 3, Lua 5.1 semantics);
//   string -> bulk; true -> integer 1 (RESP3 script: boolean); false, nil -> null;
//   table: {err=s} -> error s; {ok=s} -> status s; {double=n} -> double;
//   {big_number=s} -> big number; {verbatim_string={format=f,string=s}} -> verbatim;
//   {map={...}} -> map; {set={...}} -> set (keys); otherwise an array of t[1], t[2], ... up to
//   the first nil. Other types (functions, userdata, threads) -> null.
//   Nesting deeper than kMaxNesting (including self-referencing tables) is cut there: the
//   deepest element becomes the error "ERR reached lua stack limit", like Redis; the reply
//   stays well-formed and nothing crashes.
//
// Reply -> Lua (LuaReplyBuilder, the results of redis.call): integer -> integer; bulk ->
//   string; null bulk / null array -> false (RESP2) or nil (RESP3); status -> {ok=s};
//   error -> {err=s}; array -> table. With resp 3: map -> {map={k=v}}, set -> {set={k=true}},
//   double -> {double=n}, boolean -> boolean, big number -> {big_number=s},
//   verbatim -> {verbatim_string={format=f,string=s}}. With resp 2 those are downgraded as a
//   RESP2 client would see them (map -> flat array, double -> bulk string, true -> 1, ...).
//
// Thread-safety: operate on one lua_State owned by the calling thread.
#pragma once

#include <lua5.4/lua.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

#include "lua_interp/reply_writer.h"

namespace lw::lua {

inline constexpr int kMaxNesting = 1000;

// Writes the value at stack index `idx` into `out`. `resp` is the script's protocol (decides
// how booleans are sent). Leaves the Lua stack as it found it. Never raises a Lua error
// except on out-of-memory.
void LuaToReply(lua_State* lua, int idx, int resp, ReplyWriter* out);

// Builds Lua values on the stack of `lua` from the reply written into it.
// After the writer finished: pushed() values (0 or 1) are on top of the stack.
// REQUIRES: used for one reply, then discarded. Never raises a Lua error except on
// out-of-memory.
class LuaReplyBuilder final : public ReplyWriter {
 public:
  LuaReplyBuilder(lua_State* lua, int resp);

  void SendInt(int64_t value) override;
  void SendBulk(std::string_view value) override;
  void SendStatus(std::string_view value) override;
  void SendError(std::string_view message) override;
  void SendNull() override;
  void SendNullArray() override;
  void SendDouble(double value) override;
  void SendBool(bool value) override;
  void SendBigNumber(std::string_view digits) override;
  void SendVerbatim(std::string_view format, std::string_view text) override;
  void StartArray(uint32_t len) override;
  void StartMap(uint32_t num_pairs) override;
  void StartSet(uint32_t len) override;

  // Closes aggregates the writer left incomplete. Returns the number of values pushed (0/1).
  int Finish();
  // True if the (complete) top-level value is an error table {err=...}.
  bool top_level_error() const { return top_level_error_; }

 private:
  enum class Kind : uint8_t { kArray, kMap, kSet };
  struct Frame {
    Kind kind;
    bool wrapped;        // inner table of {map=...} / {set=...}: set into the wrapper when done
    uint32_t remaining;  // elements still expected (a map counts keys and values)
    uint32_t index;      // elements received so far
  };

  bool Accept();         // false if this element is to be dropped
  void ElementPushed();  // attaches the value on top of the stack to the open aggregate
  void PushTableWithField(const char* field, std::string_view value);
  void Open(Kind kind, bool wrapped, uint32_t num_elems);

  lua_State* lua_;
  int resp_;
  int base_top_;
  bool done_ = false;
  bool top_level_error_ = false;
  std::vector<Frame> frames_;
};

}  // namespace lw::lua
