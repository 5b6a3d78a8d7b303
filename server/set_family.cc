// Set commands (Redis 7): SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SSCAN.
// Values are SetObj (set_obj.h). Each handler parses its arguments on the connection fiber,
// runs one op on the key's shard (copying out what the reply needs) and replies.
#include "server/set_family.h"

#include <random>
#include <string>
#include <vector>

#include "server/arg_utils.h"
#include "server/connection_context.h"
#include "server/error_strings.h"
#include "server/op_args.h"
#include "server/scan_args.h"
#include "server/set_obj.h"

namespace lw {

namespace {

constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";
constexpr std::string_view kLongRange =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";

uint64_t Rand64() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen();
}

void SendOpError(ReplyBuilder* rb, OpStatus st) {
  if (st == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  rb->SendError(errors::kSyntax);
}

// The set at `key`, or kKeyNotFound / kWrongType.
OpResult<SetObj*> FindSet(const OpArgs& op, std::string_view key) {
  auto it = op.slice->Find(op.db, key, ObjType::kSet);
  if (!it.ok()) return it.status();
  return it->value().GetRobj<SetObj>();
}

// Deletes `key` if its set became empty (an empty container never stays in the keyspace).
void DeleteIfEmpty(const OpArgs& op, std::string_view key, SetObj* set) {
  if (set->size() == 0) op.slice->Del(op.db, key);
}

void SAdd(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  CmdArgs members = args.subspan(2);
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<SetObj*> found = FindSet(op, key);
    SetObj* set;
    if (found.ok()) {
      set = *found;
    } else if (found.status() == OpStatus::kKeyNotFound) {
      set = new SetObj(members[0], members.size());
      auto [it, inserted] = op.slice->AddOrFind(op.db, key);
      it.value().SetRobj(ObjType::kSet, set);
    } else {
      return found.status();
    }
    int64_t added = 0;
    for (std::string_view m : members) added += set->Add(m);
    return added;
  });
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

void SRem(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<SetObj*> set = FindSet(op, key);
    if (!set.ok()) return set.status() == OpStatus::kKeyNotFound ? 0 : OpResult<int64_t>(set.status());
    int64_t removed = 0;
    for (std::string_view m : args.subspan(2)) {
      removed += (*set)->Remove(m);
      if ((*set)->size() == 0) break;
    }
    DeleteIfEmpty(op, key, *set);
    return removed;
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
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    OpResult<SetObj*> set = FindSet(op, key);
    if (!set.ok()) return set.status() == OpStatus::kKeyNotFound ? 0 : OpResult<int64_t>(set.status());
    return int64_t((*set)->size());
  });
  if (!res.ok()) return SendOpError(cntx->rb, res.status());
  cntx->rb->SendLong(*res);
}

// SPOP key [count]
void SPop(CmdArgs args, ConnectionContext* cntx) {
  if (args.size() > 3) return cntx->rb->SendError(errors::kSyntax);
  bool has_count = args.size() == 3;
  int64_t count = 1;
  if (has_count && (!ParseRedisInt(args[2], &count) || count < 0)) {
    return cntx->rb->SendError(kMustBePositive);
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
      op.slice->Del(op.db, key);
      return out;
    }
    out.members.reserve(size_t(count));
    for (int64_t i = 0; i < count; ++i) out.members.push_back(set->PopRandom(&Rand64));
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
    if (count == INT64_MIN) return cntx->rb->SendError(kLongRange);
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
  uint64_t cursor;
  if (!ParseScanCursor(args[2], &cursor)) return cntx->rb->SendError("ERR invalid cursor");
  ScanOptions opts = ParseScanOptions(args, 3);
  std::string_view key = args[1];
  struct ScanOut {
    uint64_t cursor = 0;
    std::vector<std::string> members;
  };
  auto res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<ScanOut> {
    ScanOut out;
    OpResult<SetObj*> set = FindSet(op, key);
    if (!set.ok()) {
      if (set.status() == OpStatus::kKeyNotFound) return out;
      return set.status();
    }
    if (!opts.error.empty()) return OpStatus::kSyntaxError;
    out.cursor = (*set)->Scan(cursor, opts.count, [&](std::string m) {
      if (opts.Matches(m)) out.members.push_back(std::move(m));
    });
    return out;
  });
  ReplyBuilder* rb = cntx->rb;
  if (!res.ok()) {
    if (res.status() == OpStatus::kSyntaxError) return rb->SendError(opts.error);
    return SendOpError(rb, res.status());
  }
  rb->StartArray(2);
  rb->SendBulk(std::to_string(res->cursor));
  rb->SendStringArray(std::span<const std::string>(res->members));
}

}  // namespace

void RegisterSetFamily(CommandRegistry* r) {
  RegisterRobjOps(ObjType::kSet,
                  {[](void* p) { delete static_cast<SetObj*>(p); },
                   [](const void* p) { return static_cast<const SetObj*>(p)->MallocUsed(); },
                   [](const void* p) { return static_cast<const SetObj*>(p)->EncodingName(); },
                   [](const void* p) -> void* { return static_cast<const SetObj*>(p)->Clone(); }});
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
}

}  // namespace lw
