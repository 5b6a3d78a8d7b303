// Geo costs: encoding a point, and a GEOSEARCH-like radius query over 100,000 points held in a
// sorted set (ZSetObj, skiplist encoding): the 9 search boxes, a score-range walk per box and
// the exact distance filter, as geo_family.cc runs it on a shard.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "server/types/geohash.h"
#include "server/types/zset_obj.h"

namespace {

using namespace lw;

void BM_Score(benchmark::State& state) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> lon(-180, 180), lat(-85, 85);
  double lo = lon(rng), la = lat(rng);
  for (auto _ : state) {
    benchmark::DoNotOptimize(geo::Score(lo, la));
    lo = lo > 179 ? -179 : lo + 0.001;
  }
}
BENCHMARK(BM_Score);

// 100k points in a 20 x 10 degree area; each query: a 50 km radius around a random point.
void BM_Search100k(benchmark::State& state) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> lon(0, 20), lat(30, 40);
  ZSetLimits limits;
  ZSetObj z(100000, 16, limits);
  for (int i = 0; i < 100000; ++i) {
    z.Insert("p" + std::to_string(i), *geo::Score(lon(rng), lat(rng)), limits);
  }
  size_t found = 0;
  for (auto _ : state) {
    geo::Shape s;
    s.center = {lon(rng), lat(rng)};
    s.radius = 50;
    s.to_meters = 1000;
    for (const geo::HashBits& b : geo::SearchBoxes(s)) {
      if (b.IsZero()) continue;
      double mn, mx;
      geo::BoxScores(b, &mn, &mx);
      size_t start = z.CountBefore([&](double sc, std::string_view) { return sc < mn; });
      size_t end = z.CountBefore([&](double sc, std::string_view) { return sc < mx; });
      z.Visit(start, std::max(start, end), false, [&](std::string_view, double sc) {
        double d;
        found += geo::InShape(s, geo::Decode52(sc), &d);
      });
    }
  }
  state.counters["found_per_query"] = double(found) / double(state.iterations());
}
BENCHMARK(BM_Search100k);

}  // namespace
