// Set commands (Redis 7): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SSCAN,
// and the multi-key ones: SMOVE SINTER SUNION SDIFF SINTERCARD SINTERSTORE SUNIONSTORE
// SDIFFSTORE.
// Values are SetObj (set_obj.h). Each handler parses its arguments on the connection fiber,
// runs one op on the key's shard (copying out what the reply needs) and replies.
// Multi-key commands run as one transaction over all their keys: the sources are copied out of
// their shards in one parallel hop, the result is computed on the connection fiber, and a
// *STORE writes its destination in a second hop while every key is still locked (KeyHops).
#include "server/families/set_family.h"

#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "server/engine/connection_context.h"
#include "server/engine/family_util.h"
#include "server/engine/op_args.h"
#include "server/engine/scan_args.h"
#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/set_obj.h"

namespace lw {

namespace {

uint64_t Rand64() { return ThreadRng()(); }

void SendOpError(ReplyBuilder* rb, OpStatus st) {
  if (st == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  rb->SendError(errors::kSyntax);
}

// CONFIG's set-max-intset-entries / set-max-listpack-entries, read once where a command that
// builds or grows a set starts (the shard callbacks then use this copy).
SetLimits Limits(ConnectionContext* cntx) {
  const RuntimeConfig& rt = cntx->service->runtime();
  return {size_t(rt.set_max_intset_entries.load(std::memory_order_relaxed)),
          size_t(rt.set_max_listpack_entries.load(std::memory_order_relaxed))};
}

// The set at `key`, or kKeyNotFound / kWrongType.
OpResult<SetObj*> FindSet(const OpArgs& op, std::string_view key) {
  return FindContainer<SetObj>(op, key, ObjType::kSet);
}

void SAdd(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  CmdArgs members = args.subspan(2);
  SetLimits limits = Limits(cntx);
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<SetObj*> found = FindSet(op, key);
    SetObj* set;
    if (found.ok()) {
      set = *found;
    } else if (found.status() == OpStatus::kKeyNotFound) {
      set = new SetObj(members[0], members.size(), limits);
      auto [it, inserted] = op.slice->AddOrFind(op.db, key);
      it.value().SetRobj(ObjType::kSet, set);
    } else {
      return found.status();
    }
    int64_t added = 0;
    for (std::string_view m : members) added += set->Add(m, limits);
    if (added > 0) {
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kSet, "sadd", op.db, key);
    }
    return added;
  });
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

void SRem(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) {
    return RemoveMembers<SetObj>(
        op, key, ObjType::kSet, args.subspan(2),
        [](SetObj* set, std::string_view m) { return set->Remove(m); }, notify::kSet, "srem");
  });
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

void SMembers(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  auto res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<std::vector<std::string>> {
    OpResult<SetObj*> set = FindSet(op, key);
    if (!set.ok()) {
      if (set.status() == OpStatus::kKeyNotFound) return std::vector<std::string>{};
      return set.status();
    }
    return (*set)->Members();
  });
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->StartSet(res->size());
  for (const std::string& m : *res) cntx->rb->SendBulk(m);
}

// SISMEMBER and SMISMEMBER: one flag per member.
OpResult<std::vector<bool>> OpIsMember(ConnectionContext* cntx, std::string_view key,
                                       CmdArgs members) {
  return RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<std::vector<bool>> {
    std::vector<bool> out(members.size(), false);
    OpResult<SetObj*> set = FindSet(op, key);
    if (!set.ok()) {
      if (set.status() == OpStatus::kKeyNotFound) return out;
      return set.status();
    }
    for (size_t i = 0; i < members.size(); ++i) out[i] = (*set)->Contains(members[i]);
    return out;
  });
}

void SIsMember(CmdArgs args, ConnectionContext* cntx) {
  auto res = OpIsMember(cntx, args[1], args.subspan(2));
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->SendLong((*res)[0] ? 1 : 0);
}

void SMIsMember(CmdArgs args, ConnectionContext* cntx) {
  auto res = OpIsMember(cntx, args[1], args.subspan(2));
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->StartArray(res->size());
  for (bool b : *res) cntx->rb->SendLong(b ? 1 : 0);
}

