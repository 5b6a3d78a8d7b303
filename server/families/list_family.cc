// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM
// LTRIM LPOS, with Redis 7's replies and its order of checks (which argument errors come
// before the key lookup, and which after); the multi-key LMOVE RPOPLPUSH LMPOP and the blocking
// BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP (server/engine/blocking_cmd.h). Every write that can make a
// list non-empty calls NotifyKeyReady so blocked clients wake.
#include "server/families/list_family.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/engine/blocking_cmd.h"
#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "server/engine/service.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/list_obj.h"

namespace lw {

namespace {

using Iter = DbSlice::Iterator;

ListObj* ListOf(Iter it) { return it.value().GetRobj<ListObj>(); }

// Deletes the key when its list became empty (Redis never keeps an empty list).
void DelIfEmpty(const OpArgs& op, Iter it, std::string_view key) {
  if (!ListOf(it)->empty()) return;
  op.slice->Del(op.db, it);
  op.slice->Notify(notify::kGeneric, "del", op.db, key);
}

std::string_view PopEvent(bool front) { return front ? "lpop" : "rpop"; }
std::string_view PushEvent(bool front) { return front ? "lpush" : "rpush"; }

void SendStatusError(OpStatus status, ReplyBuilder* rb) {
  if (status == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  rb->SendError(errors::kSyntax);  // not reached: callers map other statuses themselves
}

// Redis's negative index convention: -1 is the last element.
std::optional<size_t> NormalizeIndex(int64_t index, size_t len) {
  if (index < 0) index += int64_t(len);
  if (index < 0 || index >= int64_t(len)) return std::nullopt;
  return size_t(index);
}

// ----- push -----

// CONFIG's list-max-listpack-size, read once where a command that may create a list starts;
// a list keeps the value it was created with (ListObj's fill).
int ListFill(ConnectionContext* cntx) {
  int64_t fill = cntx->service->runtime().list_max_listpack_size.load(std::memory_order_relaxed);
  return int(fill);  // CONFIG keeps it within int's range
}

void Push(CmdArgs args, ConnectionContext* cntx, bool front, bool only_if_exists) {
  std::string_view key = args[1];
  const int fill = ListFill(cntx);
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    ListObj* list;
    if (only_if_exists) {
      auto it = op.slice->Find(op.db, key, ObjType::kList);
      if (!it.ok())
        return it.status() == OpStatus::kKeyNotFound ? OpResult<int64_t>(0) : it.status();
      list = ListOf(*it);
    } else {
      auto [it, inserted] = op.slice->AddOrFind(op.db, key);
      if (inserted) {
        list = new ListObj(fill);
        it.value().SetRobj(ObjType::kList, list);
      } else if (it.value().type() != ObjType::kList) {
        return OpStatus::kWrongType;
      } else {
        list = ListOf(it);
      }
    }
    for (size_t i = 2; i < args.size(); ++i) {
      if (front) {
        list->PushFront(args[i]);
      } else {
        list->PushBack(args[i]);
      }
    }
    op.slice->MarkModified(op.db, key);
    op.slice->Notify(notify::kList, PushEvent(front), op.db, key);
    NotifyKeyReady(key);  // blocked BLPOP & co. are served when this transaction concludes
    return int64_t(list->size());
  });
  if (!res.ok()) return SendStatusError(res.status(), cntx->rb);
  cntx->rb->SendLong(*res);
}

void LPush(CmdArgs args, ConnectionContext* cntx) { Push(args, cntx, true, false); }
void RPush(CmdArgs args, ConnectionContext* cntx) { Push(args, cntx, false, false); }
void LPushX(CmdArgs args, ConnectionContext* cntx) { Push(args, cntx, true, true); }
void RPushX(CmdArgs args, ConnectionContext* cntx) { Push(args, cntx, false, true); }

// ----- pop -----

void Pop(CmdArgs args, ConnectionContext* cntx, bool front) {
  ReplyBuilder* rb = cntx->rb;
  if (args.size() > 3) return rb->SendError(errors::WrongArity(args[0]));
  bool has_count = args.size() == 3;
  int64_t count = 1;
  if (has_count && (!ParseRedisInt(args[2], &count) || count < 0)) {
    return rb->SendError(errors::kMustBePositive);
  }
  std::string_view key = args[1];
  using Popped = std::vector<std::string>;
  OpResult<Popped> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Popped> {
    auto it = op.slice->Find(op.db, key, ObjType::kList);
    if (!it.ok()) return it.status();
    ListObj* list = ListOf(*it);
    Popped out;
    size_t n = std::min<uint64_t>(uint64_t(count), list->size());
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(front ? list->PopFront() : list->PopBack());
    if (n > 0) {  // LPOP key 0 changes nothing
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kList, PopEvent(front), op.db, key);
    }
    DelIfEmpty(op, *it, key);
    return out;
  });
  if (!res.ok()) {
    if (res.status() == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
    return has_count ? rb->SendNullArray() : rb->SendNull();
  }
  if (!has_count) return rb->SendBulk(res->front());
  rb->SendStringArray(*res);
}

