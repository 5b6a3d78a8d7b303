#include "server/engine/slow_log.h"

#include <ctime>

namespace lw {

namespace {
constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgLen = 128;

std::string Truncated(std::string_view arg) {
  if (arg.size() <= kMaxArgLen) return std::string(arg);
  return std::string(arg.substr(0, kMaxArgLen)) + "... (" +
         std::to_string(arg.size() - kMaxArgLen) + " more bytes)";
}
}  // namespace

void SlowLog::Add(std::span<const std::string_view> args, SlowLogArgFn show_arg,
                  int64_t duration_us, std::string client_addr, std::string client_name,
                  size_t max_len) {
  SlowLogEntry e;
  e.unix_time = int64_t(time(nullptr));
  e.duration_us = duration_us;
  size_t shown = std::min(args.size(), kMaxArgs);
  for (size_t i = 0; i < shown; ++i) {
    if (i == shown - 1 && args.size() > kMaxArgs) {
      e.args.push_back("... (" + std::to_string(args.size() - kMaxArgs + 1) + " more arguments)");
      break;
    }
    std::string shown;
    if (i > 0 && show_arg != nullptr && show_arg(i, args[i], &shown)) {
      e.args.push_back(std::move(shown));
      continue;
    }
    e.args.push_back(Truncated(args[i]));
  }
  e.client_addr = std::move(client_addr);
  e.client_name = std::move(client_name);
  std::lock_guard<std::mutex> lock(mu_);
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<SlowLogEntry> SlowLog::Get(int64_t count) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = count < 0 ? entries_.size() : std::min(entries_.size(), size_t(count));
  return std::vector<SlowLogEntry>(entries_.begin(), entries_.begin() + n);
}

size_t SlowLog::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void SlowLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace lw
