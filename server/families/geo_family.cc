// Geo commands (Redis 7.0 geo.c): GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE
// GEORADIUS GEORADIUSBYMEMBER and their _RO forms, on plain sorted sets whose scores are
// 52-bit geohashes (server/types/geohash.h holds the math).
//
// Redis looks the source key up before it parses the options, and resolves FROMMEMBER while
// parsing, so the order of errors depends on the data; a search therefore parses its options
// inside the op on the source key's shard (parsing is cheap) and replies with what that op
// found. A storing search (STORE/STOREDIST, GEOSEARCHSTORE) is one transaction over the source
// and the destination (KeyHops): the search hop, then the store hop with both keys still
// locked. Its destination is found by a first parse on the connection fiber that resolves no
// member (as Redis's own parse does when the source key is missing).
#include "server/families/geo_family.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "server/engine/connection_context.h"
#include "server/engine/op_args.h"
#include "server/families/zset_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/geohash.h"
#include "server/types/partial_sort.h"
#include "server/types/zset_obj.h"

namespace lw {

namespace {

using geo::Point;
using geo::Shape;

// Redis's addReplyHumanLongDouble text: "%.17Lf" without trailing zeros.
std::string HumanDouble(double v) {
  char buf[512];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(v));
  std::string s(buf, size_t(n));
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

// Redis's distance text: v * 10^4 rounded to an integer (llrint: ties to even, after the
// product's own rounding), printed with 4 decimals. Not printf's "%.4f", which rounds the exact
// value: the two differ when the scaled value lands on a half.
std::string Distance4(double v) {
  long long scaled = std::llrint(v * 10000.0);
  bool negative = scaled < 0;
  unsigned long long mag = negative ? 0ULL - static_cast<unsigned long long>(scaled)
                                    : static_cast<unsigned long long>(scaled);
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%s%llu.%04llu", negative ? "-" : "", mag / 10000,
                        mag % 10000);
  return std::string(buf, size_t(n));
}

void SendCoord(ReplyBuilder* rb, Point p) {
  rb->StartArray(2);
  rb->SendDoubleText(HumanDouble(p.lon));
  rb->SendDoubleText(HumanDouble(p.lat));
}

// Meters per unit, or -1.
double UnitToMeters(std::string_view u) {
  if (EqualsIgnoreCase(u, "m")) return 1;
  if (EqualsIgnoreCase(u, "km")) return 1000;
  if (EqualsIgnoreCase(u, "ft")) return 0.3048;
  if (EqualsIgnoreCase(u, "mi")) return 1609.34;
  return -1;
}

// Longitude and latitude at args[0..1]. Returns the error text, empty if fine.
std::string ParseLonLat(CmdArgs args, Point* p) {
  if (!ParseRedisDouble(args[0], &p->lon) || !ParseRedisDouble(args[1], &p->lat)) {
    return std::string(errors::kNotFloat);
  }
  if (p->lon < geo::kLonMin || p->lon > geo::kLonMax || p->lat < geo::kLatMin ||
      p->lat > geo::kLatMax) {
    return errors::GeoInvalidPair(p->lon, p->lat);
  }
  return {};
}

std::string ParseRadius(CmdArgs args, Shape* s) {
  if (!ParseRedisDouble(args[0], &s->radius)) return std::string(errors::kGeoNeedRadius);
  if (s->radius < 0) return std::string(errors::kGeoNegativeRadius);
  s->to_meters = UnitToMeters(args[1]);
  if (s->to_meters < 0) return std::string(errors::kGeoUnit);
  s->kind = Shape::kCircle;
  return {};
}

std::string ParseBox(CmdArgs args, Shape* s) {
  if (!ParseRedisDouble(args[0], &s->width)) return std::string(errors::kGeoNeedWidth);
  if (!ParseRedisDouble(args[1], &s->height)) return std::string(errors::kGeoNeedHeight);
  if (s->width < 0 || s->height < 0) return std::string(errors::kGeoNegativeBox);
  s->to_meters = UnitToMeters(args[2]);
  if (s->to_meters < 0) return std::string(errors::kGeoUnit);
  s->kind = Shape::kBox;
  return {};
}

// Which command: its fixed arguments and what it may do.
enum class Form { kRadius, kRadiusByMember, kSearch, kSearchStore };

struct Search {
  Form form;
  bool no_store = false;  // the _RO forms
  Shape shape;
  bool with_dist = false, with_hash = false, with_coord = false, any = false;
  enum Sort { kNone, kAsc, kDesc } sort = kNone;
  int64_t count = 0;
  std::string_view store;
  bool store_dist = false;
};

// The position of `member` in z, if it is there.
bool MemberPoint(const ZSetObj* z, std::string_view member, Point* p) {
  std::optional<double> score = z->Score(member);
  if (!score) return false;
  *p = geo::Decode52(*score);
  return true;
}

// Parses the options from `base` on, as Redis's loop does (z: the source set, or null when the
// key is missing: then FROMMEMBER is not resolved). Returns the error text, empty if fine.
std::string ParseOptions(CmdArgs args, size_t base, const ZSetObj* z, Search* s) {
  bool search = s->form == Form::kSearch || s->form == Form::kSearchStore;
  bool from_member = false, from_loc = false, by_radius = false, by_box = false;
  size_t remaining = args.size() - base;
  for (size_t i = 0; i < remaining; ++i) {
    std::string_view arg = args[base + i];
    CmdArgs rest = args.subspan(base + i + 1);
    if (EqualsIgnoreCase(arg, "WITHDIST")) {
      s->with_dist = true;
    } else if (EqualsIgnoreCase(arg, "WITHHASH")) {
      s->with_hash = true;
    } else if (EqualsIgnoreCase(arg, "WITHCOORD")) {
      s->with_coord = true;
    } else if (EqualsIgnoreCase(arg, "ANY")) {
      s->any = true;
    } else if (EqualsIgnoreCase(arg, "ASC")) {
      s->sort = Search::kAsc;
    } else if (EqualsIgnoreCase(arg, "DESC")) {
      s->sort = Search::kDesc;
    } else if (EqualsIgnoreCase(arg, "COUNT") && i + 1 < remaining) {
      if (!ParseRedisInt(rest[0], &s->count)) return std::string(errors::kNotInteger);
      if (s->count <= 0) return std::string(errors::kGeoCountPositive);
      i++;
    } else if ((EqualsIgnoreCase(arg, "STORE") || EqualsIgnoreCase(arg, "STOREDIST")) &&
               i + 1 < remaining && !s->no_store && !search) {
      s->store = rest[0];
      s->store_dist = EqualsIgnoreCase(arg, "STOREDIST");
      i++;
    } else if (EqualsIgnoreCase(arg, "STOREDIST") && s->form == Form::kSearchStore) {
      s->store_dist = true;
    } else if (EqualsIgnoreCase(arg, "FROMMEMBER") && i + 1 < remaining && search && !from_loc) {
      if (z != nullptr && !MemberPoint(z, rest[0], &s->shape.center)) {
        return std::string(errors::kGeoNoMember);
      }
      from_member = true;
      i++;
    } else if (EqualsIgnoreCase(arg, "FROMLONLAT") && i + 2 < remaining && search && !from_member) {
      std::string err = ParseLonLat(rest, &s->shape.center);
      if (!err.empty()) return err;
      from_loc = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "BYRADIUS") && i + 2 < remaining && search && !by_box) {
      std::string err = ParseRadius(rest, &s->shape);
      if (!err.empty()) return err;
      by_radius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "BYBOX") && i + 3 < remaining && search && !by_radius) {
      std::string err = ParseBox(rest, &s->shape);
      if (!err.empty()) return err;
      by_box = true;
      i += 3;
    } else {
      return std::string(errors::kSyntax);
    }
  }
  bool storing = !s->store.empty() || s->form == Form::kSearchStore;
  if (storing && (s->with_dist || s->with_hash || s->with_coord)) {
    return std::string(s->form == Form::kSearchStore ? errors::kGeoSearchStoreWith
                                                     : errors::kGeoStoreWith);
  }
  if (search && !(from_member || from_loc)) return errors::GeoNeedFrom(args[0]);
  if (search && !(by_radius || by_box)) return errors::GeoNeedBy(args[0]);
  if (s->any && s->count == 0) return std::string(errors::kGeoAnyNeedsCount);
  return {};
}

