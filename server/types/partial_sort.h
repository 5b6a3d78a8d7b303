// PartialSort: Redis's pqsort, a Bentley-McIlroy quicksort that recurses only into the
// partitions holding some of the ranks [lo, hi]. Reproduced step for step, because the order
// it leaves equal elements in is what GEOSEARCH ... COUNT and SORT ... BY ... LIMIT reply.
// cmp(a, b) returns <0, 0 or >0 as qsort's comparators do.
// Thread-safety: a pure function of its arguments.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>

namespace lw {
namespace partial_sort_internal {

template <typename T, typename Cmp>
T* Med3(T* a, T* b, T* c, Cmp& cmp) {
  return cmp(*a, *b) < 0 ? (cmp(*b, *c) < 0 ? b : (cmp(*a, *c) < 0 ? c : a))
                         : (cmp(*b, *c) > 0 ? b : (cmp(*a, *c) < 0 ? a : c));
}

template <typename T>
void SwapRange(T* a, T* b, size_t n) {
  for (size_t i = 0; i < n; ++i) std::swap(a[i], b[i]);
}

}  // namespace partial_sort_internal

// Sorts a[0..n) so that ranks lo..hi (pointers into it) hold what a full sort puts there.
template <typename T, typename Cmp>
void PartialSort(T* a, size_t n, Cmp& cmp, const T* lo, const T* hi) {
  for (;;) {
    if (n < 7) {
      for (T* pm = a + 1; pm < a + n; ++pm) {
        for (T* pl = pm; pl > a && cmp(pl[-1], *pl) > 0; --pl) std::swap(*pl, pl[-1]);
      }
      return;
    }
    T* pm = a + n / 2;
    if (n > 7) {
      T* pl = a;
      T* pn = a + n - 1;
      if (n > 40) {
        size_t d = n / 8;
        pl = partial_sort_internal::Med3(pl, pl + d, pl + 2 * d, cmp);
        pm = partial_sort_internal::Med3(pm - d, pm, pm + d, cmp);
        pn = partial_sort_internal::Med3(pn - 2 * d, pn - d, pn, cmp);
      }
      pm = partial_sort_internal::Med3(pl, pm, pn, cmp);
    }
    std::swap(*a, *pm);
    T *pa = a + 1, *pb = a + 1, *pc = a + n - 1, *pd = a + n - 1;
    for (;;) {
      int r;
      while (pb <= pc && (r = cmp(*pb, *a)) <= 0) {
        if (r == 0) std::swap(*pa++, *pb);
        ++pb;
      }
      while (pb <= pc && (r = cmp(*pc, *a)) >= 0) {
        if (r == 0) std::swap(*pc, *pd--);
        --pc;
      }
      if (pb > pc) break;
      std::swap(*pb++, *pc--);
    }
    T* pn = a + n;
    size_t r = std::min(pa - a, pb - pa);
    partial_sort_internal::SwapRange(a, pb - r, r);
    r = std::min(size_t(pd - pc), size_t(pn - pd - 1));
    partial_sort_internal::SwapRange(pb, pn - r, r);
    // Each side is sorted only if it overlaps [lo, hi].
    auto overlaps = [&](const T* l, const T* rr) { return !(hi < l || lo > rr); };
    if ((r = size_t(pb - pa)) > 1 && overlaps(a, a + r - 1)) PartialSort(a, r, cmp, lo, hi);
    if ((r = size_t(pd - pc)) <= 1) return;
    a = pn - r;
    n = r;
    if (!overlaps(a, a + r - 1)) return;
  }
}

}  // namespace lw