void SCard(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(
      cntx, key, [&](const OpArgs& op) { return ContainerSize<SetObj>(op, key, ObjType::kSet); });
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

// SPOP key [count]
void SPop(CmdArgs args, ConnectionContext* cntx) {
  if (args.size() > 3) return cntx->rb->SendError(errors::kSyntax);
  bool has_count = args.size() == 3;
  int64_t count = 1;
  if (has_count && (!ParseRedisInt(args[2], &count) || count < 0)) {
    return cntx->rb->SendError(errors::kMustBePositive);
  }
  std::string_view key = args[1];
  struct Popped {
    bool exists = false;
    std::vector<std::string> members;
  };
  auto res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Popped> {
    Popped out;
    OpResult<SetObj*> found = FindSet(op, key);
    if (!found.ok()) {
      if (found.status() == OpStatus::kKeyNotFound) return out;
      return found.status();
    }
    out.exists = true;
    SetObj* set = *found;
    if (uint64_t(count) >= set->size()) {
      out.members = set->Members();
      op.slice->Notify(notify::kSet, "spop", op.db, key);
      op.slice->Del(op.db, key);
      op.slice->Notify(notify::kGeneric, "del", op.db, key);
      return out;
    }
    out.members.reserve(size_t(count));
    for (int64_t i = 0; i < count; ++i) out.members.push_back(set->PopRandom(&Rand64));
    if (count > 0) {
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kSet, "spop", op.db, key);
    }
    return out;
  });
  ReplyBuilder* rb = cntx->rb;
  if (!res.ok()) return SendOpError(rb, res.status());
  if (!has_count) {
    if (!res->exists) return rb->SendNull();
    return rb->SendBulk(res->members[0]);
  }
  rb->StartSet(res->members.size());
  for (const std::string& m : res->members) rb->SendBulk(m);
}

// SRANDMEMBER key [count]
void SRandMember(CmdArgs args, ConnectionContext* cntx) {
  if (args.size() > 3) return cntx->rb->SendError(errors::kSyntax);
  bool has_count = args.size() == 3;
  int64_t count = 1;
  if (has_count) {
    if (!ParseRedisInt(args[2], &count)) return cntx->rb->SendError(errors::kNotInteger);
    if (count == INT64_MIN) return cntx->rb->SendError(errors::kNotInt64Range);
  }
  std::string_view key = args[1];
  auto res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<std::vector<std::string>> {
    std::vector<std::string> out;
    OpResult<SetObj*> found = FindSet(op, key);
    if (!found.ok()) {
      if (found.status() == OpStatus::kKeyNotFound) return out;
      return found.status();
    }
    const SetObj* set = *found;
    if (!has_count) {
      out.push_back(set->RandomMember(&Rand64));
      return out;
    }
    if (count < 0) {  // with repetitions
      out.reserve(size_t(-count));
      for (int64_t i = 0; i < -count; ++i) out.push_back(set->RandomMember(&Rand64));
      return out;
    }
    out = set->Members();
    if (uint64_t(count) >= out.size()) return out;
    // Distinct members: a partial Fisher-Yates shuffle of a copy.
    for (size_t i = 0; i < size_t(count); ++i) {
      size_t j = i + Rand64() % (out.size() - i);
      std::swap(out[i], out[j]);
    }
    out.resize(size_t(count));
    return out;
  });
  ReplyBuilder* rb = cntx->rb;
  if (!res.ok()) return SendOpError(rb, res.status());
  if (!has_count) return res->empty() ? rb->SendNull() : rb->SendBulk((*res)[0]);
  rb->SendStringArray(std::span<const std::string>(*res));
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
void SScan(CmdArgs args, ConnectionContext* cntx) {
  ScanContainer<SetObj>(args, cntx, ObjType::kSet,
                        [](const SetObj& set, uint64_t cursor, const ScanOptions& opts,
                           std::vector<std::string>* items) {
                          return set.Scan(cursor, opts.count, [&](std::string m) {
                            if (opts.Matches(m)) items->push_back(std::move(m));
                          });
                        });
}

// ---------------------------------------------------------------------------------------
// Multi-key commands.

// One source set as copied out of its shard: kOk with its members (in SetObj order: an intset
// ascending), kKeyNotFound (an empty set) or kWrongType.
struct SetSource {
  OpStatus status = OpStatus::kKeyNotFound;
  std::vector<std::string> members;
};