// The fixed arguments and then the options. z as for ParseOptions.
std::string ParseSearch(CmdArgs args, const ZSetObj* z, Search* s) {
  size_t base;
  switch (s->form) {
    case Form::kRadius: {
      base = 6;
      std::string err = ParseLonLat(args.subspan(2), &s->shape.center);
      if (err.empty()) err = ParseRadius(args.subspan(4), &s->shape);
      if (!err.empty()) return err;
      break;
    }
    case Form::kRadiusByMember:
      base = 5;
      if (z != nullptr) {  // Redis parses the radius only when the key exists
        if (!MemberPoint(z, args[2], &s->shape.center)) return std::string(errors::kGeoNoMember);
        std::string err = ParseRadius(args.subspan(3), &s->shape);
        if (!err.empty()) return err;
      }
      break;
    case Form::kSearch:
      base = 2;
      break;
    case Form::kSearchStore:
      base = 3;
      s->store = args[1];
      break;
  }
  return ParseOptions(args, base, z, s);
}

struct Found {
  std::string member;
  double score;
  double dist;  // meters until the reply divides by the unit
  Point at;
};

// Redis's membersOfAllNeighbors: the members of each search box in score order, filtered by
// the shape, stopping once `limit` (ANY's count; 0 = none) are found.
std::vector<Found> Collect(const ZSetObj& z, const Search& s) {
  std::vector<Found> out;
  size_t limit = s.any ? size_t(s.count) : 0;
  std::array<geo::HashBits, 9> boxes = geo::SearchBoxes(s.shape);
  int last = 0;
  for (int i = 0; i < 9; ++i) {
    const geo::HashBits& b = boxes[i];
    if (b.IsZero()) continue;
    // Huge radii make neighbours repeat: skip a box equal to the one scanned last (Redis's
    // rule, which never compares with the centre box).
    if (last != 0 && b.bits == boxes[last].bits && b.step == boxes[last].step) continue;
    if (!out.empty() && limit != 0 && out.size() >= limit) break;
    ScoreRange r;
    geo::BoxScores(b, &r.min, &r.max);
    r.maxex = true;
    auto [start, end] = RankSpan(z, r);
    z.Visit(start, end, false, [&](std::string_view m, double score) {
      if (limit != 0 && out.size() >= limit) return;
      // Most candidates of the boxes fall outside the shape: copy the member only for a hit.
      geo::Point at = geo::Decode52(score);
      double dist;
      if (geo::InShape(s.shape, at, &dist)) out.push_back(Found{std::string(m), score, dist, at});
    });
    last = i;
  }
  return out;
}

