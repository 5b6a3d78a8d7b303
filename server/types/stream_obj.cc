// StreamObj's entries: the node encoding, append, range walks, deletion and trimming. The
// consumer groups and the logical counters live in stream_cg.cc.
#include "server/types/stream_obj.h"

#include <mimalloc.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "base/str_util.h"

namespace lw {

namespace {

constexpr uint8_t kDeleted = 1;
constexpr uint8_t kSameFields = 2;

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = char(uint8_t(v) | 0x80);
    v >>= 7;
  }
  *p++ = char(v);
  return p;
}

uint64_t GetVarint(const char** p) {
  uint64_t v = 0;
  int shift = 0;
  const uint8_t* q = reinterpret_cast<const uint8_t*>(*p);
  while (*q & 0x80) {
    v |= uint64_t(*q++ & 0x7f) << shift;
    shift += 7;
  }
  v |= uint64_t(*q++) << shift;
  *p = reinterpret_cast<const char*>(q);
  return v;
}

uint64_t ZigZag(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
int64_t UnZigZag(uint64_t v) { return int64_t(v >> 1) ^ -int64_t(v & 1); }

std::string_view GetStr(const char** p) {
  uint64_t len = GetVarint(p);
  std::string_view s(*p, len);
  *p += len;
  return s;
}

// --- Redis listpack sizes, so nodes close where Redis's listpacks do ---

size_t LpIntSize(int64_t v) {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 9;
}

size_t LpBacklen(size_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

size_t LpElemInt(int64_t v) {
  size_t n = LpIntSize(v);
  return n + LpBacklen(n);
}

size_t LpElemStr(std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && ParseRedisInt(s, &v)) return LpElemInt(v);
  size_t n = s.size() < 64 ? 1 + s.size() : s.size() < 4096 ? 2 + s.size() : 5 + s.size();
  return n + LpBacklen(n);
}

}  // namespace

// --- StreamID ---

bool StreamID::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) return false;
    ++ms;
    seq = 0;
  } else {
    ++seq;
  }
  return true;
}

bool StreamID::Decr() {
  if (seq == 0) {
    if (ms == 0) return false;
    --ms;
    seq = UINT64_MAX;
  } else {
    --seq;
  }
  return true;
}

std::string StreamID::ToString() const {
  char buf[48];
  char* p = std::to_chars(buf, buf + 24, ms).ptr;
  *p++ = '-';
  p = std::to_chars(p, buf + sizeof(buf), seq).ptr;
  return std::string(buf, p);
}

namespace {
// Redis's string2ull: the strict integer grammar first, then strtoull's looser one.
bool String2ull(const std::string& s, uint64_t* out) {
  int64_t ll;
  if (ParseRedisInt(s, &ll)) {
    if (ll < 0) return false;
    *out = uint64_t(ll);
    return true;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || s.empty() || *end != '\0') return false;
  *out = v;
  return true;
}
}  // namespace

bool ParseStreamID(std::string_view s, uint64_t missing_seq, bool strict, bool* seq_given,
                   StreamID* id) {
  if (s.size() > 127) return false;
  // Redis copies into a C string: an embedded NUL ends it.
  std::string buf(s.substr(0, s.find('\0')));
  if (strict && (buf == "-" || buf == "+")) return false;
  if (seq_given != nullptr) *seq_given = true;
  if (buf == "-") {
    *id = {0, 0};
    return true;
  }
  if (buf == "+") {
    *id = StreamID::Max();
    return true;
  }
  size_t dash = buf.find('-');
  uint64_t ms, seq = missing_seq;
  if (!String2ull(buf.substr(0, dash), &ms)) return false;
  if (dash != std::string::npos) {
    std::string rest = buf.substr(dash + 1);
    if (seq_given != nullptr && rest == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!String2ull(rest, &seq)) {
      return false;
    }
  }
  *id = {ms, seq};
  return true;
}

// --- nodes ---

StreamNode& StreamNode::operator=(StreamNode&& o) noexcept {
  if (this != &o) {
    Free();
    std::memcpy(static_cast<void*>(this), &o, sizeof(StreamNode));
    o.buf = nullptr;
    o.used = o.cap = 0;
  }
  return *this;
}

void StreamNode::Free() {
  if (buf) ::operator delete(buf);
  buf = nullptr;
}

char* StreamNode::Grow(size_t extra) {
  size_t need = used + extra;
  if (need > cap) {
    size_t want = std::max(need, size_t(cap) + cap / 2);
    char* nb = static_cast<char*>(::operator new(want));
    if (used) std::memcpy(nb, buf, used);
    Free();
    buf = nb;
    cap = uint32_t(mi_usable_size(nb));
  }
  char* p = buf + used;
  used = uint32_t(need);
  return p;
}

