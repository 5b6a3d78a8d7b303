// The ACL rule parser and matcher (acl_user.h) on a registry of a few real commands (their
// categories and key specs come from the generated command table): rule errors, command /
// subcommand / category / first-arg bits, key patterns with read/write access, channels,
// selectors, and that a description applied to a new user gives the same permissions.
#include "server/engine/acl_user.h"

#include <gtest/gtest.h>

#include <random>

#include "base/sha256.h"

namespace lw::acl {
namespace {

void Nop(CmdArgs, ConnectionContext*) {}

class AclUserTest : public ::testing::Test {
 protected:
  AclUserTest() {
    using namespace cmd;
    for (const char* n :
         {"get", "set", "del", "mget", "mset", "config", "publish", "subscribe", "psubscribe",
          "select", "eval", "flushall", "ping", "auth", "lmove", "keys", "copy", "sort"}) {
      registry_.Register({n, -1, 0, 0, 0, 0, Nop});
    }
    table_ = std::make_unique<CommandTable>(registry_);
  }

  User Make(std::initializer_list<std::string_view> rules) {
    User u = NewUser("u", *table_);
    for (std::string_view r : rules) EXPECT_EQ(ApplyRule(&u, r, *table_), "") << r;
    u.Finish();
    return u;
  }

  Verdict Run(const User& u, std::vector<std::string_view> args, int* pos = nullptr) {
    const CommandSpec* spec = registry_.Find(args[0]);
    int id = table_->IdFor(*spec, args);
    int p = -1;
    Verdict v = Check(u, *table_, id, args, &p);
    if (pos) *pos = p;
    return v;
  }

