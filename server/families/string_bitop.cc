// BITOP AND|OR|XOR|NOT destkey key [key ...] (Redis 7.0 bitops.c), alone and as a pipelined
// group (the command's batch handler, command_registry.h).
//
// A group of BITOP requests is one transaction over the keys of all of them (sources shared,
// destinations exclusive: KeyHops' per-key modes) in two hops:
//   1. every shard folds, for each request, that request's sources it owns into one partial
//      result (server/types/bitop.h: the operations are associative and commutative under
//      zero padding), so a shard copies one value per request out, not one per source;
//   2. the coordinator combines each request's partials, and the destinations are written in
//      request order in one detached last hop (the replies, the lengths, need nothing from
//      it, and the destinations stay locked until it ran).
// A lone BITOP is a group of one. Pipelined BITOPs of one connection share the round trip of
// hop 1 and the message of hop 2, instead of one of each per request. A request that reads a
// key an earlier request of the group writes starts a new group, so each request sees the
// writes of those before it, as if they ran one by one; a group as a whole is atomic, which
// is stronger than one by one.
// Thread-safety: the handlers run on the connection fiber; hop 1 writes each source slot from
// its key's shard only.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "base/clock.h"
#include "io/fiber.h"
#include "server/engine/connection_context.h"
#include "server/engine/db_slice.h"
#include "server/engine/service.h"
#include "server/families/string_util.h"
#include "server/resp/error_strings.h"
#include "server/types/arg_utils.h"
#include "server/types/bitop.h"

namespace lw {

namespace {

bool ParseBitOp(std::string_view name, BitOpKind* op) {
  if (EqualsIgnoreCase(name, "AND")) {
    *op = BitOpKind::kAnd;
  } else if (EqualsIgnoreCase(name, "OR")) {
    *op = BitOpKind::kOr;
  } else if (EqualsIgnoreCase(name, "XOR")) {
    *op = BitOpKind::kXor;
  } else if (EqualsIgnoreCase(name, "NOT")) {
    *op = BitOpKind::kNot;
  } else {
    return false;
  }
  return true;
}

// Stores BITOP's result at `key` as Redis's setKey: any old value of any type is replaced,
// the TTL dropped (the sticky bit stays, as for SET); an empty result deletes the key.
void StoreBitOpResult(const OpArgs& op, std::string_view key, std::string_view value) {
  if (value.empty()) {
    if (op.slice->Del(op.db, key)) op.slice->Notify(notify::kGeneric, "del", op.db, key);
    return;
  }
  auto [it, inserted] = op.slice->AddOrFind(op.db, key);
  CompactObj& v = it.value();
  // A block of the result's size, raw as Redis's: ResizeRawString alone would grow it
  // geometrically (APPEND's reserve), holding up to twice the result for good.
  v.SetString(value, false);
  v.ResizeRawString(value.size());
  if (!inserted) op.slice->RemoveExpire(op.db, it);
  op.slice->MarkModified(op.db, key);
  op.slice->Notify(notify::kString, "set", op.db, key);
}

// What a group's hops produce, kept until its write hop ran: each shard's partial results
// back to back in one buffer (written by that shard only in hop 1, then by the coordinator,
// which folds a request's other partials into its longest), and the destinations' names.
// One allocation per buffer per group instead of one per request.
struct BitOpBytes {
  static constexpr uint32_t kNames = ~0u;  // Span::buffer of `names`

  struct Span {
    uint32_t buffer = kNames;  // a shard id, or kNames
    uint32_t off = 0;
    uint32_t len = 0;
  };
  // A destination, written in request order by the detached last hop.
  struct Write {
    Span key;    // in `names`
    Span value;  // its result
    uint32_t shard;
  };

  std::string_view View(const Span& s) const {
    const std::string& b = s.buffer == kNames ? names : shards[s.buffer];
    return std::string_view(b).substr(s.off, s.len);
  }

  std::vector<std::string> shards;  // sized before hop 1
  std::string names;
  std::vector<Write> writes;
};

constexpr uint32_t kAnyShard = ~0u;
constexpr uint32_t kNone = ~0u;

// Key equality that rejects most different keys of one length (s1, s2...) before memcmp.
bool SameKey(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || (!a.empty() && a.back() != b.back())) return false;
  if (a.size() > 16) return std::memcmp(a.data(), b.data(), a.size()) == 0;
  for (size_t i = 0; i < a.size(); ++i) {  // short keys: no call
    if (a[i] != b[i]) return false;
  }
  return true;
}

class BitOpGroup {
 public:
  // The largest group: bounds the partial results held at once.
  static constexpr size_t kMaxRequests = 64;

