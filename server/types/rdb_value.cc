#include "server/types/rdb_value.h"

#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "base/str_util.h"
#include "server/types/list_obj.h"
#include "server/types/rdb_packed.h"
#include "server/types/rdb_stream.h"

namespace lw::rdb {

namespace {

// A quicklist node's listpack is closed once it passes this many bytes (Redis's -2: 8 KB).
constexpr size_t kNodeBytes = 8192;
// Reserve no more than this many elements ahead of reading them (counts come from the file).
constexpr uint64_t kMaxReserve = 1 << 16;

// ---------------- save ----------------

void SaveList(const ListObj& list, Writer* w) {
  std::vector<std::string> nodes;
  ListpackBuilder lb;
  size_t bytes = 0;
  list.Walk(true, [&](size_t, std::string_view e) {
    if (lb.count() > 0 && bytes + e.size() + 11 > kNodeBytes) {
      nodes.push_back(lb.Finish());
      lb = ListpackBuilder();
      bytes = 0;
    }
    lb.Add(e);
    bytes += e.size() + 11;
    return true;
  });
  if (lb.count() > 0) nodes.push_back(lb.Finish());
  w->Len(nodes.size());
  for (const std::string& n : nodes) {
    w->Len(kQuicklistPacked);
    w->String(n);
  }
}

void SaveSet(const SetObj& set, Writer* w) {
  if (set.encoding() == SetObj::Encoding::kIntset) {
    std::vector<int64_t> ints;
    ints.reserve(set.size());
    set.ForEach([&](std::string_view m) {
      int64_t v = 0;
      ParseRedisInt(m, &v);
      ints.push_back(v);
    });
    w->String(BuildIntset(ints));
    return;
  }
  w->Len(set.size());
  set.ForEach([&](std::string_view m) { w->String(m); });
}

void SaveZSet(const ZSetObj& zs, Writer* w) {
  if (zs.is_listpack()) {
    ListpackBuilder lb;
    zs.Visit(0, zs.size(), false, [&](std::string_view m, double score) {
      lb.Add(m);
      lb.Add(FormatScore(score));
    });
    w->String(lb.Finish());
    return;
  }
  // Redis writes the skiplist from the tail, so its loader inserts at the head.
  w->Len(zs.size());
  zs.Visit(0, zs.size(), true, [&](std::string_view m, double score) {
    w->String(m);
    w->BinaryDouble(score);
  });
}

void SaveHash(const HashObj& h, Writer* w) {
  if (h.packed()) {
    ListpackBuilder lb;
    h.ForEach([&](std::string_view f, std::string_view v) {
      lb.Add(f);
      lb.Add(v);
    });
    w->String(lb.Finish());
    return;
  }
  w->Len(h.size());
  h.ForEach([&](std::string_view f, std::string_view v) {
    w->String(f);
    w->String(v);
  });
}

// ---------------- load ----------------

// Collects the elements of one value, then builds the object the way Redis's loader would.
class Loader {
 public:
  Loader(Reader* r, const LoadLimits& limits) : r_(r), limits_(limits) {}

  LoadResult String(CompactObj* out) {
    std::string s;
    if (!r_->String(&s)) return LoadResult::kError;
    out->SetString(s);
    return LoadResult::kOk;
  }

  // Reads `count` strings (count from the file) and hands each to fn.
  template <typename Fn>
  bool Strings(uint64_t count, Fn&& fn) {
    std::string s;
    for (uint64_t i = 0; i < count; ++i) {
      if (!r_->String(&s) || !fn(s)) return false;
    }
    return true;
  }

  // Parses a packed blob read as one string.
  template <typename Parse, typename Fn>
  bool Blob(Parse parse, Fn&& fn) {
    std::string blob, err;
    size_t at = r_->pos();
    if (!r_->String(&blob)) return false;
    bool ok = parse(
        blob, [&](std::string_view e) { return fn(e); }, &err);
    if (!ok && !err.empty()) return r_->FailAt(at, err);
    return ok;
  }

  LoadResult List(uint8_t type, CompactObj* out);
  LoadResult Set(uint8_t type, CompactObj* out);
  LoadResult ZSet(uint8_t type, CompactObj* out);
  LoadResult Hash(uint8_t type, CompactObj* out);