  CommandRegistry registry_;
  std::unique_ptr<CommandTable> table_;
};

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_F(AclUserTest, RuleErrors) {
  User u = NewUser("u", *table_);
  EXPECT_EQ(ApplyRule(&u, "foo", *table_), "Syntax error");
  EXPECT_EQ(ApplyRule(&u, "+nosuch", *table_), "Unknown command or category name in ACL");
  EXPECT_EQ(ApplyRule(&u, "+@nosuch", *table_), "Unknown command or category name in ACL");
  EXPECT_EQ(ApplyRule(&u, "-select|0", *table_), "Unknown command or category name in ACL");
  EXPECT_EQ(ApplyRule(&u, "+config|nosuch", *table_), "Unknown command or category name in ACL");
  EXPECT_EQ(ApplyRule(&u, "+get|", *table_), "Syntax error");
  EXPECT_EQ(ApplyRule(&u, "%~a", *table_), "Syntax error");
  EXPECT_EQ(ApplyRule(&u, "%RR~a", *table_), "Syntax error");
  EXPECT_NE(ApplyRule(&u, "#abc", *table_).find("exactly 64"), std::string::npos);
  EXPECT_NE(ApplyRule(&u, "<nope", *table_).find("does not exist"), std::string::npos);
  EXPECT_EQ(ApplyRule(&u, "allkeys", *table_), "");
  EXPECT_NE(ApplyRule(&u, "~x", *table_).find("'allkeys'"), std::string::npos);
  EXPECT_EQ(ApplyRule(&u, "&*", *table_), "");
  EXPECT_NE(ApplyRule(&u, "&x", *table_).find("'allchannels'"), std::string::npos);
}

TEST_F(AclUserTest, PasswordsAndFlags) {
  User u = Make({"on", ">a", ">b", "<a", "#" + std::string(64, 'c')});
  EXPECT_FALSE(u.CheckPassword("a"));
  EXPECT_TRUE(u.CheckPassword("b"));
  EXPECT_EQ(u.passwords.size(), 2u);
  ApplyRule(&u, "nopass", *table_);
  EXPECT_TRUE(u.CheckPassword("anything"));
  ApplyRule(&u, "resetpass", *table_);
  EXPECT_FALSE(u.CheckPassword("anything"));
}

TEST_F(AclUserTest, CommandsSubcommandsCategoriesFirstArgs) {
  User u = Make({"+@read", "+config|get", "+select|0", "allkeys"});
  EXPECT_EQ(Run(u, {"get", "k"}), Verdict::kOk);
  EXPECT_EQ(Run(u, {"set", "k", "v"}), Verdict::kCommand);
  EXPECT_EQ(Run(u, {"config", "get", "x"}), Verdict::kOk);
  EXPECT_EQ(Run(u, {"CONFIG", "SET", "x", "y"}), Verdict::kCommand);
  EXPECT_EQ(Run(u, {"select", "0"}), Verdict::kOk);
  EXPECT_EQ(Run(u, {"select", "1"}), Verdict::kCommand);
  EXPECT_EQ(Run(u, {"auth", "x"}), Verdict::kOk);  // no-auth commands are never refused
  // +@all then a removal: no longer "all commands".
  User all = Make({"+@all", "allkeys", "allchannels"});
  EXPECT_TRUE(all.full);
  User less = Make({"+@all", "-flushall", "allkeys", "allchannels"});
  EXPECT_FALSE(less.full);
  EXPECT_EQ(Run(less, {"flushall"}), Verdict::kCommand);
  EXPECT_EQ(Run(less, {"config", "set", "a", "b"}), Verdict::kOk);
  User minus = Make({"+@all", "-config", "+config|get", "allkeys"});
  EXPECT_EQ(Run(minus, {"config", "get", "x"}), Verdict::kOk);
  EXPECT_EQ(Run(minus, {"config", "set", "x", "y"}), Verdict::kCommand);
}

TEST_F(AclUserTest, KeyPatternsByAccess) {
  User u = Make({"+@all", "%R~r*", "%W~w*", "~both*"});
  int pos = 0;
  EXPECT_EQ(Run(u, {"get", "r1"}), Verdict::kOk);
  EXPECT_EQ(Run(u, {"get", "w1"}), Verdict::kKey);
  EXPECT_EQ(Run(u, {"set", "w1", "v"}), Verdict::kOk);  // OW: write only
  EXPECT_EQ(Run(u, {"set", "r1", "v"}), Verdict::kKey);
  EXPECT_EQ(Run(u, {"set", "w1", "v", "GET"}), Verdict::kKey);  // GET: read too
  EXPECT_EQ(Run(u, {"set", "both1", "v", "GET"}), Verdict::kOk);
  EXPECT_EQ(Run(u, {"mget", "r1", "both", "w2"}, &pos), Verdict::kKey);
  EXPECT_EQ(pos, 3);
  EXPECT_EQ(Run(u, {"copy", "r1", "w1"}), Verdict::kOk);  // source read, destination written
  EXPECT_EQ(Run(u, {"copy", "w1", "r1"}), Verdict::kKey);
  EXPECT_EQ(Run(u, {"eval", "s", "2", "both1", "r1"}), Verdict::kKey);  // RW declared keys
  EXPECT_EQ(Run(u, {"eval", "s", "1", "both1", "r1"}), Verdict::kOk);   // r1 is an argument
  EXPECT_EQ(Run(u, {"keys", "*"}), Verdict::kOk);                       // no key argument
}

TEST_F(AclUserTest, Channels) {
  User u = Make({"+@all", "allkeys", "&news.*", "&chat"});
  int pos = 0;
  EXPECT_EQ(Run(u, {"publish", "news.1", "m"}), Verdict::kOk);
  EXPECT_EQ(Run(u, {"publish", "other", "m"}), Verdict::kChannel);
  EXPECT_EQ(Run(u, {"subscribe", "chat", "news.x", "bad"}, &pos), Verdict::kChannel);
  EXPECT_EQ(pos, 3);
  // A pattern subscription must be one of the user's patterns literally.
  EXPECT_EQ(Run(u, {"psubscribe", "news.*"}), Verdict::kOk);
  EXPECT_EQ(Run(u, {"psubscribe", "news.a*"}), Verdict::kChannel);
}

TEST_F(AclUserTest, SelectorsAndWorstVerdict) {
  User u = Make({"+get", "~a*", "(+set ~b*)"});
  EXPECT_EQ(Run(u, {"get", "a1"}), Verdict::kOk);
  EXPECT_EQ(Run(u, {"set", "b1", "v"}), Verdict::kOk);
  EXPECT_EQ(Run(u, {"set", "a1", "v"}), Verdict::kKey);  // root: command; selector: key
  EXPECT_EQ(Run(u, {"del", "a1"}), Verdict::kCommand);
  std::vector<std::string_view> args = {"(~a", "+get)", "x", "(+set)"};
  std::vector<std::string> merged;
  std::string bad;
  ASSERT_TRUE(MergeSelectorArgs(args, &merged, &bad));
  EXPECT_EQ(merged, (std::vector<std::string>{"(~a +get)", "x", "(+set)"}));
  merged.clear();
  std::vector<std::string_view> open = {"(~a", "+get"};
  EXPECT_FALSE(MergeSelectorArgs(open, &merged, &bad));
  EXPECT_EQ(bad, "(~a");
}

TEST_F(AclUserTest, Descriptions) {
  EXPECT_EQ(DescribeUser(Make({"on", "nopass", "~*", "&*", "+@all"}), *table_),
            "user u on nopass ~* &* +@all");
  EXPECT_EQ(DescribeUser(Make({"reset"}), *table_),
            "user u off sanitize-payload resetchannels -@all");
  EXPECT_EQ(DescribeUser(Make({"%R~a", "~b", "%W~c", "&x", "+get"}), *table_),
            "user u off %R~a ~b %W~c resetchannels &x -@all +get");
  EXPECT_EQ(DescribeCommands(Make({"+@all", "-set"}).selectors[0], *table_), "+@all -set");
}

// Redis's invariant: replaying a description on a new user gives the same command bits.
TEST_F(AclUserTest, DescriptionRoundTripsRandomRules) {
  std::mt19937 rng(19);
  std::vector<std::string> pool = {
      "+@read",      "-@read",    "+@write", "-@write", "+@string",   "-@dangerous",
      "+@all",       "-@all",     "+get",    "-get",    "+config",    "-config|set",
      "+config|get", "+select|0", "+@slow",  "-@fast",  "+@keyspace", "-@scripting"};
  for (int round = 0; round < 300; ++round) {
    User u = NewUser("u", *table_);
    for (int i = 0, n = int(rng() % 6) + 1; i < n; ++i) {
      ASSERT_EQ(ApplyRule(&u, pool[rng() % pool.size()], *table_), "");
    }
    std::string desc = DescribeCommands(u.selectors[0], *table_);
    User v = NewUser("v", *table_);
    for (std::string_view w : CommandInfo::Words(desc)) ASSERT_EQ(ApplyRule(&v, w, *table_), "");
    EXPECT_EQ(v.selectors[0].allowed, u.selectors[0].allowed) << desc;
    EXPECT_EQ(v.selectors[0].future, u.selectors[0].future) << desc;
  }
}

}  // namespace
}  // namespace lw::acl