void LPop(CmdArgs args, ConnectionContext* cntx) { Pop(args, cntx, true); }
void RPop(CmdArgs args, ConnectionContext* cntx) { Pop(args, cntx, false); }

// ----- reads -----

void LLen(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    auto it = op.slice->Find(op.db, key, ObjType::kList);
    if (!it.ok()) return it.status();
    return int64_t(ListOf(*it)->size());
  });
  if (res.status() == OpStatus::kWrongType) return cntx->rb->SendError(errors::kWrongType);
  cntx->rb->SendLong(res.value_or(0));
}

void LRange(CmdArgs args, ConnectionContext* cntx) {
  int64_t start, end;
  if (!ParseRedisInt(args[2], &start) || !ParseRedisInt(args[3], &end)) {
    return cntx->rb->SendError(errors::kNotInteger);
  }
  std::string_view key = args[1];
  using Items = std::vector<std::string>;
  OpResult<Items> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Items> {
    auto it = op.slice->Find(op.db, key, ObjType::kList);
    if (!it.ok()) return it.status();
    const ListObj* list = ListOf(*it);
    int64_t len = int64_t(list->size());
    int64_t s = start < 0 ? start + len : start;
    int64_t e = end < 0 ? end + len : end;
    if (s < 0) s = 0;
    Items out;
    if (s > e || s >= len) return out;
    if (e >= len) e = len - 1;
    out.reserve(size_t(e - s + 1));
    list->Range(size_t(s), size_t(e), [&](std::string_view v) { out.emplace_back(v); });
    return out;
  });
  if (res.status() == OpStatus::kWrongType) return cntx->rb->SendError(errors::kWrongType);
  if (!res.ok()) return cntx->rb->SendEmptyArray();
  cntx->rb->SendStringArray(*res);
}

void LIndex(CmdArgs args, ConnectionContext* cntx) {
  std::string_view key = args[1];
  // Redis looks the key up before it parses the index.
  struct Out {
    bool bad_index = false;
    std::optional<std::string> value;
  };
  OpResult<Out> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Out> {
    auto it = op.slice->Find(op.db, key, ObjType::kList);
    if (!it.ok()) return it.status();
    Out out;
    int64_t index;
    if (!ParseRedisInt(args[2], &index)) {
      out.bad_index = true;
      return out;
    }
    const ListObj* list = ListOf(*it);
    if (auto i = NormalizeIndex(index, list->size())) out.value = list->At(*i);
    return out;
  });
  ReplyBuilder* rb = cntx->rb;
  if (res.status() == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  if (!res.ok()) return rb->SendNull();
  if (res->bad_index) return rb->SendError(errors::kNotInteger);
  if (!res->value) return rb->SendNull();
  rb->SendBulk(*res->value);
}

