// Pub/sub through the in-process Service on 2 threads: subscribers are registered clients
// with a fake connection that collects what is pushed to them on their own thread.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "server/engine/test_util.h"
#include "server/families/client_family.h"
#include "server/families/generic_family.h"
#include "server/families/info_family.h"
#include "server/families/pubsub_family.h"
#include "server/families/server_family.h"
#include "server/types/glob.h"

namespace lw {
namespace {

// A client living on one proactor thread, like a Connection: registered with the Service so
// publishers find it, receiving pushes through ClientControl.
class FakeClient : public ClientControl {
 public:
  FakeClient(Service* service, io::Proactor* home) : service_(service), home_(home) {
    cntx_.service = service;
    cntx_.rb = &rb_;
    cntx_.client_id = service->NextClientId();
    cntx_.control = this;
    home_->Await([this] { service_->RegisterClient(&cntx_); });
  }
  ~FakeClient() override { Close(); }

  // Disconnects: unregisters and drops the subscriptions, on the home thread.
  void Close() {
    if (closed_) return;
    closed_ = true;
    home_->Await([this] {
      service_->UnregisterClient(&cntx_);
      cntx_.pubsub.reset();
    });
  }

  // Runs one command; returns every reply byte it wrote (several for SUBSCRIBE).
  std::string Run(std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    return home_->AwaitFiber([&] {
      service_->Dispatch(views, &cntx_);
      std::string out = rb_.buffer();
      rb_.Clear();
      return out;
    });
  }

  void Push(std::string_view bytes) override {
    EXPECT_EQ(io::Proactor::Current(), home_) << "pushed on a foreign thread";
    std::lock_guard<std::mutex> lock(mu_);
    pushed_.append(bytes);
  }
  void Kill() override {}

