// ProactorPool: N threads, each running one Proactor (thread i runs proactor i). The unit of
// shared-nothing parallelism: the server puts shard i on proactor i.
// Thread-safety: Start/Stop from the owning (main) thread; at()/size() from anywhere once
// started; the Await*OnAll helpers from fibers or plain threads.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "io/blocking_counter.h"
#include "io/proactor.h"

namespace lw::io {

class ProactorPool {
 public:
  // num_threads == 0 means one per core.
  explicit ProactorPool(size_t num_threads = 0, PollerKind kind = PollerKind::kEpoll);
  ~ProactorPool();  // stops if still running

  // With `pin_threads`, thread i is bound to the i-th CPU the process may use, when there are
  // at least as many CPUs as threads: the kernel then cannot stack two proactors on one
  // core while another idles (seen: half the throughput on 2 cores).
  void Start(bool pin_threads = false);
  void Stop();

  size_t size() const { return proactors_.size(); }
  Proactor* at(size_t i) const { return proactors_[i].get(); }

  // Runs fn(proactor) on every thread in parallel, in loop context (must not suspend), and
  // waits for all.
  void AwaitBriefOnAll(const std::function<void(Proactor*)>& fn);
  // Runs fn(proactor) in a fiber on every thread in parallel and waits for all.
  void AwaitFiberOnAll(const std::function<void(Proactor*)>& fn);

 private:
  std::vector<std::unique_ptr<Proactor>> proactors_;
  std::vector<std::thread> threads_;
};

}  // namespace lw::io
