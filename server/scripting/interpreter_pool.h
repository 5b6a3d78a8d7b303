// InterpreterPool: the Lua interpreters of one thread. A script borrows one for its run and
// gives it back; several scripts may run on one thread at once (a script that yields its
// fiber keeps its interpreter), so the pool grows as needed. Compiled scripts and loaded
// function libraries stay in an interpreter between runs; the ScriptManager's epochs, passed
// to Acquire, say when they must be dropped (SCRIPT FLUSH, FUNCTION changes).
// Thread-safety: one pool per thread (ScriptManager::ThreadState); never shared.
// Lifetime: the ScriptManager's.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "lua_interp/interpreter.h"

namespace lw {

struct PooledInterpreter {
  std::unique_ptr<lua::Interpreter> interp;
  uint64_t script_epoch = 0;
  uint64_t function_epoch = 0;
  std::set<std::string> libraries;  // loaded FUNCTION libraries

  // Records that the code of library `name`, as published in function epoch `epoch`, is now
  // loaded here. Code of another epoch (the table changed between FCALL's lookup and this run,
  // e.g. FUNCTION LOAD REPLACE on another thread while FCALL hopped to its home shard) must not
  // pass for this epoch's: the interpreter is marked stale, so the next Acquire retires it.
  void NoteLibrary(const std::string& name, uint64_t epoch) {
    if (epoch == function_epoch) {
      libraries.insert(name);
    } else {
      function_epoch = 0;  // no epoch is 0: never handed out again
    }
  }
};

class InterpreterPool {
 public:
  // An interpreter whose compiled scripts and libraries are those of the given epochs:
  // compiled scripts of an older script epoch are dropped, an interpreter of an older
  // function epoch is replaced (a Lua state cannot unload functions).
  std::unique_ptr<PooledInterpreter> Acquire(uint64_t script_epoch, uint64_t function_epoch);
  // Gives an interpreter back. One whose heap a script left big (over kCollectAbove) is fully
  // collected first, so a script's garbage does not outlive it until the next slow GC cycle.
  void Release(std::unique_ptr<PooledInterpreter> interp);
  // Destroys the idle interpreters (SCRIPT FLUSH, FUNCTION FLUSH): their whole heaps go back
  // at once, as Redis's new Lua state; busy ones are retired by the epochs when released.
  void DropIdle() { free_.clear(); }

  static constexpr size_t kCollectAbove = 16 << 20;

  // Bytes held by this thread's idle interpreters (for INFO used_memory_lua).
  size_t IdleMemory() const;

 private:
  std::vector<std::unique_ptr<PooledInterpreter>> free_;
};

}  // namespace lw
