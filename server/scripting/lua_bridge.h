// The two adapters between the server's RESP world and lua_interp's ReplyWriter:
//   - BuilderReplyWriter: a script's result (written by the interpreter) goes out through the
//     client's ReplyBuilder, in the client's protocol.
//   - WriteRespValue: the reply of a command a script called (captured as RESP bytes and
//     decoded) is fed to the interpreter's ReplyWriter, which turns it into Lua values.
// Thread-safety: used by the fiber running the script.
#pragma once

#include "lua_interp/reply_writer.h"
#include "server/resp/reply_builder.h"
#include "server/resp/resp_reply_decoder.h"

namespace lw {

class BuilderReplyWriter final : public lua::ReplyWriter {
 public:
  explicit BuilderReplyWriter(ReplyBuilder* rb) : rb_(rb) {}
  void SendInt(int64_t value) override { rb_->SendLong(value); }
  void SendBulk(std::string_view value) override { rb_->SendBulk(value); }
  void SendStatus(std::string_view value) override { rb_->SendSimpleString(value); }
  void SendError(std::string_view message) override { rb_->SendError(message); }
  void SendCountedError(std::string_view message) override { rb_->SendErrorUncounted(message); }
  void SendNull() override { rb_->SendNull(); }
  void SendNullArray() override { rb_->SendNullArray(); }
  void SendDouble(double value) override { rb_->SendDouble(value); }
  void SendBool(bool value) override { rb_->SendBool(value); }
  void SendBigNumber(std::string_view digits) override { rb_->SendBigNumber(digits); }
  void SendVerbatim(std::string_view format, std::string_view text) override {
    rb_->SendVerbatim(text, format);
  }
  void StartArray(uint32_t len) override { rb_->StartArray(len); }
  void StartMap(uint32_t num_pairs) override { rb_->StartMap(num_pairs); }
  void StartSet(uint32_t len) override { rb_->StartSet(len); }

 private:
  ReplyBuilder* rb_;
};

// Writes `value` (one decoded reply) into `out`.
void WriteRespValue(const RespValue& value, lua::ReplyWriter* out);

}  // namespace lw
