// SORT and SORT_RO (Redis 7.0 sort.c): the elements of a list, set or sorted set, sorted
// numerically or (ALPHA) as strings, optionally by the values of other keys (BY weight_*,
// BY data_*->field), with LIMIT, and replied or stored as a list (STORE), optionally replaced
// by other keys' values (GET pattern, GET #).
//
// Locking: without patterns SORT is one transaction over its key (and its STORE destination)
// like any multi-key command (KeyHops). A BY or GET pattern may name keys on any shard, so
// then SORT locks the whole store (a global transaction, or a step of an enclosing MULTI that
// locked every shard) and reads the pattern keys in hops over every shard; a lock-ahead script
// cannot grant that and gets the undeclared-key error. GET patterns without a BY sort or STORE,
// outside MULTI and scripts, take two hops (SortGetsInTwoHops), the general path three.
//
// Redis's details kept: a BY without '*' means no sorting ("nosort"); a numeric sort breaks
// ties by the elements' bytes; ALPHA compares with strcoll (the C.UTF-8 / C collation: bytes
// up to the first NUL) unless storing (all bytes); a set sorted "nosort" in a script or with
// STORE is sorted ALPHA instead (Redis 7's rule for deterministic replies); with BY and LIMIT
// the sort is Redis's partial quicksort, so equal keys come out in its order.
#include "server/families/sort_family.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "server/engine/blocking_cmd.h"
#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/hash_obj.h"
#include "server/types/list_obj.h"
#include "server/types/partial_sort.h"
#include "server/types/set_obj.h"
#include "server/types/zset_obj.h"

namespace lw {

namespace {

struct SortArgs {
  bool desc = false, alpha = false, dont_sort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::string_view store;
  std::optional<std::string_view> by;
  std::vector<std::string_view> gets;

