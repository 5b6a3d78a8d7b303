// Keyspace notifications (Redis's notify-keyspace-events): the event classes, the setting's
// grammar, and the notifier a DbSlice publishes through.
//
// A write command calls DbSlice::Notify(class, event, db, key) on the key's shard thread, at
// the point where Redis calls notifyKeyspaceEvent. While the setting selects nothing this is
// one relaxed load. Otherwise the notifier publishes `__keyspace@<db>__:<key>` -> event (K)
// and `__keyevent@<db>__:<event>` -> key (E) through the pub/sub family (wired in by the
// binary, server/families.h), which hands each subscriber thread one message in a FIFO queue;
// since every write to a key runs on that key's shard thread, in order, each subscriber sees
// a key's events in the order its writes happened, whichever threads they crossed.
// Thread-safety: flags are read with relaxed loads on any thread; publish runs on the calling
// shard thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace lw {

namespace notify {
// Redis's class bits; the letters are those of notify-keyspace-events.
enum : uint32_t {
  kKeyspace = 1 << 0,  // K
  kKeyevent = 1 << 1,  // E
  kGeneric = 1 << 2,   // g: DEL, EXPIRE, RENAME...
  kString = 1 << 3,    // $
  kList = 1 << 4,      // l
  kSet = 1 << 5,       // s
  kHash = 1 << 6,      // h
  kZset = 1 << 7,      // z
  kExpired = 1 << 8,   // x
  kEvicted = 1 << 9,   // e
  kStream = 1 << 10,   // t
  kKeyMiss = 1 << 11,  // m
  kModule = 1 << 12,   // d
  kNew = 1 << 13,      // n
  // A: every class but key-miss and new, as in Redis.
  kAll =
      kGeneric | kString | kList | kSet | kHash | kZset | kExpired | kEvicted | kStream | kModule,
};
}  // namespace notify

// Parses a notify-keyspace-events value; false on a character Redis refuses.
bool ParseKeyspaceEvents(std::string_view text, uint32_t* flags);
// The value as CONFIG GET shows it (Redis's normal form: "AKE" for "KEA").
std::string KeyspaceEventsString(uint32_t flags);

// What a DbSlice needs to publish notifications (Service fills it in for every shard).
struct KeyspaceNotifier {
  const std::atomic<int64_t>* flags = nullptr;  // RuntimeConfig::notify_flags
  void (*publish)(void* ctx, std::string_view channel, std::string_view message) = nullptr;
  void* ctx = nullptr;

  bool Wants(uint32_t type) const {
    return flags != nullptr && (uint32_t(flags->load(std::memory_order_relaxed)) & type) != 0;
  }
  // Publishes the K and/or E messages of one event. REQUIRES: Wants(type).
  void Publish(std::string_view event, int db, std::string_view key) const;
};

}  // namespace lw
