// ListObj::Clone (COPY, a script's undo records): a clone has the original's elements in the
// same encoding, and changing either one leaves the other as it was.
#include "server/types/list_obj.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>

namespace lw {
namespace {

std::deque<std::string> Elements(const ListObj& list) {
  std::deque<std::string> out;
  if (!list.empty())
    list.Range(0, list.size() - 1, [&](std::string_view v) { out.emplace_back(v); });
  return out;
}

std::string RandomValue(std::mt19937_64& rng) {
  // Mostly short values, some longer than a packed entry or than 255 bytes (the long header).
  const size_t kinds[] = {1, 8, 40, 100, 300};
  std::string v(kinds[rng() % 5] + rng() % 7, '\0');
  for (char& c : v) c = char(rng());
  return v;
}

TEST(ListObjTest, CloneIsDeepAndIndependent) {
  std::mt19937_64 rng(7);
  for (int fill : {ListObj::kDefaultFill, 4, -1}) {
    for (size_t n : {0, 1, 5, 51, 130, 1000}) {
      ListObj list(fill);
      std::deque<std::string> model;
      for (size_t i = 0; i < n; ++i) {
        std::string v = RandomValue(rng);
        if (rng() % 2) {
          list.PushBack(v);
          model.push_back(v);
        } else {
          list.PushFront(v);
          model.push_front(v);
        }
      }
      std::unique_ptr<ListObj> clone(list.Clone());
      ASSERT_EQ(Elements(*clone), model) << fill << " " << n;
      EXPECT_EQ(clone->packed(), list.packed());
      // Grow and shrink the clone at both ends: the original does not change.
      for (int i = 0; i < 20; ++i) {
        clone->PushFront("f" + std::to_string(i));
        clone->PushBack(RandomValue(rng));
      }
      if (!clone->empty()) clone->PopFront();
      EXPECT_EQ(Elements(list), model);
      // And the other way round.
      std::deque<std::string> cloned = Elements(*clone);
      list.PushBack("x");
      if (list.size() > 2) list.Trim(1, list.size() - 1);
      EXPECT_EQ(Elements(*clone), cloned);
    }
  }
}

}  // namespace
}  // namespace lw