  // True if some pattern reads other keys (so the whole store must be locked).
  bool ReadsOtherKeys() const {
    if (by && !dont_sort) return true;
    for (std::string_view g : gets) {
      if (g != "#" && g.find('*') != std::string_view::npos) return true;
    }
    return false;
  }
};

// Parses args[2..]. Returns the error text, empty if fine.
std::string_view ParseSortArgs(CmdArgs args, bool read_only, SortArgs* out) {
  for (size_t j = 2; j < args.size(); ++j) {
    size_t left = args.size() - j - 1;
    std::string_view a = args[j];
    if (EqualsIgnoreCase(a, "ASC")) {
      out->desc = false;
    } else if (EqualsIgnoreCase(a, "DESC")) {
      out->desc = true;
    } else if (EqualsIgnoreCase(a, "ALPHA")) {
      out->alpha = true;
    } else if (EqualsIgnoreCase(a, "LIMIT") && left >= 2) {
      if (!ParseRedisInt(args[j + 1], &out->limit_start) ||
          !ParseRedisInt(args[j + 2], &out->limit_count)) {
        return errors::kNotInteger;
      }
      j += 2;
    } else if (!read_only && EqualsIgnoreCase(a, "STORE") && left >= 1) {
      out->store = args[++j];
    } else if (EqualsIgnoreCase(a, "BY") && left >= 1) {
      out->by = args[++j];
      out->dont_sort = out->by->find('*') == std::string_view::npos;
    } else if (EqualsIgnoreCase(a, "GET") && left >= 1) {
      out->gets.push_back(args[++j]);
    } else {
      return errors::kSyntax;
    }
  }
  return {};
}

// Redis's lookupKeyByPattern, split in two: the key a pattern names for an element (and the
// hash field after "->"), and the value found there.
struct PatternKey {
  bool is_element = false;  // "#": the element itself
  bool valid = false;       // false: the pattern has no '*', so it finds nothing
  std::string key, field;
  bool has_field = false;
};

PatternKey ResolvePattern(std::string_view pattern, std::string_view elem) {
  PatternKey out;
  // Redis reads the pattern as a C string: it ends at the first NUL.
  std::string_view pat = pattern.substr(0, pattern.find('\0'));
  if (pat == "#") {
    out.is_element = true;
    return out;
  }
  size_t star = pat.find('*');
  if (star == std::string_view::npos) return out;
  out.valid = true;
  size_t arrow = pat.find("->", star + 1);
  size_t postfix_end = pattern.size();
  if (arrow != std::string_view::npos && arrow + 2 < pat.size()) {
    out.has_field = true;
    out.field = std::string(pattern.substr(arrow + 2));
    postfix_end = arrow;
  }
  out.key = std::string(pattern.substr(0, star));
  out.key.append(elem);
  out.key.append(pattern.substr(star + 1, postfix_end - star - 1));
  return out;
}

// The value at a resolved pattern: a string key's value, or a hash's field; nullopt if
// missing or of another type.
std::optional<std::string> ReadPatternValue(const OpArgs& op, const PatternKey& pk) {
  auto it = op.slice->Find(op.db, pk.key);
  if (!it.ok()) return std::nullopt;
  const CompactObj& v = it->value();
  if (pk.has_field) {
    if (v.type() != ObjType::kHash) return std::nullopt;
    std::optional<std::string_view> f = v.GetRobj<HashObj>()->Get(pk.field);
    if (!f) return std::nullopt;
    return std::string(*f);
  }
  if (v.type() != ObjType::kString) return std::nullopt;
  std::string s;
  v.GetString(&s);
  return s;
}

// What the source key held.
struct Source {
  bool wrong_type = false;
  ObjType type = ObjType::kList;   // a missing key sorts as an empty list
  std::vector<std::string> elems;  // list order, set iteration order, zset ascending order
};

Source ReadSource(const OpArgs& op, std::string_view key) {
  Source src;
  auto it = op.slice->Find(op.db, key);
  if (!it.ok()) return src;
  CompactObj& v = it->value();
  src.type = v.type();
  switch (src.type) {
    case ObjType::kList: {
      const ListObj* l = v.GetRobj<ListObj>();
      if (l->size() > 0) {
        src.elems.reserve(l->size());
        l->Range(0, l->size() - 1, [&](std::string_view e) { src.elems.emplace_back(e); });
      }
      break;
    }
    case ObjType::kSet:
      src.elems.reserve(v.GetRobj<SetObj>()->size());
      v.GetRobj<SetObj>()->ForEach([&](std::string_view e) { src.elems.emplace_back(e); });
      break;
    case ObjType::kZSet: {
      ZSetObj* z = v.GetRobj<ZSetObj>();
      z->MakeSkiplist();  // as Redis, which converts the set for SORT (OBJECT ENCODING shows it)
      src.elems.reserve(z->size());
      z->Visit(0, z->size(), false, [&](std::string_view m, double) { src.elems.emplace_back(m); });
      break;
    }
    default:
      src.wrong_type = true;
  }
  return src;
}

// Stores `items` as a list at `key` (Redis's setKey), or deletes the key when empty.
void StoreList(const OpArgs& op, std::string_view key, const std::vector<std::string>& items,
               int fill) {
  if (items.empty()) {
    if (op.slice->Del(op.db, key)) op.slice->Notify(notify::kGeneric, "del", op.db, key);
    return;
  }
  auto* list = new ListObj(fill);
  for (const std::string& s : items) list->PushBack(s);
  auto [it, inserted] = op.slice->AddOrFind(op.db, key);
  if (!inserted) op.slice->RemoveExpire(op.db, it);
  it.value().SetRobj(ObjType::kList, list);
  op.slice->MarkModified(op.db, key);
  NotifyKeyReady(key);  // BLPOP & co. blocked on the destination wake, as on Redis's setKey
  op.slice->Notify(notify::kList, "sortstore", op.db, key);
}

// The store access a SORT needs: its own keys only (KeyHops), or every shard (GlobalHops).
class SortAccess {
 public:
  // A global SORT without STORE only reads: it takes the shared global lock, so SORTs run
  // alongside each other and alongside keyed readers.
  SortAccess(ConnectionContext* cntx, std::span<const std::string_view> keys, bool global,
             bool store) {
    if (global) {
      global_.emplace(cntx, store ? tx::LockMode::kExclusive : tx::LockMode::kShared);
    } else {
      // SORT only reads its source: shared, so SORTs of one list do not queue on each other;
      // STORE's destination (keys[1]) exclusive.
      std::vector<tx::LockMode> modes(keys.size(), tx::LockMode::kShared);
      if (keys.size() == 2) modes[1] = tx::LockMode::kExclusive;
      hops_.emplace(cntx, keys, modes);
    }
  }