  explicit BitOpGroup(ConnectionContext* cntx) : cntx_(cntx) {}

  // Adds `args` unless it reads a key an earlier request of the group writes, or the group
  // is full: then returns false and adds nothing (run the group first).
  bool Add(CmdArgs args);
  bool empty() const { return requests_.empty(); }
  // Room for `requests` requests of `sources` sources in all, so Add does not regrow.
  void Reserve(size_t requests, size_t sources) {
    requests_.reserve(requests);
    src_.reserve(sources);
  }
  // Runs the group, replies to each request in order, and empties it. `failed` (if given)
  // gets one flag per request: answered with an error.
  void Run(absl::InlinedVector<char, 16>* failed = nullptr);

 private:
  struct Request {
    CmdArgs args;
    BitOpKind kind = BitOpKind::kAnd;
    std::string_view error;  // answered with this error; touches no key
    uint32_t dst = 0;        // position of the destination in keys_
    uint32_t first_src = 0;  // its sources are src_[first_src, first_src + nsrc)
    uint32_t nsrc = 0;
  };
  // One source of one request: the position of its key, and what hop 1 leaves for it.
  struct Source {
    uint32_t key;
    bool has_partial = false;  // `partial`: the fold of the request's sources on one shard
    bool wrong_type = false;
    BitOpBytes::Span partial;
  };

  // `key`'s position in keys_, added if new; `hint`: where it probably is (the position of the
  // same argument of the previous request: pipelines often repeat a request's keys).
  uint32_t KeyPosition(std::string_view key, tx::LockMode mode, uint32_t hint);
  void ReadShard(const OpArgs& op, std::span<const tx::ShardArg> mine);
  // Where the request's result is: its longest partial, the others folded into it
  // (REQUIRES: no source of another type).
  BitOpBytes::Span Combine(const Request& r);
  void Clear();

