// RunSquashedInto's groups: pipelines of one thread's fibers that need the other thread's
// shard run as one transaction, and each still gets exactly its own replies, in its order,
// in its RESP version, with its commands run in its order on every shard.
#include "server/engine/squashed_dispatch.h"

#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "io/blocking_counter.h"
#include "io/fiber.h"
#include "server/engine/acl_registry.h"
#include "server/engine/command_registry.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/engine/shard_set.h"
#include "server/engine/test_util.h"

namespace lw {
namespace {

// What each shard ran, in order ("key=value"); each touched only on its shard's thread.
std::vector<std::string> g_ran[2];

// tlog key value: logs the write on the key's shard; replies "value@shard#client".
void TLog(CmdArgs args, ConnectionContext* cntx) {
  const uint32_t shard = cntx->direct_shard->id();
  g_ran[shard].push_back(std::string(args[1]) + "=" + std::string(args[2]));
  cntx->rb->SendBulk(std::string(args[2]) + "@" + std::to_string(shard) + "#" +
                     std::to_string(cntx->client_id));
}

// tnull key: a null, whose bytes depend on the RESP version.
void TNull(CmdArgs, ConnectionContext* cntx) { cntx->rb->SendNull(); }

void RegisterToyFamily(CommandRegistry* r) {
  using namespace cmd;
  r->Register({"tlog", 3, kWrite | kFast, 1, 1, 1, TLog});
  r->Register({"tnull", 2, kReadOnly | kFast, 1, 1, 1, TNull});
}

// One connection's pipeline: its context, its requests and where its replies go.
struct Pipeline {
  ReplyBuilder rb;
  ConnectionContext cntx;
  std::vector<std::vector<std::string>> requests;
  std::vector<std::vector<std::string_view>> args;
  std::vector<SquashItem> items;
  std::string expected;
};

class SquashGroupTest : public ServiceTest {
 protected:
  SquashGroupTest() : ServiceTest({RegisterToyFamily}) {
    for (auto& ran : g_ran) ran.clear();
    for (int n = 0; key_[0].size() < 400 || key_[1].size() < 400; ++n) {
      std::string key = "key:" + std::to_string(n);
      key_[service_->shards().ShardOf(key)].push_back(key);
    }
  }

  // A pipeline of `n` requests on thread 0, alternating between the two shards' keys.
  std::unique_ptr<Pipeline> Make(int id, int n, const char* command = "tlog",
                                 RespVersion version = RespVersion::kResp2) {
    auto p = std::make_unique<Pipeline>();
    p->rb.SetRespVersion(version);
    p->cntx.service = service_.get();
    p->cntx.rb = &p->rb;
    p->cntx.client_id = 100 + id;
    service_->acl().Refresh(&p->cntx);  // the default user, current
    for (int j = 0; j < n; ++j) {
      const int shard = j % 2;
      std::string value = std::to_string(id) + "." + std::to_string(j);
      p->requests.push_back({command, key_[shard][(id * 7 + j) % key_[shard].size()], value});
      if (std::string_view(command) == "tnull") p->requests.back().pop_back();
      std::string reply = value + "@" + std::to_string(shard) + "#" + std::to_string(100 + id);
      if (std::string_view(command) == "tlog") {
        p->expected += "$" + std::to_string(reply.size()) + "\r\n" + reply + "\r\n";
      } else {
        p->expected += version == RespVersion::kResp3 ? "_\r\n" : "$-1\r\n";
      }
    }
    for (const auto& request : p->requests) {
      p->args.emplace_back(request.begin(), request.end());
    }
    for (const auto& args : p->args) {
      SquashItem item;
      EXPECT_TRUE(ClassifyForSquash(service_.get(), args, &item));
      p->items.push_back(item);
    }
    return p;
  }

  // Runs every pipeline from a fiber of its own on thread 0, all started in the same turn;
  // returns how many transactions reached shard 1 (the other thread's) meanwhile.
  uint64_t RunTogether(const std::vector<std::unique_ptr<Pipeline>>& pipelines) {
    const uint64_t before = RemoteHops();
    pool_.at(0)->AwaitFiber([&] {
      io::BlockingCounter done(int64_t(pipelines.size()));
      for (const auto& p : pipelines) {
        io::Fiber("pipeline", [&, pipeline = p.get()] {
          EXPECT_TRUE(
              RunSquashedInto(service_.get(), pipeline->cntx, pipeline->items, &pipeline->rb));
          done.Dec();
        }).Detach();
      }
      done.Wait();
    });
    return RemoteHops() - before;
  }