 private:
  bool Count(uint64_t* n) { return r_->PlainLen(n); }
  LoadResult Finish(bool ok, size_t size) {
    if (!ok) {
      if (r_->ok()) r_->Fail("bad value");
      return LoadResult::kError;
    }
    return size == 0 ? LoadResult::kEmpty : LoadResult::kOk;
  }

  Reader* r_;
  const LoadLimits& limits_;
};

LoadResult Loader::List(uint8_t type, CompactObj* out) {
  auto list = std::make_unique<ListObj>(limits_.list_fill);
  auto push = [&](std::string_view e) {
    list->PushBack(e);
    return true;
  };
  bool ok = true;
  uint64_t n = 0;
  if (type == kTypeList) {
    ok = Count(&n) && Strings(n, push);
  } else if (type == kTypeListZiplist) {
    ok = Blob(ParseZiplist, push);
  } else {
    ok = Count(&n);
    for (uint64_t i = 0; ok && i < n; ++i) {
      uint64_t container = kQuicklistPacked;
      if (type == kTypeListQuicklist2 && !r_->PlainLen(&container)) return LoadResult::kError;
      if (container == kQuicklistPlain) {
        ok = Strings(1, push);
      } else if (container != kQuicklistPacked) {
        r_->Fail("bad quicklist node container");
        return LoadResult::kError;
      } else {
        ok = type == kTypeListQuicklist2 ? Blob(ParseListpack, push) : Blob(ParseZiplist, push);
      }
    }
  }
  size_t size = list->size();
  if (ok && size > 0) out->SetRobj(ObjType::kList, list.release());
  return Finish(ok, size);
}

LoadResult Loader::Set(uint8_t type, CompactObj* out) {
  std::unique_ptr<SetObj> set;
  uint64_t n = 0;
  bool dup = false;
  auto add = [&](std::string_view m) {
    if (!set) set = std::make_unique<SetObj>(m, n, limits_.set);
    if (!set->Add(m, limits_.set)) dup = true;
    return !dup;
  };
  bool ok;
  if (type == kTypeSet) {
    ok = Count(&n) && Strings(n, add);
  } else {
    n = type == kTypeSetIntset ? 0 : limits_.set.max_listpack_entries;
    ok = Blob(type == kTypeSetIntset ? ParseIntset : ParseListpack, add);
  }
  if (dup) r_->Fail("duplicate set member");
  size_t size = set ? set->size() : 0;
  if (ok && size > 0) out->SetRobj(ObjType::kSet, set.release());
  return Finish(ok, size);
}

LoadResult Loader::ZSet(uint8_t type, CompactObj* out) {
  std::vector<std::pair<std::string, double>> items;
  bool ok;
  if (type == kTypeZSet || type == kTypeZSet2) {
    uint64_t n;
    ok = Count(&n);
    items.reserve(std::min(n, kMaxReserve));
    for (uint64_t i = 0; ok && i < n; ++i) {
      std::string m;
      double score;
      ok = r_->String(&m) &&
           (type == kTypeZSet2 ? r_->BinaryDouble(&score) : r_->StringDouble(&score));
      if (ok && std::isnan(score)) ok = r_->Fail("NaN score");
      if (ok) items.emplace_back(std::move(m), score);
    }
  } else {
    std::string pending;
    bool have = false;
    auto take = [&](std::string_view e) {
      if (!have) {
        pending.assign(e);
        have = true;
        return true;
      }
      have = false;
      std::string text(e);
      char* end = nullptr;
      double score = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size() || std::isnan(score)) return false;
      items.emplace_back(std::move(pending), score);
      return true;
    };
    ok = Blob(type == kTypeZSetListpack ? ParseListpack : ParseZiplist, take) && !have;
  }
  if (!ok) return Finish(false, 0);
  size_t max_len = 0;
  for (const auto& [m, s] : items) max_len = std::max(max_len, m.size());
  auto zs = std::make_unique<ZSetObj>(items.size(), max_len, limits_.zset);
  for (const auto& [m, s] : items) {
    if (zs->Score(m)) {
      r_->Fail("duplicate sorted set member");
      return LoadResult::kError;
    }
    zs->Insert(m, s, limits_.zset);
  }
  if (items.empty()) return LoadResult::kEmpty;
  out->SetRobj(ObjType::kZSet, zs.release());
  return LoadResult::kOk;
}

LoadResult Loader::Hash(uint8_t type, CompactObj* out) {
  auto h = std::make_unique<HashObj>();
  std::string field;
  bool have = false, dup = false;
  auto take = [&](std::string_view e) {
    if (!have) {
      field.assign(e);
      have = true;
      return true;
    }
    have = false;
    if (!h->Set(field, e, limits_.hash)) dup = true;
    return !dup;
  };
  bool ok;
  if (type == kTypeHash) {
    uint64_t n;
    ok = Count(&n) && (n <= UINT64_MAX / 2) && Strings(n * 2, take);
  } else {
    auto parse = type == kTypeHashListpack  ? ParseListpack
                 : type == kTypeHashZiplist ? ParseZiplist
                                            : ParseZipmap;
    ok = Blob(parse, take) && !have;
  }
  if (dup) r_->Fail("duplicate hash field");
  size_t size = h->size();
  if (ok && !dup && size > 0) out->SetRobj(ObjType::kHash, h.release());
  return Finish(ok && !dup, size);
}

}  // namespace