void LPos(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t i = 3; i < args.size(); ++i) {
    bool more = i + 1 < args.size();
    if (EqualsIgnoreCase(args[i], "RANK") && more) {
      if (!ParseRedisInt(args[++i], &rank)) return rb->SendError(errors::kNotInteger);
      if (rank == 0) {
        return rb->SendError(errors::kListPosRankZero);
      }
    } else if (EqualsIgnoreCase(args[i], "COUNT") && more) {
      if (!ParseRedisInt(args[++i], &count) || count < 0) {
        return rb->SendError(errors::kListPosCountNegative);
      }
    } else if (EqualsIgnoreCase(args[i], "MAXLEN") && more) {
      if (!ParseRedisInt(args[++i], &maxlen) || maxlen < 0) {
        return rb->SendError(errors::kListPosMaxlenNegative);
      }
    } else {
      return rb->SendError(errors::kSyntax);
    }
  }
  bool from_head = rank > 0;
  // Redis negates the rank; LONG_MIN stays negative there and so matches the first hit.
  uint64_t skip = rank > 0 ? uint64_t(rank) - 1 : (rank == INT64_MIN ? 0 : uint64_t(-rank) - 1);
  std::string_view key = args[1], element = args[2];
  using Hits = std::vector<int64_t>;
  OpResult<Hits> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<Hits> {
    auto it = op.slice->Find(op.db, key, ObjType::kList);
    if (!it.ok()) return it.status();
    Hits hits;
    uint64_t seen = 0, matches = 0;
    uint64_t want = count == 0 ? UINT64_MAX : (count < 0 ? 1 : uint64_t(count));
    ListOf(*it)->Walk(from_head, [&](size_t index, std::string_view v) {
      if (maxlen != 0 && seen++ >= uint64_t(maxlen)) return false;
      if (v == element && matches++ >= skip) {
        hits.push_back(int64_t(index));
        if (hits.size() >= want) return false;
      }
      return true;
    });
    return hits;
  });
  if (res.status() == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  if (count < 0) {
    if (!res.ok() || res->empty()) return rb->SendNull();
    return rb->SendLong(res->front());
  }
  if (!res.ok()) return rb->SendEmptyArray();
  rb->StartArray(res->size());
  for (int64_t v : *res) rb->SendLong(v);
}

// ----- writes in the middle -----

void LSet(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  std::string_view key = args[1], value = args[3];
  // Redis looks the key up before it parses the index.
  OpResult<bool> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<bool> {
    auto it = op.slice->Find(op.db, key, ObjType::kList);
    if (!it.ok()) return it.status();
    int64_t index;
    if (!ParseRedisInt(args[2], &index)) return OpStatus::kInvalidInt;
    ListObj* list = ListOf(*it);
    auto i = NormalizeIndex(index, list->size());
    if (!i) return OpStatus::kOutOfRange;
    list->Set(*i, value);
    op.slice->MarkModified(op.db, key);
    op.slice->Notify(notify::kList, "lset", op.db, key);
    return true;
  });
  if (res.ok()) return rb->SendOk();
  switch (res.status()) {
    case OpStatus::kKeyNotFound:
      return rb->SendError(errors::kNoSuchKey);
    case OpStatus::kInvalidInt:
      return rb->SendError(errors::kNotInteger);
    case OpStatus::kOutOfRange:
      return rb->SendError(errors::kOutOfRange);
    default:
      return SendStatusError(res.status(), rb);
  }
}

void LInsert(CmdArgs args, ConnectionContext* cntx) {
  bool after;
  if (EqualsIgnoreCase(args[2], "AFTER")) {
    after = true;
  } else if (EqualsIgnoreCase(args[2], "BEFORE")) {
    after = false;
  } else {
    return cntx->rb->SendError(errors::kSyntax);
  }
  std::string_view key = args[1], pivot = args[3], value = args[4];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    auto it = op.slice->Find(op.db, key, ObjType::kList);
    if (!it.ok()) return it.status();
    ListObj* list = ListOf(*it);
    if (!list->Insert(pivot, value, after)) return int64_t(-1);
    op.slice->MarkModified(op.db, key);
    op.slice->Notify(notify::kList, "linsert", op.db, key);
    NotifyKeyReady(key);
    return int64_t(list->size());
  });
  if (res.status() == OpStatus::kWrongType) return cntx->rb->SendError(errors::kWrongType);
  cntx->rb->SendLong(res.value_or(0));
}

