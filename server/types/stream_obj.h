// StreamObj: the value of a Redis stream (Redis 7.0 semantics), and its consumer groups.
//
// Entries (an ID plus field/value pairs) live in nodes kept in an ordered map keyed by the ID
// of the node's first ("master") entry, as Redis keeps listpacks in a radix tree. A node is one
// heap block of varint-encoded entries:
//   master:  [nfields][flen f]...                      the first entry's field names
//   entry:   [flags][ms - master.ms][zigzag(seq - master.seq)]
//            flags & kSameFields:  [vlen v]...         (the master's field names)
//            otherwise:            [nfields][flen f vlen v]...
// so a stream of entries with the same field names stores each name once per node. Deleting
// an entry (XDEL, exact trims) sets its deleted flag in place; a node whose entries are all
// deleted by XDEL is freed. A node is closed, and the next entry starts a new one, exactly
// when Redis would close its listpack (StreamLimits: stream-node-max-entries counting deleted
// ones, 100 by default, or stream-node-max-bytes of Redis's listpack encoding, 4096 by
// default, which the node tracks), so approximate trims (`~`), which drop whole nodes only,
// remove the same entries as redis-server's.
//
// Consumer groups (StreamCG) hold the last delivered ID, the logical read counter of 7.0
// (entries_read, -1 when unknown), the pending entries list (PEL: ID -> StreamNACK) and the
// consumers, each with its own PEL of the same NACKs. Groups and consumers are kept sorted by
// name (byte order), as Redis lists them.
//
// Thread-safety: none; a StreamObj belongs to the shard that stores its key.
// Lifetime: views and spans handed to callbacks are valid during the callback only; any
// modification invalidates them.
#pragma once

#include <absl/container/btree_map.h>
#include <absl/functional/function_ref.h>

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lw {

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;

  auto operator<=>(const StreamID&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  static constexpr StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }
  // The next / previous ID; false (and no change) at the maximum / 0-0.
  bool Incr();
  bool Decr();
  std::string ToString() const;  // "<ms>-<seq>"
};

// Redis's stream ID grammar (streamGenericParseIDOrReply): "-", "+", "<ms>", "<ms>-<seq>",
// and with seq_given != nullptr also "<ms>-*" (then *seq_given = false). A missing sequence
// is `missing_seq`. With `strict`, "-" and "+" are refused. Numbers follow Redis's string2ull
// (strtoull after the strict integer grammar, so " 5" and "+5" pass, "-1" does not).
bool ParseStreamID(std::string_view s, uint64_t missing_seq, bool strict, bool* seq_given,
                   StreamID* id);

struct StreamConsumer;

// One pending entry of a group: delivered but not acknowledged.
struct StreamNACK {
  int64_t delivery_time = 0;  // Unix ms of the last delivery
  uint64_t delivery_count = 0;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;  // Unix ms of the last interaction
  // The consumer's share of the group's PEL (the NACKs are owned by the group).
  absl::btree_map<StreamID, StreamNACK*> pel;
};

struct StreamCG {
  static constexpr int64_t kInvalidEntriesRead = -1;
  StreamID last_id;
  int64_t entries_read = kInvalidEntriesRead;
  absl::btree_map<StreamID, std::unique_ptr<StreamNACK>> pel;
  std::map<std::string, std::unique_ptr<StreamConsumer>, std::less<>> consumers;

  StreamConsumer* FindConsumer(std::string_view name);
  // Creates the consumer if missing; *created tells which.
  StreamConsumer* AddConsumer(std::string_view name, int64_t now_ms, bool* created);
  // Deletes the consumer and its pending entries; returns how many were pending.
  size_t DeleteConsumer(std::string_view name);
};

// Where Redis closes a node (stream-node-max-bytes / -entries; 0 = no limit).
struct StreamLimits {
  size_t node_max_bytes = 4096;
  size_t node_max_entries = 100;
};

// One node: a heap block of encoded entries (see the file comment). Move-only.
struct StreamNode {
  char* buf = nullptr;
  uint32_t used = 0;
  uint32_t cap = 0;
  uint32_t master_end = 0;  // entries start here
  uint32_t lp_bytes = 0;    // Redis's listpack size of this node, less the two counters
  uint32_t live = 0;        // 32 bits: stream-node-max-entries 0 allows any count, as in Redis
  uint32_t deleted = 0;

  StreamNode() = default;
  StreamNode(StreamNode&& o) noexcept { *this = std::move(o); }
  StreamNode& operator=(StreamNode&& o) noexcept;
  ~StreamNode() { Free(); }
  void Free();
  // Room for `extra` more bytes at the end (grows by half again); returns where they start.
  char* Grow(size_t extra);
  // Gives back the spare room of a closed node.
  void ShrinkToFit();
  // Redis's listpack bytes: header, count, deleted, master fields and entries, end byte.
  size_t RedisBytes() const;
  std::span<const std::string_view> MasterFields(std::vector<std::string_view>* out) const;
};