// Copies the sets among `mine` whose position is >= first into (*out)[index - first].
void ReadSources(const OpArgs& op, std::span<const tx::ShardArg> mine, size_t first,
                 std::vector<SetSource>* out) {
  for (const tx::ShardArg& a : mine) {
    if (a.index < first) continue;
    SetSource& src = (*out)[a.index - first];
    OpResult<SetObj*> set = FindSet(op, a.key);
    src.status = set.status();
    if (set.ok()) src.members = (*set)->Members();
  }
}

bool AnyWrongType(const std::vector<SetSource>& sources) {
  return std::any_of(sources.begin(), sources.end(),
                     [](const SetSource& s) { return s.status == OpStatus::kWrongType; });
}

enum class SetOp { kUnion, kInter, kDiff };

// Redis's set algebra over the copied sources. `limit` (inter only, 0: none) stops the
// intersection once that many members were found (SINTERCARD).
std::vector<std::string> ComputeSetOp(SetOp kind, std::vector<SetSource>& sources,
                                      size_t limit = 0) {
  std::vector<std::string> out;
  using View = absl::string_view;
  auto view = [](const std::string& s) { return View(s.data(), s.size()); };
  switch (kind) {
    case SetOp::kUnion: {
      absl::flat_hash_set<View> seen;
      for (SetSource& src : sources) {
        for (std::string& m : src.members) {
          if (seen.insert(view(m)).second) out.push_back(m);
        }
      }
      break;
    }
    case SetOp::kInter: {
      for (const SetSource& src : sources) {
        if (src.status != OpStatus::kOk) return out;  // an empty set empties the result
      }
      // Walk the smallest set and probe the others.
      std::vector<size_t> order(sources.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return sources[a].members.size() < sources[b].members.size();
      });
      std::vector<absl::flat_hash_set<View>> others(order.size() - 1);
      for (size_t i = 1; i < order.size(); ++i) {
        for (const std::string& m : sources[order[i]].members) others[i - 1].insert(view(m));
      }
      for (const std::string& m : sources[order[0]].members) {
        bool everywhere = std::all_of(others.begin(), others.end(),
                                      [&](const auto& set) { return set.contains(view(m)); });
        if (!everywhere) continue;
        out.push_back(m);
        if (limit != 0 && out.size() >= limit) break;
      }
      break;
    }
    case SetOp::kDiff: {
      if (sources[0].status != OpStatus::kOk) return out;
      absl::flat_hash_set<View> removed;
      for (size_t i = 1; i < sources.size(); ++i) {
        for (const std::string& m : sources[i].members) removed.insert(view(m));
      }
      for (const std::string& m : sources[0].members) {
        if (!removed.contains(view(m))) out.push_back(m);
      }
      break;
    }
  }
  return out;
}

// Orders a result as the set Redis would build from it (an all-integer result small enough to
// be an intset replies in ascending order).
std::vector<std::string> AsSetOrder(std::vector<std::string> members, const SetLimits& limits) {
  if (members.empty()) return members;
  SetObj set(members[0], members.size(), limits);
  for (const std::string& m : members) set.Add(m, limits);
  return set.Members();
}

// SINTER / SUNION / SDIFF key [key ...]
void SetOpGeneric(CmdArgs args, ConnectionContext* cntx, SetOp kind) {
  CmdArgs keys = args.subspan(1);
  std::vector<SetSource> sources(keys.size());
  bool ran = RunOnKeys(cntx, keys, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    ReadSources(op, mine, 0, &sources);
  });
  ReplyBuilder* rb = cntx->rb;
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (AnyWrongType(sources)) return rb->SendError(errors::kWrongType);
  std::vector<std::string> result = AsSetOrder(ComputeSetOp(kind, sources), Limits(cntx));
  rb->StartSet(result.size());
  for (const std::string& m : result) rb->SendBulk(m);
}

