// Unit tests of the HyperLogLog representation: golden bytes from redis-server 7.0, sparse
// and dense agreeing, promotion, the cache bit, and corrupt strings refused without reading
// past their end.
#include "server/types/hll.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace lw::hll {
namespace {

constexpr size_t kDefaultMax = 3000;

std::string Hll(std::initializer_list<std::string_view> elements) {
  std::string s = NewSparse();
  for (std::string_view e : elements) Add(&s, e, kDefaultMax);
  return s;
}

TEST(HllTest, NewIsOneXZero) {
  std::string s = NewSparse();
  ASSERT_EQ(s.size(), 18u);
  EXPECT_EQ(s.substr(0, 5), std::string("HYLL\x01", 5));
  EXPECT_EQ(uint8_t(s[16]), 0x7f);
  EXPECT_EQ(uint8_t(s[17]), 0xff);
  EXPECT_TRUE(CacheValid(s));
  EXPECT_EQ(Count(s, nullptr), 0u);
}

TEST(HllTest, GoldenSparseBytesFromRedis) {
  // redis-server 7.0: PFADD h a b c; GET h (then PFCOUNT h caches 3).
  std::string s = Hll({"a", "b", "c"});
  const char kWant[] =
      "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
      "\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a";
  EXPECT_EQ(s, std::string(kWant, sizeof(kWant) - 1));
  EXPECT_EQ(DecodeSparse(s), "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  EXPECT_FALSE(CacheValid(s));
  EXPECT_EQ(Count(s, nullptr), 3u);
}

TEST(HllTest, GoldenCountFromRedis) {
  // redis-server 7.0: PFADD of the decimal strings 1000..20999 counts 19950, dense.
  std::string s = NewSparse();
  for (int i = 1000; i <= 20999; ++i) Add(&s, std::to_string(i), kDefaultMax);
  EXPECT_EQ(uint8_t(s[4]), kDense);
  EXPECT_EQ(s.size(), kDenseSize);
  EXPECT_EQ(Count(s, nullptr), 19950u);
}

TEST(HllTest, SparseAndDenseAgree) {
  std::string sparse = NewSparse();
  std::string dense = NewSparse();
  ASSERT_TRUE(SparseToDense(&dense));
  for (int i = 0; i < 600; ++i) {
    std::string e = "el:" + std::to_string(i);
    EXPECT_EQ(Add(&sparse, e, 1 << 20), Add(&dense, e, 1 << 20)) << i;
  }
  ASSERT_EQ(uint8_t(sparse[4]), kSparse);
  EXPECT_EQ(Count(sparse, nullptr), Count(dense, nullptr));
  std::string converted = sparse;
  ASSERT_TRUE(SparseToDense(&converted));
  EXPECT_EQ(converted.substr(kHeaderSize), dense.substr(kHeaderSize));
}

TEST(HllTest, AddDenseInPlaceMatchesAdd) {
  std::string via_add = NewSparse();
  ASSERT_TRUE(SparseToDense(&via_add));
  std::string in_place = via_add;
  for (int i = 0; i < 5000; ++i) {
    std::string e = "e" + std::to_string(i * 7919 % 3001);  // repeats: some adds change nothing
    EXPECT_EQ(Add(&via_add, e, kDefaultMax),
              AddDense(reinterpret_cast<uint8_t*>(in_place.data()), e))
        << i;
  }
  EXPECT_EQ(in_place, via_add);
}

TEST(HllTest, PromotesAtSparseMaxBytes) {
  std::string s = NewSparse();
  int i = 0;
  while (uint8_t(s[4]) == kSparse) {
    ASSERT_LE(s.size(), 300u);
    Add(&s, std::to_string(i++), 300);
  }
  EXPECT_EQ(s.size(), kDenseSize);
  EXPECT_GT(i, 20);
}

TEST(HllTest, AddReportsChange) {
  std::string s = NewSparse();
  EXPECT_EQ(Add(&s, "x", kDefaultMax), 1);
  EXPECT_EQ(Add(&s, "x", kDefaultMax), 0);
  SetCachedCard(&s, 1);
  EXPECT_TRUE(CacheValid(s));
  EXPECT_EQ(CachedCard(s), 1u);
  EXPECT_EQ(Add(&s, "y", kDefaultMax), 1);
  EXPECT_FALSE(CacheValid(s));
}

TEST(HllTest, MergeIsUnion) {
  std::string a = Hll({"1", "2", "3"}), b = Hll({"3", "4"}), u = Hll({"1", "2", "3", "4"});
  std::vector<uint8_t> max(kRegisters, 0);
  ASSERT_TRUE(MergeInto(a, max.data()));
  ASSERT_TRUE(MergeInto(b, max.data()));
  EXPECT_EQ(CountRaw(max.data()), Count(u, nullptr));
  EXPECT_EQ(CountRaw(max.data()), 4u);
}

TEST(HllTest, ValidityChecks) {
  std::string s = NewSparse();
  EXPECT_TRUE(IsValid(s));
  EXPECT_FALSE(IsValid(s.substr(0, 15)));
  std::string bad = s;
  bad[0] = 'h';
  EXPECT_FALSE(IsValid(bad));
  bad = s;
  bad[4] = 2;
  EXPECT_FALSE(IsValid(bad));
  bad = s;
  bad[4] = 0;  // dense but not 12304 bytes
  EXPECT_FALSE(IsValid(bad));
}

TEST(HllTest, CorruptSparseIsReported) {
  // Opcodes covering 16384 + 64 registers.
  std::string over = NewSparse();
  over.push_back(char(0x3f));
  bool invalid = false;
  Count(over, &invalid);
  EXPECT_TRUE(invalid);
  std::vector<uint8_t> max(kRegisters, 0);
  EXPECT_FALSE(MergeInto(over, max.data()));
  // A VAL run past the last register.
  std::string run = NewSparse().substr(0, kHeaderSize);
  run.push_back(char(0x40 | 0x3f));  // XZERO 16382
  run.push_back(char(0xfd));
  run.push_back(char(0x83));  // VAL 1 x4
  EXPECT_FALSE(SparseToDense(&run));
  // Registers missing: an index past the opcodes cannot be set.
  std::string short_ops = NewSparse().substr(0, kHeaderSize);
  short_ops.push_back(char(0x00));
  EXPECT_EQ(SetRegister(&short_ops, 100, 3, kDefaultMax), -1);
  // A truncated XZERO (its second byte missing) is read as if that byte were 0.
  std::string cut = NewSparse().substr(0, kHeaderSize + 1);
  EXPECT_EQ(DecodeSparse(cut), "Z:16129");
  Count(cut, &invalid);
  EXPECT_TRUE(invalid);
}

TEST(HllTest, MurmurKnownAnswer) {
  // The register and run length of "a" as redis-server stores it (see the golden bytes).
  uint32_t index;
  uint8_t count = PatternLength("a", &index);
  std::string s = Hll({"a"});
  EXPECT_EQ(DecodeSparse(s).find("v:" + std::to_string(count) + ",1") != std::string::npos, true);
  EXPECT_LT(index, kRegisters);
  EXPECT_EQ(MurmurHash64A("", 0, 0), 0u);
}

TEST(HllTest, DenseUnpackMatchesRegisterReads) {
  std::string s = NewSparse();
  ASSERT_TRUE(SparseToDense(&s));
  for (int i = 0; i < 50000; ++i) Add(&s, "e" + std::to_string(i), kDefaultMax);
  std::vector<uint8_t> max(kRegisters, 0);
  ASSERT_TRUE(MergeInto(s, max.data()));
  const uint8_t* regs = reinterpret_cast<const uint8_t*>(s.data()) + kHeaderSize;
  for (uint32_t i = 0; i < kRegisters; ++i) ASSERT_EQ(max[i], DenseGet(regs, i)) << i;
  EXPECT_EQ(CountRaw(max.data()), Count(s, nullptr));
}

TEST(HllTest, SelfTestPasses) { EXPECT_EQ(SelfTest(), ""); }

}  // namespace
}  // namespace lw::hll
