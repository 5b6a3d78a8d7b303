// The engine decides what a command may do from its CommandSpec flags and hooks, never from
// its name: these tests register toy commands whose names say one thing and whose flags say
// another, and check that Service and squashed dispatch follow the flags.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/engine/squashed_dispatch.h"
#include "server/engine/test_util.h"

namespace lw {
namespace {

void ReplyOk(CmdArgs, ConnectionContext* cntx) { cntx->rb->SendSimpleString("RAN"); }

bool ShowUpper(size_t index, std::string_view arg, std::string* shown) {
  if (index != 2) return false;
  *shown = "<" + std::string(arg) + ">";
  return true;
}

// "ping" and "exec" here are plain commands without the flags of the real ones; "anything"
// and "other" carry them.
void RegisterToyFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"ping", -1, kFast, 0, 0, 0, ReplyOk});
  r->Register({"exec", 1, kFast, 0, 0, 0, ReplyOk});
  r->Register({"anything", -1, kFast | kSubscribeOk | kNotQueued, 0, 0, 0, ReplyOk});
  r->Register({"other", -1, kFast | kSubscribeOk, 0, 0, 0, ReplyOk});
  r->Register({"keyread", -2, kReadOnly | kFast, 1, 1, 1, ReplyOk});
  r->Register({"keystate", -2, kReadOnly | kFast | kConnState, 1, 1, 1, ReplyOk});
  r->Register({"keymovable", -2, kReadOnly | kFast | kMovableKeys, 1, 1, 1, ReplyOk});
  CommandSpec logged{"logged", -1, kFast, 0, 0, 0, ReplyOk};
  logged.slowlog_arg = ShowUpper;
  r->Register(logged);
}

class CommandFlagsTest : public ServiceTest {
 protected:
  CommandFlagsTest() : ServiceTest({RegisterToyFamily}) {}
};

TEST(CommandSpecTest, HasAndFlagNamesLeaveOutLacewingFlags) {
  CommandSpec spec{"x", 1, cmd::kWrite | cmd::kSubscribeOk | cmd::kMovableKeys, 0, 0, 0, nullptr};
  EXPECT_TRUE(spec.Has(cmd::kSubscribeOk));
  EXPECT_TRUE(spec.Has(cmd::kMovableKeys));
  EXPECT_FALSE(spec.Has(cmd::kNotQueued));
  EXPECT_FALSE(spec.Has(cmd::kNoKeyspace));
  // COMMAND prints Redis's flags only.
  EXPECT_EQ(cmd::FlagNames(spec.flags), (std::vector<std::string_view>{"write"}));
}

TEST_F(CommandFlagsTest, SubscribedModeFollowsKSubscribeOk) {
  client_->context().channels = 1;  // RESP2 subscribed mode
  RespValue v = Run({"anything"});
  EXPECT_TRUE(v.IsString("RAN"));
  EXPECT_TRUE(Run({"other", "x"}).IsString("RAN"));
  v = Run({"ping"});
  ASSERT_EQ(v.type, RespType::kError);
  EXPECT_EQ(v.str,
            "ERR Can't execute 'ping': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context");
  // RESP3 has no subscribed mode restrictions.
  client_->context().rb->SetRespVersion(RespVersion::kResp3);
  EXPECT_TRUE(Run({"ping"}).IsString("RAN"));
}

TEST_F(CommandFlagsTest, MultiQueuesAllButKNotQueued) {
  ConnectionContext& cntx = client_->context();
  cntx.multi = std::make_unique<MultiState>();
  cntx.multi->queuing = true;
  EXPECT_TRUE(Run({"exec"}).IsString("QUEUED"));  // the name alone does not run it
  EXPECT_TRUE(Run({"other"}).IsString("QUEUED"));
  EXPECT_TRUE(Run({"anything"}).IsString("RAN"));
  ASSERT_EQ(cntx.multi->queued.size(), 2u);
  EXPECT_EQ(cntx.multi->queued[0], (std::vector<std::string>{"exec"}));
  EXPECT_EQ(cntx.multi->queued[1], (std::vector<std::string>{"other"}));
  EXPECT_FALSE(cntx.multi->aborted);
}

TEST_F(CommandFlagsTest, SlowLogUsesTheArgumentHook) {
  service_->runtime().slowlog_log_slower_than.store(0);
  Run({"logged", "a", "secret", "c"});
  Run({"other", "a", "secret"});
  std::vector<SlowLogEntry> entries = service_->slow_log().Get(2);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].args, (std::vector<std::string>{"other", "a", "secret"}));
  EXPECT_EQ(entries[1].args, (std::vector<std::string>{"logged", "a", "<secret>", "c"}));
}

TEST_F(CommandFlagsTest, ConnStateAndMovableKeyCommandsAreNeverSquashed) {
  std::vector<std::string_view> read = {"keyread", "k"};
  std::vector<std::string_view> state = {"keystate", "k"};
  SquashItem item;
  EXPECT_TRUE(ClassifyForSquash(service_.get(), read, &item));
  EXPECT_EQ(std::vector<std::string_view>(item.keys.begin(), item.keys.end()),
            (std::vector<std::string_view>{"k"}));
  EXPECT_FALSE(ClassifyForSquash(service_.get(), state, &item));
  // Its legacy key positions may not list every key it touches.
  std::vector<std::string_view> movable = {"keymovable", "k"};
  EXPECT_FALSE(ClassifyForSquash(service_.get(), movable, &item));
}

}  // namespace
}  // namespace lw
