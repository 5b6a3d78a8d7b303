// HyperLogLog commands (Redis 7.0): PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST.
// A HLL is a plain string key holding Redis's representation (server/types/hll.h), so GET,
// SET, DUMP and friends see the same bytes redis-server would. Each op copies the value out
// of its cell, works on the copy and writes it back as a raw string when it changed (as
// Redis's dbUnshareStringValue leaves it raw).
// PFCOUNT of several keys and PFMERGE run as one transaction over all their keys: the
// sources are copied out in one parallel hop; PFMERGE writes its destination in a second hop
// while every key is still locked (KeyHops).
// PFCOUNT of one key stores the cardinality it computed in the header, as Redis does,
// although Redis flags the command readonly: it carries cmd::kWritesCache so that it runs
// under an exclusive lock; inside a transaction that holds the key only shared (a read-only
// script) it leaves the cache alone.
#include "server/families/hll_family.h"

#include <cstring>
#include <string>
#include <vector>

#include "base/str_util.h"
#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/types/hll.h"

namespace lw {

namespace {

// What one key held: nothing, another type, a string that is no HLL, or a HLL.
enum class Look { kMissing, kWrongType, kNotHll, kOk };

size_t SparseMaxBytes(ConnectionContext* cntx) {
  int64_t v = cntx->service->runtime().hll_sparse_max_bytes.load(std::memory_order_relaxed);
  return v < 0 ? SIZE_MAX : size_t(v);
}

// Copies the looked-up value into *out if it is a HLL string.
Look CopyHll(const OpResult<DbSlice::Iterator>& found, std::string* out) {
  if (found.status() == OpStatus::kWrongType) return Look::kWrongType;
  if (!found.ok()) return Look::kMissing;
  const CompactObj& v = found->value();
  if (v.IsInt()) return Look::kNotHll;  // too short for a header anyway
  v.GetString(out);
  return hll::IsValid(*out) ? Look::kOk : Look::kNotHll;
}

// Copies `key`'s value into *out if it is a HLL string.
Look LoadHll(const OpArgs& op, std::string_view key, std::string* out) {
  return CopyHll(op.slice->Find(op.db, key, ObjType::kString), out);
}

// The bytes of `v` if it is a valid dense HLL that can change in place (a heap string of the
// dense size; made raw, as Redis unshares the value PFADD changes), else null.
uint8_t* DenseInPlace(CompactObj& v) {
  if (v.IsInt() || v.StringSize() != hll::kDenseSize) return nullptr;
  std::string scratch;
  std::string_view cur = v.GetSlice(&scratch);
  if (!scratch.empty() || !hll::IsValid(cur) || uint8_t(cur[4]) != hll::kDense) return nullptr;
  return reinterpret_cast<uint8_t*>(v.ResizeRawString(hll::kDenseSize));
}

// Replaces the value of an existing string key with `s`, as a raw string.
void StoreBytes(CompactObj* v, const std::string& s) {
  char* p = v->ResizeRawString(s.size());
  std::memcpy(p, s.data(), s.size());
}

bool StoreExisting(const OpArgs& op, std::string_view key, const std::string& s) {
  // A write-back of a key the command has read already: no second hit (Peek).
  auto found = op.slice->Peek(op.db, key);
  if (!found || found->value().type() != ObjType::kString) return false;
  StoreBytes(&found->value(), s);
  return true;
}

// The reply of a single-key op: an error text, or a number.
struct Outcome {
  std::string_view error;
  int64_t value = 0;
};

void Send(ReplyBuilder* rb, const OpResult<Outcome>& res) {
  if (!res.ok()) {
    if (res.status() == OpStatus::kOutOfMemory) return rb->SendError(errors::kOom);
    return rb->SendError(errors::kUndeclaredKeys);
  }
  if (!res->error.empty()) return rb->SendError(res->error);
  rb->SendLong(res->value);
}

// PFADD key [element ...]
void PfAdd(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  size_t max_bytes = SparseMaxBytes(cntx);
  OpResult<Outcome> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Outcome> {
    auto found = op.slice->Find(op.db, key, ObjType::kString);
    // A dense HLL changes in place: copying its 12 KB out and back was 14% of PFADD's CPU
    // (perf, redis-benchmark -P 16 PFADD on one key).
    if (uint8_t* dense = found.ok() ? DenseInPlace(found->value()) : nullptr) {
      int64_t updated = 0;
      for (size_t i = 2; i < args.size(); ++i) updated += hll::AddDense(dense, args[i]);
      if (updated > 0) {
        hll::InvalidateCache(dense);
        op.slice->MarkModified(op.db, key);
        op.slice->Notify(notify::kString, "pfadd", op.db, key);
      }
      return Outcome{{}, updated > 0 ? 1 : 0};
    }
    std::string s;
    Look look = CopyHll(found, &s);
    if (look == Look::kWrongType || look == Look::kNotHll) {
      return Outcome{look == Look::kWrongType ? errors::kWrongType : errors::kNotHll};
    }
    bool created = look == Look::kMissing;
    if (created) {
      auto added = op.slice->TryAddOrFind(op.db, key);
      if (!added.ok()) return added.status();
      s = hll::NewSparse();
      StoreBytes(&added->first.value(), s);
    }
    int64_t updated = created ? 1 : 0;
    bool corrupt = false;
    for (size_t i = 2; i < args.size() && !corrupt; ++i) {
      int r = hll::Add(&s, args[i], max_bytes);
      if (r < 0) corrupt = true;
      if (r > 0) updated++;
    }
    if (updated > 0 && !corrupt) {
      hll::InvalidateCache(&s);
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kString, "pfadd", op.db, key);
    }
    // Redis changes the value in place: adds before a corrupt spot stay.
    StoreExisting(op, key, s);
    if (corrupt) return Outcome{errors::kInvalidHll};
    return Outcome{{}, updated > 0 ? 1 : 0};
  });
  Send(cntx->rb, res);
}

