// XREAD and XREADGROUP, with BLOCK (Redis 7.0 xreadCommand and serveClientsBlockedOnStreamKey).
//
// One transaction over the streams (server/engine/blocking_cmd.h): a first hop looks at every
// key (type, group, last ID); the coordinator then checks each key in argument order as Redis
// does (WRONGTYPE, NOGROUP, the "$" and ">" IDs); a second hop serves what can be served at
// once. If nothing could be and BLOCK was given, the transaction waits on the keys: an XADD
// (from any client, script or MULTI) that leaves a stream with entries past the waiter's ID
// serves the waiter right there, on the stream's thread, before anything else runs on it; so
// for a group, each entry goes to exactly one blocked consumer. A blocked XREADGROUP whose
// key was deleted or changed type answers -UNBLOCKED, whose group was destroyed -NOGROUP, as
// Redis 7.0. Inside MULTI nothing blocks (null reply); inside a script BLOCK is refused.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "server/engine/blocking_cmd.h"
#include "server/families/stream_util.h"
#include "server/types/arg_utils.h"

namespace lw {

namespace {

constexpr StreamID kGtNew = StreamID::Max();  // the ">" ID of XREADGROUP

struct ReadSpec {
  bool xreadgroup = false;
  std::string_view group, consumer;
  bool noack = false;
  size_t count = 0;  // 0: no limit
  bool block = false;
  io::Clock::time_point deadline{};
  CmdArgs keys, ids;
};

// What the first hop saw of a key.
struct KeyLook {
  bool wrongtype = false, exists = false, has_group = false;
  StreamID last_id;
};

// Returns the error text, empty on success.
std::string ParseRead(CmdArgs args, bool xreadgroup, bool from_script, ReadSpec* spec) {
  spec->xreadgroup = xreadgroup;
  size_t streams_arg = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    size_t more = args.size() - i - 1;
    std::string_view o = args[i];
    if (EqualsIgnoreCase(o, "BLOCK") && more) {
      if (from_script) return errors::BlockInScript(args[0]);
      int64_t ms;
      if (!ParseRedisInt(args[++i], &ms)) return std::string(errors::kStreamTimeoutNotInt);
      if (ms < 0) return std::string(errors::kTimeoutNegative);
      spec->block = true;
      spec->deadline =
          ms == 0 ? io::Clock::time_point::max() : io::Clock::now() + std::chrono::milliseconds(ms);
    } else if (EqualsIgnoreCase(o, "COUNT") && more) {
      int64_t n;
      if (!ParseRedisInt(args[++i], &n)) return std::string(errors::kNotInteger);
      spec->count = n < 0 ? 0 : size_t(n);
    } else if (EqualsIgnoreCase(o, "STREAMS") && more) {
      streams_arg = i + 1;
      size_t n = args.size() - streams_arg;
      // Redis 7.0 names XREAD here for XREADGROUP too.
      if (n % 2 != 0) return errors::UnbalancedStreams("XREAD");
      spec->keys = args.subspan(streams_arg, n / 2);
      spec->ids = args.subspan(streams_arg + n / 2);
      break;
    } else if (EqualsIgnoreCase(o, "GROUP") && more >= 2) {
      if (!xreadgroup) return std::string(errors::kXReadGroup);
      spec->group = args[i + 1];
      spec->consumer = args[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(o, "NOACK")) {
      if (!xreadgroup) return std::string(errors::kXReadNoAck);
      spec->noack = true;
    } else {
      return std::string(errors::kSyntax);
    }
  }
  if (streams_arg == 0) return std::string(errors::kSyntax);
  if (xreadgroup && spec->group.data() == nullptr) {
    return std::string(errors::kXReadGroupMissing);
  }
  return {};
}

// The per-key checks of xreadCommand, in argument order; fills gts. Error text or empty.
std::string CheckKeys(const ReadSpec& spec, const std::vector<KeyLook>& looks,
                      std::vector<StreamID>* gts) {
  for (size_t i = 0; i < spec.keys.size(); ++i) {
    const KeyLook& k = looks[i];
    if (k.wrongtype) return std::string(errors::kWrongType);
    if (spec.xreadgroup && (!k.exists || !k.has_group)) {
      return errors::NoGroupXReadGroup(spec.keys[i], spec.group);
    }
    std::string_view id = spec.ids[i];
    if (id == "$") {
      if (spec.xreadgroup) return std::string(errors::kXReadGroupDollar);
      (*gts)[i] = k.exists ? k.last_id : StreamID{};
    } else if (id == ">") {
      if (!spec.xreadgroup) return std::string(errors::kXReadGt);
      (*gts)[i] = kGtNew;
    } else if (!ParseStreamID(id, 0, true, nullptr, &(*gts)[i])) {
      return std::string(errors::kStreamBadId);
    }
  }
  return {};
}

// Delivers new entries (after start - 1) of `s` to the group: moves its last ID, counts the
// logical reads, records NACKs unless NOACK. Writes the entries array.
void ServeNew(ReplyBuilder* rb, StreamObj* s, StreamCG* g, StreamConsumer* c, const StreamID& start,
              const ReadSpec& spec, int64_t now) {
  ReplyBuilder body(rb->resp_version());
  size_t n = 0;
  s->Range(start, StreamID::Max(), false,
           [&](const StreamID& id, std::span<const std::string_view> fv) {
             if (g != nullptr && id > g->last_id) {
               if (g->entries_read != StreamCG::kInvalidEntriesRead &&
                   !s->RangeHasTombstones(id, StreamID::Max())) {
                 ++g->entries_read;
               } else if (s->entries_added) {
                 g->entries_read = s->EstimateDistanceFromFirstEverEntry(id);
               }
               g->last_id = id;
             }
             SendStreamEntry(&body, id, fv);
             if (g != nullptr && !spec.noack) {
               auto [it, inserted] = g->pel.try_emplace(id, nullptr);
               if (inserted) it->second = std::make_unique<StreamNACK>();
               StreamNACK* nack = it->second.get();
               if (!inserted) nack->consumer->pel.erase(id);
               nack->consumer = c;
               nack->delivery_time = now;
               nack->delivery_count = 1;
               c->pel[id] = nack;
             }
             ++n;
             return spec.count == 0 || n < spec.count;
           });
  rb->StartArray(n);
  rb->buffer().append(body.buffer());
}

// The consumer's pending entries from `start` on: deleted entries as [id, nil].
void ServeHistory(ReplyBuilder* rb, StreamObj* s, StreamConsumer* c, const StreamID& start,
                  const ReadSpec& spec, int64_t now) {
  ReplyBuilder body(rb->resp_version());
  size_t n = 0;
  for (auto it = c->pel.lower_bound(start);
       it != c->pel.end() && (spec.count == 0 || n < spec.count); ++it, ++n) {
    if (SendOneEntry(&body, *s, it->first)) {
      it->second->delivery_time = now;
      ++it->second->delivery_count;
    } else {
      body.StartArray(2);
      SendStreamId(&body, it->first);
      body.SendNullArray();
    }
  }
  rb->StartArray(n);
  rb->buffer().append(body.buffer());
}

// The consumer an XREADGROUP serves: created if new (notified), seen now; the key is modified.
StreamConsumer* ServedConsumer(const OpArgs& op, std::string_view key, StreamCG* g,
                               std::string_view name, int64_t now) {
  bool created;
  StreamConsumer* c = g->AddConsumer(name, now, &created);
  if (created) op.slice->Notify(notify::kStream, "xgroup-createconsumer", op.db, key);
  c->seen_time = now;
  op.slice->MarkModified(op.db, key);
  return c;
}

// Serves key i synchronously if Redis would; writes [key, entries] (RESP3: key, entries).
bool ServeKeyNow(const OpArgs& op, const ReadSpec& spec, size_t i, StreamID gt, ReplyBuilder* rb) {
  std::string_view key = spec.keys[i];
  OpResult<StreamObj*> found = FindStream(op, key);
  if (!found.ok()) return false;
  StreamObj* s = *found;
  int64_t now = StreamNowMs();
  StreamCG* g = nullptr;
  StreamConsumer* c = nullptr;
  bool serve = false, history = false;
  if (spec.xreadgroup) {
    g = s->FindGroup(spec.group);
    if (g == nullptr) return false;
    if (gt != kGtNew) {
      serve = history = true;
    } else if (s->size() > 0 && *s->LastEntry() > g->last_id) {
      serve = true;
      gt = g->last_id;
    }
  } else {
    serve = s->size() > 0 && *s->LastEntry() > gt;
  }
  if (!serve) return false;
  // Redis creates the consumer only when it serves it.
  if (g != nullptr) c = ServedConsumer(op, key, g, spec.consumer, now);
  StreamID start = gt;
  start.Incr();
  if (!rb->IsResp3()) rb->StartArray(2);
  rb->SendBulk(key);
  if (history) {
    ServeHistory(rb, s, c, start, spec, now);
  } else {
    ServeNew(rb, s, g, c, start, spec, now);
  }
  return true;
}

// After a wake: [[key, entries]] (RESP3 {key: entries}) or an error; see the file comment.
struct WakeReply {
  std::string error;
  std::string bytes;
};

template <typename Hops>
void ReadWithHops(Hops& hops, BlockingTx* btx, const ReadSpec& spec, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  size_t n = spec.keys.size();
  std::vector<KeyLook> looks(n);
  auto look = [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      OpResult<StreamObj*> s = FindStream(op, a.key);
      KeyLook& k = looks[a.index];
      k.wrongtype = !s.ok() && s.status() == OpStatus::kWrongType;
      k.exists = s.ok();
      if (s.ok()) {
        k.last_id = (*s)->last_id;
        k.has_group = spec.xreadgroup && (*s)->FindGroup(spec.group) != nullptr;
      }
    }
  };
  if (!hops.Run(look)) return rb->SendError(errors::kUndeclaredKeys);
  std::vector<StreamID> gts(n);
  if (std::string err = CheckKeys(spec, looks, &gts); !err.empty()) return rb->SendError(err);
  RespVersion version = rb->resp_version();
  std::vector<std::optional<std::string>> parts(n);
  hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      ReplyBuilder part(version);
      if (ServeKeyNow(op, spec, a.index, gts[a.index], &part)) parts[a.index] = part.buffer();
    }
  });
  size_t served = std::count_if(parts.begin(), parts.end(), [](auto& p) { return p.has_value(); });
  if (served > 0) {
    rb->IsResp3() ? rb->StartMap(served) : rb->StartArray(served);
    for (auto& p : parts) {
      if (p) rb->buffer().append(*p);
    }
    return;
  }
  if (!spec.block || btx == nullptr || !btx->can_block()) return rb->SendNullArray();
  // Block: XREAD waits for entries past its ID, XREADGROUP for entries past the group's.
  auto index_of = [&](std::string_view key) {
    return size_t(std::find(spec.keys.begin(), spec.keys.end(), key) - spec.keys.begin());
  };
  WakeReply wake;
  auto ready = [&](const OpArgs& op, std::string_view key) -> bool {
    OpResult<StreamObj*> s = FindStream(op, key);
    if (spec.xreadgroup) {
      if (!s.ok()) return true;  // deleted or another type: -UNBLOCKED
      StreamCG* g = (*s)->FindGroup(spec.group);
      return g == nullptr || (*s)->last_id > g->last_id;
    }
    return s.ok() && (*s)->last_id > gts[index_of(key)];
  };
  auto serve = [&](const OpArgs& op, std::string_view key) -> OpStatus {
    OpResult<StreamObj*> s = FindStream(op, key);
    if (!s.ok()) {
      wake.error = errors::kStreamGone;
      return OpStatus::kOk;
    }
    StreamID gt = gts[index_of(key)];
    if (spec.xreadgroup) {
      StreamCG* g = (*s)->FindGroup(spec.group);
      if (g == nullptr) {
        wake.error = errors::kGroupGone;
        return OpStatus::kOk;
      }
      gt = g->last_id;
    }
    ReplyBuilder out(version);
    out.IsResp3() ? out.StartMap(1) : out.StartArray(1);
    if (!out.IsResp3()) out.StartArray(2);
    out.SendBulk(key);
    int64_t now = StreamNowMs();
    StreamConsumer* c = nullptr;
    StreamCG* g = spec.xreadgroup ? (*s)->FindGroup(spec.group) : nullptr;
    if (g != nullptr) c = ServedConsumer(op, key, g, spec.consumer, now);
    StreamID start = gt;
    start.Incr();
    ServeNew(&out, *s, g, c, start, spec, now);
    wake.bytes = std::move(out.buffer());
    return OpStatus::kOk;
  };
  auto res = btx->Wait(spec.keys, spec.deadline, ready, serve);
  if (!res.ok()) return SendPopFailure(rb, res.status());  // timed out, unblocked, left
  if (!wake.error.empty()) return rb->SendError(wake.error);
  rb->buffer().append(wake.bytes);
}

void ReadGeneric(CmdArgs args, ConnectionContext* cntx, bool xreadgroup) {
  ReadSpec spec;
  if (std::string err = ParseRead(args, xreadgroup, cntx->from_script, &spec); !err.empty()) {
    return cntx->rb->SendError(err);
  }
  if (cntx->multi_tx != nullptr || cntx->direct_shard != nullptr) {
    KeyHops hops(cntx, spec.keys);
    return ReadWithHops(hops, nullptr, spec, cntx);
  }
  BlockingTx btx(cntx, spec.keys);
  ReadWithHops(btx, &btx, spec, cntx);
}

}  // namespace

void RegisterStreamReadCommands(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"xread", -4, kReadOnly | kBlocking | kMovableKeys, 0, 0, 0,
               [](CmdArgs a, ConnectionContext* c) { ReadGeneric(a, c, false); }});
  r->Register({"xreadgroup", -7, kWrite | kReadLookups | kBlocking | kMovableKeys, 0, 0, 0,
               [](CmdArgs a, ConnectionContext* c) { ReadGeneric(a, c, true); }});
}

}  // namespace lw
