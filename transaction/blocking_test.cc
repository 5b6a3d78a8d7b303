// Blocking: wake exactly once, timeouts, cancellation, no lost wake-ups under load.
#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "transaction/test_util.h"

namespace lw::tx {
namespace {

using std::string_view;
using namespace std::chrono_literals;

class BlockingTest : public ShardSetTest {
 protected:
  // LPUSH: appends `value` to list `key` and tells waiters.
  void Push(const std::string& key, const std::string& value) {
    Transaction tx(shards_.get());
    string_view keys[] = {key};
    tx.InitByKeys(keys, LockMode::kExclusive);
    tx.ScheduleSingleHop([&](Transaction*, EngineShard* s) {
      SliceOf(s)->lists[key].push_back(value);
      s->NotifyKeyReady(key);
      return OpStatus::kOk;
    });
  }

  // BLPOP: pops from the first non-empty list among `keys`, blocking until `deadline`.
  // Returns the value, or the status that ended the wait.
  OpResult<std::string> BPop(std::vector<std::string> names, io::Clock::time_point deadline,
                             Transaction* tx_out = nullptr, std::function<void()> on_block = {}) {
    std::vector<string_view> keys(names.begin(), names.end());
    Transaction local(shards_.get());
    Transaction& tx = tx_out ? *tx_out : local;
    tx.InitByKeys(keys, LockMode::kExclusive);
    tx.Schedule();
    // Hop 1: which lists have something? Hop 2 pops the first, in key order.
    std::vector<std::atomic<bool>> ready(keys.size());
    tx.Execute(
        [&](Transaction* t, EngineShard* s) {
          for (const ShardArg& arg : t->ShardArgs(s->id())) {
            auto& lists = SliceOf(s)->lists;
            auto it = lists.find(std::string(arg.key));
            ready[arg.index] = it != lists.end() && !it->second.empty();
          }
          return OpStatus::kOk;
        },
        false);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!ready[i]) continue;
      std::string value;
      tx.Execute(
          [&](Transaction*, EngineShard* s) {
            if (shards_->ShardOf(keys[i]) == s->id()) {
              auto& list = SliceOf(s)->lists[names[i]];
              value = list.front();
              list.pop_front();
            }
            return OpStatus::kOk;
          },
          true);
      return value;
    }
    if (on_block) on_block();
    std::string value;
    auto is_ready = [](EngineShard* s, string_view key) {
      auto& lists = SliceOf(s)->lists;
      auto it = lists.find(std::string(key));
      return it != lists.end() && !it->second.empty();
    };
    auto serve = [&](EngineShard* s, string_view key) {
      auto& list = SliceOf(s)->lists[std::string(key)];
      value = list.front();
      list.pop_front();
      return OpStatus::kOk;
    };
    auto woken = tx.WaitOnKeys(keys, deadline, is_ready, serve);
    if (!woken) return woken.status();
    EXPECT_EQ(woken->status, OpStatus::kOk);
    EXPECT_EQ(shards_->ShardOf(woken->key), woken->shard);
    return value;
  }

  size_t Watchers() {
    std::atomic<size_t> n{0};
    shards_->AwaitBriefOnAll([&](EngineShard* s) { n += s->watcher_count(); });
    return n;
  }

  void WaitForWatchers(size_t n) {
    while (Watchers() < n) std::this_thread::sleep_for(100us);
  }

  size_t ListLen(const std::string& key) {
    size_t len = 0;
    shards_->AwaitBrief(shards_->ShardOf(key),
                        [&](EngineShard* s) { len = SliceOf(s)->lists[key].size(); });
    return len;
  }
};

TEST_F(BlockingTest, ImmediateWhenDataIsThere) {
  std::string a = KeyOn(1, "l");
  OnThread(0, [&] {
    Push(a, "x");
    auto got = BPop({a}, io::Clock::now() + 10s);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, "x");
  });
}

TEST_F(BlockingTest, PushWakesTheWaiter) {
  std::string a = KeyOn(0, "l"), b = KeyOn(1, "l");
  io::BlockingCounter done(1);
  OpResult<std::string> got = OpStatus::kKeyNotFound;
  pool_->at(2)->Dispatch([&] {
    got = BPop({a, b}, io::Clock::now() + 60s);
    done.Dec();
  });
  WaitForWatchers(2);
  OnThread(0, [&] { Push(b, "hello"); });
  done.Wait();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "hello");
  EXPECT_EQ(ListLen(b), 0u);
  EXPECT_EQ(TotalStats().wakes, 1u);
}