void StreamNode::ShrinkToFit() {
  if (buf == nullptr || mi_good_size(used) >= cap) return;
  char* nb = static_cast<char*>(::operator new(used));
  std::memcpy(nb, buf, used);
  Free();
  buf = nb;
  cap = uint32_t(mi_usable_size(nb));
}

size_t StreamNode::RedisBytes() const {
  return 7 + LpElemInt(live) + LpElemInt(deleted) + lp_bytes;
}

std::span<const std::string_view> StreamNode::MasterFields(
    std::vector<std::string_view>* out) const {
  const char* p = buf;
  uint64_t n = GetVarint(&p);
  out->clear();
  for (uint64_t i = 0; i < n; ++i) out->push_back(GetStr(&p));
  return *out;
}

StreamObj::~StreamObj() = default;

void StreamObj::Append(const StreamID& id, std::span<const std::string_view> fv,
                       const Limits& limits) {
  size_t nfields = fv.size() / 2;
  Node* node = nodes_.empty() ? nullptr : &std::prev(nodes_.end())->second;
  const StreamID* master = node ? &std::prev(nodes_.end())->first : nullptr;
  if (node != nullptr) {
    size_t totelelen = 0;
    for (std::string_view s : fv) totelelen += s.size();
    size_t max_bytes = limits.node_max_bytes == 0 || limits.node_max_bytes > (1u << 30)
                           ? size_t(1) << 30
                           : limits.node_max_bytes;
    bool full = node->RedisBytes() + totelelen >= max_bytes ||
                (limits.node_max_entries &&
                 size_t(node->live) + node->deleted >= limits.node_max_entries) ||
                size_t(node->live) + node->deleted >= UINT32_MAX;
    if (full) {
      node->ShrinkToFit();
      node = nullptr;
    }
  }
  if (node == nullptr) {
    node = &nodes_[id];
    master = &id;
    size_t bytes = VarintSize(nfields);
    size_t lp = LpElemInt(int64_t(nfields)) + LpElemInt(0);  // num-fields, master terminator
    for (size_t i = 0; i < nfields; ++i) {
      bytes += VarintSize(fv[2 * i].size()) + fv[2 * i].size();
      lp += LpElemStr(fv[2 * i]);
    }
    char* p = PutVarint(node->Grow(bytes), nfields);
    for (size_t i = 0; i < nfields; ++i) {
      p = PutVarint(p, fv[2 * i].size());
      std::memcpy(p, fv[2 * i].data(), fv[2 * i].size());
      p += fv[2 * i].size();
    }
    node->master_end = node->used;
    node->lp_bytes = uint32_t(lp);
  }
  // Same field names as the master, in the same order?
  std::vector<std::string_view> mf;
  node->MasterFields(&mf);
  bool same = mf.size() == nfields;
  for (size_t i = 0; same && i < nfields; ++i) same = mf[i] == fv[2 * i];
  uint64_t ms_delta = id.ms - master->ms;
  int64_t seq_delta = int64_t(id.seq - master->seq);
  size_t bytes = 1 + VarintSize(ms_delta) + VarintSize(ZigZag(seq_delta));
  size_t lp = LpElemInt(same ? kSameFields : 0) + LpElemInt(int64_t(ms_delta)) +
              LpElemInt(seq_delta) + LpElemInt(int64_t(same ? nfields + 3 : 2 * nfields + 4));
  if (!same) {
    bytes += VarintSize(nfields);
    lp += LpElemInt(int64_t(nfields));
  }
  for (size_t i = 0; i < fv.size(); ++i) {
    if (same && i % 2 == 0) continue;
    bytes += VarintSize(fv[i].size()) + fv[i].size();
    lp += LpElemStr(fv[i]);
  }
  char* p = node->Grow(bytes);
  *p++ = char(same ? kSameFields : 0);
  p = PutVarint(p, ms_delta);
  p = PutVarint(p, ZigZag(seq_delta));
  if (!same) p = PutVarint(p, nfields);
  for (size_t i = 0; i < fv.size(); ++i) {
    if (same && i % 2 == 0) continue;
    p = PutVarint(p, fv[i].size());
    std::memcpy(p, fv[i].data(), fv[i].size());
    p += fv[i].size();
  }
  node->lp_bytes += uint32_t(lp);
  ++node->live;
  ++length_;
  ++entries_added;
  last_id = id;
  if (length_ == 1) first_id = id;
}

