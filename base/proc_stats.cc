#include "base/proc_stats.h"

#include <unistd.h>

#include <cstdio>

namespace lw {

uint64_t ProcessRssBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages_total = 0, pages_resident = 0;
  int n = std::fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(f);
  if (n != 2 || pages_resident < 0) return 0;
  return uint64_t(pages_resident) * uint64_t(sysconf(_SC_PAGESIZE));
}

uint64_t TotalSystemMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return uint64_t(pages) * uint64_t(page_size);
}

}  // namespace lw
