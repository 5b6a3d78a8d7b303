#include "server/engine/undo_elements.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include <absl/container/flat_hash_map.h>

#include "server/engine/db_slice.h"
#include "server/types/hash_obj.h"
#include "server/types/list_obj.h"
#include "server/types/set_obj.h"
#include "server/types/zset_obj.h"

namespace lw {
namespace {

using Args = std::span<const std::string_view>;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
using Kind = ElementUndo::Kind;

// The described commands, by what they do to their keys.
enum class Op : uint8_t {
  kMembersFrom2,  // SADD, SREM; HDEL; ZREM
  kSMove,         // SMOVE src dst member
  kHSetPairs,     // HSET/HMSET key f v [f v ...]
  kField2,        // HSETNX, HINCRBY, HINCRBYFLOAT key field ...
  kZAdd,          // ZADD key [NX|XX|GT|LT|CH|INCR] score member ...
  kZIncrBy,       // ZINCRBY key increment member
  kPushFront,     // LPUSH, LPUSHX
  kPushBack,      // RPUSH, RPUSHX
  kPopFront,      // LPOP key [count], BLPOP keys... timeout
  kPopBack,       // RPOP key [count], BRPOP keys... timeout
  kRPopLPush,     // RPOPLPUSH, BRPOPLPUSH src dst ...
  kLMove,         // LMOVE, BLMOVE src dst LEFT|RIGHT LEFT|RIGHT ...
};

const absl::flat_hash_map<std::string, Op>& Ops() {
  static const auto* ops = new absl::flat_hash_map<std::string, Op>{
      {"SADD", Op::kMembersFrom2},    {"SREM", Op::kMembersFrom2}, {"HDEL", Op::kMembersFrom2},
      {"ZREM", Op::kMembersFrom2},    {"SMOVE", Op::kSMove},       {"HSET", Op::kHSetPairs},
      {"HMSET", Op::kHSetPairs},      {"HSETNX", Op::kField2},     {"HINCRBY", Op::kField2},
      {"HINCRBYFLOAT", Op::kField2},  {"ZADD", Op::kZAdd},         {"ZINCRBY", Op::kZIncrBy},
      {"LPUSH", Op::kPushFront},      {"LPUSHX", Op::kPushFront},  {"RPUSH", Op::kPushBack},
      {"RPUSHX", Op::kPushBack},      {"LPOP", Op::kPopFront},     {"BLPOP", Op::kPopFront},
      {"RPOP", Op::kPopBack},         {"BRPOP", Op::kPopBack},     {"RPOPLPUSH", Op::kRPopLPush},
      {"BRPOPLPUSH", Op::kRPopLPush}, {"LMOVE", Op::kLMove},       {"BLMOVE", Op::kLMove},
  };
  return *ops;
}

std::optional<ObjType> TypeOf(Op op, std::string_view name) {
  switch (op) {
    case Op::kMembersFrom2:
      if (name == "HDEL") return ObjType::kHash;
      return name == "ZREM" ? ObjType::kZSet : ObjType::kSet;
    case Op::kSMove:
      return ObjType::kSet;
    case Op::kHSetPairs:
    case Op::kField2:
      return ObjType::kHash;
    case Op::kZAdd:
    case Op::kZIncrBy:
      return ObjType::kZSet;
    default:
      return ObjType::kList;
  }
}

size_t SizeOf(const CompactObj& v) {
  switch (v.type()) {
    case ObjType::kSet:
      return v.GetRobj<SetObj>()->size();
    case ObjType::kHash:
      return v.GetRobj<HashObj>()->size();
    case ObjType::kZSet:
      return v.GetRobj<ZSetObj>()->size();
    case ObjType::kList:
      return v.GetRobj<ListObj>()->size();
    default:
      return 0;
  }
}

// The members (fields) of `args` the command names, by position.
std::vector<std::string_view> NamedElements(Op op, Args args) {
  std::vector<std::string_view> out;
  auto from = [&](size_t i, size_t step) {
    for (; i < args.size(); i += step) out.push_back(args[i]);
  };
  switch (op) {
    case Op::kMembersFrom2:
      from(2, 1);
      break;
    case Op::kSMove:
      if (args.size() > 3) out.push_back(args[3]);
      break;
    case Op::kHSetPairs:
      from(2, 2);
      break;
    case Op::kField2:
      if (args.size() > 2) out.push_back(args[2]);
      break;
    case Op::kZIncrBy:
      if (args.size() > 3) out.push_back(args[3]);
      break;
    case Op::kZAdd: {
      size_t i = 2;
      while (i < args.size()) {
        std::string up = Upper(args[i]);
        if (up != "NX" && up != "XX" && up != "GT" && up != "LT" && up != "CH" && up != "INCR")
          break;
        ++i;
      }
      from(i + 1, 2);
      break;
    }
    default:
      break;
  }
  return out;
}

std::optional<std::string> PreviousState(const CompactObj& v, std::string_view element) {
  switch (v.type()) {
    case ObjType::kSet:
      if (v.GetRobj<SetObj>()->Contains(element)) return std::string();
      return std::nullopt;
    case ObjType::kHash:
      if (auto val = v.GetRobj<HashObj>()->Get(element)) return std::string(*val);
      return std::nullopt;
    default:
      if (auto score = v.GetRobj<ZSetObj>()->Score(element)) {
        std::string bytes(sizeof(double), '\0');
        std::memcpy(bytes.data(), &*score, sizeof(double));
        return bytes;
      }
      return std::nullopt;
  }
}

// Which end of `key`'s list the command pushes to or pops from, and how many it may pop;
// false if the key's role cannot be told (the same key as source and destination).
bool ListRole(Op op, Args args, std::string_view key, Kind* kind, bool* front, size_t* count) {
  *count = 1;
  auto left = [](std::string_view w) { return Upper(w) == "LEFT"; };
  switch (op) {
    case Op::kPushFront:
    case Op::kPushBack:
      *kind = Kind::kListPush;
      *front = op == Op::kPushFront;
      return args.size() > 1 && args[1] == key;
    case Op::kPopFront:
    case Op::kPopBack:
      *kind = Kind::kListPop;
      *front = op == Op::kPopFront;
      // LPOP key count; BLPOP pops one from whichever key had an element.
      if (std::toupper(static_cast<unsigned char>(args[0][0])) == 'B') return true;
      if (args.size() == 3) {
        auto [end, ec] = std::from_chars(args[2].data(), args[2].data() + args[2].size(), *count);
        if (ec != std::errc() || end != args[2].data() + args[2].size()) *count = 1;
      }
      return args.size() > 1 && args[1] == key;
    case Op::kRPopLPush:
    case Op::kLMove: {
      if (args.size() < 3 || args[1] == args[2]) return false;
      const bool src = args[1] == key;
      if (!src && args[2] != key) return false;
      *kind = src ? Kind::kListPop : Kind::kListPush;
      if (op == Op::kRPopLPush) {
        *front = !src;
      } else {
        if (args.size() < 5) return false;
        *front = left(src ? args[3] : args[4]);
      }
      return true;
    }
    default:
      return false;
  }
}

bool DescribeList(const ListObj& list, Op op, Args args, std::string_view key, ElementUndo* out) {
  size_t count;
  if (!ListRole(op, args, key, &out->kind, &out->front, &count)) return false;
  out->size_before = list.size();
  if (out->kind == Kind::kListPush) return true;
  if (count >= list.size()) return false;  // pops everything: the clone costs the same
  if (count == 0) return true;
  if (out->front) {
    list.Range(0, count - 1, [&](std::string_view e) { out->items.emplace_back(e, std::nullopt); });
  } else {
    list.Range(list.size() - count, list.size() - 1,
               [&](std::string_view e) { out->items.emplace_back(e, std::nullopt); });
    std::reverse(out->items.begin(), out->items.end());
  }
  return true;
}

}  // namespace

bool DescribeElementUndo(const CompactObj& value, Args args, std::string_view key,
                         ElementUndo* out) {
  if (args.empty() || value.IsString() || SizeOf(value) <= kCloneWholeUpTo) return false;
  const std::string name = Upper(args[0]);
  auto it = Ops().find(name);
  if (it == Ops().end() || TypeOf(it->second, name) != value.type()) return false;
  const Op op = it->second;
  if (value.type() == ObjType::kList)
    return DescribeList(*value.GetRobj<ListObj>(), op, args, key, out);
  // Member and field commands name one key (SMOVE two, one role each with the same member).
  if (op != Op::kSMove && (args.size() < 2 || args[1] != key)) return false;
  out->kind = value.type() == ObjType::kSet    ? Kind::kSetMembers
              : value.type() == ObjType::kHash ? Kind::kHashFields
                                               : Kind::kZSetScores;
  for (std::string_view e : NamedElements(op, args)) {
    out->items.emplace_back(std::string(e), PreviousState(value, e));
  }
  return true;
}

namespace {

// The collection at `key` as the command left it, created empty (with the recorded TTL and
// stickiness) if the command emptied and so deleted it.
CompactObj& Collection(DbSlice* slice, int db, std::string_view key, const ElementUndo& undo,
                       ObjType type) {
  if (auto it = slice->Peek(db, key)) return it->value();
  auto [it, inserted] = slice->AddOrFind(db, key);
  switch (type) {
    case ObjType::kSet:
      it.value().SetRobj(type, new SetObj(undo.items.empty() ? "" : undo.items[0].first,
                                          undo.items.size(), SetLimits{}));
      break;
    case ObjType::kHash:
      it.value().SetRobj(type, new HashObj());
      break;
    case ObjType::kZSet:
      it.value().SetRobj(type, new ZSetObj(kCloneWholeUpTo + 1, 0, ZSetLimits{}));
      break;
    default:
      it.value().SetRobj(type, new ListObj());
      break;
  }
  it.value().set_sticky(undo.sticky);
  if (undo.expire_at != 0) slice->SetExpire(db, it, undo.expire_at);
  return it.value();
}

void UndoMembers(CompactObj& v, const ElementUndo& undo) {
  for (const auto& [element, before] : undo.items) {
    if (v.type() == ObjType::kSet) {
      SetObj* set = v.GetRobj<SetObj>();
      before ? void(set->Add(element, SetLimits{})) : void(set->Remove(element));
    } else if (v.type() == ObjType::kHash) {
      HashObj* hash = v.GetRobj<HashObj>();
      before ? void(hash->Set(element, *before, HashLimits{})) : void(hash->Del(element));
    } else {
      ZSetObj* zset = v.GetRobj<ZSetObj>();
      std::optional<double> now = zset->Score(element);
      if (!before) {
        if (now) zset->Erase(element);
        continue;
      }
      double score;
      std::memcpy(&score, before->data(), sizeof(double));
      if (now) {
        zset->UpdateScore(element, *now, score);
      } else {
        zset->Insert(element, score, ZSetLimits{});
      }
    }
  }
}

void UndoList(ListObj* list, const ElementUndo& undo) {
  if (undo.kind == ElementUndo::Kind::kListPush) {
    for (size_t n = list->size() - std::min(list->size(), undo.size_before); n > 0; --n) {
      undo.front ? void(list->PopFront()) : void(list->PopBack());
    }
    return;
  }
  size_t popped = undo.size_before - std::min(undo.size_before, list->size());
  for (size_t i = std::min(popped, undo.items.size()); i > 0; --i) {
    const std::string& e = undo.items[i - 1].first;
    undo.front ? list->PushFront(e) : list->PushBack(e);
  }
}

}  // namespace

void ApplyElementUndo(DbSlice* slice, int db, std::string_view key, const ElementUndo& undo) {
  using K = ElementUndo::Kind;
  const ObjType type = undo.kind == K::kSetMembers   ? ObjType::kSet
                       : undo.kind == K::kHashFields ? ObjType::kHash
                       : undo.kind == K::kZSetScores ? ObjType::kZSet
                                                     : ObjType::kList;
  CompactObj& v = Collection(slice, db, key, undo, type);
  if (v.type() != type) return;  // cannot happen: later commands were undone first
  if (type == ObjType::kList) {
    UndoList(v.GetRobj<ListObj>(), undo);
  } else {
    UndoMembers(v, undo);
  }
  if (SizeOf(v) == 0) slice->Del(db, key);
}

}  // namespace lw
