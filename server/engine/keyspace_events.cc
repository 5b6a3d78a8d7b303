#include "server/engine/keyspace_events.h"

namespace lw {

namespace {
struct Letter {
  char c;
  uint32_t bit;
};
// In Redis's printing order (keyspaceEventsFlagsToString): classes, then K, E, m.
constexpr Letter kClassLetters[] = {
    {'g', notify::kGeneric}, {'$', notify::kString},  {'l', notify::kList},
    {'s', notify::kSet},     {'h', notify::kHash},    {'z', notify::kZset},
    {'x', notify::kExpired}, {'e', notify::kEvicted}, {'t', notify::kStream},
    {'d', notify::kModule},  {'n', notify::kNew},
};
constexpr Letter kTailLetters[] = {
    {'K', notify::kKeyspace}, {'E', notify::kKeyevent}, {'m', notify::kKeyMiss}};
}  // namespace

bool ParseKeyspaceEvents(std::string_view text, uint32_t* flags) {
  uint32_t out = 0;
  for (char c : text) {
    uint32_t bit = c == 'A' ? uint32_t(notify::kAll) : 0;
    for (const Letter& l : kClassLetters) bit |= l.c == c ? l.bit : 0;
    for (const Letter& l : kTailLetters) bit |= l.c == c ? l.bit : 0;
    if (bit == 0) return false;
    out |= bit;
  }
  *flags = out;
  return true;
}

std::string KeyspaceEventsString(uint32_t flags) {
  std::string out;
  // As Redis: with every class set, "A" stands for them all, and 'n' is then not shown.
  if ((flags & notify::kAll) == notify::kAll) {
    out += 'A';
  } else {
    for (const Letter& l : kClassLetters) {
      if (flags & l.bit) out += l.c;
    }
  }
  for (const Letter& l : kTailLetters) {
    if (flags & l.bit) out += l.c;
  }
  return out;
}

void KeyspaceNotifier::Publish(std::string_view event, int db, std::string_view key) const {
  uint32_t f = uint32_t(flags->load(std::memory_order_relaxed));
  std::string prefix = "__keyspace@" + std::to_string(db) + "__:";
  if (f & notify::kKeyspace) {
    std::string channel = prefix;
    channel.append(key);
    publish(ctx, channel, event);
  }
  if (f & notify::kKeyevent) {
    std::string channel = "__keyevent@" + std::to_string(db) + "__:";
    channel.append(event);
    publish(ctx, channel, key);
  }
}

}  // namespace lw