// Sorts as asked (COUNT alone implies ASC) and keeps COUNT results. Ties (equal distances)
// end up in Redis's order: a full sort is stable (glibc's qsort is a merge sort), and a
// COUNT smaller than the results uses Redis's partial quicksort (partial_sort.h).
void Order(const Search& s, std::vector<Found>* found) {
  Search::Sort sort = s.sort;
  if (s.count != 0 && sort == Search::kNone && !s.any) sort = Search::kAsc;
  int sign = sort == Search::kAsc ? 1 : -1;
  auto cmp = [sign](const Found& a, const Found& b) {
    return a.dist > b.dist ? sign : a.dist == b.dist ? 0 : -sign;
  };
  size_t keep = s.count != 0 ? std::min(found->size(), size_t(s.count)) : found->size();
  if (sort != Search::kNone && keep == found->size()) {
    std::stable_sort(found->begin(), found->end(),
                     [&](const Found& a, const Found& b) { return cmp(a, b) < 0; });
  } else if (sort != Search::kNone) {
    Found* base = found->data();
    PartialSort(base, found->size(), cmp, base, base + keep - 1);
  }
  found->resize(keep);
  for (Found& f : *found) f.dist /= s.shape.to_meters;
}

// What the search op tells the handler.
struct Outcome {
  std::string error;
  bool key_missing = false;
  Search search;
  std::vector<Found> found;
};

