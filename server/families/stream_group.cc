// Consumer groups (Redis 7.0 t_stream.c): XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/
// DELCONSUMER/HELP, XACK, XPENDING (summary and extended), XCLAIM, XAUTOCLAIM.
// Argument errors come before or after the key lookup exactly where Redis checks them.
#include <string>
#include <vector>

#include "server/engine/blocking_cmd.h"
#include "server/families/server_util.h"
#include "server/families/stream_util.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

constexpr std::string_view kXGroupHelp[] = {
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
};

// Redis 7.0's subcommand arities (xgroup|create -5 ...).
bool XGroupArityOk(std::string_view sub, size_t argc, std::string* name) {
  struct Sub {
    std::string_view name;
    int arity;
  };
  static constexpr Sub kSubs[] = {{"create", -5},        {"setid", -5},      {"destroy", 4},
                                  {"createconsumer", 5}, {"delconsumer", 5}, {"help", 2}};
  for (const Sub& s : kSubs) {
    if (!EqualsIgnoreCase(sub, s.name)) continue;
    *name = "xgroup|" + std::string(s.name);
    return s.arity >= 0 ? argc == size_t(s.arity) : argc >= size_t(-s.arity);
  }
  name->clear();
  return true;
}

bool ParseEntriesRead(std::string_view arg, ReplyBuilder* rb, int64_t* out) {
  if (!ParseRedisInt(arg, out)) {
    rb->SendError(errors::kNotInteger);
    return false;
  }
  if (*out < 0 && *out != StreamCG::kInvalidEntriesRead) {
    rb->SendError(errors::kEntriesReadPositive);
    return false;
  }
  return true;
}

void XGroup(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string sub = AsciiUpper(args[1]);
  std::string full;
  if (!XGroupArityOk(sub, args.size(), &full)) return rb->SendError(errors::WrongArity(full));
  if (full.empty()) return rb->SendError(errors::UnknownSubcommand(args[1], "XGROUP"));
  if (sub == "HELP") return SendHelp(rb, kXGroupHelp);
  bool mkstream = false;
  int64_t entries_read = StreamCG::kInvalidEntriesRead;
  if (sub == "CREATE") {
    for (size_t i = 5; i < args.size();) {
      if (EqualsIgnoreCase(args[i], "MKSTREAM")) {
        mkstream = true;
        ++i;
      } else if (EqualsIgnoreCase(args[i], "ENTRIESREAD") && i + 1 < args.size()) {
        if (!ParseEntriesRead(args[i + 1], rb, &entries_read)) return;
        i += 2;
      } else {
        return rb->SendError(errors::SubcommandArity(args[1], "XGROUP"));
      }
    }
  } else if (sub == "SETID") {
    if (args.size() == 7) {
      if (!EqualsIgnoreCase(args[5], "ENTRIESREAD")) {
        return rb->SendError(errors::SubcommandArity(args[1], "XGROUP"));
      }
      if (!ParseEntriesRead(args[6], rb, &entries_read)) return;
    } else if (args.size() != 5) {
      return rb->SendError(errors::SubcommandArity(args[1], "XGROUP"));
    }
  }
  std::string_view key = args[2], group = args[3];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    OpResult<StreamObj*> found = FindStream(op, key);
    if (!found.ok() && found.status() == OpStatus::kWrongType) {
      return std::string(errors::kWrongType);
    }
    StreamObj* s = found.ok() ? *found : nullptr;
    if (s == nullptr && (sub != "CREATE" || !mkstream)) return std::string(errors::kXGroupNoKey);
    StreamCG* cg = s ? s->FindGroup(group) : nullptr;
    if ((sub == "SETID" || sub == "CREATECONSUMER" || sub == "DELCONSUMER") && cg == nullptr) {
      return errors::NoGroupForKey(key, group);
    }
    if (sub == "CREATE" || sub == "SETID") {
      StreamID id;
      if (args[4] == "$") {
        id = s ? s->last_id : StreamID{};
      } else if (!ParseStreamID(args[4], 0, sub == "CREATE", nullptr, &id)) {
        return std::string(errors::kStreamBadId);
      }
      if (sub == "SETID") {
        cg->last_id = id;
        cg->entries_read = entries_read;
      } else {
        if (s == nullptr) {
          s = new StreamObj();
          op.slice->AddOrFind(op.db, key).first.value().SetRobj(ObjType::kStream, s);
        }
        if (s->CreateGroup(group, id, entries_read) == nullptr) {
          return std::string(errors::kBusyGroup);
        }
      }
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kStream, sub == "SETID" ? "xgroup-setid" : "xgroup-create", op.db,
                       key);
      out->SendOk();
    } else if (sub == "DESTROY") {
      bool destroyed = s->DestroyGroup(group);
      if (destroyed) {
        op.slice->MarkModified(op.db, key);
        op.slice->Notify(notify::kStream, "xgroup-destroy", op.db, key);
        NotifyKeyReady(key);  // blocked XREADGROUPs of that group answer -NOGROUP
      }
      out->SendLong(destroyed);
    } else if (sub == "CREATECONSUMER") {
      bool created;
      cg->AddConsumer(args[4], StreamNowMs(), &created);
      if (created) {
        op.slice->MarkModified(op.db, key);
        op.slice->Notify(notify::kStream, "xgroup-createconsumer", op.db, key);
      }
      out->SendLong(created);
    } else {  // DELCONSUMER
      bool existed = cg->FindConsumer(args[4]) != nullptr;
      size_t pending = cg->DeleteConsumer(args[4]);
      op.slice->MarkModified(op.db, key);
      if (existed) op.slice->Notify(notify::kStream, "xgroup-delconsumer", op.db, key);
      out->SendLong(int64_t(pending));
    }
    return {};
  });
}