void LRem(CmdArgs args, ConnectionContext* cntx) {
  int64_t count;
  if (!ParseRedisInt(args[2], &count)) return cntx->rb->SendError(errors::kNotInteger);
  std::string_view key = args[1], value = args[3];
  OpResult<int64_t> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<int64_t> {
    auto it = op.slice->Find(op.db, key, ObjType::kList);
    if (!it.ok()) return it.status();
    // |INT64_MIN| does not fit an int64; any limit that large means "all" in practice.
    size_t limit = count == INT64_MIN ? SIZE_MAX : size_t(count < 0 ? -count : count);
    size_t removed = ListOf(*it)->Remove(value, limit, count >= 0);
    if (removed > 0) {
      op.slice->MarkModified(op.db, key);
      op.slice->Notify(notify::kList, "lrem", op.db, key);
    }
    DelIfEmpty(op, *it, key);
    return int64_t(removed);
  });
  if (res.status() == OpStatus::kWrongType) return cntx->rb->SendError(errors::kWrongType);
  cntx->rb->SendLong(res.value_or(0));
}

void LTrim(CmdArgs args, ConnectionContext* cntx) {
  int64_t start, end;
  if (!ParseRedisInt(args[2], &start) || !ParseRedisInt(args[3], &end)) {
    return cntx->rb->SendError(errors::kNotInteger);
  }
  std::string_view key = args[1];
  OpResult<bool> res = RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> OpResult<bool> {
    auto it = op.slice->Find(op.db, key, ObjType::kList);
    if (!it.ok()) return it.status();
    ListObj* list = ListOf(*it);
    int64_t len = int64_t(list->size());
    int64_t s = start < 0 ? start + len : start;
    int64_t e = end < 0 ? end + len : end;
    if (s < 0) s = 0;
    op.slice->Notify(notify::kList, "ltrim", op.db, key);  // even when nothing is cut, as Redis
    if (s > e || s >= len) {
      op.slice->Del(op.db, *it);  // everything is trimmed away
      op.slice->Notify(notify::kGeneric, "del", op.db, key);
      return true;
    }
    if (e >= len) e = len - 1;
    list->Trim(size_t(s), size_t(e));
    op.slice->MarkModified(op.db, key);  // even when nothing was cut, as in Redis
    return true;
  });
  if (res.status() == OpStatus::kWrongType) return cntx->rb->SendError(errors::kWrongType);
  cntx->rb->SendOk();
}

// ----- multi-key and blocking: LMOVE RPOPLPUSH LMPOP BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP -----

KeyState ProbeList(const OpArgs& op, std::string_view key) {
  auto it = op.slice->Find(op.db, key, ObjType::kList);
  if (it.ok()) return ListOf(*it)->empty() ? KeyState::kEmpty : KeyState::kReady;
  return it.status() == OpStatus::kWrongType ? KeyState::kWrongType : KeyState::kEmpty;
}

bool IsWrongTypeForList(const OpArgs& op, std::string_view key) {
  return op.slice->Find(op.db, key, ObjType::kList).status() == OpStatus::kWrongType;
}

// Pops up to `count` elements of the non-empty list at `key`; deletes the key when emptied.
std::vector<std::string> PopFrom(const OpArgs& op, std::string_view key, bool front, size_t count) {
  std::vector<std::string> out;
  auto it = op.slice->Find(op.db, key, ObjType::kList);
  if (!it.ok()) return out;
  ListObj* list = ListOf(*it);
  size_t n = std::min(count, list->size());
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(front ? list->PopFront() : list->PopBack());
  if (n > 0) {
    op.slice->MarkModified(op.db, key);
    op.slice->Notify(notify::kList, PopEvent(front), op.db, key);
  }
  DelIfEmpty(op, *it, key);
  return out;
}