// The whole search on the source key's shard.
Outcome SearchOp(const OpArgs& op, std::string_view key, CmdArgs args, const Search& proto) {
  Outcome out;
  out.search = proto;
  OpResult<ZSetObj*> z = FindZSet(op, key);
  if (z.status() == OpStatus::kWrongType) {
    out.error = std::string(errors::kWrongType);
    return out;
  }
  out.key_missing = !z.ok();
  out.error = ParseSearch(args, z.ok() ? *z : nullptr, &out.search);
  if (out.error.empty() && z.ok()) {
    out.found = Collect(**z, out.search);
    Order(out.search, &out.found);
  }
  return out;
}

void SendFound(ReplyBuilder* rb, const Search& s, const std::vector<Found>& found) {
  size_t options = size_t(s.with_dist) + size_t(s.with_hash) + size_t(s.with_coord);
  rb->StartArray(found.size());
  for (const Found& f : found) {
    if (options > 0) rb->StartArray(options + 1);
    rb->SendBulk(f.member);
    if (s.with_dist) rb->SendBulk(Distance4(f.dist));
    if (s.with_hash) rb->SendLong(int64_t(f.score));
    if (s.with_coord) SendCoord(rb, f.at);
  }
}

void SearchGeneric(CmdArgs args, ConnectionContext* cntx, Form form, bool read_only) {
  ReplyBuilder* rb = cntx->rb;
  Search proto;
  proto.form = form;
  proto.no_store = read_only;
  std::string_view src = form == Form::kSearchStore ? args[2] : args[1];
  Search pre = proto;
  bool storing = ParseSearch(args, nullptr, &pre).empty() && !pre.store.empty();
  if (!storing) {
    auto out = RunOnKeyShard(cntx, src, [&](const OpArgs& op) -> OpResult<Outcome> {
      return SearchOp(op, src, args, proto);
    });
    if (!out.ok()) return rb->SendError(errors::kUndeclaredKeys);
    if (!out->error.empty()) return rb->SendError(out->error);
    return SendFound(rb, out->search, out->found);
  }
  std::string_view keys[] = {src, pre.store};
  // The source shared, the destination exclusive, each hop over its own key (KeyHops).
  const uint32_t from[] = {0}, dest[] = {1};
  KeyHops hops(cntx, keys, KeyHops::DestinationModes(2, 1));
  Outcome out;
  bool ran = hops.RunPart(from, dest, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    if (!mine.empty()) out = SearchOp(op, src, args, proto);
  });
  if (!ran) return rb->SendError(errors::kUndeclaredKeys);
  if (!out.error.empty()) return rb->SendError(out.error);
  ScoredItems items;
  items.reserve(out.found.size());
  for (Found& f : out.found) {
    items.emplace_back(std::move(f.member), out.search.store_dist ? f.dist : f.score);
  }
  ZSetLimits limits = ZsetLimits(cntx);
  hops.NextIsLast();
  hops.RunPart(dest, {}, [&](const OpArgs& op, std::span<const tx::ShardArg> mine) {
    // Redis names the event after the storing form.
    for (const tx::ShardArg& a : mine) {
      StoreZSet(op, a.key, items, limits,
                form == Form::kSearchStore ? "geosearchstore" : "georadiusstore");
    }
  });
  rb->SendLong(int64_t(items.size()));
}

// GEOADD key [NX|XX] [CH] longitude latitude member [...]
void GeoAdd(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  ZAddParams p;
  size_t i = 2;
  for (; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "NX")) {
      p.nx = true;
    } else if (EqualsIgnoreCase(args[i], "XX")) {
      p.xx = true;
    } else if (EqualsIgnoreCase(args[i], "CH")) {
      p.ch = true;
    } else {
      break;
    }
  }
  if ((args.size() - i) % 3 != 0 || (p.nx && p.xx)) return rb->SendError(errors::kSyntax);
  for (; i < args.size(); i += 3) {
    Point pt;
    std::string err = ParseLonLat(args.subspan(i), &pt);
    if (!err.empty()) return rb->SendError(err);
    p.items.emplace_back(*geo::Score(pt.lon, pt.lat), args[i + 2]);
    p.max_len = std::max(p.max_len, args[i + 2].size());
  }
  ZAddGeneric(args[1], p, cntx);
}

