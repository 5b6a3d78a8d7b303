// Helpers shared by the server-command families (server, info, config, client): text
// building, HELP replies, and the few facts more than one of them reports (the Redis version
// Lacewing answers as, the maxmemory-policy names, the client-name rule).
// Thread-safety: pure functions and constants.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "server/resp/reply_builder.h"

namespace lw {

// The Redis version HELLO and INFO report (the release whose replies Lacewing matches).
inline constexpr std::string_view kRedisVersion = "7.0.15";
// Lacewing's own version (INFO lacewing_version, --version, the start-up log).
inline constexpr std::string_view kLacewingVersion = "0.1.0";

// Redis's maxmemory-policy names; RuntimeConfig::maxmemory_policy indexes this list.
inline constexpr std::string_view kMaxmemoryPolicies[] = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};

// Concatenates text and numbers. Debian's abseil has its own string_view, so absl::StrCat
// does not take std::string_view; this does.
namespace internal {
inline void AppendPiece(std::string* out, std::string_view s) { out->append(s); }
// A char would otherwise print as its number: spell it as a string instead.
void AppendPiece(std::string* out, char c) = delete;
template <typename T>
requires std::is_arithmetic_v<T>
void AppendPiece(std::string* out, T v) { out->append(std::to_string(v)); }
}  // namespace internal

template <typename... Ts>
std::string Cat(const Ts&... parts) {
  std::string out;
  (internal::AppendPiece(&out, parts), ...);
  return out;
}

// A HELP reply: one simple string per line, as Redis sends them.
inline void SendHelp(ReplyBuilder* rb, std::span<const std::string_view> lines) {
  rb->StartArray(lines.size());
  for (std::string_view line : lines) rb->SendSimpleString(line);
}

// Redis accepts client names made of printable ASCII without spaces.
inline bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// A value as a config file holds it: bare when it is one plain token, else double-quoted
// with Redis's escapes (so `requirepass "a b"` and `notify-keyspace-events ""` read back).
inline std::string QuoteConfigValue(std::string_view v) {
  auto plain = [](char c) { return isalnum(uint8_t(c)) || strchr("-_./:*@,+$", c) != nullptr; };
  if (!v.empty() && std::all_of(v.begin(), v.end(), plain)) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (isprint(uint8_t(c))) {
      out += c;
    } else {
      char hex[8];
      snprintf(hex, sizeof(hex), "\\x%02x", uint8_t(c));
      out += hex;
    }
  }
  return out + "\"";
}

}  // namespace lw