  // Waits until `n` bytes were pushed (or 5 s) and takes them.
  std::string TakePushed(size_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (pushed_.size() >= n) return std::exchange(pushed_, std::string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(pushed_, std::string());
  }
  std::string Pushed() {
    std::lock_guard<std::mutex> lock(mu_);
    return pushed_;
  }
  ConnectionContext& cntx() { return cntx_; }

 private:
  Service* service_;
  io::Proactor* home_;
  ReplyBuilder rb_;
  ConnectionContext cntx_;
  std::mutex mu_;
  std::string pushed_;
  bool closed_ = false;
};

class PubsubFamilyTest : public ServiceTest {
 protected:
  PubsubFamilyTest()
      : ServiceTest({RegisterGenericFamily, RegisterServerFamily, RegisterInfoFamily,
                     RegisterClientFamily, RegisterPubsubFamily}) {}
  std::unique_ptr<FakeClient> Client(size_t thread) {
    return std::make_unique<FakeClient>(service_.get(), pool_.at(thread));
  }
};

std::string Message(std::string_view channel, std::string_view payload, bool resp3 = false) {
  return std::string(resp3 ? ">3" : "*3") + "\r\n$7\r\nmessage\r\n$" +
         std::to_string(channel.size()) + "\r\n" + std::string(channel) + "\r\n$" +
         std::to_string(payload.size()) + "\r\n" + std::string(payload) + "\r\n";
}

TEST_F(PubsubFamilyTest, SubscribeReplies) {
  auto sub = Client(1);
  EXPECT_EQ(sub->Run({"SUBSCRIBE", "a", "b", "a"}),
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
  EXPECT_EQ(sub->Run({"PSUBSCRIBE", "h*"}), "*3\r\n$10\r\npsubscribe\r\n$2\r\nh*\r\n:3\r\n");
  // Subscribed mode (RESP2): only the pub/sub commands, PING, QUIT and RESET.
  EXPECT_EQ(sub->Run({"ECHO", "x"}),
            "-ERR Can't execute 'echo': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context\r\n");
  EXPECT_EQ(sub->Run({"PING"}), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(sub->Run({"PING", "x"}), "*2\r\n$4\r\npong\r\n$1\r\nx\r\n");
  EXPECT_EQ(sub->Run({"PING", "x", "y"}), "-ERR wrong number of arguments for 'ping' command\r\n");
  EXPECT_EQ(sub->Run({"UNSUBSCRIBE", "zz"}), "*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:3\r\n");
  std::string all = sub->Run({"UNSUBSCRIBE"});
  EXPECT_NE(all.find("$1\r\na\r\n"), std::string::npos);
  EXPECT_NE(all.find("$1\r\nb\r\n"), std::string::npos);
  EXPECT_EQ(all.substr(all.size() - 4), ":1\r\n");
  EXPECT_EQ(sub->Run({"PUNSUBSCRIBE"}), "*3\r\n$12\r\npunsubscribe\r\n$2\r\nh*\r\n:0\r\n");
  EXPECT_EQ(sub->Run({"PUNSUBSCRIBE"}), "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(sub->Run({"PING"}), "+PONG\r\n");  // out of subscribed mode
}

TEST_F(PubsubFamilyTest, PublishAcrossThreads) {
  auto s0 = Client(0);
  auto s1 = Client(1);
  auto p = Client(1);
  s0->Run({"SUBSCRIBE", "news"});
  s1->Run({"SUBSCRIBE", "news"});
  s1->Run({"PSUBSCRIBE", "n*"});
  EXPECT_EQ(p->Run({"PUBLISH", "news", "hi"}), ":3\r\n");
  EXPECT_EQ(s0->TakePushed(Message("news", "hi").size()), Message("news", "hi"));
  std::string pmsg = "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n";
  std::string got = s1->TakePushed(Message("news", "hi").size() + pmsg.size());
  EXPECT_NE(got.find(Message("news", "hi")), std::string::npos) << got;
  EXPECT_NE(got.find(pmsg), std::string::npos) << got;
  EXPECT_EQ(p->Run({"PUBLISH", "other", "x"}), ":0\r\n");

  EXPECT_EQ(p->Run({"PUBSUB", "NUMSUB", "news", "nope"}),
            "*4\r\n$4\r\nnews\r\n:2\r\n$4\r\nnope\r\n:0\r\n");
  EXPECT_EQ(p->Run({"PUBSUB", "NUMPAT"}), ":1\r\n");
  EXPECT_EQ(p->Run({"PUBSUB", "CHANNELS"}), "*1\r\n$4\r\nnews\r\n");
  EXPECT_EQ(p->Run({"PUBSUB", "CHANNELS", "x*"}), "*0\r\n");

  // A subscriber that goes away leaves every channel; nothing is delivered to it.
  s1->Close();
  EXPECT_EQ(p->Run({"PUBSUB", "NUMSUB", "news"}), "*2\r\n$4\r\nnews\r\n:1\r\n");
  EXPECT_EQ(p->Run({"PUBSUB", "NUMPAT"}), ":0\r\n");
  EXPECT_EQ(p->Run({"PUBLISH", "news", "again"}), ":1\r\n");
  EXPECT_EQ(s0->TakePushed(Message("news", "again").size()), Message("news", "again"));
  s0->Close();
  EXPECT_EQ(p->Run({"PUBSUB", "CHANNELS"}), "*0\r\n");
}

TEST_F(PubsubFamilyTest, Resp3Pushes) {
  auto s = Client(0);
  auto p = Client(1);
  s->Run({"HELLO", "3"});
  EXPECT_EQ(s->Run({"SUBSCRIBE", "c"}), ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
  // RESP3 clients may run any command while subscribed.
  EXPECT_EQ(s->Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(s->Run({"CLIENT", "ID"}), ":" + std::to_string(s->cntx().client_id) + "\r\n");
  EXPECT_EQ(p->Run({"PUBLISH", "c", "m"}), ":1\r\n");
  EXPECT_EQ(s->TakePushed(Message("c", "m", true).size()), Message("c", "m", true));
  EXPECT_EQ(
      s->Run({"UNSUBSCRIBE", "x", "c"}),
      ">3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:1\r\n>3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n");
  EXPECT_EQ(s->Run({"UNSUBSCRIBE"}), ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
}

TEST_F(PubsubFamilyTest, ResetLeavesChannels) {
  auto s = Client(1);
  auto p = Client(0);
  s->Run({"SUBSCRIBE", "a", "b"});
  s->Run({"PSUBSCRIBE", "*"});
  EXPECT_EQ(s->Run({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(p->Run({"PUBLISH", "a", "x"}), ":0\r\n");
  EXPECT_EQ(p->Run({"PUBSUB", "NUMPAT"}), ":0\r\n");
  EXPECT_EQ(s->Run({"GET", "k"}).substr(0, 4), "-ERR");  // no string family here: unknown
}

TEST_F(PubsubFamilyTest, PubsubErrors) {
  auto c = Client(0);
  EXPECT_EQ(c->Run({"PUBSUB", "FOO"}), "-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n");
  EXPECT_EQ(c->Run({"PUBSUB", "CHANNELS", "a", "b"}),
            "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB "
            "HELP.\r\n");
  EXPECT_EQ(c->Run({"PUBSUB", "NUMPAT", "x"}),
            "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n");
  EXPECT_EQ(c->Run({"PUBSUB", "NUMSUB"}), "*0\r\n");
  EXPECT_EQ(c->Run({"PUBSUB", "HELP"}).substr(0, 5), "*14\r\n");
  EXPECT_EQ(c->Run({"PUBLISH", "a"}), "-ERR wrong number of arguments for 'publish' command\r\n");
  EXPECT_EQ(c->Run({"SUBSCRIBE"}), "-ERR wrong number of arguments for 'subscribe' command\r\n");
}

TEST(PubsubGlob, RedisRules) {
  EXPECT_TRUE(glob::Match("*", "abc"));
  EXPECT_FALSE(glob::Match("*", ""));
  EXPECT_TRUE(glob::Match("h?llo", "hello"));
  EXPECT_TRUE(glob::Match("h[ae]llo", "hallo"));
  EXPECT_FALSE(glob::Match("h[^e]llo", "hello"));
  EXPECT_TRUE(glob::Match("h[a-c]llo", "hbllo"));
  EXPECT_TRUE(glob::Match("h[c-a]llo", "hbllo"));
  EXPECT_TRUE(glob::Match("a\\*b", "a*b"));
  EXPECT_FALSE(glob::Match("a\\*b", "axb"));
  EXPECT_TRUE(glob::Match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob::Match("a*b*c", "aXXbYY"));
  EXPECT_TRUE(glob::Match("MAXMEM*", "maxmemory", true));
  EXPECT_FALSE(glob::Match("MAXMEM*", "maxmemory", false));
  EXPECT_TRUE(glob::Match("ab[c", "abc"));  // an unterminated set ends the pattern
  EXPECT_FALSE(glob::Match("ab[", "ab"));
}

}  // namespace
}  // namespace lw