// Scores of `members` in the set at `key` (nullopt: absent); kWrongType, or kKeyNotFound.
OpResult<std::vector<std::optional<double>>> Scores(ConnectionContext* cntx, std::string_view key,
                                                    CmdArgs members) {
  using R = OpResult<std::vector<std::optional<double>>>;
  return RunOnKeyShard(cntx, key, [&](const OpArgs& op) -> R {
    OpResult<ZSetObj*> z = FindZSet(op, key);
    if (!z.ok()) return z.status();
    std::vector<std::optional<double>> out;
    for (std::string_view m : members) out.push_back((*z)->Score(m));
    return out;
  });
}

// The error reply of Scores(), false if there is none.
bool SendScoresError(ReplyBuilder* rb, OpStatus st) {
  if (st == OpStatus::kWrongType) {
    rb->SendError(errors::kWrongType);
  } else if (st == OpStatus::kInvalidArg) {
    rb->SendError(errors::kUndeclaredKeys);
  } else {
    return false;
  }
  return true;
}

// GEOHASH key [member ...] / GEOPOS key [member ...]
void GeoHashOrPos(CmdArgs args, ConnectionContext* cntx, bool pos) {
  ReplyBuilder* rb = cntx->rb;
  auto res = Scores(cntx, args[1], args.subspan(2));
  if (!res.ok() && SendScoresError(rb, res.status())) return;
  rb->StartArray(args.size() - 2);
  for (size_t i = 0; i + 2 < args.size(); ++i) {
    std::optional<double> score = res.ok() ? (*res)[i] : std::nullopt;
    if (!score) {
      pos ? rb->SendNullArray() : rb->SendNull();
    } else if (pos) {
      SendCoord(rb, geo::Decode52(*score));
    } else {
      rb->SendBulk(geo::GeohashString(*score));
    }
  }
}

// GEODIST key member1 member2 [M|KM|FT|MI]
void GeoDist(CmdArgs args, ConnectionContext* cntx) {
  ReplyBuilder* rb = cntx->rb;
  double to_meters = 1;
  if (args.size() == 5) {
    to_meters = UnitToMeters(args[4]);
    if (to_meters < 0) return rb->SendError(errors::kGeoUnit);
  } else if (args.size() > 5) {
    return rb->SendError(errors::kSyntax);
  }
  auto res = Scores(cntx, args[1], args.subspan(2, 2));
  if (!res.ok() && SendScoresError(rb, res.status())) return;
  if (!res.ok() || !(*res)[0] || !(*res)[1]) return rb->SendNull();
  Point a = geo::Decode52(*(*res)[0]), b = geo::Decode52(*(*res)[1]);
  rb->SendBulk(Distance4(geo::Distance(a.lon, a.lat, b.lon, b.lat) / to_meters));
}

CommandHandler Searcher(Form form, bool read_only) {
  return
      [form, read_only](CmdArgs a, ConnectionContext* c) { SearchGeneric(a, c, form, read_only); };
}

}  // namespace

void RegisterGeoFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"geoadd", -5, kWrite | kDenyOom, 1, 1, 1, GeoAdd});
  r->Register({"geodist", -4, kReadOnly, 1, 1, 1, GeoDist});
  r->Register({"geohash", -2, kReadOnly, 1, 1, 1,
               [](CmdArgs a, ConnectionContext* c) { GeoHashOrPos(a, c, false); }});
  r->Register({"geopos", -2, kReadOnly, 1, 1, 1,
               [](CmdArgs a, ConnectionContext* c) { GeoHashOrPos(a, c, true); }});
  r->Register({"georadius", -6, kWrite | kReadLookups | kDenyOom | kMovableKeys, 1, 1, 1,
               Searcher(Form::kRadius, false)});
  r->Register({"georadius_ro", -6, kReadOnly, 1, 1, 1, Searcher(Form::kRadius, true)});
  r->Register({"georadiusbymember", -5, kWrite | kReadLookups | kDenyOom | kMovableKeys, 1, 1, 1,
               Searcher(Form::kRadiusByMember, false)});
  r->Register(
      {"georadiusbymember_ro", -5, kReadOnly, 1, 1, 1, Searcher(Form::kRadiusByMember, true)});
  r->Register({"geosearch", -7, kReadOnly, 1, 1, 1, Searcher(Form::kSearch, false)});
  r->Register({"geosearchstore", -8, kWrite | kReadLookups | kDenyOom, 1, 2, 1,
               Searcher(Form::kSearchStore, false)});
}

}  // namespace lw
