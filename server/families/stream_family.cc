// Stream family (Redis 7.0). This file: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID and the
// registration of every stream command. Beside it: XREAD/XREADGROUP and blocking in
// stream_read.cc, XGROUP XACK XPENDING XCLAIM XAUTOCLAIM in stream_group.cc, XINFO in
// stream_info.cc; what they share is stream_util.h. Values are StreamObj (types/stream_obj.h).
//
// Arguments are checked in Redis's order: XADD parses everything before looking at the key,
// XDEL looks the key up first (a missing key answers 0 whatever the IDs).
// Every write that adds entries calls NotifyKeyReady, so blocked XREAD/XREADGROUP wake.
#include "server/families/stream_family.h"

#include <string>
#include <vector>

#include "server/engine/blocking_cmd.h"
#include "server/engine/family_util.h"
#include "server/families/stream_util.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

// XADD / XTRIM options (streamParseAddOrTrimArgsOrReply).
struct AddTrimArgs {
  StreamObj::TrimArgs trim;
  bool limit_given = false;
  bool nomkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamID id;
  size_t id_pos = 0;  // XADD: index of the ID argument
};

// CONFIG's stream-node-max-bytes / -entries, read once where XADD / XTRIM starts.
StreamObj::Limits NodeLimits(ConnectionContext* cntx) {
  const RuntimeConfig& rt = cntx->service->runtime();
  return {size_t(rt.stream_node_max_bytes.load(std::memory_order_relaxed)),
          size_t(rt.stream_node_max_entries.load(std::memory_order_relaxed))};
}

// Returns the error text, empty on success. `limits`: the node settings, for the default
// LIMIT of approximate trims.
std::string_view ParseAddTrim(CmdArgs args, bool xadd, const StreamObj::Limits& limits,
                              AddTrimArgs* out) {
  using Trim = StreamObj::TrimArgs;
  size_t i = 2;
  for (; i < args.size(); ++i) {
    size_t more = args.size() - 1 - i;
    std::string_view opt = args[i];
    if (xadd && opt == "*") break;
    bool maxlen = EqualsIgnoreCase(opt, "MAXLEN"), minid = EqualsIgnoreCase(opt, "MINID");
    if ((maxlen || minid) && more) {
      if (out->trim.strategy != Trim::kNone) return errors::kMaxlenMinid;
      out->trim.approx = false;
      std::string_view next = args[i + 1];
      if (more >= 2 && (next == "~" || next == "=")) {
        out->trim.approx = next == "~";
        ++i;
      }
      if (maxlen) {
        int64_t n;
        if (!ParseRedisInt(args[i + 1], &n)) return errors::kNotInteger;
        if (n < 0) return errors::kMaxlenNegative;
        out->trim.maxlen = uint64_t(n);
        out->trim.strategy = Trim::kMaxLen;
      } else {
        if (!ParseStreamID(args[i + 1], 0, true, nullptr, &out->trim.minid)) {
          return errors::kStreamBadId;
        }
        out->trim.strategy = Trim::kMinId;
      }
      ++i;
    } else if (EqualsIgnoreCase(opt, "LIMIT") && more) {
      if (!ParseRedisInt(args[i + 1], &out->trim.limit)) return errors::kNotInteger;
      if (out->trim.limit < 0) return errors::kStreamLimitNegative;
      out->limit_given = true;
      ++i;
    } else if (xadd && EqualsIgnoreCase(opt, "NOMKSTREAM")) {
      out->nomkstream = true;
    } else if (xadd) {
      if (!ParseStreamID(opt, 0, true, &out->seq_given, &out->id)) return errors::kStreamBadId;
      out->id_given = true;
      break;
    } else {
      return errors::kSyntax;
    }
  }
  out->id_pos = i;
  if (out->trim.limit && out->trim.strategy == Trim::kNone) return errors::kLimitNoStrategy;
  if (!xadd && out->trim.strategy == Trim::kNone) return errors::kXTrimNoStrategy;
  if (out->limit_given) {
    if (!out->trim.approx) return errors::kLimitNoApprox;
  } else {
    // Approximate trims: 100 * stream-node-max-entries, 10000 when that is 0, at most a
    // million, as Redis; exact trims are never limited.
    size_t per_node = limits.node_max_entries;
    out->trim.limit = !out->trim.approx ? 0
                      : per_node == 0   ? 10'000
                                        : int64_t(std::min<size_t>(per_node, 10'000) * 100);
  }
  return {};
}

void XAdd(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  AddTrimArgs p;
  const StreamObj::Limits limits = NodeLimits(cntx);
  if (std::string_view err = ParseAddTrim(args, true, limits, &p); !err.empty()) {
    return rb->SendError(err);
  }
  size_t field_pos = p.id_pos + 1;
  if (field_pos > args.size() || args.size() - field_pos < 2 ||
      (args.size() - field_pos) % 2 == 1) {
    return rb->SendError(errors::WrongArity("xadd"));
  }
  if (p.id_given && p.seq_given && p.id.IsZero()) return rb->SendError(errors::kXAddIdZero);
  std::string_view key = args[1];
  CmdArgs fv = args.subspan(field_pos);
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    OpResult<StreamObj*> found = FindStream(op, key);
    StreamObj* s;
    if (found.ok()) {
      s = *found;
    } else if (found.status() == OpStatus::kWrongType) {
      return std::string(errors::kWrongType);
    } else {
      if (p.nomkstream) {
        out->SendNull();
        return {};
      }
      s = nullptr;
    }
    StreamObj fresh_probe;  // an empty stream's state, to check the ID before creating it
    const StreamObj& cur = s ? *s : fresh_probe;
    if (cur.last_id == StreamID::Max()) return std::string(errors::kXAddExhausted);
    StreamID id;
    if (!p.id_given) {
      uint64_t now = uint64_t(StreamNowMs());
      if (now > cur.last_id.ms) {
        id = {now, 0};
      } else {
        id = cur.last_id;
        id.Incr();
      }
    } else if (p.seq_given) {
      id = p.id;
    } else if (cur.last_id.ms == p.id.ms) {
      // Redis 7.0 fails here without setting errno, so it answers with its other error.
      if (cur.last_id.seq == UINT64_MAX) return std::string(errors::kStreamTooLarge);
      id = {p.id.ms, cur.last_id.seq + 1};
    } else {
      id = p.id;
    }
    if (id <= cur.last_id) return std::string(errors::kXAddIdSmall);
    if (s == nullptr) {
      s = new StreamObj();
      op.slice->AddOrFind(op.db, key).first.value().SetRobj(ObjType::kStream, s);
    }
    s->Append(id, fv, limits);
    SendStreamId(out, id);
    op.slice->Notify(notify::kStream, "xadd", op.db, key);
    if (s->Trim(p.trim) > 0) op.slice->Notify(notify::kStream, "xtrim", op.db, key);
    op.slice->MarkModified(op.db, key);
    NotifyKeyReady(key);
    return {};
  });
}