  ConnectionContext* cntx_;
  std::shared_ptr<BitOpBytes> bytes_;  // the running group's
  absl::InlinedVector<Request, 1> requests_;
  absl::InlinedVector<Source, 4> src_;
  // The group's distinct keys and their modes (exclusive if any request writes it).
  absl::InlinedVector<std::string_view, 5> keys_;
  absl::InlinedVector<tx::LockMode, 5> modes_;
  absl::InlinedVector<uint32_t, 4> read_;     // positions some request reads
  absl::InlinedVector<uint32_t, 1> written_;  // positions some request writes
  uint32_t max_sources_ = 0;                  // of one request
  uint32_t last_ok_ = kNone;                  // the last well-formed request
  // keys_ by name, once a group outgrows a linear search.
  absl::flat_hash_map<std::string_view, uint32_t> index_;
};

uint32_t BitOpGroup::KeyPosition(std::string_view key, tx::LockMode mode, uint32_t hint) {
  uint32_t pos = uint32_t(keys_.size());
  if (hint < keys_.size() && SameKey(keys_[hint], key)) {
    pos = hint;
  } else if (keys_.size() < 8) {
    for (uint32_t i = 0; i < keys_.size(); ++i) {
      if (SameKey(keys_[i], key)) {
        pos = i;
        break;
      }
    }
  } else {
    if (index_.empty()) {
      for (uint32_t i = 0; i < keys_.size(); ++i) index_.emplace(keys_[i], i);
    }
    pos = index_.try_emplace(key, pos).first->second;
  }
  if (pos == keys_.size()) {
    keys_.push_back(key);
    modes_.push_back(mode);
    if (!index_.empty()) index_.emplace(key, pos);
  } else if (mode == tx::LockMode::kExclusive) {
    modes_[pos] = mode;
  }
  return pos;
}

bool BitOpGroup::Add(CmdArgs args) {
  if (requests_.size() == kMaxRequests) return false;
  Request r;
  r.args = args;
  if (!ParseBitOp(args[1], &r.kind)) {
    r.error = errors::kSyntax;
  } else if (r.kind == BitOpKind::kNot && args.size() != 4) {
    r.error = errors::kBitopNotSingle;
  }
  if (!r.error.empty()) {
    requests_.push_back(r);
    return true;
  }
  CmdArgs sources = args.subspan(3);
  // A source an earlier request writes: that write must come first, in an earlier group.
  for (std::string_view key : sources) {
    for (uint32_t w : written_) {
      if (SameKey(keys_[w], key)) return false;
    }
  }
  r.first_src = uint32_t(src_.size());
  r.nsrc = uint32_t(sources.size());
  max_sources_ = std::max(max_sources_, r.nsrc);
  const Request* prev = last_ok_ == kNone ? nullptr : &requests_[last_ok_];
  for (uint32_t j = 0; j < r.nsrc; ++j) {
    uint32_t hint = prev != nullptr && j < prev->nsrc ? src_[prev->first_src + j].key : kNone;
    uint32_t pos = KeyPosition(sources[j], tx::LockMode::kShared, hint);
    if (std::find(read_.begin(), read_.end(), pos) == read_.end()) read_.push_back(pos);
    src_.push_back(Source{pos});
  }
  r.dst = KeyPosition(args[2], tx::LockMode::kExclusive, prev != nullptr ? prev->dst : kNone);
  if (std::find(written_.begin(), written_.end(), r.dst) == written_.end()) {
    written_.push_back(r.dst);
  }
  last_ok_ = uint32_t(requests_.size());
  requests_.push_back(r);
  return true;
}

void BitOpGroup::ReadShard(const OpArgs& op, std::span<const tx::ShardArg> mine) {
  const uint32_t shard = op.slice->shard_id();
  std::string& out = bytes_->shards[shard];
  // Which of the group's keys live here (mine: the read keys of this shard).
  absl::InlinedVector<char, 16> here(keys_.size(), 0);
  for (const tx::ShardArg& a : mine) here[a.index] = 1;
  // Views of one request's values here; an int-encoded value's digits go to its own scratch
  // string (sized first: the views must not move).
  absl::InlinedVector<std::string_view, 8> values;
  absl::InlinedVector<std::string, 8> scratch(max_sources_);
  for (size_t i = 0; i < requests_.size(); ++i) {
    const Request& r = requests_[i];
    if (!r.error.empty()) continue;
    values.clear();
    Source* acc = nullptr;  // the slot of the request's first source here
    size_t len = 0;
    for (uint32_t j = r.first_src; j < r.first_src + r.nsrc; ++j) {
      Source& s = src_[j];
      if (!here[s.key]) continue;
      auto found = op.slice->Find(op.db, keys_[s.key], ObjType::kString);
      if (found.status() == OpStatus::kWrongType) {
        s.wrong_type = true;
        continue;
      }
      if (acc == nullptr) acc = &s;
      values.push_back(found.ok() ? found->value().GetSlice(&scratch[values.size()]) : "");
      len = std::max(len, values.back().size());
    }
    if (acc == nullptr) continue;
    // Room for this result and as much again for each request after it, at the first need.
    if (out.capacity() < out.size() + len) out.reserve(out.size() + len * (requests_.size() - i));
    // NOT has one source: its partial is the result already.
    acc->partial = {shard, uint32_t(out.size()), 0};
    acc->partial.len = uint32_t(AppendBitOp(r.kind, values, &out));
    acc->has_partial = true;
  }
}

BitOpBytes::Span BitOpGroup::Combine(const Request& r) {
  // Into the longest partial, in place (the others fit in it): no copy.
  const Source* base = nullptr;
  for (uint32_t j = r.first_src; j < r.first_src + r.nsrc; ++j) {
    const Source& s = src_[j];
    if (s.has_partial && (base == nullptr || s.partial.len > base->partial.len)) base = &s;
  }
  if (base == nullptr) return {};
  for (uint32_t j = r.first_src; j < r.first_src + r.nsrc; ++j) {
    const Source& s = src_[j];
    if (!s.has_partial || &s == base) continue;
    std::string& buffer = bytes_->shards[base->partial.buffer];
    std::span<char> acc(buffer.data() + base->partial.off, base->partial.len);
    FoldBitOp(r.kind, bytes_->View(s.partial), acc);
  }
  return base->partial;
}

void BitOpGroup::Run(absl::InlinedVector<char, 16>* failed) {
  ReplyBuilder* rb = cntx_->rb;
  if (failed != nullptr) failed->assign(requests_.size(), 1);
  if (keys_.empty()) {  // only malformed requests
    for (const Request& r : requests_) rb->SendError(r.error);
    return Clear();
  }
  bytes_ = std::make_shared<BitOpBytes>();
  bytes_->shards.resize(cntx_->service->shards().size());
  KeyHops hops(cntx_, keys_, modes_);
  bool ran =
      hops.RunPart(read_, written_, [this](const OpArgs& op, auto mine) { ReadShard(op, mine); });
  if (!ran) {  // a script that does not hold every key (a lone BITOP only)
    for (size_t i = 0; i < requests_.size(); ++i) rb->SendError(errors::kUndeclaredKeys);
    return Clear();
  }
  bytes_->writes.reserve(requests_.size());
  ShardSet& shards = cntx_->service->shards();
  for (size_t i = 0; i < requests_.size(); ++i) {
    const Request& r = requests_[i];
    if (!r.error.empty()) {
      rb->SendError(r.error);
      continue;
    }
    bool wrong = false;
    for (uint32_t j = r.first_src; j < r.first_src + r.nsrc; ++j) wrong |= src_[j].wrong_type;
    if (wrong) {
      rb->SendError(errors::kWrongType);
      continue;
    }
    BitOpBytes::Write w;
    w.value = Combine(r);
    rb->SendLong(int64_t(w.value.len));
    if (failed != nullptr) (*failed)[i] = 0;
    std::string_view key = keys_[r.dst];
    w.key = {BitOpBytes::kNames, uint32_t(bytes_->names.size()), uint32_t(key.size())};
    bytes_->names.append(key);
    w.shard = written_.size() == 1 ? kAnyShard : shards.ShardOf(key);
    bytes_->writes.push_back(w);
  }
  // The write concludes the transaction and is not waited for: the replies need nothing from
  // it, and every destination stays locked until it ran (KeyHops::RunLastPartDetached).
  hops.RunLastPartDetached(written_, [bytes = std::move(bytes_)](const OpArgs& op) {
    for (const BitOpBytes::Write& w : bytes->writes) {
      if (w.shard == kAnyShard || w.shard == op.slice->shard_id()) {
        StoreBitOpResult(op, bytes->View(w.key), bytes->View(w.value));
      }
    }
  });
  Clear();
}

void BitOpGroup::Clear() {
  bytes_.reset();
  requests_.clear();
  src_.clear();
  keys_.clear();
  modes_.clear();
  read_.clear();
  written_.clear();
  max_sources_ = 0;
  last_ok_ = kNone;
  index_.clear();
}

}  // namespace