class StreamObj {
 public:
  using Limits = StreamLimits;
  // XTRIM / XADD trimming: MAXLEN or MINID, exact or approximate (`~`, whole nodes only),
  // with at most `limit` entries removed (0: no limit).
  struct TrimArgs {
    enum Strategy : uint8_t { kNone, kMaxLen, kMinId } strategy = kNone;
    bool approx = false;
    uint64_t maxlen = 0;
    StreamID minid;
    int64_t limit = 0;
  };
  // fn(id, field_values) with field_values = f1 v1 f2 v2 ...; returning false stops.
  using EntryFn = absl::FunctionRef<bool(const StreamID&, std::span<const std::string_view>)>;

  StreamObj() = default;
  ~StreamObj();
  StreamObj(const StreamObj&) = delete;
  StreamObj& operator=(const StreamObj&) = delete;

  // Live entries (XLEN).
  size_t size() const { return length_; }
  // Appends an entry. REQUIRES: id > last_id(); field_values non-empty and of even size.
  // Updates last_id, first_id and entries_added.
  void Append(const StreamID& id, std::span<const std::string_view> field_values,
              const Limits& limits = Limits{});
  // Live entries with start <= id <= end in ascending order (descending with rev).
  void Range(const StreamID& start, const StreamID& end, bool rev, EntryFn fn) const;
  // Whether a live entry with this ID exists.
  bool Contains(const StreamID& id) const;
  // Marks the entry deleted (XDEL); updates first_id and max_deleted_id. False if absent.
  bool Delete(const StreamID& id);
  // Returns how many entries were removed; updates first_id.
  int64_t Trim(const TrimArgs& args);

  // The first / last live entry's ID, if any.
  std::optional<StreamID> FirstEntry() const;
  std::optional<StreamID> LastEntry() const;

  // Redis 7.0's logical counters (streamEstimateDistanceFromFirstEverEntry and
  // streamRangeHasTombstones): the number of entries added up to `id`, or -1 when unknown;
  // whether a deleted entry may lie within [start, end].
  int64_t EstimateDistanceFromFirstEverEntry(const StreamID& id) const;
  bool RangeHasTombstones(const StreamID& start, const StreamID& end) const;
  // XINFO's lag of a group: nullopt when it cannot be known.
  std::optional<int64_t> GroupLag(const StreamCG& cg) const;

  // --- consumer groups ---
  StreamCG* FindGroup(std::string_view name);
  // nullptr if a group of that name exists.
  StreamCG* CreateGroup(std::string_view name, const StreamID& id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);
  const std::map<std::string, std::unique_ptr<StreamCG>, std::less<>>& groups() const {
    return groups_;
  }

  StreamID last_id;         // the greatest ID ever added (or set by XSETID)
  StreamID first_id;        // the first live entry's ID (0-0 when empty)
  StreamID max_deleted_id;  // the greatest ID deleted by XDEL
  uint64_t entries_added = 0;

  size_t node_count() const { return nodes_.size(); }
  // Every node in order, for RDB: begin(master ID, master field names, live, deleted count),
  // then entry(id, flags, field_values) for each entry, deleted ones (flags & 1) included;
  // flags & 2: the entry has the master's field names.
  void VisitNodes(
      absl::FunctionRef<void(const StreamID&, std::span<const std::string_view>, size_t, size_t)>
          begin,
      absl::FunctionRef<void(const StreamID&, uint8_t, std::span<const std::string_view>)> entry)
      const;
  // The nodes' keys (their first entries' IDs), ascending (XINFO's radix-tree-nodes).
  std::vector<StreamID> NodeKeys() const;
  size_t MallocUsed() const;
  StreamObj* Clone() const;
  std::string_view EncodingName() const { return "stream"; }

 private:
  using Node = StreamNode;
  using NodeMap = absl::btree_map<StreamID, Node>;

  void RefreshFirstId();
  // Walks one node's entries, forward or backward; fn as EntryFn plus the entry's offset.
  static void ForEachInNode(const StreamID& master, const Node& node, bool rev, bool with_deleted,
                            absl::FunctionRef<bool(const StreamID&, uint32_t flags_pos,
                                                   std::span<const std::string_view>)>
                                fn);

  NodeMap nodes_;
  size_t length_ = 0;
  std::map<std::string, std::unique_ptr<StreamCG>, std::less<>> groups_;
};

}  // namespace lw