  // As KeyHops::NextIsLast.
  void NextIsLast() { global_ ? global_->NextIsLast() : hops_->NextIsLast(); }

  // Runs fn(op, shard id) on every shard (global) or on the shards of the keys. Returns false
  // if the enclosing transaction does not hold what SORT needs.
  template <typename Fn>
  bool Run(Fn&& fn) {
    if (global_) return global_->Run([&](const OpArgs& op) { fn(op, op.slice->shard_id()); });
    return hops_->Run(
        [&](const OpArgs& op, std::span<const tx::ShardArg>) { fn(op, op.slice->shard_id()); });
  }

 private:
  std::optional<KeyHops> hops_;
  std::optional<GlobalHops> global_;
};

// One element being sorted, with what it sorts by.
struct Entry {
  std::string elem;
  double score = 0;
  std::optional<std::string> by;  // ALPHA BY: the value found (nullopt: none)
};

// The values `patterns` name for `elems`, resolved once and read shard by shard: each shard
// reads the keys it owns (ReadOn in its hop); values[p][i] is pattern p's value for elems[i].
struct PatternReads {
  std::vector<std::vector<PatternKey>> keys;
  std::vector<std::vector<uint32_t>> shard_of;
  std::vector<std::vector<std::optional<std::string>>> values;

