#include "io/proactor_pool.h"

#include <pthread.h>

#include <string>

#include "base/logging.h"

namespace lw::io {

ProactorPool::ProactorPool(size_t num_threads, PollerKind kind) {
  if (num_threads == 0) num_threads = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < num_threads; ++i) {
    proactors_.push_back(std::make_unique<Proactor>(int(i), kind));
  }
}

ProactorPool::~ProactorPool() { Stop(); }

void ProactorPool::Start() {
  CHECK(threads_.empty());
  for (auto& p : proactors_) {
    threads_.emplace_back([proactor = p.get()] {
      std::string name = "proactor" + std::to_string(proactor->index());
      pthread_setname_np(pthread_self(), name.c_str());
      proactor->Run();
    });
  }
}

void ProactorPool::Stop() {
  if (threads_.empty()) return;
  for (auto& p : proactors_) p->Stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void ProactorPool::AwaitBriefOnAll(const std::function<void(Proactor*)>& fn) {
  BlockingCounter pending(int64_t(proactors_.size()));
  for (auto& p : proactors_) {
    Proactor* proactor = p.get();
    proactor->DispatchBrief([&fn, &pending, proactor] {
      fn(proactor);
      pending.Dec();
    });
  }
  pending.Wait();
}

void ProactorPool::AwaitFiberOnAll(const std::function<void(Proactor*)>& fn) {
  BlockingCounter pending(int64_t(proactors_.size()));
  for (auto& p : proactors_) {
    Proactor* proactor = p.get();
    proactor->Dispatch([&fn, &pending, proactor] {
      fn(proactor);
      pending.Dec();
    });
  }
  pending.Wait();
}

}  // namespace lw::io
