// Process-wide allocation accounting: global operator new/delete are routed to mimalloc and
// every thread keeps an exact count of the bytes it allocated minus the bytes it freed
// (mimalloc usable sizes). Shard data is allocated and freed on its own thread, so a shard
// thread's count is that shard's memory; the sum over all threads is the process's heap use
// (keys, values, tables, Lua states, connection buffers), which INFO reports as used_memory.
//
// Linking //base:malloc_override installs the operators (binaries and tests that need exact
// numbers do); without it the counters stay at zero.
// Thread-safety: ThreadAllocatedBytes() reads the caller's own counter; TotalAllocatedBytes()
// may be called from any thread (it sums relaxed atomics of all registered threads).
#pragma once

#include <atomic>
#include <cstdint>

namespace lw::mem {

// Net bytes allocated by the calling thread since it started (can be negative if it frees
// memory other threads allocated).
int64_t ThreadAllocatedBytes();

// The calling thread's counter itself (the value ThreadAllocatedBytes() reads), for a reader
// on another thread that sums a known set of long-lived threads (the proactors) with a few
// relaxed loads instead of TotalAllocatedBytes()'s registry lock.
// REQUIRES: the reader stops using the pointer before the calling thread exits.
const std::atomic<int64_t>* ThreadCounterAddress();

// Handing memory to another thread: a block allocated here and freed there (a message one
// thread builds for another) would leave this thread's count too high and the other's too
// low for good. HandOver(to, n) moves n bytes of the count from the calling thread to `to`
// (folded into its count the next time it reads ThreadAllocatedBytes()).
namespace internal {
struct ThreadCounter;
}
using ThreadId = internal::ThreadCounter*;
ThreadId CurrentThreadId();
void HandOver(ThreadId to, int64_t bytes);
// The calling thread's count without folding in what was handed over meanwhile (to measure
// the bytes a few allocations take).
int64_t ThreadCountRaw();

// Net bytes allocated by all threads, live and exited.
int64_t TotalAllocatedBytes();

// True when the global operators are routed through the accounting.
bool AccountingInstalled();

}  // namespace lw::mem