// Replaces `key` with a set of `members`, or deletes it when there are none. An overwritten
// key keeps its sticky bit (stickiness survives overwrite) but loses its expiry.
void StoreSet(const OpArgs& op, std::string_view key, const std::vector<std::string>& members,
              const SetLimits& limits, std::string_view event) {
  if (members.empty()) {
    if (op.slice->Del(op.db, key)) op.slice->Notify(notify::kGeneric, "del", op.db, key);
    return;
  }
  auto* set = new SetObj(members[0], members.size(), limits);
  for (const std::string& m : members) set->Add(m, limits);
  auto [it, inserted] = op.slice->AddOrFind(op.db, key);
  if (!inserted) op.slice->RemoveExpire(op.db, it);
  it.value().SetRobj(ObjType::kSet, set);
  op.slice->MarkModified(op.db, key);
  op.slice->Notify(notify::kSet, event, op.db, key);
}

std::string_view StoreEvent(SetOp kind) {
  switch (kind) {
    case SetOp::kInter:
      return "sinterstore";
    case SetOp::kUnion:
      return "sunionstore";
    default:
      return "sdiffstore";
  }
}

// SINTERSTORE / SUNIONSTORE / SDIFFSTORE destination key [key ...]
void SetOpStoreGeneric(CmdArgs args, ConnectionContext* cntx, SetOp kind) {
  CmdArgs keys = args.subspan(1);  // the destination, then the sources
  std::vector<SetSource> sources(keys.size() - 1);
  // Sources shared, the destination exclusive, each hop over its own keys (KeyHops).
  const std::vector<uint32_t> from = KeyHops::Positions(1, uint32_t(keys.size()));
  const uint32_t dest[] = {0};
  KeyHops hops(cntx, keys, KeyHops::DestinationModes(keys.size(), 0));
  bool ran = hops.RunPart(from, dest, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    ReadSources(op, mine, 1, &sources);
  });
  ReplyBuilder* rb = cntx->rb;
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (AnyWrongType(sources)) return rb->SendError(errors::kWrongType);
  std::vector<std::string> result = ComputeSetOp(kind, sources);
  SetLimits limits = Limits(cntx);
  hops.NextIsLast();
  hops.RunPart(dest, {}, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) StoreSet(op, a.key, result, limits, StoreEvent(kind));
  });
  rb->SendLong(int64_t(result.size()));
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCard(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t numkeys;
  if (!ParseRedisInt(args[1], &numkeys) || numkeys < 1) {
    return rb->SendError(errors::kNumkeysPositive);
  }
  if (uint64_t(numkeys) > args.size() - 2) return rb->SendError(errors::kTooManyNumkeys);
  int64_t limit = 0;
  for (size_t j = 2 + size_t(numkeys); j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "LIMIT") && j + 1 < args.size()) {
      if (!ParseRedisInt(args[++j], &limit) || limit < 0) {
        return rb->SendError(errors::kLimitNegative);
      }
    } else {
      return rb->SendError(errors::kSyntax);
    }
  }
  CmdArgs keys = args.subspan(2, size_t(numkeys));
  std::vector<SetSource> sources(keys.size());
  bool ran = RunOnKeys(cntx, keys, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    ReadSources(op, mine, 0, &sources);
  });
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (AnyWrongType(sources)) return rb->SendError(errors::kWrongType);
  rb->SendLong(int64_t(ComputeSetOp(SetOp::kInter, sources, size_t(limit)).size()));
}

