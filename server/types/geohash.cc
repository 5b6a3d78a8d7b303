// The geohash math of geohash.h. Every formula keeps Redis's order of floating-point
// operations, because the replies print distances to 4 decimals and coordinates to 17
// digits, and the box edges decide which members a search finds.
#include "server/types/geohash.h"

#include <cmath>

namespace lw::geo {

namespace {

constexpr Range kLonRange{kLonMin, kLonMax};
constexpr Range kLatRange{kLatMin, kLatMax};
constexpr double kDegToRad = M_PI / 180.0;
// Redis's MERCATOR_MAX: half the Earth's circumference in Web Mercator meters.
constexpr double kMercatorMax = 20037726.37;

double DegRad(double deg) { return deg * kDegToRad; }
double RadDeg(double rad) { return rad / kDegToRad; }

// A double score to the 64-bit integer a C cast on x86-64 gives (scores set by ZADD may be
// negative or huge; such "points" decode to clamped coordinates as in Redis).
// x86-64's truncating conversion (cvttsd2si): out of range or NaN gives INT64_MIN.
uint64_t TruncateToInt64(double v) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (std::isnan(v) || v >= kTwo63 || v < -kTwo63) return uint64_t(1) << 63;
  return uint64_t(int64_t(v));
}

// What gcc's double -> uint64_t conversion gives on x86-64, out of range included.
uint64_t ScoreBits(double score) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (score >= kTwo63) return TruncateToInt64(score - kTwo63) ^ (uint64_t(1) << 63);
  return TruncateToInt64(score);
}

// The hash moved by one box along longitude (odd bits) or latitude (even bits), wrapping.
void MoveX(HashBits* h, int d) {
  if (d == 0) return;
  uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = h->bits & 0x5555555555555555ULL;
  uint64_t zz = 0x5555555555555555ULL >> (64 - h->step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - h->step * 2));
  h->bits = x | y;
}

void MoveY(HashBits* h, int d) {
  if (d == 0) return;
  uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = h->bits & 0x5555555555555555ULL;
  uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - h->step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - h->step * 2));
  h->bits = x | y;
}

// The search's bounding box [min_lon, min_lat, max_lon, max_lat] (Redis's
// geohashBoundingBox: the widest longitude span is on the side nearer the pole).
std::array<double, 4> BoundingBox(const Shape& s) {
  double lon = s.center.lon, lat = s.center.lat;
  double height = s.to_meters * (s.kind == Shape::kCircle ? s.radius : s.height / 2);
  double width = s.to_meters * (s.kind == Shape::kCircle ? s.radius : s.width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double lon_delta_top =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(lat + lat_delta)));
  const double lon_delta_bottom =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(lat - lat_delta)));
  bool south = lat < 0;
  return {south ? lon - lon_delta_bottom : lon - lon_delta_top, lat - lat_delta,
          south ? lon + lon_delta_bottom : lon + lon_delta_top, lat + lat_delta};
}

}  // namespace

namespace {
// The 32 bits of x spread to the even bit positions of a 64-bit word, and the inverse (the
// even bits of v packed into the low 32): shift-and-mask steps, each halving the distance
// between the bits — a handful of operations instead of a loop over 32 bits, since every
// GEOSEARCH candidate is decoded.
uint64_t Spread(uint32_t x) {
  uint64_t v = x;
  v = (v | (v << 16)) & 0x0000FFFF0000FFFFULL;
  v = (v | (v << 8)) & 0x00FF00FF00FF00FFULL;
  v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  v = (v | (v << 2)) & 0x3333333333333333ULL;
  v = (v | (v << 1)) & 0x5555555555555555ULL;
  return v;
}

uint64_t Compact(uint64_t v) {
  v &= 0x5555555555555555ULL;
  v = (v | (v >> 1)) & 0x3333333333333333ULL;
  v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  v = (v | (v >> 4)) & 0x00FF00FF00FF00FFULL;
  v = (v | (v >> 8)) & 0x0000FFFF0000FFFFULL;
  v = (v | (v >> 16)) & 0x00000000FFFFFFFFULL;
  return v;
}
}  // namespace

uint64_t Interleave(uint32_t x, uint32_t y) { return Spread(x) | (Spread(y) << 1); }

uint64_t Deinterleave(uint64_t v) { return Compact(v) | (Compact(v >> 1) << 32); }

std::optional<HashBits> Encode(Range lon_range, Range lat_range, double lon, double lat, int step) {
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return std::nullopt;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max) {
    return std::nullopt;
  }
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= double(1ULL << step);
  lon_offset *= double(1ULL << step);
  return HashBits{Interleave(uint32_t(lat_offset), uint32_t(lon_offset)), uint8_t(step)};
}

Area Decode(Range lon_range, Range lat_range, HashBits hash) {
  uint64_t sep = Deinterleave(hash.bits);
  double lat_scale = lat_range.max - lat_range.min;
  double lon_scale = lon_range.max - lon_range.min;
  uint32_t ilat = uint32_t(sep);
  uint32_t ilon = uint32_t(sep >> 32);
  double div = double(1ULL << hash.step);
  Area a;
  a.lat.min = lat_range.min + (ilat * 1.0 / div) * lat_scale;
  a.lat.max = lat_range.min + (uint32_t(ilat + 1) * 1.0 / div) * lat_scale;
  a.lon.min = lon_range.min + (ilon * 1.0 / div) * lon_scale;
  a.lon.max = lon_range.min + (uint32_t(ilon + 1) * 1.0 / div) * lon_scale;
  return a;
}