// PFCOUNT key: the cached cardinality, or a fresh estimate that is then cached.
void PfCountOne(std::string_view key, ConnectionContext* cntx) {
  bool may_cache =
      cntx->multi_tx == nullptr || cntx->multi_tx->IsKeyLocked(key, tx::LockMode::kExclusive);
  OpResult<Outcome> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Outcome> {
    std::string s;
    Look look = LoadHll(op, key, &s);
    if (look == Look::kMissing) return Outcome{};
    if (look != Look::kOk)
      return Outcome{look == Look::kWrongType ? errors::kWrongType : errors::kNotHll};
    if (hll::CacheValid(s)) {
      // Redis unshares the value first, which leaves it raw (OBJECT ENCODING) even here.
      if (may_cache) StoreExisting(op, key, s);
      return Outcome{{}, int64_t(hll::CachedCard(s))};
    }
    bool invalid = false;
    uint64_t card = hll::Count(s, &invalid);
    if (invalid) return Outcome{errors::kInvalidHll};
    if (may_cache) {
      hll::SetCachedCard(&s, card);
      StoreExisting(op, key, s);
      op.slice->MarkModified(op.db, key);
    }
    return Outcome{{}, int64_t(card)};
  });
  Send(cntx->rb, res);
}

// Copies of the HLLs at `keys` (one transaction hop), with what each key held.
struct Sources {
  std::vector<Look> looks;
  std::vector<std::string> values;
  explicit Sources(size_t n) : looks(n, Look::kMissing), values(n) {}
  void Read(const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) looks[a.index] = LoadHll(op, a.key, &values[a.index]);
  }
  // Folds every source into max[], in key order as Redis does (the first bad key decides
  // the error). Returns the error text, empty if none; *any_dense tells if one was dense.
  std::string_view Merge(uint8_t* max, bool* any_dense) const {
    for (size_t i = 0; i < looks.size(); ++i) {
      if (looks[i] == Look::kMissing) continue;
      if (looks[i] == Look::kWrongType) return errors::kWrongType;
      if (looks[i] == Look::kNotHll) return errors::kNotHll;
      if (uint8_t(values[i][4]) == hll::kDense) *any_dense = true;
      if (!hll::MergeInto(values[i], max)) return errors::kInvalidHll;
    }
    return {};
  }
};

// PFCOUNT key [key ...]: the estimate of the union, nothing cached.
void PfCount(CmdArgs args, ConnectionContext* cntx) {
  if (args.size() == 2) return PfCountOne(args[1], cntx);
  CmdArgs keys = args.subspan(1);
  Sources src(keys.size());
  // Several keys: Redis merges them into a temporary and caches nothing, so this only reads
  // (shared locks: concurrent PFCOUNTs of the same keys merge in parallel on every thread).
  bool ran = RunOnKeys(
      cntx, keys, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) { src.Read(op, mine); },
      tx::LockMode::kShared);
  ReplyBuilder* rb = cntx->rb;
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool any_dense = false;
  std::string_view err = src.Merge(max.data(), &any_dense);
  if (!err.empty()) return rb->SendError(err);
  rb->SendLong(int64_t(hll::CountRaw(max.data())));
}