void XAck(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    OpResult<StreamObj*> s = FindStream(op, key);
    if (!s.ok() && s.status() == OpStatus::kWrongType) return std::string(errors::kWrongType);
    StreamCG* g = s.ok() ? (*s)->FindGroup(args[2]) : nullptr;
    if (g == nullptr) {
      out->SendLong(0);
      return {};
    }
    std::vector<StreamID> ids(args.size() - 3);
    for (size_t j = 3; j < args.size(); ++j) {
      if (!ParseStreamID(args[j], 0, true, nullptr, &ids[j - 3])) {
        return std::string(errors::kStreamBadId);
      }
    }
    int64_t acked = 0;
    for (const StreamID& id : ids) {
      auto it = g->pel.find(id);
      if (it == g->pel.end()) continue;
      it->second->consumer->pel.erase(id);
      g->pel.erase(it);
      ++acked;
    }
    if (acked) op.slice->MarkModified(op.db, key);
    out->SendLong(acked);
    return {};
  });
}

void SendPendingSummary(ReplyBuilder* out, const StreamCG& g) {
  out->StartArray(4);
  out->SendLong(int64_t(g.pel.size()));
  if (g.pel.empty()) {
    out->SendNull();
    out->SendNull();
    out->SendNullArray();
    return;
  }
  SendStreamId(out, g.pel.begin()->first);
  SendStreamId(out, g.pel.rbegin()->first);
  size_t n = 0;
  for (const auto& [name, c] : g.consumers) n += !c->pel.empty();
  out->StartArray(n);
  for (const auto& [name, c] : g.consumers) {
    if (c->pel.empty()) continue;
    out->StartArray(2);
    out->SendBulk(name);
    out->SendBulk(std::to_string(c->pel.size()));
  }
}

// XPENDING key group [[IDLE min-idle] start end count [consumer]]
void XPending(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  bool justinfo = args.size() == 3;
  if (args.size() != 3 && (args.size() < 6 || args.size() > 9)) {
    return rb->SendError(errors::kSyntax);
  }
  StreamID start, end;
  int64_t count = 0, minidle = 0;
  std::string_view consumer;
  bool has_consumer = false;
  if (args.size() >= 6) {
    size_t si = 3;
    if (EqualsIgnoreCase(args[3], "IDLE")) {
      if (!ParseRedisInt(args[4], &minidle)) return rb->SendError(errors::kNotInteger);
      if (args.size() < 8) return rb->SendError(errors::kSyntax);
      si += 2;
    }
    if (!ParseRedisInt(args[si + 2], &count)) return rb->SendError(errors::kNotInteger);
    if (count < 0) count = 0;
    if (!ParseRangeBound(rb, args[si], true, &start)) return;
    if (!ParseRangeBound(rb, args[si + 1], false, &end)) return;
    if (si + 3 < args.size()) {
      consumer = args[si + 3];
      has_consumer = true;
    }
  }
  std::string_view key = args[1], group = args[2];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    StreamObj* s;
    StreamCG* g;
    if (std::string err = FindStreamGroup(op, key, group, &s, &g); !err.empty()) return err;
    if (justinfo) {
      SendPendingSummary(out, *g);
      return {};
    }
    StreamConsumer* c = has_consumer ? g->FindConsumer(consumer) : nullptr;
    if (has_consumer && c == nullptr) {
      out->SendEmptyArray();
      return {};
    }
    int64_t now = StreamNowMs();
    ReplyBuilder body(out->resp_version());
    size_t n = 0;
    auto emit = [&](const StreamID& id, const StreamNACK& nack) {
      if (minidle && now - nack.delivery_time < minidle) return;
      ++n;
      --count;
      body.StartArray(4);
      SendStreamId(&body, id);
      body.SendBulk(nack.consumer->name);
      body.SendLong(std::max<int64_t>(0, now - nack.delivery_time));
      body.SendLong(int64_t(nack.delivery_count));
    };
    if (c != nullptr) {
      for (auto it = c->pel.lower_bound(start); count && it != c->pel.end() && it->first <= end;
           ++it) {
        emit(it->first, *it->second);
      }
    } else {
      for (auto it = g->pel.lower_bound(start); count && it != g->pel.end() && it->first <= end;
           ++it) {
        emit(it->first, *it->second);
      }
    }
    out->StartArray(n);
    out->buffer().append(body.buffer());
    return {};
  });
}