void XLen(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    OpResult<StreamObj*> s = FindStream(op, key);
    if (!s.ok() && s.status() == OpStatus::kWrongType) return std::string(errors::kWrongType);
    out->SendLong(s.ok() ? int64_t((*s)->size()) : 0);
    return {};
  });
}

// XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n]
void RangeGeneric(CmdArgs args, ConnectionContext* cntx, bool rev) {
  ReplyBuilder* rb = cntx->rb;
  StreamID start, end;
  if (!ParseRangeBound(rb, rev ? args[3] : args[2], true, &start)) return;
  if (!ParseRangeBound(rb, rev ? args[2] : args[3], false, &end)) return;
  int64_t count = -1;
  for (size_t j = 4; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "COUNT") && j + 1 < args.size()) {
      if (!ParseRedisInt(args[j + 1], &count)) return rb->SendError(errors::kNotInteger);
      if (count < 0) count = 0;
      ++j;
    } else {
      return rb->SendError(errors::kSyntax);
    }
  }
  std::string_view key = args[1];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    OpResult<StreamObj*> s = FindStream(op, key);
    if (!s.ok()) {
      if (s.status() == OpStatus::kWrongType) return std::string(errors::kWrongType);
      out->SendEmptyArray();
      return {};
    }
    if (count == 0) {
      out->SendNullArray();
    } else {
      SendStreamRange(out, **s, start, end, rev, count < 0 ? 0 : size_t(count));
    }
    return {};
  });
}