// PFMERGE destkey [sourcekey ...]: the destination is one of the sources, as in Redis.
void PfMerge(CmdArgs args, ConnectionContext* cntx) {
  CmdArgs keys = args.subspan(1);
  Sources src(keys.size());
  KeyHops hops(cntx, keys);
  bool ran =
      hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) { src.Read(op, mine); });
  ReplyBuilder* rb = cntx->rb;
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool any_dense = false;
  std::string_view err = src.Merge(max.data(), &any_dense);
  if (!err.empty()) return rb->SendError(err);
  size_t max_bytes = SparseMaxBytes(cntx);
  OpStatus status = OpStatus::kOk;
  hops.NextIsLast();
  hops.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    // Redis reads every key once (the first hop); the destination's write is no read.
    DbSlice::LookupScope write_lookups(op.slice, true);
    for (const tx::ShardArg& a : mine) {
      if (a.index != 0) continue;
      std::string s;
      if (LoadHll(op, a.key, &s) == Look::kMissing) {
        auto added = op.slice->TryAddOrFind(op.db, a.key);
        if (!added.ok()) {
          status = added.status();
          return;
        }
        s = hll::NewSparse();
      }
      if (any_dense && !hll::SparseToDense(&s)) {
        status = OpStatus::kInvalidValue;
        return;
      }
      for (uint32_t j = 0; j < hll::kRegisters; ++j) {
        if (max[j] != 0) hll::SetRegister(&s, j, max[j], max_bytes);
      }
      hll::InvalidateCache(&s);
      StoreExisting(op, a.key, s);
      op.slice->MarkModified(op.db, a.key);
      op.slice->Notify(notify::kString, "pfadd", op.db, a.key);
    }
  });
  if (status == OpStatus::kOutOfMemory) return rb->SendError(errors::kOom);
  if (status != OpStatus::kOk) return rb->SendError(errors::kInvalidHll);
  rb->SendOk();
}

// What PFDEBUG replies.
struct DebugOut {
  enum Kind { kError, kLong, kStatus, kBulk, kRegisters } kind = kError;
  std::string text;  // the error, status or bulk
  int64_t num = 0;
  std::vector<uint8_t> regs;
};

DebugOut Error(std::string text) { return DebugOut{DebugOut::kError, std::move(text)}; }

DebugOut DebugOp(const OpArgs& op, std::string_view sub, std::string_view key) {
  std::string s;
  Look look = LoadHll(op, key, &s);
  if (look == Look::kMissing) return Error(std::string(errors::kHllNoSuchKey));
  if (look != Look::kOk) {
    return Error(std::string(look == Look::kWrongType ? errors::kWrongType : errors::kNotHll));
  }
  bool sparse = uint8_t(s[4]) == hll::kSparse;
  StoreExisting(op, key, s);  // as Redis's unsharing: the value is raw from here on
  if (EqualsIgnoreCase(sub, "getreg") || EqualsIgnoreCase(sub, "todense")) {
    if (sparse) {
      if (!hll::SparseToDense(&s)) return Error(std::string(errors::kInvalidHll));
      StoreExisting(op, key, s);
    }
    if (EqualsIgnoreCase(sub, "todense")) return DebugOut{DebugOut::kLong, {}, sparse ? 1 : 0};
    DebugOut out{DebugOut::kRegisters};
    out.regs.resize(hll::kRegisters);
    const uint8_t* regs = reinterpret_cast<const uint8_t*>(s.data()) + hll::kHeaderSize;
    for (uint32_t i = 0; i < hll::kRegisters; ++i) out.regs[i] = hll::DenseGet(regs, i);
    return out;
  }
  if (EqualsIgnoreCase(sub, "decode")) {
    if (!sparse) return Error(std::string(errors::kHllNotSparse));
    return DebugOut{DebugOut::kBulk, hll::DecodeSparse(s)};
  }
  if (EqualsIgnoreCase(sub, "encoding")) {
    return DebugOut{DebugOut::kStatus, sparse ? "sparse" : "dense"};
  }
  return Error(errors::UnknownPfdebugSubcommand(sub));
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
void PfDebug(CmdArgs args, ConnectionContext* cntx) {
  std::string_view sub = args[1], key = args[2];
  auto res = RunOnKeyShard(
      cntx, key, [&](const OpArgs& op) -> OpResult<DebugOut> { return DebugOp(op, sub, key); });
  ReplyBuilder* rb = cntx->rb;
  if (!res.ok()) return rb->SendError(errors::kUndeclaredKeys);
  switch (res->kind) {
    case DebugOut::kError:
      return rb->SendError(res->text);
    case DebugOut::kLong:
      return rb->SendLong(res->num);
    case DebugOut::kStatus:
      return rb->SendSimpleString(res->text);
    case DebugOut::kBulk:
      return rb->SendBulk(res->text);
    case DebugOut::kRegisters:
      rb->StartArray(res->regs.size());
      for (uint8_t v : res->regs) rb->SendLong(v);
      return;
  }
}

// PFSELFTEST
void PfSelfTest(CmdArgs, ConnectionContext* cntx) {
  std::string failed = hll::SelfTest();
  if (!failed.empty()) return cntx->rb->SendError(failed);
  cntx->rb->SendOk();
}

}  // namespace

void RegisterHllFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"pfadd", -2, kWrite | kDenyOom | kFast, 1, 1, 1, PfAdd});
  r->Register({"pfcount", -2, kReadOnly | kWritesCache, 1, -1, 1, PfCount});
  r->Register({"pfmerge", -2, kWrite | kReadLookups | kDenyOom, 1, -1, 1, PfMerge});
  r->Register({"pfdebug", 3, kWrite | kDenyOom | kAdmin, 2, 2, 1, PfDebug});
  r->Register({"pfselftest", 1, kAdmin | kNoKeyspace, 0, 0, 0, PfSelfTest});
}

}  // namespace lw