void StreamObj::ForEachInNode(
    const StreamID& master, const Node& node, bool rev, bool with_deleted,
    absl::FunctionRef<bool(const StreamID&, uint32_t, std::span<const std::string_view>)> fn) {
  std::vector<std::string_view> mf;
  node.MasterFields(&mf);
  std::vector<std::string_view> fv;
  // Decodes the entry at p: its flags position, ID and fields; returns the next position.
  auto decode = [&](const char* p, uint8_t* flags, StreamID* id) {
    *flags = uint8_t(*p++);
    uint64_t ms_delta = GetVarint(&p);
    int64_t seq_delta = UnZigZag(GetVarint(&p));
    *id = {master.ms + ms_delta, master.seq + uint64_t(seq_delta)};
    fv.clear();
    if (*flags & kSameFields) {
      for (std::string_view f : mf) {
        fv.push_back(f);
        fv.push_back(GetStr(&p));
      }
    } else {
      uint64_t n = GetVarint(&p);
      for (uint64_t i = 0; i < 2 * n; ++i) fv.push_back(GetStr(&p));
    }
    return p;
  };
  const char* begin = node.buf;
  const char* end = node.buf + node.used;
  uint8_t flags;
  StreamID id;
  if (!rev) {
    for (const char* p = begin + node.master_end; p < end;) {
      uint32_t pos = uint32_t(p - begin);
      p = decode(p, &flags, &id);
      if ((with_deleted || !(flags & kDeleted)) && !fn(id, pos, fv)) return;
    }
    return;
  }
  std::vector<uint32_t> offsets;
  offsets.reserve(size_t(node.live) + node.deleted);
  for (const char* p = begin + node.master_end; p < end;) {
    offsets.push_back(uint32_t(p - begin));
    p = decode(p, &flags, &id);
  }
  for (size_t i = offsets.size(); i-- > 0;) {
    decode(begin + offsets[i], &flags, &id);
    if ((with_deleted || !(flags & kDeleted)) && !fn(id, offsets[i], fv)) return;
  }
}

void StreamObj::Range(const StreamID& start, const StreamID& end, bool rev, EntryFn fn) const {
  if (nodes_.empty() || start > end) return;
  bool stop = false;
  if (!rev) {
    auto it = nodes_.upper_bound(start);
    if (it != nodes_.begin()) --it;
    for (; it != nodes_.end() && it->first <= end && !stop; ++it) {
      ForEachInNode(it->first, it->second, false, false,
                    [&](const StreamID& id, uint32_t, std::span<const std::string_view> fv) {
                      if (id < start) return true;
                      if (id > end || !fn(id, fv)) {
                        stop = true;
                        return false;
                      }
                      return true;
                    });
    }
    return;
  }
  auto it = nodes_.upper_bound(end);
  while (it != nodes_.begin() && !stop) {
    --it;
    ForEachInNode(it->first, it->second, true, false,
                  [&](const StreamID& id, uint32_t, std::span<const std::string_view> fv) {
                    if (id > end) return true;
                    if (id < start || !fn(id, fv)) {
                      stop = true;
                      return false;
                    }
                    return true;
                  });
    if (it->first < start) break;
  }
}

bool StreamObj::Contains(const StreamID& id) const {
  bool found = false;
  Range(id, id, false, [&](const StreamID&, std::span<const std::string_view>) {
    found = true;
    return false;
  });
  return found;
}

bool StreamObj::Delete(const StreamID& id) {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return false;
  --it;
  Node& node = it->second;
  bool found = false;
  ForEachInNode(it->first, node, false, false,
                [&](const StreamID& eid, uint32_t pos, std::span<const std::string_view>) {
                  if (eid < id) return true;
                  if (eid == id) {
                    node.buf[pos] = char(uint8_t(node.buf[pos]) | kDeleted);
                    found = true;
                  }
                  return false;
                });
  if (!found) return false;
  --length_;
  if (node.live == 1) {
    nodes_.erase(it);
  } else {
    --node.live;
    ++node.deleted;
  }
  if (id > max_deleted_id) max_deleted_id = id;
  if (id == first_id || length_ == 0) RefreshFirstId();
  return true;
}

void StreamObj::RefreshFirstId() {
  std::optional<StreamID> f = FirstEntry();
  first_id = f ? *f : StreamID{};
}

std::optional<StreamID> StreamObj::FirstEntry() const {
  std::optional<StreamID> out;
  Range({0, 0}, StreamID::Max(), false, [&](const StreamID& id, std::span<const std::string_view>) {
    out = id;
    return false;
  });
  return out;
}

std::optional<StreamID> StreamObj::LastEntry() const {
  std::optional<StreamID> out;
  Range({0, 0}, StreamID::Max(), true, [&](const StreamID& id, std::span<const std::string_view>) {
    out = id;
    return false;
  });
  return out;
}