// Pushes `value` onto the list at `key`, creating it. REQUIRES: `key` holds no other type.
// A new list gets `fill` (ListFill).
void PushTo(const OpArgs& op, std::string_view key, std::string_view value, bool front, int fill) {
  auto [it, inserted] = op.slice->AddOrFind(op.db, key);
  if (inserted) it.value().SetRobj(ObjType::kList, new ListObj(fill));
  ListObj* list = ListOf(it);
  if (front) {
    list->PushFront(value);
  } else {
    list->PushBack(value);
  }
  op.slice->MarkModified(op.db, key);
  op.slice->Notify(notify::kList, PushEvent(front), op.db, key);
  NotifyKeyReady(key);
}

// The whole move on one shard. REQUIRES: src is a non-empty list, dst holds no other type.
std::string MoveOnShard(const OpArgs& op, std::string_view src, std::string_view dst,
                        bool from_front, bool to_front, int fill) {
  if (src == dst) {
    // A rotation: the key never goes away (it keeps its TTL).
    auto it = op.slice->Find(op.db, src, ObjType::kList);
    ListObj* list = ListOf(*it);
    std::string value = from_front ? list->PopFront() : list->PopBack();
    if (to_front) {
      list->PushFront(value);
    } else {
      list->PushBack(value);
    }
    op.slice->MarkModified(op.db, src);
    // Redis reports the push before the pop.
    op.slice->Notify(notify::kList, PushEvent(to_front), op.db, src);
    op.slice->Notify(notify::kList, PopEvent(from_front), op.db, src);
    return value;
  }
  std::string value = std::move(PopFrom(op, src, from_front, 1).front());
  PushTo(op, dst, value, to_front, fill);
  return value;
}

bool ParseWhere(std::string_view arg, bool* front) {
  if (EqualsIgnoreCase(arg, "LEFT")) {
    *front = true;
  } else if (EqualsIgnoreCase(arg, "RIGHT")) {
    *front = false;
  } else {
    return false;
  }
  return true;
}

