#include "server/engine/monitor.h"

#include <algorithm>
#include <cstdio>

#include "base/clock.h"
#include "base/malloc_accounting.h"
#include "server/engine/connection_context.h"
#include "server/engine/service.h"
#include "server/resp/resp_reply_decoder.h"

namespace lw {

void MonitorHub::Add(uint64_t client_id, unsigned thread) {
  std::lock_guard lock(mu_);
  monitors_.push_back({client_id, thread});
  count_.store(int(monitors_.size()), std::memory_order_relaxed);
}

void MonitorHub::Remove(uint64_t client_id) {
  if (!active()) return;
  std::lock_guard lock(mu_);
  std::erase_if(monitors_, [&](const Monitor& m) { return m.client_id == client_id; });
  count_.store(int(monitors_.size()), std::memory_order_relaxed);
}

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// Which arguments Redis shows as "(redacted)": AUTH's, and HELLO's after AUTH.
bool Redacted(std::span<const std::string_view> args, size_t i) {
  if (IEquals(args[0], "auth")) return i > 0;
  if (IEquals(args[0], "hello")) {
    for (size_t j = 2; j < i; ++j) {
      if (IEquals(args[j], "auth") && i <= j + 2) return true;
    }
  }
  return false;
}

}  // namespace

std::string MonitorHub::FormatLine(int64_t unix_us, int db, std::string_view addr,
                                   std::span<const std::string_view> args) {
  char head[64];
  snprintf(head, sizeof(head), "+%lld.%06lld [%d ", static_cast<long long>(unix_us / 1000000),
           static_cast<long long>(unix_us % 1000000), db);
  std::string line = head;
  line.append(addr);
  line.append("] ");
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) line.push_back(' ');
    AppendRepr(&line, Redacted(args, i) ? std::string_view("(redacted)") : args[i]);
  }
  line.append("\r\n");
  return line;
}

void MonitorHub::Feed(Service* service, int db, std::string_view addr,
                      std::span<const std::string_view> args) {
  std::vector<Monitor> targets;
  {
    std::lock_guard lock(mu_);
    targets = monitors_;
  }
  if (targets.empty()) return;
  std::string line = FormatLine(UnixNowUs(), db, addr, args);
  io::Proactor* here = io::Proactor::Current();
  for (const Monitor& m : targets) {
    if (here != nullptr && unsigned(here->index()) == m.thread) {
      ConnectionContext* c = service->FindLocalClient(m.client_id);
      if (c != nullptr && c->monitor && c->control != nullptr) c->control->Push(line);
      continue;
    }
    // Built here, freed there: the bytes move to that thread's count (as pub/sub messages).
    int64_t before = mem::ThreadCountRaw();
    auto* copy = new std::string(line);
    service->pool()->at(m.thread)->DispatchBrief([service, id = m.client_id, copy] {
      ConnectionContext* c = service->FindLocalClient(id);
      if (c != nullptr && c->monitor && c->control != nullptr) c->control->Push(*copy);
      delete copy;
    });
    int64_t moved = mem::ThreadCountRaw() - before;
    if (moved > 0) mem::HandOver(service->thread_id(m.thread), moved);
  }
}

}  // namespace lw