void BitOp(CmdArgs args, ConnectionContext* cntx) {
  BitOpGroup group(cntx);
  group.Add(args);
  group.Run();
}

void BitOpBatch(std::span<const CmdArgs> requests, ConnectionContext* cntx) {
  Service* service = cntx->service;
  const CommandSpec* spec = service->registry().Find(requests[0][0]);
  // What DispatchSpec would refuse a write for: let it, one request at a time. Under a
  // noeviction maxmemory each request must pass the memory check after the writes before it
  // (Redis refuses every write once over the limit), but a group's writes all land after its
  // one check: 60 pipelined BITOPs of 1 MB each all passed a 4 MB headroom.
  const RuntimeConfig& rt = service->runtime();
  const bool refusing_limit =
      rt.maxmemory.load(std::memory_order_relaxed) > 0 &&
      rt.maxmemory_policy.load(std::memory_order_relaxed) == kNoEvictionPolicy;
  if (service->loading() || service->writes_refused() || refusing_limit || service->OomRefuses()) {
    for (CmdArgs args : requests) service->DispatchSpec(spec, args, cntx);
    return;
  }
  cntx->cmd_flags = spec->flags;  // KeyHops reads the lookup mode from it
  BitOpGroup group(cntx);
  size_t sources = 0;
  for (CmdArgs args : requests) sources += args.size() - 3;
  group.Reserve(std::min(requests.size(), BitOpGroup::kMaxRequests), sources);
  size_t begin = 0;  // the first request of the group
  absl::InlinedVector<char, 16> failed;
  auto run = [&](size_t end) {
    const int64_t start = SteadyNowNs();
    group.Run(&failed);
    // Each request is charged an equal share of the group's time.
    const int64_t usec = (SteadyNowNs() - start) / 1000 / int64_t(end - begin);
    for (size_t i = begin; i < end; ++i) {
      service->RecordCall(*spec, requests[i], start, usec, failed[i - begin], cntx);
    }
    begin = end;
  };
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!group.Add(requests[i])) {
      run(i);
      io::this_fiber::MaybeYield(cntx->last_active_ns);
      group.Add(requests[i]);
    }
  }
  run(requests.size());
}

}  // namespace lw