// Moves `nack` (of entry `id`) to consumer `c`.
void Reassign(StreamNACK* nack, const StreamID& id, StreamConsumer* c) {
  if (nack->consumer == c) return;
  if (nack->consumer != nullptr) nack->consumer->pel.erase(id);
  c->pel[id] = nack;
  nack->consumer = c;
}

}  // namespace

void XClaim(CmdArgs args, ConnectionContext* cntx);
void XAutoClaim(CmdArgs args, ConnectionContext* cntx);

void RegisterStreamGroupCommands(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"xgroup", -2, kWrite | kDenyOom, 2, 2, 1, XGroup});
  r->Register({"xack", -4, kWrite | kReadLookups | kFast, 1, 1, 1, XAck});
  r->Register({"xpending", -3, kReadOnly, 1, 1, 1, XPending});
  r->Register({"xclaim", -6, kWrite | kReadLookups | kFast, 1, 1, 1, XClaim});
  r->Register({"xautoclaim", -6, kWrite | kReadLookups | kFast, 1, 1, 1, XAutoClaim});
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n]
// [FORCE] [JUSTID] [LASTID id]
void XClaim(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1], group = args[2], name = args[3];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    StreamObj* s;
    StreamCG* g;
    if (std::string err = FindStreamGroup(op, key, group, &s, &g); !err.empty()) return err;
    int64_t minidle, retrycount = -1, deliverytime = -1;
    if (!ParseRedisInt(args[4], &minidle)) return std::string(errors::kXClaimMinIdle);
    if (minidle < 0) minidle = 0;
    std::vector<StreamID> ids;
    size_t j = 5;
    for (StreamID id; j < args.size() && ParseStreamID(args[j], 0, true, nullptr, &id); ++j) {
      ids.push_back(id);
    }
    int64_t now = StreamNowMs();
    bool force = false, justid = false;
    StreamID last_id;
    for (; j < args.size(); ++j) {
      bool more = j + 1 < args.size();
      std::string_view opt = args[j];
      if (EqualsIgnoreCase(opt, "FORCE")) {
        force = true;
      } else if (EqualsIgnoreCase(opt, "JUSTID")) {
        justid = true;
      } else if (EqualsIgnoreCase(opt, "IDLE") && more) {
        if (!ParseRedisInt(args[++j], &deliverytime)) return std::string(errors::kXClaimIdle);
        deliverytime = now - deliverytime;
      } else if (EqualsIgnoreCase(opt, "TIME") && more) {
        if (!ParseRedisInt(args[++j], &deliverytime)) return std::string(errors::kXClaimTime);
      } else if (EqualsIgnoreCase(opt, "RETRYCOUNT") && more) {
        if (!ParseRedisInt(args[++j], &retrycount)) return std::string(errors::kXClaimRetry);
      } else if (EqualsIgnoreCase(opt, "LASTID") && more) {
        if (!ParseStreamID(args[++j], 0, true, nullptr, &last_id)) {
          return std::string(errors::kStreamBadId);
        }
      } else {
        return errors::XClaimOption(opt);
      }
    }
    if (last_id > g->last_id) g->last_id = last_id;
    if (deliverytime == -1 || deliverytime < 0 || deliverytime > now) deliverytime = now;
    StreamConsumer* c = nullptr;
    ReplyBuilder body(out->resp_version());
    size_t n = 0;
    for (const StreamID& id : ids) {
      auto it = g->pel.find(id);
      StreamNACK* nack = it == g->pel.end() ? nullptr : it->second.get();
      if (!s->Contains(id)) {
        if (nack != nullptr) {
          nack->consumer->pel.erase(id);
          g->pel.erase(it);
        }
        continue;
      }
      if (force && nack == nullptr) {
        auto fresh = std::make_unique<StreamNACK>();
        fresh->delivery_time = now;
        fresh->delivery_count = 1;
        nack = fresh.get();
        g->pel.emplace(id, std::move(fresh));
      }
      if (nack == nullptr) continue;
      if (nack->consumer != nullptr && minidle && now - nack->delivery_time < minidle) continue;
      bool created;
      if (c == nullptr) {
        c = g->AddConsumer(name, now, &created);
        if (created) op.slice->Notify(notify::kStream, "xgroup-createconsumer", op.db, key);
      }
      c->seen_time = now;
      nack->delivery_time = deliverytime;
      if (retrycount >= 0) {
        nack->delivery_count = uint64_t(retrycount);
      } else if (!justid) {
        ++nack->delivery_count;
      }
      Reassign(nack, id, c);
      if (justid) {
        SendStreamId(&body, id);
      } else if (!SendOneEntry(&body, *s, id)) {
        body.SendNull();
      }
      ++n;
    }
    op.slice->MarkModified(op.db, key);
    out->StartArray(n);
    out->buffer().append(body.buffer());
    return {};
  });
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void XAutoClaim(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t minidle, count = 100;
  bool justid = false;
  if (!ParseRedisInt(args[4], &minidle)) return rb->SendError(errors::kXAutoClaimMinIdle);
  if (minidle < 0) minidle = 0;
  StreamID start;
  if (!ParseRangeBound(rb, args[5], true, &start)) return;
  for (size_t j = 6; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "COUNT") && j + 1 < args.size()) {
      constexpr int64_t kMaxCount = INT64_MAX / 16;
      if (!ParseRedisInt(args[j + 1], &count) || count < 1 || count > kMaxCount) {
        return rb->SendError(errors::kXAutoClaimCount);
      }
      ++j;
    } else if (EqualsIgnoreCase(args[j], "JUSTID")) {
      justid = true;
    } else {
      return rb->SendError(errors::kSyntax);
    }
  }
  std::string_view key = args[1], group = args[2], name = args[3];
  RunStreamOp(cntx, key, [&](const OpArgs& op, ReplyBuilder* out) -> std::string {
    StreamObj* s;
    StreamCG* g;
    if (std::string err = FindStreamGroup(op, key, group, &s, &g); !err.empty()) return err;
    int64_t now = StreamNowMs(), left = count, attempts = count * 10;
    StreamConsumer* c = nullptr;
    ReplyBuilder body(out->resp_version());
    size_t n = 0;
    std::vector<StreamID> deleted;
    auto it = g->pel.lower_bound(start);
    while (attempts-- > 0 && left > 0 && it != g->pel.end()) {
      StreamID id = it->first;
      StreamNACK* nack = it->second.get();
      if (!s->Contains(id)) {
        nack->consumer->pel.erase(id);
        it = g->pel.erase(it);
        deleted.push_back(id);
        --left;
        continue;
      }
      ++it;
      if (minidle && now - nack->delivery_time < minidle) continue;
      bool created;
      if (c == nullptr) {
        c = g->AddConsumer(name, now, &created);
        if (created) op.slice->Notify(notify::kStream, "xgroup-createconsumer", op.db, key);
      }
      c->seen_time = now;
      nack->delivery_time = now;
      if (!justid) ++nack->delivery_count;
      Reassign(nack, id, c);
      if (justid) {
        SendStreamId(&body, id);
      } else {
        SendOneEntry(&body, *s, id);
      }
      ++n;
      --left;
    }
    op.slice->MarkModified(op.db, key);
    out->StartArray(3);
    SendStreamId(out, it == g->pel.end() ? StreamID{} : it->first);
    out->StartArray(n);
    out->buffer().append(body.buffer());
    out->StartArray(deleted.size());
    for (const StreamID& id : deleted) SendStreamId(out, id);
    return {};
  });
}

}  // namespace lw
