// LATENCY GRAPH (see latency_graph.h for the layout).

#include "server/families/latency_graph.h"

#include <algorithm>
#include <vector>

namespace lw {

namespace {

constexpr size_t kColumns = 80;  // samples per block, and the width of the rule
constexpr int kBarRows = 4;
constexpr char kBarChars[] = {'_', 'o', '#'};  // the three levels within one row
constexpr int kLevels = kBarRows * 3;

struct Point {
  int64_t latency;
  std::string age;
};

std::string Age(int64_t seconds) {
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 86400) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

// One block of at most kColumns samples: the bars, a blank row, then the ages downwards.
void DrawBlock(const Point* points, size_t n, int64_t low, int64_t high, std::string* out) {
  const double span = high > low ? double(high - low) : 1.0;
  std::vector<int> level(n);
  size_t longest = 0;
  for (size_t i = 0; i < n; ++i) {
    int l = int(double((points[i].latency - low) * kLevels) / span);
    level[i] = std::clamp(l, 0, kLevels - 1);
    longest = std::max(longest, points[i].age.size());
  }
  for (int row = 0; row < kBarRows; ++row) {
    const int floor = (kBarRows - 1 - row) * 3;  // the lowest level this row shows
    for (size_t i = 0; i < n; ++i) {
      int d = level[i] - floor;
      out->push_back(d < 0 ? ' ' : d < 3 ? kBarChars[d] : '|');
    }
    out->push_back('\n');
  }
  out->append(n, ' ');
  out->push_back('\n');
  for (size_t c = 0; c < longest; ++c) {
    for (size_t i = 0; i < n; ++i) {
      out->push_back(c < points[i].age.size() ? points[i].age[c] : ' ');
    }
    out->push_back('\n');
  }
}

}  // namespace

std::string LatencyGraph(const LatencyMonitor::Event& event, int64_t now_s) {
  std::vector<Point> points;
  int64_t low = 0, high = 0;
  for (size_t j = 0; j < LatencyMonitor::kSamples; ++j) {  // oldest first
    const auto& s = event.samples[(event.idx + j) % LatencyMonitor::kSamples];
    if (s.time == 0) continue;
    low = points.empty() ? s.latency : std::min(low, s.latency);
    high = points.empty() ? s.latency : std::max(high, s.latency);
    points.push_back({s.latency, Age(now_s - s.time)});
  }
  std::string out = event.name + " - high " + std::to_string(high) + " ms, low " +
                    std::to_string(low) + " ms (all time high " + std::to_string(event.max) +
                    " ms)\n";
  out.append(kColumns, '-');
  out.push_back('\n');
  for (size_t start = 0; start < points.size(); start += kColumns) {
    if (start != 0) out.push_back('\n');
    DrawBlock(points.data() + start, std::min(kColumns, points.size() - start), low, high, &out);
  }
  return out;
}

}  // namespace lw