  void Plan(ShardSet& shards, std::span<const std::string_view> patterns,
            const std::vector<const std::string*>& elems) {
    keys.assign(patterns.size(), {});
    shard_of.assign(patterns.size(), {});
    values.assign(patterns.size(), {});
    for (size_t p = 0; p < patterns.size(); ++p) {
      keys[p].reserve(elems.size());
      values[p].resize(elems.size());
      shard_of[p].resize(elems.size());
      for (size_t i = 0; i < elems.size(); ++i) {
        keys[p].push_back(ResolvePattern(patterns[p], *elems[i]));
        if (keys[p][i].is_element) values[p][i] = *elems[i];
        if (keys[p][i].valid) shard_of[p][i] = shards.ShardOf(keys[p][i].key);
      }
    }
  }
  // Whether shard `sid` owns some key to read.
  bool Owns(uint32_t sid) const {
    for (size_t p = 0; p < keys.size(); ++p) {
      for (size_t i = 0; i < keys[p].size(); ++i) {
        if (keys[p][i].valid && shard_of[p][i] == sid) return true;
      }
    }
    return false;
  }
  // On shard `sid`'s thread, in a hop: reads the pattern keys that shard owns.
  void ReadOn(const OpArgs& op, uint32_t sid) {
    for (size_t p = 0; p < keys.size(); ++p) {
      for (size_t i = 0; i < keys[p].size(); ++i) {
        if (keys[p][i].valid && shard_of[p][i] == sid)
          values[p][i] = ReadPatternValue(op, keys[p][i]);
      }
    }
  }
};

// The values each of `patterns` names for `elems`, all read in one hop over the shards.
std::vector<std::vector<std::optional<std::string>>> ReadPatterns(
    SortAccess* access, ConnectionContext* cntx, std::span<const std::string_view> patterns,
    const std::vector<const std::string*>& elems, bool* ran) {
  PatternReads reads;
  reads.Plan(cntx->service->shards(), patterns, elems);
  *ran = access->Run([&](const OpArgs& op, uint32_t sid) { reads.ReadOn(op, sid); });
  return std::move(reads.values);
}

// Redis's sortCompare.
int CompareEntries(const Entry& a, const Entry& b, const SortArgs& s, bool by_pattern) {
  auto binary = [](std::string_view x, std::string_view y) {
    int c = x.compare(y);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  };
  int cmp;
  if (!s.alpha) {
    cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : binary(a.elem, b.elem);
  } else if (by_pattern) {
    if (!a.by || !b.by) {
      cmp = a.by.has_value() == b.by.has_value() ? 0 : !a.by ? -1 : 1;
    } else {
      cmp = s.store.empty() ? std::strcmp(a.by->c_str(), b.by->c_str()) : binary(*a.by, *b.by);
    }
  } else {
    cmp = s.store.empty() ? std::strcmp(a.elem.c_str(), b.elem.c_str()) : binary(a.elem, b.elem);
  }
  cmp = cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
  return s.desc ? -cmp : cmp;
}

// Redis's score of a BY value or element: strtod over the whole C string, no NaN, no range
// error; false if it is not a number.
bool ScoreOf(const std::string& v, double* out) {
  char* end;
  errno = 0;
  *out = std::strtod(v.c_str(), &end);
  return end[0] == '\0' && errno != ERANGE && !std::isnan(*out);
}

// Redis's LIMIT sanitising: the inclusive output range [*start, *end] of `len` elements
// (empty when *end < *start).
void OutputRange(const SortArgs& s, int64_t len, int64_t* start, int64_t* end) {
  *start = s.limit_start < 0 ? 0 : s.limit_start;
  if (s.limit_count < 0 || __builtin_add_overflow(*start, s.limit_count - 1, end)) {
    *end = s.limit_count < 0 ? len - 1 : INT64_MAX;
  }
  if (*start >= len) {
    *start = len - 1;
    *end = len - 2;
  }
  if (*end >= len) *end = len - 1;
}

// Sorts `vec` as Redis does (see the file comment). Returns false on a score that is not a
// number (Redis's error then).
bool SortEntries(SortAccess* access, ConnectionContext* cntx, const SortArgs& s,
                 std::vector<Entry>* vec, int64_t start, int64_t end, bool* ran) {
  bool by = s.by.has_value();
  std::vector<std::optional<std::string>> by_values;
  if (by) {
    std::vector<const std::string*> elems;
    for (const Entry& e : *vec) elems.push_back(&e.elem);
    std::string_view by_pattern = *s.by;
    by_values = std::move(ReadPatterns(access, cntx, {&by_pattern, 1}, elems, ran)[0]);
    if (!*ran) return true;
  }
  bool numbers_ok = true;
  for (size_t i = 0; i < vec->size(); ++i) {
    Entry& e = (*vec)[i];
    if (by && !by_values[i]) continue;  // no value: score 0 / sorts first with ALPHA
    if (s.alpha) {
      if (by) e.by = std::move(by_values[i]);
    } else if (!ScoreOf(by ? *by_values[i] : e.elem, &e.score)) {
      numbers_ok = false;
    }
  }
  auto cmp = [&](const Entry& a, const Entry& b) { return CompareEntries(a, b, s, by); };
  int64_t n = int64_t(vec->size());
  if (by && (start != 0 || end != n - 1)) {
    if (start <= end) PartialSort(vec->data(), vec->size(), cmp, &(*vec)[start], &(*vec)[end]);
  } else {
    // glibc's qsort (Redis's) is a stable merge sort.
    std::stable_sort(vec->begin(), vec->end(),
                     [&](const Entry& a, const Entry& b) { return cmp(a, b) < 0; });
  }
  return numbers_ok;
}

// The output of ranks [start, end]: the elements, or what each GET pattern finds for them.
std::vector<std::optional<std::string>> Output(SortAccess* access, ConnectionContext* cntx,
                                               const SortArgs& s, const std::vector<Entry>& vec,
                                               int64_t start, int64_t end, bool* ran) {
  std::vector<std::optional<std::string>> out;
  if (end < start) return out;
  if (s.gets.empty()) {
    for (int64_t j = start; j <= end; ++j) out.emplace_back(vec[j].elem);
    return out;
  }
  std::vector<const std::string*> elems;
  for (int64_t j = start; j <= end; ++j) elems.push_back(&vec[j].elem);
  std::vector<std::vector<std::optional<std::string>>> per_get =
      ReadPatterns(access, cntx, s.gets, elems, ran);
  if (!*ran) return out;
  for (size_t j = 0; j < elems.size(); ++j) {
    for (auto& values : per_get) out.push_back(std::move(values[j]));
  }
  return out;
}

// The elements in the order the output takes them from when nothing is sorted (BY without
// '*'): a list's or sorted set's own order (reversed with DESC) restricted to [start, end]
// (then the range is rebased to 0), or a set's iteration order.
std::vector<Entry> UnsortedEntries(Source* src, const SortArgs& s, int64_t* start, int64_t* end) {
  std::vector<Entry> vec;
  int64_t len = int64_t(src->elems.size());
  if (src->type == ObjType::kSet) {
    vec.reserve(src->elems.size());
    for (std::string& e : src->elems) vec.push_back(Entry{std::move(e)});
    return vec;
  }
  if (*end >= *start) {
    vec.reserve(size_t(*end - *start + 1));
    for (int64_t i = *start; i <= *end; ++i) {
      vec.push_back(Entry{std::move(src->elems[size_t(s.desc ? len - 1 - i : i)])});
    }
    *end -= *start;
    *start = 0;
  } else if (src->type == ObjType::kZSet) {
    *end -= *start;
    *start = 0;
  }
  return vec;
}

void SendSortError(ReplyBuilder* rb, std::string_view err) { rb->SendError(err); }

// The entries in output order and the output range [*start, *end] within them (after Redis's
// rule for unsorted sets); false when a score is not a number. Hops only for a BY pattern
// (`access`, `ran` as SortEntries; `access` may be null without one).
bool OrderEntries(SortAccess* access, ConnectionContext* cntx, SortArgs& s, Source& src,
                  std::vector<Entry>* vec, int64_t* start, int64_t* end, bool* ran) {
  if (s.dont_sort && src.type == ObjType::kSet && (!s.store.empty() || cntx->from_script)) {
    s.dont_sort = false;  // Redis 7: a set's unsorted order must not reach a script or a key
    s.alpha = true;
    s.by.reset();
  }
  OutputRange(s, int64_t(src.elems.size()), start, end);
  if (s.dont_sort) {
    *vec = UnsortedEntries(&src, s, start, end);
    return true;
  }
  vec->reserve(src.elems.size());
  for (std::string& e : src.elems) vec->push_back(Entry{std::move(e)});
  return SortEntries(access, cntx, s, vec, *start, *end, ran);
}

// What SortGetsInTwoHops reads: the source, the output range and the GET values.
struct TwoHopRead {
  Source src;
  std::vector<Entry> vec;
  int64_t start = 0, end = -1;
  bool numbers_ok = true;
  PatternReads reads;

