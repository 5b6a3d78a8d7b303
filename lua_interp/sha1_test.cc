#include "lua_interp/sha1.h"

#include <gtest/gtest.h>

namespace lw::lua {

TEST(Sha1Test, KnownVectors) {
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(Sha1Hex(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  EXPECT_EQ(Sha1Hex("The quick brown fox jumps over the lazy dog"),
            "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
  // Redis: SCRIPT LOAD "return 1"
  EXPECT_EQ(Sha1Hex("return 1"), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST(Sha1Test, BlockBoundaries) {
  // Lengths around the 55/56/64-byte padding edges must all be distinct and stable.
  std::string prev;
  for (size_t n : {55, 56, 57, 63, 64, 65, 119, 120}) {
    std::string h = Sha1Hex(std::string(n, 'x'));
    EXPECT_EQ(h.size(), 40u);
    EXPECT_NE(h, prev);
    prev = h;
  }
}

}  // namespace lw::lua
