// The helpers of stream_util.h.
#include "server/families/stream_util.h"

#include "server/engine/family_util.h"

namespace lw {

OpResult<StreamObj*> FindStream(const OpArgs& op, std::string_view key) {
  return FindContainer<StreamObj>(op, key, ObjType::kStream);
}

std::string FindStreamGroup(const OpArgs& op, std::string_view key, std::string_view group,
                            StreamObj** s, StreamCG** g) {
  OpResult<StreamObj*> found = FindStream(op, key);
  if (!found.ok() && found.status() == OpStatus::kWrongType) return std::string(errors::kWrongType);
  *s = found.ok() ? *found : nullptr;
  *g = *s != nullptr ? (*s)->FindGroup(group) : nullptr;
  if (*g == nullptr) return errors::NoKeyOrGroup(key, group);
  return {};
}

int64_t StreamNowMs() { return DbSlice::NowMs(); }

bool ParseIdOrReply(ReplyBuilder* rb, std::string_view arg, uint64_t missing_seq, bool strict,
                    StreamID* id) {
  if (ParseStreamID(arg, missing_seq, strict, nullptr, id)) return true;
  rb->SendError(errors::kStreamBadId);
  return false;
}

bool ParseRangeBound(ReplyBuilder* rb, std::string_view arg, bool is_start, StreamID* id) {
  bool exclusive = arg.size() > 1 && arg[0] == '(';
  uint64_t missing_seq = is_start ? 0 : UINT64_MAX;
  if (exclusive) {
    if (!ParseIdOrReply(rb, arg.substr(1), missing_seq, true, id)) return false;
    if (is_start ? !id->Incr() : !id->Decr()) {
      rb->SendError(is_start ? errors::kBadStartId : errors::kBadEndId);
      return false;
    }
    return true;
  }
  return ParseIdOrReply(rb, arg, missing_seq, false, id);
}

void SendStreamId(ReplyBuilder* rb, const StreamID& id) { rb->SendBulk(id.ToString()); }

void SendStreamEntry(ReplyBuilder* rb, const StreamID& id, std::span<const std::string_view> fv) {
  rb->StartArray(2);
  SendStreamId(rb, id);
  rb->StartArray(fv.size());
  for (std::string_view s : fv) rb->SendBulk(s);
}

size_t SendStreamRange(ReplyBuilder* rb, const StreamObj& s, const StreamID& start,
                       const StreamID& end, bool rev, size_t count) {
  // The count is known only at the end: build the entries aside, then the header.
  ReplyBuilder body(rb->resp_version());
  size_t n = 0;
  s.Range(start, end, rev, [&](const StreamID& id, std::span<const std::string_view> fv) {
    SendStreamEntry(&body, id, fv);
    ++n;
    return count == 0 || n < count;
  });
  rb->StartArray(n);
  rb->buffer().append(body.buffer());
  return n;
}

bool SendOneEntry(ReplyBuilder* rb, const StreamObj& s, const StreamID& id) {
  bool found = false;
  s.Range(id, id, false, [&](const StreamID& eid, std::span<const std::string_view> fv) {
    SendStreamEntry(rb, eid, fv);
    found = true;
    return false;
  });
  return found;
}

}  // namespace lw
