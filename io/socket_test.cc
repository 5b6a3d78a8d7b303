#include "io/socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "io/blocking_counter.h"
#include "io/done.h"
#include "io/proactor_pool.h"

namespace lw::io {
namespace {

class SocketTest : public ::testing::TestWithParam<PollerKind> {};

// Echo server on proactor 0 that hands each connection to a proactor round robin; clients on
// both threads send many messages and check the echo.
TEST_P(SocketTest, EchoAcrossThreads) {
  ProactorPool pool(2, GetParam());
  pool.Start();
  uint16_t port = 0;
  int lfd = ListenTcp("127.0.0.1", 0, &port);
  ASSERT_GE(lfd, 0);
  std::atomic<int> next{0};
  FiberAcceptor* acceptor = nullptr;
  Done acceptor_done;
  pool.at(0)->Dispatch([&] {
    FiberAcceptor acc(lfd);
    acceptor = &acc;
    while (true) {
      int fd = acc.Accept();
      if (fd < 0) break;
      pool.at(next++ % 2)->Dispatch([fd] {
        FiberSocket conn(fd);
        char buf[4096];
        while (true) {
          ssize_t n = conn.Recv(buf, sizeof(buf));
          if (n <= 0) break;
          if (conn.SendAll(std::string_view(buf, size_t(n))) != 0) break;
        }
      });
    }
    acceptor_done.Notify();
  });

  constexpr int kClients = 8, kMessages = 200;
  BlockingCounter clients(kClients);
  std::atomic<int> verified{0};
  for (int c = 0; c < kClients; ++c) {
    pool.at(c % 2)->Dispatch([&, c] {
      FiberSocket sock;
      ASSERT_EQ(sock.Connect("127.0.0.1", port), 0);
      for (int m = 0; m < kMessages; ++m) {
        std::string msg = "client" + std::to_string(c) + ":" + std::to_string(m) + ";";
        ASSERT_EQ(sock.SendAll(msg), 0);
        std::string got;
        char buf[256];
        while (got.size() < msg.size()) {
          ssize_t n = sock.Recv(buf, sizeof(buf));
          ASSERT_GT(n, 0);
          got.append(buf, size_t(n));
        }
        if (got == msg) verified.fetch_add(1);
      }
      clients.Dec();
    });
  }
  clients.Wait();
  EXPECT_EQ(verified.load(), kClients * kMessages);
  pool.at(0)->Await([&] { acceptor->Cancel(); });
  acceptor_done.Wait();
  pool.Stop();
}

TEST_P(SocketTest, ShutdownWakesBlockedReader) {
  ProactorPool pool(1, GetParam());
  pool.Start();
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  ssize_t result = pool.at(0)->AwaitFiber([&] {
    FiberSocket a(fds[0]);
    ssize_t got = -100;
    Fiber reader("reader", [&] {
      char buf[8];
      got = a.Recv(buf, sizeof(buf));
    });
    this_fiber::SleepFor(std::chrono::milliseconds(2));
    a.ShutdownBoth();
    reader.Join();
    return got;
  });
  EXPECT_EQ(result, 0);
  close(fds[1]);
  pool.Stop();
}

// A reader that drained the socket may park without a read that fails EAGAIN only while no
// readable edge came since its read: input that arrives while it is busy elsewhere (the poller
// reports it with no fiber parked) must keep it reading.
TEST_P(SocketTest, ReadEdgeSeenWhileNobodyWaits) {
  ProactorPool pool(1, GetParam());
  pool.Start();
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  pool.at(0)->AwaitFiber([&] {
    FiberSocket a(fds[0]);
    char buf[64];
    EXPECT_FALSE(a.DrainedSinceRead());  // not registered: edges are not tracked yet
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    ASSERT_TRUE(a.WaitReadable());  // registers
    a.ClearReadEdge();
    ASSERT_EQ(recv(a.fd(), buf, sizeof(buf), MSG_DONTWAIT), 1);
    this_fiber::SleepFor(std::chrono::milliseconds(2));  // the loop polls meanwhile
    EXPECT_TRUE(a.DrainedSinceRead());
    ASSERT_EQ(write(fds[1], "yz", 2), 2);
    this_fiber::SleepFor(std::chrono::milliseconds(2));  // reported with no reader parked
    EXPECT_FALSE(a.DrainedSinceRead());
    a.ClearReadEdge();
    ASSERT_EQ(recv(a.fd(), buf, sizeof(buf), MSG_DONTWAIT), 2);
    EXPECT_TRUE(a.DrainedSinceRead());
  });
  close(fds[1]);
  pool.Stop();
}

// The reading pattern of a pipelining server: after a short read and some work (during which
// the peer may write and the loop polls), park at once when no edge came. Every byte the peer
// writes at random moments must still be read, without a hang.
TEST_P(SocketTest, ParkingAfterShortReadsLosesNothing) {
  ProactorPool pool(1, GetParam());
  pool.Start();
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  constexpr size_t kTotal = 100000;
  std::thread writer([&] {
    std::mt19937 rng(7);
    size_t sent = 0;
    std::string chunk(256, 'a');
    while (sent < kTotal) {
      size_t n = std::min<size_t>(kTotal - sent, 1 + rng() % chunk.size());
      ssize_t w = write(fds[1], chunk.data(), n);
      ASSERT_GT(w, 0);
      sent += size_t(w);
      if (rng() % 2 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 50));
    }
  });
  size_t got = pool.at(0)->AwaitFiber([&] {
    FiberSocket a(fds[0]);
    std::mt19937 rng(11);
    std::vector<char> buf(8192);
    size_t total = 0;
    while (total < kTotal) {
      a.ClearReadEdge();
      ssize_t n = recv(a.fd(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) {
        EXPECT_EQ(errno, EAGAIN);
        a.WaitReadable();
        continue;
      }
      total += size_t(n);
      // "Processing": sometimes long enough for more input and a poll of the loop.
      if (rng() % 2 == 0) this_fiber::SleepFor(std::chrono::microseconds(rng() % 50));
      if (total < kTotal && size_t(n) < buf.size() && a.DrainedSinceRead()) a.WaitReadable();
    }
    return total;
  });
  writer.join();
  EXPECT_EQ(got, kTotal);
  close(fds[1]);
  pool.Stop();
}

TEST_P(SocketTest, LargeWriteSuspendsUntilPeerReads) {
  ProactorPool pool(2, GetParam());
  pool.Start();
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  std::string big(8 << 20, 'x');
  Done written;
  pool.at(0)->Dispatch([&] {
    FiberSocket w(fds[0]);
    EXPECT_EQ(w.SendAll(big), 0);
    written.Notify();
  });
  size_t total = pool.at(1)->AwaitFiber([&] {
    FiberSocket r(fds[1]);
    size_t n = 0;
    char buf[65536];
    while (n < big.size()) {
      ssize_t got = r.Recv(buf, sizeof(buf));
      if (got <= 0) break;
      n += size_t(got);
    }
    return n;
  });
  written.Wait();
  EXPECT_EQ(total, big.size());
  pool.Stop();
}

// Connection migration: a socket registered on one thread is handed to the other (Deregister,
// then the next wait registers it there) several times, with data that arrived before the
// handover (readiness must be reported by the new poller) and data that arrives while the new
// owner waits (its wake-up must reach the new thread).
TEST_P(SocketTest, DeregisterHandsTheSocketToAnotherThread) {
  ProactorPool pool(2, GetParam());
  pool.Start();
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  auto sock = std::make_unique<FiberSocket>(fds[0]);
  auto read_exactly = [&](size_t n) {
    std::string got;
    char buf[64];
    while (got.size() < n) {
      ssize_t r = sock->Recv(buf, std::min(sizeof(buf), n - got.size()));
      if (r <= 0) break;
      got.append(buf, size_t(r));
    }
    return got;
  };
  for (int round = 0; round < 6; ++round) {
    Proactor* owner = pool.at(round % 2);
    std::string early = "early" + std::to_string(round);
    std::string late = "late" + std::to_string(round);
    ASSERT_EQ(write(fds[1], early.data(), early.size()), ssize_t(early.size()));
    std::string got = owner->AwaitFiber([&] {
      // The early bytes came while no poller watched the socket: the wait must end at once.
      // (A watchdog writes "!" after a second, so a lost readiness fails instead of hanging.)
      bool woke = false;
      Fiber watchdog("watchdog", [&] {
        for (int i = 0; i < 100 && !woke; ++i) this_fiber::SleepFor(std::chrono::milliseconds(10));
        if (!woke) {
          EXPECT_EQ(write(fds[1], "!", 1), 1);
        }
      });
      EXPECT_TRUE(sock->WaitReadable());
      woke = true;
      watchdog.Join();
      std::string first = read_exactly(early.size());
      Fiber writer("late-writer", [&] {
        this_fiber::SleepFor(std::chrono::milliseconds(2));  // the reader parks meanwhile
        EXPECT_EQ(write(fds[1], late.data(), late.size()), ssize_t(late.size()));
      });
      std::string second = read_exactly(late.size());
      writer.Join();
      EXPECT_TRUE(sock->registered());
      sock->Deregister();
      EXPECT_FALSE(sock->registered());
      return first + second;
    });
    EXPECT_EQ(got, early + late) << "round " << round;
  }
  pool.at(0)->Await([&] { sock.reset(); });
  close(fds[1]);
  pool.Stop();
}

TEST(SocketErrors, ConnectRefused) {
  ProactorPool pool(1);
  pool.Start();
  uint16_t port = 0;
  int lfd = ListenTcp("127.0.0.1", 0, &port);
  ASSERT_GE(lfd, 0);
  close(lfd);  // nothing listens on `port` now
  int rc = pool.at(0)->AwaitFiber([&] {
    FiberSocket s;
    return s.Connect("127.0.0.1", port);
  });
  EXPECT_EQ(rc, -ECONNREFUSED);
  pool.Stop();
}

INSTANTIATE_TEST_SUITE_P(Pollers, SocketTest,
                         ::testing::Values(PollerKind::kEpoll, PollerKind::kUring),
                         [](const auto& info) {
                           return info.param == PollerKind::kEpoll ? "epoll" : "uring";
                         });

}  // namespace
}  // namespace lw::io