  // The first hop, on the key's shard: reads the source, orders it and reads the GET keys
  // that shard owns. `s` is the caller's copy (OrderEntries may change it).
  void OnKeyShard(const OpArgs& op, ConnectionContext* cntx, std::string_view key, SortArgs s,
                  tx::ShardId key_shard) {
    src = ReadSource(op, key);
    if (src.wrong_type) return;
    bool ran = true;
    numbers_ok = OrderEntries(nullptr, cntx, s, src, &vec, &start, &end, &ran);
    if (!numbers_ok || end < start) return;
    std::vector<const std::string*> elems;
    for (int64_t j = start; j <= end; ++j) elems.push_back(&vec[j].elem);
    reads.Plan(cntx->service->shards(), s.gets, elems);
    reads.ReadOn(op, key_shard);
  }
  // The shards of `others` that own some GET key to read.
  std::vector<tx::ShardId> SecondHop(const std::vector<tx::ShardId>& others) const {
    std::vector<tx::ShardId> second;
    for (tx::ShardId sid : others) {
      if (reads.Owns(sid)) second.push_back(sid);
    }
    return second;
  }
  void Reply(ReplyBuilder* rb, size_t gets) {
    if (src.wrong_type) return rb->SendError(errors::kWrongType);
    if (!numbers_ok) return SendSortError(rb, errors::kSortNotDouble);
    const size_t n = end < start ? 0 : size_t(end - start + 1);
    rb->StartArray(n * gets);
    for (size_t j = 0; j < n; ++j) {
      for (auto& values : reads.values) values[j] ? rb->SendBulk(*values[j]) : rb->SendNull();
    }
  }
};

// TwoHopRead from the key's own thread on two threads: the key's shard first, alone, then one
// message to the other shard (Transaction::ReadHere/ReadThere): one round trip, or none when
// the other shard owns no GET key. False when the other shard refused (a writer younger than
// the SORT ran there first): `out` is to be discarded.
bool ReadKeyShardFirst(ConnectionContext* cntx, std::string_view key, const SortArgs& s,
                       tx::ShardId key_shard, const std::vector<tx::ShardId>& others,
                       TwoHopRead* out) {
  GlobalHops hops(cntx, tx::LockMode::kShared, GlobalHops::ScheduleWithFirstHop{});
  hops.ReadHere([&](const OpArgs& op) { out->OnKeyShard(op, cntx, key, s, key_shard); });
  return hops.ReadThere(out->SecondHop(others),
                        [&](const OpArgs& op) { out->reads.ReadOn(op, op.slice->shard_id()); });
}

// SORT ... GET pattern without a BY sort and without STORE, as a transaction of its own (not
// in MULTI or a script): the whole-store lock, shared, in two hops instead of three. The key's
// shard reads the source, orders it and reads the GET keys it owns in the first hop (which
// carries the schedule, and after which that shard is released); the other shards read the
// rest in the second. Each key is read exactly as the general path reads it. On two threads
// that is one round trip from either thread: from the other shard's thread the first hop
// travels with the schedule, from the key's thread the key's shard goes first, alone
// (ReadKeyShardFirst; should the other shard refuse that late arrival, the SORT reads again
// the first way). The general path takes three.
// Returns false, having sent nothing, when it does not apply.
bool SortGetsInTwoHops(ConnectionContext* cntx, std::string_view key, const SortArgs& s) {
  if (!s.store.empty() || (s.by && !s.dont_sort) || cntx->multi_tx != nullptr ||
      cntx->direct_shard != nullptr) {
    return false;
  }
  ShardSet& shards = cntx->service->shards();
  const tx::ShardId key_shard = shards.ShardOf(key);
  std::vector<tx::ShardId> others;
  for (tx::ShardId sid = 0; sid < shards.size(); ++sid) {
    if (sid != key_shard) others.push_back(sid);
  }
  if (shards.size() == 2 && shards.tx()->IsLocal(key_shard)) {
    TwoHopRead read;
    if (ReadKeyShardFirst(cntx, key, s, key_shard, others, &read)) {
      read.Reply(cntx->rb, s.gets.size());
      return true;
    }
  }
  TwoHopRead read;
  GlobalHops hops(cntx, tx::LockMode::kShared, GlobalHops::ScheduleWithFirstHop{});
  const tx::ShardId first[] = {key_shard};
  hops.RunPart(first, others,
               [&](const OpArgs& op) { read.OnKeyShard(op, cntx, key, s, key_shard); });
  // With one shard, the first hop ended the transaction.
  if (!others.empty()) {
    hops.RunPart(read.SecondHop(others), {},
                 [&](const OpArgs& op) { read.reads.ReadOn(op, op.slice->shard_id()); });
  }
  read.Reply(cntx->rb, s.gets.size());
  return true;
}

}  // namespace

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
//      [STORE destination]; SORT_RO the same without STORE.
void SortGeneric(CmdArgs args, ConnectionContext* cntx, bool read_only) {
  ReplyBuilder* rb = cntx->rb;
  SortArgs s;
  std::string_view err = ParseSortArgs(args, read_only, &s);
  if (!err.empty()) return rb->SendError(err);
  std::string_view key = args[1];
  if (s.ReadsOtherKeys() && SortGetsInTwoHops(cntx, key, s)) return;
  std::vector<std::string_view> keys{key};
  if (!s.store.empty()) keys.push_back(s.store);
  SortAccess access(cntx, keys, s.ReadsOtherKeys(), !s.store.empty());
  Source src;
  uint32_t key_shard = cntx->service->shards().ShardOf(key);
  bool ran = access.Run([&](const OpArgs& op, uint32_t sid) {
    if (sid == key_shard) src = ReadSource(op, key);
  });
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (src.wrong_type) return rb->SendError(errors::kWrongType);
  int64_t start, end;
  std::vector<Entry> vec;
  bool numbers_ok = OrderEntries(&access, cntx, s, src, &vec, &start, &end, &ran);
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (!numbers_ok) return SendSortError(rb, errors::kSortNotDouble);
  // The reply needs no hop after Output's: let it release the locks (no extra round trip).
  if (s.store.empty()) access.NextIsLast();
  std::vector<std::optional<std::string>> out = Output(&access, cntx, s, vec, start, end, &ran);
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (s.store.empty()) {
    rb->StartArray(out.size());
    for (const auto& v : out) v ? rb->SendBulk(*v) : rb->SendNull();
    return;
  }
  std::vector<std::string> items;
  for (auto& v : out) items.push_back(v ? std::move(*v) : std::string());
  int fill = int(cntx->service->runtime().list_max_listpack_size.load(std::memory_order_relaxed));
  uint32_t store_shard = cntx->service->shards().ShardOf(s.store);
  access.NextIsLast();
  access.Run([&](const OpArgs& op, uint32_t sid) {
    if (sid == store_shard) StoreList(op, s.store, items, fill);
  });
  rb->SendLong(int64_t(items.size()));
}

namespace {
// Whether a SORT request reads keys its patterns name (then it needs the whole store).
template <bool kReadOnly>
bool SortNeedsWholeStore(CmdArgs args) {
  SortArgs s;
  return ParseSortArgs(args, kReadOnly, &s).empty() && s.ReadsOtherKeys();
}
}  // namespace

void RegisterSortFamily(CommandRegistry* r) {
  using namespace cmd;
  CommandSpec sort{"sort",
                   -2,
                   kWrite | kReadLookups | kDenyOom | kMovableKeys,
                   1,
                   1,
                   1,
                   [](CmdArgs a, ConnectionContext* c) { SortGeneric(a, c, false); }};
  sort.whole_store = SortNeedsWholeStore<false>;
  r->Register(std::move(sort));
  CommandSpec sort_ro{
      "sort_ro", -2, kReadOnly | kMovableKeys, 1, 1, 1, [](CmdArgs a, ConnectionContext* c) {
        SortGeneric(a, c, true);
      }};
  sort_ro.whole_store = SortNeedsWholeStore<true>;
  r->Register(std::move(sort_ro));
}

}  // namespace lw
