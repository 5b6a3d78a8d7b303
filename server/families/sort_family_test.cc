// SORT ... GET pattern on two threads (SortGetsInTwoHops): the same reply from either thread,
// and from the key's own thread the other shard hears of the SORT only when it owns a GET key
// (the key's shard is read first, alone: Transaction::ReadHere / ReadThere).
#include <string>
#include <vector>

#include "server/engine/test_util.h"
#include "server/families/list_family.h"
#include "server/families/sort_family.h"
#include "server/families/string_family.h"

namespace lw {
namespace {

class SortFamilyTest : public ServiceTest {
 protected:
  SortFamilyTest() : ServiceTest({RegisterStringFamily, RegisterListFamily, RegisterSortFamily}) {}

  // A hash tag whose keys live on shard `sid`.
  std::string TagOn(uint32_t sid) {
    for (int i = 0;; ++i) {
      std::string tag = "{t" + std::to_string(i) + "}";
      if (service_->shards().ShardOf(tag) == sid) return tag;
    }
  }
  // Transactions shard `sid` has seen (run quick, or queued).
  uint64_t Seen(uint32_t sid) {
    return pool_.at(sid)->Await([&] {
      const auto& s = service_->shards().tx()->shard(sid)->stats();
      return s.quick_inline + s.quick_remote + s.quick_paired + s.scheduled;
    });
  }
  std::string Raw(TestClient* c, std::vector<std::string> args) {
    c->Run(std::move(args));
    return c->last_raw();
  }
};

TEST_F(SortFamilyTest, GetPatternsOnTheKeysShardOnlyNeverReachTheOtherShard) {
  const std::string tag = TagOn(0);
  auto here = NewClient(0);
  Raw(here.get(), {"RPUSH", tag + "items", "2", "1"});
  Raw(here.get(), {"MSET", tag + "data_1", "one", tag + "data_2", "two"});
  const uint64_t before = Seen(1);
  EXPECT_EQ(Raw(here.get(), {"SORT", tag + "items", "BY", "nosort", "GET", tag + "data_*"}),
            "*2\r\n$3\r\ntwo\r\n$3\r\none\r\n");
  EXPECT_EQ(Seen(1), before);
}

TEST_F(SortFamilyTest, GetPatternsOnBothShardsReadTheSameFromEitherThread) {
  const std::string tag0 = TagOn(0), tag1 = TagOn(1);
  auto here = NewClient(0), there = NewClient(1);
  Raw(here.get(), {"RPUSH", tag0 + "items", "a", "b", "c"});
  Raw(here.get(), {"MSET", tag0 + "a", "A0", tag0 + "c", "C0"});
  Raw(there.get(), {"MSET", tag1 + "a", "A1", tag1 + "b", "B1"});
  const std::vector<std::string> sort = {"SORT", tag0 + "items", "BY",       "nosort", "GET",
                                         "#",    "GET",          tag0 + "*", "GET",    tag1 + "*"};
  const std::string want =
      "*9\r\n$1\r\na\r\n$2\r\nA0\r\n$2\r\nA1\r\n$1\r\nb\r\n$-1\r\n$2\r\nB1\r\n"
      "$1\r\nc\r\n$2\r\nC0\r\n$-1\r\n";
  const uint64_t before = Seen(1);
  EXPECT_EQ(Raw(here.get(), sort), want);
  EXPECT_EQ(Seen(1), before + 1);  // one message: queued there, read, concluded
  EXPECT_EQ(Raw(there.get(), sort), want);
  Raw(there.get(), {"SET", tag1 + "b", "B2"});  // a writer on the other shard in between
  EXPECT_EQ(Raw(here.get(), {"SORT", tag0 + "items", "BY", "nosort", "GET", tag1 + "*"}),
            "*3\r\n$2\r\nA1\r\n$2\r\nB2\r\n$-1\r\n");
}

}  // namespace
}  // namespace lw