int64_t StreamObj::Trim(const TrimArgs& args) {
  if (args.strategy == TrimArgs::kNone) return 0;
  int64_t deleted = 0;
  auto it = nodes_.begin();
  while (it != nodes_.end()) {
    if (args.strategy == TrimArgs::kMaxLen && length_ <= args.maxlen) break;
    Node& node = it->second;
    int64_t entries = node.live;
    if (args.limit && deleted + entries > args.limit) break;
    bool remove_node;
    if (args.strategy == TrimArgs::kMaxLen) {
      remove_node = length_ - size_t(entries) >= args.maxlen;
    } else {
      // The node's last entry, deleted or not (Redis reads the listpack's edge).
      StreamID last = it->first;
      const char* p = node.buf + node.master_end;
      const char* end = node.buf + node.used;
      std::vector<std::string_view> mf;
      size_t nmaster = node.MasterFields(&mf).size();
      while (p < end) {
        uint8_t flags = uint8_t(*p++);
        uint64_t ms_delta = GetVarint(&p);
        int64_t seq_delta = UnZigZag(GetVarint(&p));
        last = {it->first.ms + ms_delta, it->first.seq + uint64_t(seq_delta)};
        uint64_t n = (flags & kSameFields) ? nmaster : 2 * GetVarint(&p);
        for (uint64_t i = 0; i < n; ++i) GetStr(&p);
      }
      remove_node = last < args.minid;
    }
    if (remove_node) {
      length_ -= size_t(entries);
      deleted += entries;
      it = nodes_.erase(it);
      continue;
    }
    if (args.approx) break;
    int64_t from_node = 0;
    ForEachInNode(it->first, node, false, false,
                  [&](const StreamID& id, uint32_t pos, std::span<const std::string_view>) {
                    bool stop = args.strategy == TrimArgs::kMaxLen ? length_ <= args.maxlen
                                                                   : id >= args.minid;
                    if (stop) return false;
                    node.buf[pos] = char(uint8_t(node.buf[pos]) | kDeleted);
                    ++from_node;
                    --length_;
                    return true;
                  });
    node.live = uint32_t(node.live - from_node);
    node.deleted = uint32_t(node.deleted + from_node);
    deleted += from_node;
    break;
  }
  RefreshFirstId();
  return deleted;
}

size_t StreamObj::MallocUsed() const {
  // The btree's own nodes are not visible to us: count each entry's slot, with the fill slack
  // of a B-tree (about 1/3 spare).
  size_t total = sizeof(StreamObj) + nodes_.size() * (sizeof(StreamID) + sizeof(Node)) * 3 / 2;
  for (const auto& [id, node] : nodes_) total += node.buf ? mi_usable_size(node.buf) : 0;
  for (const auto& [name, cg] : groups_) {
    total += sizeof(StreamCG) + name.size() + 64;
    total += cg->pel.size() * (sizeof(StreamID) + 8 + sizeof(StreamNACK)) * 3 / 2;
    for (const auto& [cname, c] : cg->consumers) {
      total += sizeof(StreamConsumer) + 64 + cname.size() + c->pel.size() * 24 * 3 / 2;
    }
  }
  return total;
}

StreamObj* StreamObj::Clone() const {
  auto* out = new StreamObj();
  for (const auto& [id, node] : nodes_) {
    Node copy;
    copy.Grow(node.used);
    std::memcpy(copy.buf, node.buf, node.used);
    copy.master_end = node.master_end;
    copy.lp_bytes = node.lp_bytes;
    copy.live = node.live;
    copy.deleted = node.deleted;
    out->nodes_.emplace(id, std::move(copy));
  }
  out->length_ = length_;
  out->last_id = last_id;
  out->first_id = first_id;
  out->max_deleted_id = max_deleted_id;
  out->entries_added = entries_added;
  for (const auto& [name, cg] : groups_) {
    StreamCG* c = out->CreateGroup(name, cg->last_id, cg->entries_read);
    for (const auto& [cname, cons] : cg->consumers) {
      bool created;
      StreamConsumer* nc = c->AddConsumer(cname, cons->seen_time, &created);
      for (const auto& [id, nack] : cons->pel) {
        auto n = std::make_unique<StreamNACK>(*nack);
        n->consumer = nc;
        nc->pel.emplace(id, n.get());
        c->pel.emplace(id, std::move(n));
      }
    }
  }
  return out;
}

std::vector<StreamID> StreamObj::NodeKeys() const {
  std::vector<StreamID> out;
  out.reserve(nodes_.size());
  for (const auto& [id, node] : nodes_) out.push_back(id);
  return out;
}

void StreamObj::VisitNodes(
    absl::FunctionRef<void(const StreamID&, std::span<const std::string_view>, size_t, size_t)>
        begin,
    absl::FunctionRef<void(const StreamID&, uint8_t, std::span<const std::string_view>)> entry)
    const {
  std::vector<std::string_view> mf;
  for (const auto& [master, node] : nodes_) {
    begin(master, node.MasterFields(&mf), node.live, node.deleted);
    ForEachInNode(master, node, false, true,
                  [&](const StreamID& id, uint32_t pos, std::span<const std::string_view> fv) {
                    entry(id, uint8_t(node.buf[pos]), fv);
                    return true;
                  });
  }
}

}  // namespace lw