  uint64_t RemoteHops() {
    return pool_.at(1)->Await([&] {
      const auto& s = service_->shards().tx()->shard(1)->stats();
      return s.quick_remote + s.quick_paired + s.scheduled;
    });
  }

  // The commands shard `s` ran for pipeline `p`, in the order it ran them.
  std::vector<std::string> RanFor(const Pipeline& p, int s) {
    std::vector<std::string> mine;
    for (const std::string& entry : g_ran[s]) {
      for (const auto& request : p.requests) {
        if (entry == request[1] + "=" + request[2]) mine.push_back(entry);
      }
    }
    return mine;
  }

  std::vector<std::string> key_[2];
};

TEST_F(SquashGroupTest, PipelinesOfOneTurnShareOneTransaction) {
  std::vector<std::unique_ptr<Pipeline>> pipelines;
  for (int id = 0; id < 6; ++id) pipelines.push_back(Make(id, 6 + id));
  EXPECT_EQ(RunTogether(pipelines), 1u);  // one per pipeline before groups
  for (const auto& p : pipelines) {
    EXPECT_EQ(p->rb.buffer(), p->expected) << "client " << p->cntx.client_id;
    // Every shard ran the pipeline's commands in the pipeline's order.
    for (int s = 0; s < 2; ++s) {
      std::vector<std::string> in_order;
      for (const auto& request : p->requests) {
        if (service_->shards().ShardOf(request[1]) == uint32_t(s)) {
          in_order.push_back(request[1] + "=" + request[2]);
        }
      }
      EXPECT_EQ(RanFor(*p, s), in_order) << "client " << p->cntx.client_id << " shard " << s;
    }
  }
}

TEST_F(SquashGroupTest, Resp3PipelineRunsInAGroupOfItsOwn) {
  std::vector<std::unique_ptr<Pipeline>> pipelines;
  pipelines.push_back(Make(0, 4, "tnull", RespVersion::kResp2));
  pipelines.push_back(Make(1, 4, "tnull", RespVersion::kResp3));
  pipelines.push_back(Make(2, 4, "tnull", RespVersion::kResp2));
  pipelines.push_back(Make(3, 4, "tnull", RespVersion::kResp3));
  // 0 leads and 1 leads its own group (taking the open slot), which 2 cannot join (other
  // version) so 2 leads a third, which 3 cannot join: four transactions, each reply in the
  // encoding its client speaks.
  EXPECT_EQ(RunTogether(pipelines), 4u);
  for (const auto& p : pipelines) {
    EXPECT_EQ(p->rb.buffer(), p->expected) << "client " << p->cntx.client_id;
  }
}

TEST_F(SquashGroupTest, AGroupHoldsAtMost512Commands) {
  std::vector<std::unique_ptr<Pipeline>> pipelines;
  for (int id = 0; id < 3; ++id) pipelines.push_back(Make(id, 300));
  EXPECT_EQ(RunTogether(pipelines), 3u);  // 300 + 300 would pass the bound
  for (const auto& p : pipelines) {
    EXPECT_EQ(p->rb.buffer(), p->expected) << "client " << p->cntx.client_id;
  }
}

TEST_F(SquashGroupTest, APipelineOnItsOwnThreadsShardRunsAlone) {
  // Thread 0 owns shard 0: a pipeline only on shard 0 neither waits for a group nor joins
  // one, and takes no transaction on shard 1.
  std::vector<std::unique_ptr<Pipeline>> pipelines;
  pipelines.push_back(Make(0, 6));
  pipelines.push_back(Make(1, 1));  // one request: key_[0] only
  pipelines.push_back(Make(2, 6));
  EXPECT_EQ(RunTogether(pipelines), 1u);  // 0 and 2 together
  for (const auto& p : pipelines) {
    EXPECT_EQ(p->rb.buffer(), p->expected) << "client " << p->cntx.client_id;
  }
}

TEST_F(SquashGroupTest, APauseBegunWhileAGroupWaitsRunsNoneOfIt) {
  // The leader classified its items before it yielded; a connection of the same thread sets
  // CLIENT PAUSE WRITE meanwhile. Nothing of the group may run after that +OK: the pipelines
  // are handed back to be dispatched one by one (each waiting out the pause).
  std::unique_ptr<Pipeline> leader = Make(0, 4), member = Make(1, 4);
  bool ran[2] = {true, true};
  pool_.at(0)->AwaitFiber([&] {
    io::BlockingCounter done(3);
    Pipeline* p[2] = {leader.get(), member.get()};
    for (int i = 0; i < 2; ++i) {
      io::Fiber("pipeline", [&, i] {
        ran[i] = RunSquashedInto(service_.get(), p[i]->cntx, p[i]->items, &p[i]->rb);
        done.Dec();
      }).Detach();
    }
    io::Fiber("pause", [&] {
      service_->Pause(Service::kPauseWrite, INT64_MAX);
      done.Dec();
    }).Detach();
    done.Wait();
  });
  service_->Unpause();
  EXPECT_FALSE(ran[0]);
  EXPECT_FALSE(ran[1]);
  EXPECT_EQ(leader->rb.buffer(), "");
  EXPECT_EQ(member->rb.buffer(), "");
  EXPECT_TRUE(g_ran[0].empty());
  EXPECT_TRUE(pool_.at(1)->Await([] { return g_ran[1].empty(); }));
}

// Two pipelines of user `u` (allowed everything) wait in a group while a fiber of their
// thread applies `rules` to user `who`; returns what RunSquashedInto returned for each.
std::vector<bool> RunWhileSetUser(Service* service, io::ProactorPool* pool,
                                  std::span<Pipeline* const> pipelines, std::string who,
                                  std::vector<std::string> rules) {
  AclRegistry& acl = service->acl();
  EXPECT_EQ(acl.SetUser("u", std::vector<std::string>{"on", "nopass", "+@all", "~*"}), "");
  for (Pipeline* p : pipelines) acl.Login(&p->cntx, acl.Get("u"));
  std::vector<bool> ran(pipelines.size(), false);
  pool->at(0)->AwaitFiber([&] {
    io::BlockingCounter done(int64_t(pipelines.size()) + 1);
    for (size_t i = 0; i < pipelines.size(); ++i) {
      io::Fiber("pipeline", [&, i] {
        Pipeline* p = pipelines[i];
        ran[i] = RunSquashedInto(service, p->cntx, p->items, &p->rb);
        done.Dec();
      }).Detach();
    }
    io::Fiber("setuser", [&] {
      EXPECT_EQ(acl.SetUser(who, rules), "");
      done.Dec();
    }).Detach();
    done.Wait();
  });
  return ran;
}

TEST_F(SquashGroupTest, AnAclChangeWhileAGroupWaitsIsCheckedAsItsCommandsRun) {
  // Admitted while `u` could run tlog; ACL SETUSER u -tlog got its +OK before the group ran
  // (a fiber of the same thread, while the leader yielded). As in Redis, where each command
  // is checked when it executes, none of the commands may run: each is answered NOPERM.
  std::unique_ptr<Pipeline> leader = Make(0, 4), member = Make(1, 4);
  Pipeline* p[2] = {leader.get(), member.get()};
  std::vector<bool> ran = RunWhileSetUser(service_.get(), &pool_, p, "u", {"-tlog"});
  std::string noperm;
  for (int i = 0; i < 4; ++i) {
    noperm += "-NOPERM this user has no permissions to run the 'tlog' command\r\n";
  }
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(ran[i]);
    EXPECT_EQ(p[i]->rb.buffer(), noperm) << "client " << p[i]->cntx.client_id;
  }
  EXPECT_TRUE(g_ran[0].empty());
  EXPECT_TRUE(pool_.at(1)->Await([] { return g_ran[1].empty(); }));
}

TEST_F(SquashGroupTest, AnAclChangeOfAnotherUserLetsTheGroupRun) {
  // The generation moved, but `u` may still run everything: the commands are checked again
  // against its (unchanged) permissions and run.
  std::unique_ptr<Pipeline> leader = Make(0, 4), member = Make(1, 4);
  Pipeline* p[2] = {leader.get(), member.get()};
  std::vector<bool> ran = RunWhileSetUser(service_.get(), &pool_, p, "v", {"on"});
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(ran[i]);
    EXPECT_EQ(p[i]->rb.buffer(), p[i]->expected) << "client " << p[i]->cntx.client_id;
  }
}

}  // namespace
}  // namespace lw
