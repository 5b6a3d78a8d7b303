#include "base/string_arena.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace lw {
namespace {

// Random strings, short and longer than a block, copied and checked after every copy and
// after the arena moved: no copy ever changes or moves.
TEST(StringArenaTest, CopiesStayInPlace) {
  std::mt19937_64 rng(3);
  StringArena arena;
  std::vector<std::string> originals;
  std::vector<std::string_view> views;
  for (int i = 0; i < 3000; ++i) {
    const size_t len = rng() % 100 == 0 ? StringArena::kBlockBytes + rng() % 5000 : rng() % 40;
    std::string s(len, '\0');
    for (char& c : s) c = char(rng());
    originals.push_back(s);
    views.push_back(arena.Copy(s));
    ASSERT_EQ(views.back(), originals.back());
  }
  StringArena moved = std::move(arena);
  // The moved-from arena starts afresh and writes nowhere near the moved blocks.
  EXPECT_EQ(arena.blocks(), 0u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(arena.Copy("0123456789abcdef"), "0123456789abcdef");
  for (size_t i = 0; i < views.size(); ++i) ASSERT_EQ(views[i], originals[i]) << i;
  EXPECT_LT(moved.blocks(), 100u);  // short strings share blocks
  moved.Clear();
  EXPECT_EQ(moved.blocks(), 0u);
  EXPECT_EQ(moved.Copy("again"), "again");
  EXPECT_NE(moved.Copy("").data(), nullptr);
  EXPECT_EQ(moved.Copy("").size(), 0u);
}

}  // namespace
}  // namespace lw
