#include <deque>
#include <string>
#include <vector>

#include "server/engine/test_util.h"
#include "server/families/generic_family.h"
#include "server/families/list_family.h"
#include "server/families/string_family.h"
#include "server/types/list_obj.h"

namespace lw {
namespace {

class ListFamilyTest : public ServiceTest {
 protected:
  ListFamilyTest()
      : ServiceTest({RegisterGenericFamily, RegisterStringFamily, RegisterListFamily}) {}

  std::string Raw(std::vector<std::string> args) {
    Run(std::move(args));
    return client_->last_raw();
  }
};

TEST_F(ListFamilyTest, PushPopBothEnds) {
  EXPECT_EQ(Raw({"RPUSH", "l", "a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(Raw({"LPUSH", "l", "x", "y"}), ":5\r\n");
  EXPECT_EQ(Raw({"LRANGE", "l", "0", "-1"}),
            "*5\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(Raw({"LPOP", "l"}), "$1\r\ny\r\n");
  EXPECT_EQ(Raw({"RPOP", "l", "2"}), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
  EXPECT_EQ(Raw({"LPOP", "l", "0"}), "*0\r\n");
  EXPECT_EQ(Raw({"LPOP", "l", "10"}), "*2\r\n$1\r\nx\r\n$1\r\na\r\n");
  EXPECT_EQ(Raw({"EXISTS", "l"}), ":0\r\n");
  EXPECT_EQ(Raw({"LPOP", "l"}), "$-1\r\n");
  EXPECT_EQ(Raw({"LPOP", "l", "1"}), "*-1\r\n");
  EXPECT_EQ(Raw({"LPOP", "l", "-1"}), "-ERR value is out of range, must be positive\r\n");
  EXPECT_EQ(Raw({"LPOP", "l", "1", "2"}), "-ERR wrong number of arguments for 'lpop' command\r\n");
  EXPECT_EQ(Raw({"LPUSHX", "l", "a"}), ":0\r\n");
  EXPECT_EQ(Raw({"RPUSH", "l", "a"}), ":1\r\n");
  EXPECT_EQ(Raw({"RPUSHX", "l", "b", "c"}), ":3\r\n");
}

TEST_F(ListFamilyTest, WrongType) {
  Run({"SET", "s", "v"});
  for (auto cmd : std::vector<std::vector<std::string>>{{"LPUSH", "s", "a"},
                                                        {"LPUSHX", "s", "a"},
                                                        {"LPOP", "s"},
                                                        {"LLEN", "s"},
                                                        {"LRANGE", "s", "0", "1"},
                                                        {"LINDEX", "s", "0"},
                                                        {"LSET", "s", "0", "a"},
                                                        {"LINSERT", "s", "BEFORE", "a", "b"},
                                                        {"LREM", "s", "0", "a"},
                                                        {"LTRIM", "s", "0", "1"},
                                                        {"LPOS", "s", "a"}}) {
    EXPECT_EQ(Raw(cmd), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
        << cmd[0];
  }
}

TEST_F(ListFamilyTest, IndexSetInsertRem) {
  Run({"RPUSH", "l", "a", "b", "c", "b"});
  EXPECT_EQ(Raw({"LINDEX", "l", "-1"}), "$1\r\nb\r\n");
  EXPECT_EQ(Raw({"LINDEX", "l", "4"}), "$-1\r\n");
  EXPECT_EQ(Raw({"LINDEX", "nokey", "x"}), "$-1\r\n");
  EXPECT_EQ(Raw({"LINDEX", "l", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Raw({"LSET", "l", "1", "B"}), "+OK\r\n");
  EXPECT_EQ(Raw({"LSET", "l", "9", "B"}), "-ERR index out of range\r\n");
  EXPECT_EQ(Raw({"LSET", "nokey", "0", "B"}), "-ERR no such key\r\n");
  EXPECT_EQ(Raw({"LINSERT", "l", "AFTER", "c", "d"}), ":5\r\n");
  EXPECT_EQ(Raw({"LINSERT", "l", "before", "a", "z"}), ":6\r\n");
  EXPECT_EQ(Raw({"LINSERT", "l", "before", "nope", "z"}), ":-1\r\n");
  EXPECT_EQ(Raw({"LINSERT", "l", "middle", "a", "z"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"LREM", "l", "0", "b"}), ":1\r\n");
  EXPECT_EQ(Raw({"LRANGE", "l", "0", "-1"}),
            "*5\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nB\r\n$1\r\nc\r\n$1\r\nd\r\n");
  EXPECT_EQ(Raw({"LTRIM", "l", "1", "2"}), "+OK\r\n");
  EXPECT_EQ(Raw({"LRANGE", "l", "0", "-1"}), "*2\r\n$1\r\na\r\n$1\r\nB\r\n");
  EXPECT_EQ(Raw({"LTRIM", "l", "5", "2"}), "+OK\r\n");
  EXPECT_EQ(Raw({"EXISTS", "l"}), ":0\r\n");
}

TEST_F(ListFamilyTest, LPos) {
  Run({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  EXPECT_EQ(Raw({"LPOS", "l", "c"}), ":2\r\n");
  EXPECT_EQ(Raw({"LPOS", "l", "c", "RANK", "2"}), ":6\r\n");
  EXPECT_EQ(Raw({"LPOS", "l", "c", "RANK", "-1"}), ":7\r\n");
  EXPECT_EQ(Raw({"LPOS", "l", "c", "COUNT", "0"}), "*3\r\n:2\r\n:6\r\n:7\r\n");
  EXPECT_EQ(Raw({"LPOS", "l", "c", "COUNT", "2", "RANK", "-1"}), "*2\r\n:7\r\n:6\r\n");
  EXPECT_EQ(Raw({"LPOS", "l", "c", "MAXLEN", "2"}), "$-1\r\n");
  EXPECT_EQ(Raw({"LPOS", "l", "x", "COUNT", "1"}), "*0\r\n");
  EXPECT_EQ(Raw({"LPOS", "l", "c", "RANK", "0"}).substr(0, 24), "-ERR RANK can't be zero:");
  EXPECT_EQ(Raw({"LPOS", "l", "c", "COUNT", "-1"}), "-ERR COUNT can't be negative\r\n");
  EXPECT_EQ(Raw({"LPOS", "l", "c", "MAXLEN", "-1"}), "-ERR MAXLEN can't be negative\r\n");
  EXPECT_EQ(Raw({"LPOS", "l", "c", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Raw({"LPOS", "nokey", "c"}), "$-1\r\n");
}

TEST_F(ListFamilyTest, EncodingConversion) {
  for (int i = 0; i < 128; ++i) Run({"RPUSH", "l", std::to_string(i)});
  Run({"RPUSH", "l", "x"});
  EXPECT_EQ(Raw({"LLEN", "l"}), ":129\r\n");
  EXPECT_EQ(Raw({"LINDEX", "l", "128"}), "$1\r\nx\r\n");
  EXPECT_EQ(Raw({"LINDEX", "l", "64"}), "$2\r\n64\r\n");
}

// The container itself, checked against a std::deque model.
TEST(ListObjTest, MatchesModel) {
  ListObj list;
  std::deque<std::string> model;
  uint64_t seed = 42;
  auto rnd = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  for (int step = 0; step < 20000; ++step) {
    int op = rnd() % 10;
    std::string v = std::to_string(rnd() % 50);
    if (rnd() % 50 == 0) v = std::string(300, 'x');  // long entries force chunk splits
    if (op < 3) {
      list.PushBack(v);
      model.push_back(v);
    } else if (op < 5) {
      list.PushFront(v);
      model.push_front(v);
    } else if (op == 5 && !model.empty()) {
      ASSERT_EQ(list.PopFront(), model.front());
      model.pop_front();
    } else if (op == 6 && !model.empty()) {
      ASSERT_EQ(list.PopBack(), model.back());
      model.pop_back();
    } else if (op == 7 && model.size() > 4) {
      size_t s = rnd() % (model.size() / 4), e = model.size() - 1 - rnd() % (model.size() / 4);
      list.Trim(s, e);
      model = std::deque<std::string>(model.begin() + s, model.begin() + e + 1);
    } else if (op == 8 && !model.empty()) {
      size_t i = rnd() % model.size();
      list.Set(i, v);
      model[i] = v;
    } else if (op == 9) {
      size_t removed = list.Remove(v, 1, rnd() % 2);
      (void)removed;
      // Recompute from the list itself is circular; check count only via a model rebuild.
      model.clear();
      list.Walk(true, [&](size_t, std::string_view e) {
        model.emplace_back(e);
        return true;
      });
    }
    ASSERT_EQ(list.size(), model.size());
    if (step % 97 == 0 && !model.empty()) {
      size_t i = rnd() % model.size();
      ASSERT_EQ(list.At(i), model[i]);
      std::vector<std::string> all;
      list.Range(0, model.size() - 1, [&](std::string_view e) { all.emplace_back(e); });
      ASSERT_EQ(all, std::vector<std::string>(model.begin(), model.end()));
    }
  }
}

std::vector<std::string> All(const ListObj& list) {
  std::vector<std::string> all;
  if (!list.empty()) {
    list.Range(0, list.size() - 1, [&](std::string_view e) { all.emplace_back(e); });
  }
  return all;
}

// The fill a list is created with (list-max-listpack-size) sizes its nodes.
TEST(ListObjTest, FillSetsNodeLimits) {
  ListObj two(2);  // two entries per node
  two.PushBack("a");
  two.PushBack("b");
  EXPECT_TRUE(two.packed());
  two.PushBack("c");
  EXPECT_FALSE(two.packed());
  two.PushFront("z");
  EXPECT_EQ(All(two), (std::vector<std::string>{"z", "a", "b", "c"}));
  two.PopBack();
  two.PopBack();
  two.PopBack();  // one entry: half a node, so packed again
  EXPECT_TRUE(two.packed());

  ListObj bytes(-1);  // 4 KB nodes, any number of entries
  std::string v(30, 'x');
  for (int i = 0; i < 120; ++i) bytes.PushBack(v);  // ~3.8 KB
  EXPECT_TRUE(bytes.packed());                      // more than 128 entries would be fine too
  for (int i = 0; i < 10; ++i) bytes.PushBack(v);   // past 4 KB
  EXPECT_FALSE(bytes.packed());
  EXPECT_EQ(bytes.size(), 130u);

  ListObj big(-5);                                 // 64 KB nodes
  for (int i = 0; i < 1000; ++i) big.PushBack(v);  // ~32 KB
  EXPECT_TRUE(big.packed());

  ListObj one(0);  // Redis's fill 0: one entry per node
  one.PushBack("a");
  one.PushBack("b");
  EXPECT_FALSE(one.packed());
  EXPECT_EQ(All(one), (std::vector<std::string>{"a", "b"}));
  ListObj* copy = two.Clone();  // a copy keeps the fill
  copy->PushBack("q");
  copy->PushBack("r");
  EXPECT_FALSE(copy->packed());
  delete copy;
}

TEST(ListObjTest, LongListTrimAtEnds) {
  ListObj list;
  for (int i = 0; i < 100000; ++i) list.PushFront(std::to_string(i));
  EXPECT_FALSE(list.packed());
  list.Trim(0, 99);
  EXPECT_EQ(list.size(), 100u);
  EXPECT_FALSE(list.packed());
  EXPECT_EQ(list.At(0), "99999");
  list.Trim(0, 9);
  EXPECT_TRUE(list.packed());
  EXPECT_EQ(list.Encoding(), "quicklist");  // Redis 7.0 names every list so
  EXPECT_EQ(list.At(9), "99990");
  list.PushBack(std::string(65, 'a'));
  EXPECT_FALSE(list.packed());
}

}  // namespace
}  // namespace lw
