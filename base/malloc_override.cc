// Global operator new/delete on mimalloc with per-thread byte accounting (see
// malloc_accounting.h). Linked with alwayslink so the operators replace libstdc++'s.
#include <mimalloc.h>

#include <cstddef>
#include <new>

#include "base/malloc_accounting_internal.h"

namespace {

struct Installer {
  Installer() { lw::mem::internal::g_installed.store(true); }
} installer;

inline void* Alloc(size_t n) {
  void* p = mi_malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  lw::mem::internal::Count(int64_t(mi_usable_size(p)));
  return p;
}

inline void* AllocAligned(size_t n, std::align_val_t al) {
  void* p = mi_malloc_aligned(n, size_t(al));
  if (p == nullptr) throw std::bad_alloc();
  lw::mem::internal::Count(int64_t(mi_usable_size(p)));
  return p;
}

inline void Free(void* p) {
  if (p == nullptr) return;
  lw::mem::internal::Count(-int64_t(mi_usable_size(p)));
  mi_free(p);
}

}  // namespace

void* operator new(size_t n) { return Alloc(n); }
void* operator new[](size_t n) { return Alloc(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  void* p = mi_malloc(n);
  if (p) lw::mem::internal::Count(int64_t(mi_usable_size(p)));
  return p;
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(size_t n, std::align_val_t al) { return AllocAligned(n, al); }
void* operator new[](size_t n, std::align_val_t al) { return AllocAligned(n, al); }
void operator delete(void* p) noexcept { Free(p); }
void operator delete[](void* p) noexcept { Free(p); }
void operator delete(void* p, size_t) noexcept { Free(p); }
void operator delete[](void* p, size_t) noexcept { Free(p); }
void operator delete(void* p, std::align_val_t) noexcept { Free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { Free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { Free(p); }