// LMOVE / BLMOVE (RPOPLPUSH / BRPOPLPUSH are RIGHT LEFT). With `deadline` set, blocks while
// the source is empty.
void MoveGeneric(ConnectionContext* cntx, std::string_view src, std::string_view dst,
                 bool from_front, bool to_front, std::optional<io::Clock::time_point> deadline) {
  ReplyBuilder* rb = cntx->rb;
  const int fill = ListFill(cntx);
  std::string_view keys[] = {src, dst};
  std::span<const std::string_view> key_span(keys, src == dst ? 1 : 2);
  BlockingTx btx(cntx, key_span);
  const bool single = btx.single_shard();
  KeyState src_state = KeyState::kEmpty;
  bool dst_wrong = false;
  std::string value;
  bool moved = false;
  bool ran = btx.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    for (const tx::ShardArg& a : mine) {
      if (a.index == 0) {
        src_state = ProbeList(op, src);
        if (src_state == KeyState::kReady) {
          auto it = op.slice->Find(op.db, src, ObjType::kList);
          const ListObj* list = ListOf(*it);
          value = list->At(from_front ? 0 : list->size() - 1);
        }
      } else {
        dst_wrong = IsWrongTypeForList(op, dst);
      }
    }
    if (single && src_state == KeyState::kReady && !dst_wrong) {
      MoveOnShard(op, src, dst, from_front, to_front, fill);
      moved = true;
    }
  });
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (src_state == KeyState::kWrongType) return rb->SendError(errors::kWrongType);
  if (src_state == KeyState::kReady) {
    if (dst_wrong) return rb->SendError(errors::kWrongType);
    if (!moved) {
      // Two shards: `value` is the source's end element (the keys are still locked).
      btx.Run([&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
        for (const tx::ShardArg& a : mine) {
          if (a.index == 0) {
            PopFrom(op, src, from_front, 1);
          } else {
            PushTo(op, dst, value, to_front, fill);
          }
        }
      });
    }
    return rb->SendBulk(value);
  }
  if (!deadline) return rb->SendNull();         // LMOVE on an empty source
  if (!btx.can_block()) return rb->SendNull();  // Redis's BLMOVE when it may not block
  ShardSet& shards = cntx->service->shards();
  const bool dst_here = shards.ShardOf(src) == shards.ShardOf(dst);
  bool pending_push = false;
  std::string_view watch[] = {src};
  auto woke = btx.Wait(
      watch, *deadline,
      [&](const OpArgs& op, std::string_view) { return ProbeList(op, src) == KeyState::kReady; },
      [&](const OpArgs& op, std::string_view) -> OpStatus {
        if (dst_here) {
          // Redis answers WRONGTYPE and leaves the source alone.
          if (src != dst && IsWrongTypeForList(op, dst)) return OpStatus::kWrongType;
          value = MoveOnShard(op, src, dst, from_front, to_front, fill);
        } else {
          value = std::move(PopFrom(op, src, from_front, 1).front());
          pending_push = true;
        }
        return OpStatus::kOk;
      });
  if (!woke.ok()) return SendPopFailure(rb, woke.status());  // timed out, unblocked, left
  if (woke->status == OpStatus::kWrongType) return rb->SendError(errors::kWrongType);
  if (pending_push) {
    // The destination lives on another shard: push there now. Between the two steps the
    // element is in neither list (the one divergence from Redis's atomic BLMOVE).
    bool pushed = RunOnKeyShard(cntx, dst, [&](const OpArgs& op) {
      if (IsWrongTypeForList(op, dst)) return false;
      PushTo(op, dst, value, to_front, fill);
      return true;
    });
    if (!pushed) {
      // As Redis: WRONGTYPE, and the element stays in the source (put back where it was).
      RunOnKeyShard(cntx, src, [&](const OpArgs& op) {
        if (!IsWrongTypeForList(op, src)) PushTo(op, src, value, from_front, fill);
        return true;
      });
      return rb->SendError(errors::kWrongType);
    }
  }
  rb->SendBulk(value);
}

void LMove(CmdArgs args, ConnectionContext* cntx) {
  bool from_front, to_front;
  if (!ParseWhere(args[3], &from_front) || !ParseWhere(args[4], &to_front)) {
    return cntx->rb->SendError(errors::kSyntax);
  }
  MoveGeneric(cntx, args[1], args[2], from_front, to_front, std::nullopt);
}

void RPopLPush(CmdArgs args, ConnectionContext* cntx) {
  MoveGeneric(cntx, args[1], args[2], false, true, std::nullopt);
}

void BLMove(CmdArgs args, ConnectionContext* cntx) {
  bool from_front, to_front;
  if (!ParseWhere(args[3], &from_front) || !ParseWhere(args[4], &to_front)) {
    return cntx->rb->SendError(errors::kSyntax);
  }
  io::Clock::time_point deadline;
  if (!ParseBlockTimeout(args[5], cntx->rb, &deadline)) return;
  MoveGeneric(cntx, args[1], args[2], from_front, to_front, deadline);
}

void BRPopLPush(CmdArgs args, ConnectionContext* cntx) {
  io::Clock::time_point deadline;
  if (!ParseBlockTimeout(args[3], cntx->rb, &deadline)) return;
  MoveGeneric(cntx, args[1], args[2], false, true, deadline);
}

// BLPOP / BRPOP: [key, element] from the first non-empty list.
void BlockingPopOne(CmdArgs args, ConnectionContext* cntx, bool front) {
  ReplyBuilder* rb = cntx->rb;
  io::Clock::time_point deadline;
  if (!ParseBlockTimeout(args.back(), rb, &deadline)) return;
  std::string value;
  PopOutcome out = BlockingPop(cntx, args.subspan(1, args.size() - 2), /*may_block=*/true, deadline,
                               ProbeList, [&](const OpArgs& op, std::string_view key) {
                                 value = std::move(PopFrom(op, key, front, 1).front());
                               });
  if (out.status != OpStatus::kOk) return SendPopFailure(rb, out.status);
  rb->StartArray(2);
  rb->SendBulk(out.key);
  rb->SendBulk(value);
}

