#include "transaction/shard_set.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "io/proactor_pool.h"

namespace lw::tx {
namespace {

// ShardOf divides by the shard count only when it is no power of two (a mask otherwise): the
// key -> shard mapping must be the hash modulo the count either way, for every count.
TEST(ShardSetMappingTest, ShardOfIsTheShardHashModuloTheCount) {
  for (size_t threads : {1, 2, 3, 4}) {
    io::ProactorPool pool(threads);
    pool.Start();
    {
      ShardSet shards(&pool);
      for (int i = 0; i < 2000; ++i) {
        const std::string key = "key:" + std::to_string(i * 7919);
        ASSERT_EQ(shards.ShardOf(key), ShardSet::ShardHash(key) % threads)
            << key << " on " << threads << " shards";
      }
      // Keys that share a hash tag share a shard.
      EXPECT_EQ(shards.ShardOf("{user42}:name"), shards.ShardOf("user42"));
    }
    pool.Stop();
  }
}

}  // namespace
}  // namespace lw::tx
