#include "base/op_status.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace lw {
namespace {

OpResult<int> ParsePositive(int x) {
  if (x <= 0) return OpStatus::kOutOfRange;
  return x * 2;
}

TEST(OpResultTest, HoldsValueOrStatus) {
  auto good = ParsePositive(4);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 8);
  EXPECT_EQ(good.status(), OpStatus::kOk);

  auto bad = ParsePositive(-1);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status(), OpStatus::kOutOfRange);
  EXPECT_EQ(bad.value_or(7), 7);
}

TEST(OpResultTest, MovesOutValue) {
  OpResult<std::string> r(std::string("hello"));
  std::string s = std::move(r).value();
  EXPECT_EQ(s, "hello");
}

TEST(OpResultTest, VoidResult) {
  OpResult<void> ok;
  EXPECT_TRUE(ok.ok());
  OpResult<void> err(OpStatus::kWrongType);
  EXPECT_FALSE(err.ok());
  EXPECT_EQ(err.status(), OpStatus::kWrongType);
}

TEST(OpStatusTest, Names) {
  std::ostringstream os;
  os << OpStatus::kWrongType;
  EXPECT_EQ(os.str(), "WRONG_TYPE");
  EXPECT_EQ(OpStatusName(OpStatus::kOk), "OK");
}

}  // namespace
}  // namespace lw