void BLPop(CmdArgs args, ConnectionContext* cntx) { BlockingPopOne(args, cntx, true); }
void BRPop(CmdArgs args, ConnectionContext* cntx) { BlockingPopOne(args, cntx, false); }

// LMPOP / BLMPOP: [key, [elements...]] from the first non-empty list.
void MPop(CmdArgs args, ConnectionContext* cntx, bool blocking) {
  ReplyBuilder* rb = cntx->rb;
  MPopArgs mp;
  if (!ParseMPopArgs(args, blocking ? 2 : 1, "LEFT", "RIGHT", rb, &mp)) return;
  io::Clock::time_point deadline{};
  if (blocking && !ParseBlockTimeout(args[1], rb, &deadline)) return;
  std::vector<std::string> items;
  PopOutcome out = BlockingPop(cntx, mp.keys, blocking, deadline, ProbeList,
                               [&](const OpArgs& op, std::string_view key) {
                                 items = PopFrom(op, key, mp.first, size_t(mp.count));
                               });
  if (out.status != OpStatus::kOk) return SendPopFailure(rb, out.status);
  rb->StartArray(2);
  rb->SendBulk(out.key);
  rb->SendStringArray(items);
}

void LMPop(CmdArgs args, ConnectionContext* cntx) { MPop(args, cntx, false); }
void BLMPop(CmdArgs args, ConnectionContext* cntx) { MPop(args, cntx, true); }

}  // namespace

void RegisterListFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"lpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, LPush});
  r->Register({"rpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, RPush});
  r->Register({"lpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, LPushX});
  r->Register({"rpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, RPushX});
  r->Register({"lpop", -2, kWrite | kFast, 1, 1, 1, LPop});
  r->Register({"rpop", -2, kWrite | kFast, 1, 1, 1, RPop});
  r->Register({"llen", 2, kReadOnly | kFast, 1, 1, 1, LLen});
  r->Register({"lrange", 4, kReadOnly, 1, 1, 1, LRange});
  r->Register({"lindex", 3, kReadOnly, 1, 1, 1, LIndex});
  r->Register({"lset", 4, kWrite | kDenyOom, 1, 1, 1, LSet});
  r->Register({"linsert", 5, kWrite | kDenyOom, 1, 1, 1, LInsert});
  r->Register({"lrem", 4, kWrite, 1, 1, 1, LRem});
  r->Register({"ltrim", 4, kWrite, 1, 1, 1, LTrim});
  r->Register({"lpos", -3, kReadOnly, 1, 1, 1, LPos});
  // Multi-key and blocking (Redis's legacy key positions; *MPOP's keys are movable: 0).
  // As in Redis 7.0, scripts may not call BLPOP/BRPOP/BLMOVE/BRPOPLPUSH; BLMPOP runs there
  // (and in MULTI) as its non-blocking form.
  r->Register({"lmove", 5, kWrite | kDenyOom, 1, 2, 1, LMove});
  r->Register({"rpoplpush", 3, kWrite | kDenyOom, 1, 2, 1, RPopLPush});
  r->Register({"lmpop", -4, kWrite | kMovableKeys, 0, 0, 0, LMPop});
  r->Register({"blpop", -3, kWrite | kNoScript | kBlocking, 1, -2, 1, BLPop});
  r->Register({"brpop", -3, kWrite | kNoScript | kBlocking, 1, -2, 1, BRPop});
  r->Register({"blmove", 6, kWrite | kDenyOom | kNoScript | kBlocking, 1, 2, 1, BLMove});
  r->Register({"brpoplpush", 4, kWrite | kDenyOom | kNoScript | kBlocking, 1, 2, 1, BRPopLPush});
  r->Register({"blmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0, BLMPop});
}

}  // namespace lw
