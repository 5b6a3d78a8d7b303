// What the stream commands share (stream_family.cc, stream_read.cc, stream_group.cc,
// stream_info.cc): ID arguments, entry replies, and RunStreamOp, the one way they reach a key.
//
// A stream op runs on the key's shard and writes its whole reply there, into a ReplyBuilder
// of the client's protocol version; the coordinator appends those bytes (or sends the error
// the op returned) to the client's builder. Replies of several entries are thus built once,
// without copying the entries out of the stream first.
// Thread-safety: ops run on the key's shard thread; the rest on the connection fiber.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "server/resp/error_strings.h"
#include "server/resp/reply_builder.h"
#include "server/types/stream_obj.h"

namespace lw {

// What a stream op hands back: an error text, or the bytes of its reply.
struct StreamOpReply {
  std::string error;
  std::string bytes;
};

// Runs op(const OpArgs&, ReplyBuilder* rb) -> std::string (an error text, empty on success)
// on the key's shard and replies with its outcome.
template <typename Op>
void RunStreamOp(ConnectionContext* cntx, std::string_view key, Op&& op) {
  RespVersion version = cntx->rb->resp_version();
  OpResult<StreamOpReply> res =
      RunOnKeyShard(cntx, key, [&](const OpArgs& args) -> OpResult<StreamOpReply> {
        ReplyBuilder rb(version);
        StreamOpReply out;
        out.error = op(args, &rb);
        if (out.error.empty()) out.bytes = std::move(rb.buffer());
        return out;
      });
  if (!res.ok()) return cntx->rb->SendError(errors::kUndeclaredKeys);
  if (!res->error.empty()) return cntx->rb->SendError(res->error);
  cntx->rb->buffer().append(res->bytes);
}

// The stream at `key`: kKeyNotFound or kWrongType otherwise.
OpResult<StreamObj*> FindStream(const OpArgs& op, std::string_view key);

// The stream at `key` and its consumer group `group` in *s and *g; on failure the error reply
// (WRONGTYPE, or Redis's NOGROUP text for a missing key or group), else "".
std::string FindStreamGroup(const OpArgs& op, std::string_view key, std::string_view group,
                            StreamObj** s, StreamCG** g);

// Unix time in ms (delivery and seen times).
int64_t StreamNowMs();

// Redis's ID arguments; false after replying "Invalid stream ID" (the *Reply forms).
bool ParseIdOrReply(ReplyBuilder* rb, std::string_view arg, uint64_t missing_seq, bool strict,
                    StreamID* id);
// An interval bound of XRANGE/XPENDING/XAUTOCLAIM: "(" makes it exclusive (strict ID after
// it). A start bound moves to the next ID, an end bound to the previous; replies Redis's error
// and returns false on a bad bound.
bool ParseRangeBound(ReplyBuilder* rb, std::string_view arg, bool is_start, StreamID* id);

void SendStreamId(ReplyBuilder* rb, const StreamID& id);
// [id, [f1, v1, ...]]
void SendStreamEntry(ReplyBuilder* rb, const StreamID& id, std::span<const std::string_view> fv);
// Entries of `s` within [start, end] (descending with rev), at most `count` (0: all), as an
// array of entries. Returns how many.
size_t SendStreamRange(ReplyBuilder* rb, const StreamObj& s, const StreamID& start,
                       const StreamID& end, bool rev, size_t count);
// The one entry `id` as SendStreamEntry, or false if the stream has no such live entry.
bool SendOneEntry(ReplyBuilder* rb, const StreamObj& s, const StreamID& id);

// Registration of the commands of each file (stream_family.cc calls them all).
void RegisterStreamReadCommands(CommandRegistry* registry);
void RegisterStreamGroupCommands(CommandRegistry* registry);
void RegisterStreamInfoCommands(CommandRegistry* registry);

}  // namespace lw
