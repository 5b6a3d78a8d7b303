#include "server/scripting/interpreter_pool.h"

namespace lw {

std::unique_ptr<PooledInterpreter> InterpreterPool::Acquire(uint64_t script_epoch,
                                                            uint64_t function_epoch) {
  while (!free_.empty()) {
    std::unique_ptr<PooledInterpreter> p = std::move(free_.back());
    free_.pop_back();
    // Functions cannot be unloaded from a Lua state: a stale function epoch means a new one.
    if (p->function_epoch != function_epoch) continue;
    if (p->script_epoch != script_epoch) {
      p->interp->FlushFunctions();
      p->script_epoch = script_epoch;
    }
    return p;
  }
  auto p = std::make_unique<PooledInterpreter>();
  p->interp = std::make_unique<lua::Interpreter>();
  p->script_epoch = script_epoch;
  p->function_epoch = function_epoch;
  return p;
}

void InterpreterPool::Release(std::unique_ptr<PooledInterpreter> p) {
  p->interp->SetHook(nullptr);
  if (p->interp->MemoryUsage() > kCollectAbove) p->interp->RunGC();
  free_.push_back(std::move(p));
}

size_t InterpreterPool::IdleMemory() const {
  size_t total = 0;
  for (const auto& p : free_) total += p->interp->MemoryUsage();
  return total;
}

}  // namespace lw