// Two shards make the waiter's keys ready at the same moment: it is woken once, takes one
// element, and the other stays in its list.
TEST_F(BlockingTest, WokenExactlyOnceByConcurrentPushes) {
  std::string a = KeyOn(0, "l"), b = KeyOn(1, "l");
  for (int round = 0; round < 100; ++round) {
    io::BlockingCounter done(1);
    OpResult<std::string> got = OpStatus::kKeyNotFound;
    pool_->at(2)->Dispatch([&] {
      got = BPop({a, b}, io::Clock::now() + 60s);
      done.Dec();
    });
    WaitForWatchers(2);
    uint64_t wakes_before = TotalStats().wakes;
    RunFibers(2, [&](size_t i) { Push(i == 0 ? a : b, i == 0 ? "A" : "B"); });
    done.Wait();
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(ListLen(a) + ListLen(b), 1u);
    EXPECT_EQ(TotalStats().wakes - wakes_before, 1u);
    // Drain what is left for the next round.
    OnThread(0, [&] { EXPECT_TRUE(BPop({a, b}, io::Clock::now()).ok()); });
    EXPECT_EQ(Watchers(), 0u);
  }
}

TEST_F(BlockingTest, TimeoutUnregisters) {
  std::string a = KeyOn(0, "l"), b = KeyOn(2, "l");
  OnThread(1, [&] {
    auto got = BPop({a, b}, io::Clock::now() + 20ms);
    EXPECT_EQ(got.status(), OpStatus::kTimedOut);
  });
  EXPECT_EQ(Watchers(), 0u);
  // A later push is not taken by anybody.
  OnThread(0, [&] { Push(a, "late"); });
  EXPECT_EQ(ListLen(a), 1u);
}

TEST_F(BlockingTest, CancelOnDisconnect) {
  std::string a = KeyOn(0, "l"), b = KeyOn(1, "l");
  Transaction tx(shards_.get());
  io::BlockingCounter done(1);
  OpResult<std::string> got = OpStatus::kKeyNotFound;
  pool_->at(1)->Dispatch([&] {
    got = BPop({a, b}, io::Clock::time_point::max(), &tx);
    done.Dec();
  });
  WaitForWatchers(2);
  tx.CancelBlocking();  // from the main thread: any thread may cancel
  done.Wait();
  EXPECT_EQ(got.status(), OpStatus::kCancelled);
  EXPECT_EQ(Watchers(), 0u);
}

TEST_F(BlockingTest, CancelBeforeBlocking) {
  std::string a = KeyOn(2, "l");
  OnThread(0, [&] {
    Transaction tx(shards_.get());
    auto got = BPop({a}, io::Clock::time_point::max(), &tx, [&] { tx.CancelBlocking(); });
    EXPECT_EQ(got.status(), OpStatus::kCancelled);
  });
}

// A transaction that pushes and pops again before concluding leaves nothing: waiters must not
// be woken by its middle state.
TEST_F(BlockingTest, WaitersSeeOnlyConcludedState) {
  std::string a = KeyOn(0, "l");
  io::BlockingCounter done(1);
  OpResult<std::string> got = OpStatus::kKeyNotFound;
  pool_->at(1)->Dispatch([&] {
    got = BPop({a}, io::Clock::now() + 60s);
    done.Dec();
  });
  WaitForWatchers(1);
  OnThread(2, [&] {
    Transaction tx(shards_.get());
    string_view keys[] = {a};
    tx.InitByKeys(keys, LockMode::kExclusive);
    tx.Schedule();
    tx.Execute(
        [&](Transaction*, EngineShard* s) {
          SliceOf(s)->lists[a].push_back("transient");
          s->NotifyKeyReady(a);
          return OpStatus::kOk;
        },
        false);
    tx.Execute(
        [&](Transaction*, EngineShard* s) {
          SliceOf(s)->lists[a].pop_front();
          return OpStatus::kOk;
        },
        true);
  });
  EXPECT_EQ(Watchers(), 1u);  // still blocked
  OnThread(2, [&] { Push(a, "real"); });
  done.Wait();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "real");
}

// Many waiters, each watching every list (in its own order, so they block on different shards
// first), and as many pushes to random lists: every element is taken exactly once and every
// waiter gets exactly one. A lost wake-up leaves a waiter blocked next to a non-empty list.
TEST_F(BlockingTest, NoLostWakeupsUnderLoad) {
  std::vector<std::string> lists = {KeyOn(0, "q"), KeyOn(1, "q"), KeyOn(2, "q"), KeyOn(0, "p")};
  constexpr size_t kWaiters = 40;
  std::vector<std::string> got(kWaiters);
  std::atomic<int> failures{0};
  RunFibers(kWaiters * 2, [&](size_t i) {
    std::mt19937 rng{uint32_t(i)};
    if (i % 2 == 0) {
      size_t w = i / 2;
      std::vector<std::string> keys = lists;
      std::shuffle(keys.begin(), keys.end(), rng);
      auto r = BPop(keys, io::Clock::now() + 60s);
      if (r.ok()) {
        got[w] = *r;
      } else {
        ++failures;
      }
    } else {
      Push(lists[rng() % 4], "v" + std::to_string(i / 2));
    }
  });
  EXPECT_EQ(failures.load(), 0);
  std::set<std::string> distinct(got.begin(), got.end());
  EXPECT_EQ(distinct.size(), kWaiters);
  for (const auto& key : lists) EXPECT_EQ(ListLen(key), 0u) << key;
}

}  // namespace
}  // namespace lw::tx
