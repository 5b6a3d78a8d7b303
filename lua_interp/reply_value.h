// ReplyValue: a small owned tree of one Redis reply, and ReplyRecorder, a ReplyWriter that
// builds such a tree.
//
// For code that cannot stream: tests, fake runners, replies kept for later (e.g. a queued
// async call's reply) and debugging. Replay() writes a tree back into any ReplyWriter, and
// ToString() renders a compact, stable text form for assertions, e.g.
//   [1,"a",+OK,-ERR x,nil,(2.5),#t,{"k":1},~{"m"}]
// Thread-safety: plain values; a recorder is used by one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "lua_interp/reply_writer.h"

namespace lw::lua {

struct ReplyValue {
  enum class Type : uint8_t {
    kInt,
    kBulk,
    kStatus,
    kError,
    kNull,
    kNullArray,
    kDouble,
    kBool,
    kBigNumber,
    kVerbatim,
    kArray,
    kMap,
    kSet,
  };

  Type type = Type::kNull;
  int64_t integer = 0;  // kInt; kBool as 0/1
  double dbl = 0;       // kDouble
  std::string str;      // kBulk, kStatus, kError, kBigNumber, kVerbatim (text)
  std::string format;   // kVerbatim
  // kArray, kSet: the elements. kMap: key, value, key, value, ...
  std::vector<ReplyValue> elems;

  static ReplyValue Int(int64_t v);
  static ReplyValue Bulk(std::string_view s);
  static ReplyValue Status(std::string_view s);
  static ReplyValue Error(std::string_view s);
  static ReplyValue Null();
  static ReplyValue Array(std::vector<ReplyValue> elems);

  void Replay(ReplyWriter* writer) const;
  std::string ToString() const;
};

// Records what is written into a ReplyValue tree. Elements written after the first complete
// top-level value are appended as further top-level values (see values()).
class ReplyRecorder : public ReplyWriter {
 public:
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

  // All complete (and possibly one incomplete) top-level values, in order.
  const std::vector<ReplyValue>& values() const { return values_; }
  // The first top-level value, or a kNull value when nothing was written.
  ReplyValue Take();
  // ToString() of every top-level value, joined by ' '.
  std::string ToString() const;
  void Clear();

 private:
  void Add(ReplyValue v);
  void Open(ReplyValue v, uint32_t num_elems);

  struct Frame {
    ReplyValue* value;
    uint32_t remaining;
  };
  std::vector<ReplyValue> values_;
  std::vector<Frame> open_;
};

}  // namespace lw::lua
