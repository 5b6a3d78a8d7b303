// Geohash math of Redis's geo commands (Redis 7.0 geohash.c / geohash_helper.c facts): a point
// is stored in a sorted set with the score of its 52-bit geohash, 26 bits of latitude and 26
// of longitude interleaved (latitude on the even bits), over the Web Mercator ranges
// longitude [-180, 180] and latitude [-85.05112878, 85.05112878]. A search covers its shape
// with the geohash box of the centre plus its 8 neighbours at a step (precision) estimated from
// the radius, and filters the members of those boxes by exact distance (haversine on a sphere
// of radius 6372797.560856 m), so results, distances and coordinates match redis-server's
// to the last printed digit.
// Thread-safety: pure functions and plain values; any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace lw::geo {

inline constexpr double kLonMin = -180, kLonMax = 180;
inline constexpr double kLatMin = -85.05112878, kLatMax = 85.05112878;
inline constexpr int kStepMax = 26;  // 52 bits
inline constexpr double kEarthRadiusMeters = 6372797.560856;

struct Range {
  double min, max;
};

// `bits` holds 2*step bits; zero bits with zero step is "no box" (a neighbour dropped).
struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool IsZero() const { return bits == 0 && step == 0; }
};

struct Area {
  Range lon, lat;
};

// Interleaves the 32-bit x (even bits) and y (odd bits), and the inverse: x in the low 32
// bits of the result, y in the high 32.
uint64_t Interleave(uint32_t x, uint32_t y);
uint64_t Deinterleave(uint64_t v);

// The hash of (lon, lat) at `step` over the given ranges; nullopt outside the Web Mercator
// limits or the ranges.
std::optional<HashBits> Encode(Range lon_range, Range lat_range, double lon, double lat, int step);
// The box of `hash` over the given ranges. REQUIRES: !hash.IsZero().
Area Decode(Range lon_range, Range lat_range, HashBits hash);

// The sorted-set score of a point (its 52-bit hash as a double), nullopt outside the limits.
std::optional<double> Score(double lon, double lat);
// The point a score stands for: the centre of its 52-bit box, clamped to the limits.
struct Point {
  double lon, lat;
};
Point Decode52(double score);
// GEOHASH's 11-character standard geohash (re-encoded over latitude [-90, 90]).
std::string GeohashString(double score);

// Haversine distance in meters; Redis's shortcut when the longitudes are equal.
double Distance(double lon1, double lat1, double lon2, double lat2);
double LatDistance(double lat1, double lat2);

// A search shape: a circle (radius) or a box (width x height), in the unit's size;
// `to_meters` converts the unit to meters.
struct Shape {
  enum Kind { kCircle, kBox } kind = kCircle;
  Point center{0, 0};
  double radius = 0, width = 0, height = 0;
  double to_meters = 1;
};

// Whether the point is inside the shape; if so *dist_meters is its distance to the centre.
bool InShape(const Shape& shape, Point p, double* dist_meters);

// Redis's neighbour search: the centre box and its 8 neighbours (north, south, east, west,
// north-east, north-west, south-east, south-west, in that order after the centre); boxes the
// shape cannot reach are zero.
std::array<HashBits, 9> SearchBoxes(const Shape& shape);
// The score interval [min, max) of the 52-bit hashes inside a box.
void BoxScores(HashBits box, double* min, double* max);

// Exposed for tests: Redis's step estimate and the box's neighbours.
int EstimateSteps(double radius_meters, double lat);
std::array<HashBits, 8> Neighbors(HashBits hash);

}  // namespace lw::geo