void XDel(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    OpResult<StreamObj*> s = FindStream(op, key);
    if (!s.ok()) {
      if (s.status() == OpStatus::kWrongType) return std::string(errors::kWrongType);
      out->SendLong(0);
      return {};
    }
    std::vector<StreamID> ids(args.size() - 2);
    for (size_t j = 2; j < args.size(); ++j) {
      if (!ParseStreamID(args[j], 0, true, nullptr, &ids[j - 2])) {
        return std::string(errors::kStreamBadId);
      }
    }
    int64_t deleted = 0;
    for (const StreamID& id : ids) deleted += (*s)->Delete(id);
    if (deleted) {
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kStream, "xdel", op.db, key);
    }
    out->SendLong(deleted);
    return {};
  });
}

void XTrim(CmdArgs args, ConnectionContext* cntx) {
  AddTrimArgs p;
  if (std::string_view err = ParseAddTrim(args, false, NodeLimits(cntx), &p); !err.empty()) {
    return cntx->rb->SendError(err);
  }
  std::string_view key = args[1];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    OpResult<StreamObj*> s = FindStream(op, key);
    if (!s.ok()) {
      if (s.status() == OpStatus::kWrongType) return std::string(errors::kWrongType);
      out->SendLong(0);
      return {};
    }
    int64_t deleted = (*s)->Trim(p.trim);
    if (deleted) {
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kStream, "xtrim", op.db, key);
    }
    out->SendLong(deleted);
    return {};
  });
}

// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
void XSetId(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  StreamID id, max_xdel;
  int64_t entries_added = -1;
  if (!ParseIdOrReply(rb, args[2], 0, true, &id)) return;
  for (size_t i = 3; i < args.size(); i += 2) {
    bool more = i + 1 < args.size();
    if (EqualsIgnoreCase(args[i], "ENTRIESADDED") && more) {
      if (!ParseRedisInt(args[i + 1], &entries_added)) return rb->SendError(errors::kNotInteger);
      if (entries_added < 0) return rb->SendError(errors::kEntriesAddedPositive);
    } else if (EqualsIgnoreCase(args[i], "MAXDELETEDID") && more) {
      if (!ParseIdOrReply(rb, args[i + 1], 0, true, &max_xdel)) return;
      if (id < max_xdel) return rb->SendError(errors::kXSetIdProvidedMaxDeleted);
    } else {
      return rb->SendError(errors::kSyntax);
    }
  }
  std::string_view key = args[1];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    OpResult<StreamObj*> found = FindStream(op, key);
    if (!found.ok()) {
      return std::string(found.status() == OpStatus::kWrongType ? errors::kWrongType
                                                                : errors::kNoSuchKey);
    }
    StreamObj* s = *found;
    // Redis 7.0 checks only the live top item (not the stream's max deleted ID).
    if (s->size() > 0) {
      if (id < *s->LastEntry()) return std::string(errors::kXSetIdSmall);
      if (entries_added != -1 && s->size() > uint64_t(entries_added)) {
        return std::string(errors::kXSetIdEntriesAdded);
      }
    }
    s->last_id = id;
    if (entries_added != -1) s->entries_added = uint64_t(entries_added);
    if (!max_xdel.IsZero()) s->max_deleted_id = max_xdel;
    op.slice->MarkModified(op.db, key);
    op.slice->Notify(notify::kStream, "xsetid", op.db, key);
    out->SendOk();
    return {};
  });
}

}  // namespace

void RegisterStreamFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"xadd", -5, kWrite | kDenyOom | kFast, 1, 1, 1, XAdd});
  r->Register({"xlen", 2, kReadOnly | kFast, 1, 1, 1, XLen});
  r->Register({"xrange", -4, kReadOnly, 1, 1, 1,
               [](CmdArgs a, ConnectionContext* c) { RangeGeneric(a, c, false); }});
  r->Register({"xrevrange", -4, kReadOnly, 1, 1, 1,
               [](CmdArgs a, ConnectionContext* c) { RangeGeneric(a, c, true); }});
  r->Register({"xdel", -3, kWrite | kFast, 1, 1, 1, XDel});
  r->Register({"xtrim", -4, kWrite, 1, 1, 1, XTrim});
  r->Register({"xsetid", -3, kWrite | kDenyOom | kFast, 1, 1, 1, XSetId});
  RegisterStreamReadCommands(r);
  RegisterStreamGroupCommands(r);
  RegisterStreamInfoCommands(r);
}

}  // namespace lw