uint8_t TypeOf(const CompactObj& obj) {
  switch (obj.type()) {
    case ObjType::kString:
      return kTypeString;
    case ObjType::kList:
      return kTypeListQuicklist2;
    case ObjType::kSet:
      return obj.GetRobj<SetObj>()->encoding() == SetObj::Encoding::kIntset ? kTypeSetIntset
                                                                            : kTypeSet;
    case ObjType::kZSet:
      return obj.GetRobj<ZSetObj>()->is_listpack() ? kTypeZSetListpack : kTypeZSet2;
    case ObjType::kHash:
      return obj.GetRobj<HashObj>()->packed() ? kTypeHashListpack : kTypeHash;
    case ObjType::kStream:
      return kTypeStreamListpacks2;
  }
  return kTypeString;
}

void SaveValue(const CompactObj& obj, Writer* w) {
  switch (obj.type()) {
    case ObjType::kString:
      if (obj.IsInt()) {
        w->Int(obj.int_value());
      } else {
        std::string scratch;
        w->String(obj.GetSlice(&scratch));
      }
      return;
    case ObjType::kList:
      return SaveList(*obj.GetRobj<ListObj>(), w);
    case ObjType::kSet:
      return SaveSet(*obj.GetRobj<SetObj>(), w);
    case ObjType::kZSet:
      return SaveZSet(*obj.GetRobj<ZSetObj>(), w);
    case ObjType::kHash:
      return SaveHash(*obj.GetRobj<HashObj>(), w);
    case ObjType::kStream:
      return SaveStream(*obj.GetRobj<StreamObj>(), w);
  }
}

LoadResult LoadValue(uint8_t type, Reader* r, const LoadLimits& limits, CompactObj* out) {
  Loader l(r, limits);
  switch (type) {
    case kTypeString:
      return l.String(out);
    case kTypeList:
    case kTypeListZiplist:
    case kTypeListQuicklist:
    case kTypeListQuicklist2:
      return l.List(type, out);
    case kTypeSet:
    case kTypeSetIntset:
    case kTypeSetListpack:
      return l.Set(type, out);
    case kTypeZSet:
    case kTypeZSet2:
    case kTypeZSetZiplist:
    case kTypeZSetListpack:
      return l.ZSet(type, out);
    case kTypeHash:
    case kTypeHashZipmap:
    case kTypeHashZiplist:
    case kTypeHashListpack:
      return l.Hash(type, out);
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
    case kTypeStreamListpacks3:
      return LoadStream(type, r, out) ? LoadResult::kOk : LoadResult::kError;
    case kTypeModule:
    case kTypeModule2:
      r->Fail("module values are not supported");
      return LoadResult::kError;
    default:
      r->Fail("unknown value type " + std::to_string(type));
      return LoadResult::kError;
  }
}

std::string DumpPayload(const CompactObj& obj) {
  Writer w;
  w.U8(TypeOf(obj));
  SaveValue(obj, &w);
  return WrapDumpPayload(std::move(w.buffer()));
}

bool RestorePayload(std::string_view payload, const LoadLimits& limits, CompactObj* out,
                    bool* bad_format) {
  *bad_format = false;
  std::string_view value;
  if (!UnwrapDumpPayload(payload, &value)) return false;
  *bad_format = true;
  Reader r(value);
  uint8_t type;
  if (!r.U8(&type)) return false;
  if (LoadValue(type, &r, limits, out) != LoadResult::kOk) return false;
  *bad_format = false;
  return true;
}

}  // namespace lw::rdb