// SMOVE source destination member
void SMove(CmdArgs args, ConnectionContext* cntx) {
  std::string_view src = args[1], dst = args[2], member = args[3];
  std::string_view keys[] = {src, dst};
  ShardSet& shards = cntx->service->shards();
  bool same_shard = shards.ShardOf(src) == shards.ShardOf(dst);
  // What hop 1 saw. Each field is written by the one shard that owns the key.
  OpStatus src_status = OpStatus::kKeyNotFound, dst_status = OpStatus::kKeyNotFound;
  bool has_member = false;
  int64_t reply = -1;  // set when a single hop did everything
  SetLimits limits = Limits(cntx);
  auto look = [&](const OpArgs& op, std::string_view key, OpStatus* status) -> SetObj* {
    OpResult<SetObj*> set = FindSet(op, key);
    *status = set.status();
    return set.ok() ? *set : nullptr;
  };
  auto remove_from_src = [&](const OpArgs& op) {
    SetObj* set = *FindSet(op, src);
    set->Remove(member);
    op.slice->MarkModified(op.db, src);
    op.slice->Notify(notify::kSet, "srem", op.db, src);
    DeleteIfEmpty(op, src, set);
  };
  auto add_to_dst = [&](const OpArgs& op) {
    OpResult<SetObj*> set = FindSet(op, dst);
    if (set.ok()) {
      if ((*set)->Add(member, limits)) {  // as Redis: only if new
        op.slice->MarkModified(op.db, dst);
        op.slice->Notify(notify::kSet, "sadd", op.db, dst);
      }
      return;
    }
    auto* created = new SetObj(member, 1, limits);
    created->Add(member, limits);
    auto [it, inserted] = op.slice->AddOrFind(op.db, dst);
    it.value().SetRobj(ObjType::kSet, created);
    op.slice->Notify(notify::kSet, "sadd", op.db, dst);
  };

  KeyHops hops(cntx, keys);
  bool ran = hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      if (a.index == 0) {
        SetObj* set = look(op, src, &src_status);
        has_member = set && set->Contains(member);
      } else {
        look(op, dst, &dst_status);
      }
    }
    if (!same_shard || src_status != OpStatus::kOk || dst_status == OpStatus::kWrongType) return;
    // Both keys here and the move is possible: finish in this hop.
    if (src == dst || !has_member) {
      reply = has_member ? 1 : 0;
      return;
    }
    remove_from_src(op);
    add_to_dst(op);
    reply = 1;
  });
  ReplyBuilder* rb = cntx->rb;
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (src_status == OpStatus::kKeyNotFound) return rb->SendLong(0);
  if (src_status == OpStatus::kWrongType || dst_status == OpStatus::kWrongType) {
    return rb->SendError(errors::kWrongType);
  }
  if (reply >= 0) return rb->SendLong(reply);
  if (!has_member) return rb->SendLong(0);
  hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    if (mine[0].index == 0) {
      remove_from_src(op);
    } else {
      add_to_dst(op);
    }
  });
  rb->SendLong(1);
}

}  // namespace

void RegisterSetFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"sadd", -3, kWrite | kDenyOom | kFast, 1, 1, 1, SAdd});
  r->Register({"srem", -3, kWrite | kFast, 1, 1, 1, SRem});
  r->Register({"smembers", 2, kReadOnly, 1, 1, 1, SMembers});
  r->Register({"sismember", 3, kReadOnly | kFast, 1, 1, 1, SIsMember});
  r->Register({"smismember", -3, kReadOnly | kFast, 1, 1, 1, SMIsMember});
  r->Register({"scard", 2, kReadOnly | kFast, 1, 1, 1, SCard});
  r->Register({"spop", -2, kWrite | kFast, 1, 1, 1, SPop});
  r->Register({"srandmember", -2, kReadOnly, 1, 1, 1, SRandMember});
  r->Register({"sscan", -3, kReadOnly, 1, 1, 1, SScan});
  auto op = [](SetOp kind) {
    return [kind](CmdArgs a, ConnectionContext* c) { SetOpGeneric(a, c, kind); };
  };
  auto store = [](SetOp kind) {
    return [kind](CmdArgs a, ConnectionContext* c) { SetOpStoreGeneric(a, c, kind); };
  };
  r->Register({"smove", 4, kWrite | kFast, 1, 2, 1, SMove});
  r->Register({"sinter", -2, kReadOnly, 1, -1, 1, op(SetOp::kInter)});
  r->Register({"sunion", -2, kReadOnly, 1, -1, 1, op(SetOp::kUnion)});
  r->Register({"sdiff", -2, kReadOnly, 1, -1, 1, op(SetOp::kDiff)});
  // numkeys-style key positions: Redis's legacy triple is 0 0 0 (movable keys).
  r->Register({"sintercard", -3, kReadOnly | kMovableKeys, 0, 0, 0, SInterCard});
  r->Register(
      {"sinterstore", -3, kWrite | kReadLookups | kDenyOom, 1, -1, 1, store(SetOp::kInter)});
  r->Register(
      {"sunionstore", -3, kWrite | kReadLookups | kDenyOom, 1, -1, 1, store(SetOp::kUnion)});
  r->Register({"sdiffstore", -3, kWrite | kReadLookups | kDenyOom, 1, -1, 1, store(SetOp::kDiff)});
}

}  // namespace lw
