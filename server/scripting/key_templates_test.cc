#include "server/scripting/key_templates.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lw {
namespace {

using Strings = std::vector<std::string>;

// Arguments as the views a call gets.
struct Call {
  Strings keys, argv;
  std::vector<std::string_view> kv, av;
  Call(Strings k, Strings a) : keys(std::move(k)), argv(std::move(a)) {
    for (const auto& s : keys) kv.push_back(s);
    for (const auto& s : argv) av.push_back(s);
  }
};

Strings Sorted(Strings v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(KeyTemplatesTest, ArgvVerbatimPredictedAfterOneRun) {
  KeyTemplates t;
  Call c1({}, {"a:123", "b:456", "[1,2]"});
  EXPECT_TRUE(t.Predict("s", c1.kv, c1.av).empty());
  t.Learn("s", c1.kv, c1.av, Strings{"a:123", "b:456", "a:123"});
  Call c2({}, {"a:9", "b:77", "[3]"});
  EXPECT_EQ(Sorted(t.Predict("s", c2.kv, c2.av)), (Strings{"a:9", "b:77"}));
  EXPECT_TRUE(t.Predict("other", c2.kv, c2.av).empty());
}

TEST(KeyTemplatesTest, AffixesAroundKeysAndArgv) {
  KeyTemplates t;
  Call c1({"queue:{q1}"}, {"job42", "7"});
  Strings unexplained;
  t.Learn("s", c1.kv, c1.av, Strings{"bull:job42:data", "queue:{q1}:active", "done"}, &unexplained);
  EXPECT_EQ(unexplained, Strings{"done"});  // no argument in it: KeyHints' share
  Call c2({"queue:{q2}"}, {"job43", "8"});
  EXPECT_TRUE(t.Predict("s", c2.kv, c2.av).empty());  // affixed: wait for a second run
  t.Learn("s", c2.kv, c2.av, Strings{"bull:job43:data", "queue:{q2}:active", "done"});
  Call c3({"queue:{q3}"}, {"job44", "9"});
  EXPECT_EQ(Sorted(t.Predict("s", c3.kv, c3.av)),
            (Strings{"bull:job44:data", "queue:{q3}:active"}));
}

TEST(KeyTemplatesTest, VaryingAffixIsNeverPredicted) {
  // 'bull:job:' .. id with the id popped from a list: ARGV[1] is in the key, the rest varies.
  KeyTemplates t;
  for (int run = 0; run < 50; ++run) {
    Call c({}, {"bull:job:"});
    EXPECT_TRUE(t.Predict("s", c.kv, c.av).empty()) << run;
    t.Learn("s", c.kv, c.av, Strings{"bull:job:" + std::to_string(1000 + run)});
    EXPECT_LE(t.templates("s"), KeyTemplates::kWindow);
  }
}

TEST(KeyTemplatesTest, ShortArgumentNeedsASecondRun) {
  KeyTemplates t;
  Call c1({}, {"1"});
  t.Learn("s", c1.kv, c1.av, Strings{"job:1"});
  Call c2({}, {"2"});
  EXPECT_TRUE(t.Predict("s", c2.kv, c2.av).empty());  // "1" in "job:1" may be a coincidence
  t.Learn("s", c2.kv, c2.av, Strings{"job:2"});
  Call c3({}, {"3"});
  EXPECT_EQ(t.Predict("s", c3.kv, c3.av), Strings{"job:3"});
}

TEST(KeyTemplatesTest, DeclaredAndMissingArgumentsAreNotPredicted) {
  KeyTemplates t;
  Call c1({"k1"}, {"xyz:1", "abc"});
  t.Learn("s", c1.kv, c1.av, Strings{"xyz:1", "p:abc"});
  Call c2({"xyz:2"}, {"xyz:2"});  // ARGV[1] is declared now; ARGV[2] is missing
  EXPECT_TRUE(t.Predict("s", c2.kv, c2.av).empty());
  // Two templates naming the same key predict it once.
  Call c3({}, {"same", "same"});
  KeyTemplates u;
  u.Learn("s", c3.kv, c3.av, Strings{"same"});
  EXPECT_EQ(u.Predict("s", c3.kv, c3.av), Strings{"same"});
}

TEST(KeyTemplatesTest, WrongTemplatesAgeOut) {
  KeyTemplates t;
  for (const char* id : {"id100", "id99"}) {
    Call c({}, {id});
    t.Learn("s", c.kv, c.av, Strings{std::string("old:") + id});
  }
  Call c2({}, {"id101"});
  EXPECT_EQ(t.Predict("s", c2.kv, c2.av), Strings{"old:id101"});
  // The script's key pattern changed: the new template is used from its second run on, the
  // old one is dropped after kMaxMisses runs that did not touch its key.
  for (uint32_t i = 0; i < KeyTemplates::kMaxMisses; ++i) {
    Call c({}, {"id" + std::to_string(200 + i)});
    t.Learn("s", c.kv, c.av, Strings{"new:" + c.argv[0]});
  }
  Call c3({}, {"id300"});
  EXPECT_EQ(t.Predict("s", c3.kv, c3.av), Strings{"new:id300"});
  EXPECT_EQ(t.templates("s"), 1u);
}

TEST(KeyTemplatesTest, CoincidencesAreForgotten) {
  // A short argument found once in a random key never becomes usable and leaves the table.
  KeyTemplates t;
  for (int run = 0; run < 100; ++run) {
    Call c({}, {std::to_string(run % 10)});
    t.Learn("s", c.kv, c.av, Strings{"r:" + std::to_string(run * 7919 % 1000003)});
    EXPECT_LE(t.templates("s"), KeyTemplates::kMaxTemplates);
  }
  EXPECT_LE(t.templates("s"), KeyTemplates::kWindow + 2);  // + confirmed ones, until 2 misses
}

// Randomized: scripts build keys as prefix .. arg .. suffix from random arguments; after two runs
// every later prediction is exactly the set of keys the run touches, and
// nothing else. Seeded.
TEST(KeyTemplatesTest, RandomScriptsArePredictedExactly) {
  std::mt19937_64 rng(1313);
  auto word = [&](size_t min_len, size_t max_len) {
    std::string s;
    size_t n = min_len + rng() % (max_len - min_len + 1);
    for (size_t i = 0; i < n; ++i) s += char('a' + rng() % 26);
    return s;
  };
  for (int script = 0; script < 50; ++script) {
    struct Shape {
      bool from_keys;
      size_t index;
      std::string prefix, suffix;
    };
    const size_t nkeys = rng() % 3, nargv = 1 + rng() % 5;
    std::vector<Shape> shapes;
    for (size_t i = 0, n = 1 + rng() % 4; i < n; ++i) {
      bool from_keys = nkeys > 0 && rng() % 2;
      shapes.push_back({from_keys, rng() % (from_keys ? nkeys : nargv), word(0, 6) + ":",
                        rng() % 2 ? "" : ":" + word(1, 5)});
    }
    KeyTemplates t;
    const std::string name = "script" + std::to_string(script);
    for (int run = 0; run < 20; ++run) {
      // Distinct long arguments: "#" cannot occur in the shapes' affixes.
      Strings keys, argv;
      for (size_t i = 0; i < nkeys; ++i) keys.push_back("#K" + std::to_string(i) + word(8, 12));
      for (size_t i = 0; i < nargv; ++i) argv.push_back("#A" + std::to_string(i) + word(8, 12));
      Call c(keys, argv);
      Strings touched;
      for (const Shape& s : shapes) {
        touched.push_back(s.prefix + (s.from_keys ? keys : argv)[s.index] + s.suffix);
      }
      Strings expect = Sorted(touched);
      expect.erase(std::unique(expect.begin(), expect.end()), expect.end());
      Strings got = Sorted(t.Predict(name, c.kv, c.av));
      if (run <= 1) {  // every shape has a prefix: two runs derive it
        EXPECT_TRUE(got.empty());
      } else {
        EXPECT_EQ(got, expect) << name << " run " << run;
      }
      std::shuffle(touched.begin(), touched.end(), rng);
      Strings unexplained;
      t.Learn(name, c.kv, c.av, touched, &unexplained);
      EXPECT_TRUE(unexplained.empty());
    }
    EXPECT_LE(t.templates(name), shapes.size());
  }
}

TEST(KeyTemplatesTest, StaysBounded) {
  KeyTemplates t;
  Strings argv;
  for (int i = 0; i < 100; ++i) argv.push_back("arg" + std::to_string(1000 + i));
  Call c({}, argv);
  Strings touched;
  for (const auto& a : argv) touched.push_back("x:" + a);
  t.Learn("s", c.kv, c.av, touched);
  EXPECT_LE(t.templates("s"), KeyTemplates::kMaxTemplates);
  EXPECT_LE(t.Predict("s", c.kv, c.av).size(), KeyTemplates::kMaxTemplates);
  // Affixes over kMaxAffix bytes are not templated.
  Call d({}, {"abc"});
  KeyTemplates u;
  u.Learn("s", d.kv, d.av, Strings{std::string(KeyTemplates::kMaxAffix + 1, 'p') + "abc"});
  EXPECT_EQ(u.templates("s"), 0u);
  for (size_t i = 0; i < KeyTemplates::kMaxScripts + 5; ++i) {
    u.Learn("script" + std::to_string(i), d.kv, d.av, Strings{"k:abc"});
  }
  EXPECT_LE(u.scripts(), KeyTemplates::kMaxScripts);
}

TEST(KeyTemplatesTest, LearningTimeIsBounded) {
  // A hostile run: 64 arguments of nearly a long key's length that never occur in it, and
  // 2000 such keys touched. Each Derive could search 64 x 129 positions of 4 KB; a run now
  // derives at most kMaxDerivesPerRun keys, and keys over kMaxKeyBytes are skipped at once.
  Strings argv;
  for (int i = 0; i < 64; ++i) argv.push_back(std::string(4000, char('a' + i % 26)) + "!");
  Call c({}, argv);
  Strings touched;
  for (int i = 0; i < 2000; ++i) touched.push_back(std::string(4090, 'a') + std::to_string(i));
  KeyTemplates t;
  t.Learn("s", c.kv, c.av, touched);
  EXPECT_LE(t.derives(), KeyTemplates::kMaxDerivesPerRun);
  EXPECT_EQ(t.templates("s"), 0u);
  // A key over kMaxKeyBytes is not templated even when it is an argument verbatim.
  std::string big(KeyTemplates::kMaxKeyBytes + 1, 'k');
  Call d({}, {big});
  t.Learn("s2", d.kv, d.av, Strings{big});
  EXPECT_EQ(t.templates("s2"), 0u);
  // Under the budget, every touched key is still considered.
  Strings small;
  for (size_t i = 0; i < KeyTemplates::kMaxDerivesPerRun; ++i)
    small.push_back("k" + std::to_string(i));
  KeyTemplates u;
  u.Learn("s3", c.kv, c.av, small);
  EXPECT_EQ(u.derives(), KeyTemplates::kMaxDerivesPerRun);
}

}  // namespace
}  // namespace lw
