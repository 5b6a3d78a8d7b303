// Unit tests of the geohash math against values redis-server 7.0 prints (its documentation's
// Palermo/Catania example) and against invariants of the encoding and the neighbour search.
#include "server/types/geohash.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

namespace lw::geo {
namespace {

std::string Fixed4(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", v);
  return buf;
}

TEST(GeohashTest, MatchesRedisOnPalermoAndCatania) {
  std::optional<double> palermo = Score(13.361389, 38.115556);
  std::optional<double> catania = Score(15.087269, 37.502669);
  ASSERT_TRUE(palermo && catania);
  EXPECT_EQ(*palermo, 3479099956230698.0);
  EXPECT_EQ(*catania, 3479447370796909.0);
  EXPECT_EQ(GeohashString(*palermo), "sqc8b49rny0");
  EXPECT_EQ(GeohashString(*catania), "sqdtr74hyu0");
  Point p = Decode52(*palermo), c = Decode52(*catania);
  EXPECT_EQ(Fixed4(Distance(p.lon, p.lat, c.lon, c.lat)), "166274.1516");
  EXPECT_NEAR(p.lon, 13.36138933897018433, 1e-15);
  EXPECT_NEAR(p.lat, 38.11555639549629859, 1e-15);
}

TEST(GeohashTest, RefusesOutsideMercatorLimits) {
  EXPECT_FALSE(Score(180.0001, 0));
  EXPECT_FALSE(Score(0, 85.06));
  EXPECT_FALSE(Score(0, -85.06));
  EXPECT_TRUE(Score(-180, -85.05112878));
  EXPECT_TRUE(Score(180, 85.05112878));
}

TEST(GeohashTest, InterleaveRoundTripsAndDecodeStaysNearThePoint) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 10000; ++i) {
    uint32_t x = uint32_t(rng()), y = uint32_t(rng());
    uint64_t v = Interleave(x, y);
    uint64_t bitwise = 0;  // x on the even bits, y on the odd ones, bit by bit
    for (int b = 0; b < 32; ++b) {
      bitwise |= uint64_t((x >> b) & 1) << (2 * b);
      bitwise |= uint64_t((y >> b) & 1) << (2 * b + 1);
    }
    ASSERT_EQ(v, bitwise);
    EXPECT_EQ(Deinterleave(v), uint64_t(x) | (uint64_t(y) << 32));
    std::uniform_real_distribution<double> lon(-180, 180), lat(kLatMin, kLatMax);
    double lo = lon(rng), la = lat(rng);
    Point p = Decode52(*Score(lo, la));
    EXPECT_NEAR(p.lon, lo, 1e-5);
    EXPECT_NEAR(p.lat, la, 1e-5);
  }
}

TEST(GeohashTest, NeighboursAreAdjacentBoxes) {
  HashBits h = *Encode({-180, 180}, {kLatMin, kLatMax}, 10, 20, 10);
  std::array<HashBits, 8> nb = Neighbors(h);
  Area c = Decode({-180, 180}, {kLatMin, kLatMax}, h);
  Area north = Decode({-180, 180}, {kLatMin, kLatMax}, nb[0]);
  Area east = Decode({-180, 180}, {kLatMin, kLatMax}, nb[2]);
  EXPECT_DOUBLE_EQ(north.lat.min, c.lat.max);
  EXPECT_DOUBLE_EQ(north.lon.min, c.lon.min);
  EXPECT_DOUBLE_EQ(east.lon.min, c.lon.max);
  EXPECT_DOUBLE_EQ(east.lat.min, c.lat.min);
}

TEST(GeohashTest, StepEstimate) {
  EXPECT_EQ(EstimateSteps(0, 0), 26);
  EXPECT_EQ(EstimateSteps(1e9, 0), 1);
  EXPECT_GT(EstimateSteps(100, 0), EstimateSteps(100000, 0));
  EXPECT_EQ(EstimateSteps(1000, 85), EstimateSteps(1000, 0) - 2);
  EXPECT_EQ(EstimateSteps(1000, 70), EstimateSteps(1000, 0) - 1);
}

// Every point within the radius lies in one of the search boxes (so a search finds it).
TEST(GeohashTest, SearchBoxesCoverTheCircle) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-80, 80), unit(0, 1);
  for (int i = 0; i < 2000; ++i) {
    Shape s;
    s.center = {lon(rng), lat(rng)};
    s.radius = 1 + unit(rng) * 500000;
    std::array<HashBits, 9> boxes = SearchBoxes(s);
    for (int j = 0; j < 20; ++j) {
      double lo = s.center.lon + (unit(rng) - 0.5) * 20, la = s.center.lat + (unit(rng) - 0.5) * 10;
      std::optional<double> score = Score(lo, la);
      double d;
      if (!score || !InShape(s, Decode52(*score), &d)) continue;
      bool covered = false;
      for (const HashBits& b : boxes) {
        double mn, mx;
        if (b.IsZero()) continue;
        BoxScores(b, &mn, &mx);
        covered = covered || (*score >= mn && *score < mx);
      }
      EXPECT_TRUE(covered) << s.center.lon << "," << s.center.lat << " r=" << s.radius;
    }
  }
}

}  // namespace
}  // namespace lw::geo