std::optional<double> Score(double lon, double lat) {
  std::optional<HashBits> h = Encode(kLonRange, kLatRange, lon, lat, kStepMax);
  if (!h) return std::nullopt;
  return double(h->bits);
}

Point Decode52(double score) {
  Area a = Decode(kLonRange, kLatRange, HashBits{ScoreBits(score), kStepMax});
  Point p{(a.lon.min + a.lon.max) / 2, (a.lat.min + a.lat.max) / 2};
  if (p.lon > kLonMax) p.lon = kLonMax;
  if (p.lon < kLonMin) p.lon = kLonMin;
  if (p.lat > kLatMax) p.lat = kLatMax;
  if (p.lat < kLatMin) p.lat = kLatMin;
  return p;
}

std::string GeohashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  Point p = Decode52(score);
  std::optional<HashBits> h = Encode(Range{-180, 180}, Range{-90, 90}, p.lon, p.lat, kStepMax);
  uint64_t bits = h ? h->bits : 0;
  std::string out(11, '0');
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;  // 52 bits fill 10.4 characters; the 11th is '0' as in Redis
}

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(DegRad(lat2) - DegRad(lat1));
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  double lon1r = DegRad(lon1), lon2r = DegRad(lon2);
  double v = std::sin((lon2r - lon1r) / 2);
  if (v == 0.0) return LatDistance(lat1, lat2);
  double lat1r = DegRad(lat1), lat2r = DegRad(lat2);
  double u = std::sin((lat2r - lat1r) / 2);
  double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

bool InShape(const Shape& s, Point p, double* dist) {
  if (s.kind == Shape::kCircle) {
    *dist = Distance(s.center.lon, s.center.lat, p.lon, p.lat);
    return *dist <= s.radius * s.to_meters;
  }
  double width_m = s.width * s.to_meters, height_m = s.height * s.to_meters;
  if (LatDistance(p.lat, s.center.lat) > height_m / 2) return false;
  if (Distance(p.lon, p.lat, s.center.lon, p.lat) > width_m / 2) return false;
  *dist = Distance(s.center.lon, s.center.lat, p.lon, p.lat);
  return true;
}

int EstimateSteps(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // so that the range fits in most cases
  if (lat > 66 || lat < -66) {
    step--;  // boxes are narrower toward the poles
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

std::array<HashBits, 8> Neighbors(HashBits h) {
  // north, south, east, west, north-east, north-west, south-east, south-west
  static constexpr int kMoves[8][2] = {{0, 1}, {0, -1}, {1, 0},  {-1, 0},
                                       {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
  std::array<HashBits, 8> out;
  for (int i = 0; i < 8; ++i) {
    out[i] = h;
    MoveX(&out[i], kMoves[i][0]);
    MoveY(&out[i], kMoves[i][1]);
  }
  return out;
}

std::array<HashBits, 9> SearchBoxes(const Shape& s) {
  enum { kN, kS, kE, kW, kNE, kNW, kSE, kSW };
  std::array<double, 4> b = BoundingBox(s);
  double min_lon = b[0], min_lat = b[1], max_lon = b[2], max_lat = b[3];
  double radius_m =
      s.kind == Shape::kCircle
          ? s.radius
          : std::sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radius_m *= s.to_meters;
  int steps = EstimateSteps(radius_m, s.center.lat);
  auto at = [&](int step) {
    std::optional<HashBits> h = Encode(kLonRange, kLatRange, s.center.lon, s.center.lat, step);
    return h ? *h : HashBits{0, uint8_t(step)};
  };
  HashBits hash = at(steps);
  std::array<HashBits, 8> nb = Neighbors(hash);
  // Near the edges of the covered area the estimated step may leave a gap: one step coarser.
  bool decrease = Decode(kLonRange, kLatRange, nb[kN]).lat.max < max_lat ||
                  Decode(kLonRange, kLatRange, nb[kS]).lat.min > min_lat ||
                  Decode(kLonRange, kLatRange, nb[kE]).lon.max < max_lon ||
                  Decode(kLonRange, kLatRange, nb[kW]).lon.min > min_lon;
  if (steps > 1 && decrease) {
    steps--;
    hash = at(steps);
    nb = Neighbors(hash);
  }
  Area area = Decode(kLonRange, kLatRange, hash);
  if (steps >= 2) {  // drop the neighbours the shape cannot reach
    auto zero = [&](int a, int b2, int c) { nb[a] = nb[b2] = nb[c] = HashBits{}; };
    if (area.lat.min < min_lat) zero(kS, kSW, kSE);
    if (area.lat.max > max_lat) zero(kN, kNE, kNW);
    if (area.lon.min < min_lon) zero(kW, kSW, kNW);
    if (area.lon.max > max_lon) zero(kE, kSE, kNE);
  }
  std::array<HashBits, 9> out;
  out[0] = hash;
  for (int i = 0; i < 8; ++i) out[i + 1] = nb[i];
  return out;
}

void BoxScores(HashBits box, double* min, double* max) {
  int shift = 52 - box.step * 2;
  *min = double(box.bits << shift);
  *max = double((box.bits + 1) << shift);
}

}  // namespace lw::geo
