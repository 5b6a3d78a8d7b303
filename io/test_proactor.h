// For io tests: a proactor that runs on a background thread while the object lives.
// Thread-safety: construct and destroy on the test's thread; use the proactor as Proactor
// allows (Await, Dispatch... from any thread).
// Lifetime: the destructor stops the proactor and joins its thread.
#pragma once

#include <thread>

#include "io/proactor.h"

namespace lw::io {

class BackgroundProactor {
 public:
  explicit BackgroundProactor(PollerKind kind = PollerKind::kEpoll)
      : proactor_(0, kind), thread_([this] { proactor_.Run(); }) {}
  ~BackgroundProactor() {
    proactor_.Stop();
    thread_.join();
  }
  BackgroundProactor(const BackgroundProactor&) = delete;
  BackgroundProactor& operator=(const BackgroundProactor&) = delete;

  Proactor& operator*() { return proactor_; }

 private:
  Proactor proactor_;  // before thread_: constructed before the thread starts running it
  std::thread thread_;
};

}  // namespace lw::io
