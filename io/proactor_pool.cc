#include "io/proactor_pool.h"

#include <pthread.h>
#include <sched.h>

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

void ProactorPool::Start(bool pin_threads) {
  CHECK(threads_.empty());
  std::vector<int> cpus;  // the CPUs this process may run on
  cpu_set_t allowed;
  if (pin_threads && sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
    }
  }
  const bool pin = cpus.size() >= proactors_.size();
  for (auto& p : proactors_) {
    int cpu = pin ? cpus[size_t(p->index())] : -1;
    threads_.emplace_back([proactor = p.get(), cpu] {
      std::string name = "proactor" + std::to_string(proactor->index());
      pthread_setname_np(pthread_self(), name.c_str());
      if (cpu >= 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one) != 0) {
          LOG(WARNING) << name << ": cannot pin to CPU " << cpu;
        }
      }
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
