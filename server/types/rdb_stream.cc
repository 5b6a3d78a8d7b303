#include "server/types/rdb_stream.h"

#include <memory>
#include <string>
#include <vector>

#include "base/str_util.h"
#include "server/types/rdb_packed.h"

namespace lw::rdb {

namespace {

std::string EncodeId(const StreamID& id) {
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = char(id.ms >> (56 - 8 * i));
    out[8 + i] = char(id.seq >> (56 - 8 * i));
  }
  return out;
}

StreamID DecodeId(std::string_view b) {
  StreamID id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | uint8_t(b[i]);
    id.seq = (id.seq << 8) | uint8_t(b[8 + i]);
  }
  return id;
}

std::string Num(int64_t v) { return std::to_string(v); }

// One node as Redis's listpack: count, deleted, master fields, 0, then the entries.
class NodeWriter {
 public:
  void Begin(const StreamID& master, std::span<const std::string_view> fields, size_t live,
             size_t deleted) {
    master_ = master;
    lp_ = std::make_unique<ListpackBuilder>();
    lp_->Add(Num(int64_t(live)));
    lp_->Add(Num(int64_t(deleted)));
    lp_->Add(Num(int64_t(fields.size())));
    for (std::string_view f : fields) lp_->Add(f);
    lp_->Add("0");
  }
  void Entry(const StreamID& id, uint8_t flags, std::span<const std::string_view> fv) {
    bool same = flags & 2;
    lp_->Add(Num(flags));
    lp_->Add(Num(int64_t(id.ms - master_.ms)));
    lp_->Add(Num(int64_t(id.seq - master_.seq)));
    size_t n = fv.size() / 2;
    if (!same) lp_->Add(Num(int64_t(n)));
    for (size_t i = 0; i < fv.size(); ++i) {
      if (!same || i % 2 == 1) lp_->Add(fv[i]);
    }
    lp_->Add(Num(int64_t(same ? n + 3 : 2 * n + 4)));
  }
  void Flush(Writer* w) {
    if (!lp_) return;
    w->String(EncodeId(master_));
    w->String(lp_->Finish());
    lp_.reset();
  }

 private:
  StreamID master_;
  std::unique_ptr<ListpackBuilder> lp_;
};

void SaveIds(Writer* w, const StreamID& id) {
  w->Len(id.ms);
  w->Len(id.seq);
}

}  // namespace

void SaveStream(const StreamObj& s, Writer* w) {
  w->Len(s.node_count());
  NodeWriter nw;
  s.VisitNodes(
      [&](const StreamID& m, std::span<const std::string_view> f, size_t live, size_t del) {
        nw.Flush(w);
        nw.Begin(m, f, live, del);
      },
      [&](const StreamID& id, uint8_t flags, std::span<const std::string_view> fv) {
        nw.Entry(id, flags, fv);
      });
  nw.Flush(w);
  w->Len(s.size());
  SaveIds(w, s.last_id);
  SaveIds(w, s.first_id);
  SaveIds(w, s.max_deleted_id);
  w->Len(s.entries_added);
  w->Len(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    w->String(name);
    SaveIds(w, g->last_id);
    w->Len(uint64_t(g->entries_read));
    w->Len(g->pel.size());
    for (const auto& [id, nack] : g->pel) {
      w->Raw(EncodeId(id));
      w->U64Le(uint64_t(nack->delivery_time));
      w->Len(nack->delivery_count);
    }
    w->Len(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      w->String(cname);
      w->U64Le(uint64_t(c->seen_time));
      w->Len(c->pel.size());
      for (const auto& [id, nack] : c->pel) w->Raw(EncodeId(id));
    }
  }
}

namespace {

// Appends the entries of one Redis node listpack to *s as one node, deleted ones included.
bool LoadNode(std::string_view key, const std::string& blob, StreamObj* s, Reader* r) {
  std::vector<std::string> e;
  std::string err;
  if (!ParseListpack(
          blob,
          [&](std::string_view x) {
            e.emplace_back(x);
            return true;
          },
          &err)) {
    return r->Fail("stream listpack: " + err);
  }
  StreamID master = DecodeId(key);
  size_t i = 0;
  auto num = [&](int64_t* v) { return i < e.size() && ParseRedisInt(e[i++], v); };
  int64_t live, deleted, nfields, zero;
  if (!num(&live) || !num(&deleted) || !num(&nfields) || nfields < 0 ||
      e.size() < i + size_t(nfields) + 1) {
    return r->Fail("bad stream node header");
  }
  std::vector<std::string> mf(e.begin() + i, e.begin() + i + nfields);
  i += size_t(nfields);
  if (!num(&zero) || zero != 0) return r->Fail("bad stream master entry");
  std::vector<std::string_view> fv;
  std::vector<StreamID> deleted_ids;
  int64_t seen = 0, appended = 0;
  while (i < e.size()) {
    int64_t flags, ms, seq, n, lpcount;
    if (!num(&flags) || !num(&ms) || !num(&seq)) return r->Fail("bad stream entry");
    bool same = flags & 2;
    n = nfields;
    if (!same && (!num(&n) || n <= 0)) return r->Fail("bad stream entry");
    fv.clear();
    for (int64_t k = 0; k < n; ++k) {
      if (!same && i >= e.size()) return r->Fail("bad stream entry");
      fv.push_back(same ? std::string_view(mf[size_t(k)]) : std::string_view(e[i++]));
      if (i >= e.size()) return r->Fail("bad stream entry");
      fv.push_back(e[i++]);
    }
    if (!num(&lpcount)) return r->Fail("bad stream entry");
    StreamID id{master.ms + uint64_t(ms), master.seq + uint64_t(seq)};
    if (s->entries_added > 0 && id <= s->last_id) return r->Fail("stream IDs out of order");
    // The payload's nodes stay as they are, as Redis keeps its listpacks whatever its
    // stream-node-max-* settings: a node's first entry opens a node (a 1-byte limit closes the
    // previous one), the others join it (no limit). Deleted entries are kept too (deleted once
    // the node is complete), so the node closes after as many entries and bytes as Redis's.
    s->Append(id, fv, appended++ == 0 ? StreamLimits{1, 0} : StreamLimits{0, 0});
    if (flags & 1) {
      deleted_ids.push_back(id);
    } else {
      ++seen;
    }
  }
  if (seen != live) return r->Fail("stream node count mismatch");
  for (const StreamID& id : deleted_ids) s->Delete(id);
  return true;
}

bool LoadGroups(uint8_t type, Reader* r, StreamObj* s) {
  uint64_t ngroups;
  if (!r->PlainLen(&ngroups)) return false;
  for (uint64_t gi = 0; gi < ngroups; ++gi) {
    std::string name;
    StreamID last;
    uint64_t entries_read = uint64_t(StreamCG::kInvalidEntriesRead), npel;
    if (!r->String(&name) || !r->PlainLen(&last.ms) || !r->PlainLen(&last.seq)) return false;
    if (type != kTypeStreamListpacks && !r->Len(&entries_read)) return false;
    StreamCG* g = s->CreateGroup(name, last, int64_t(entries_read));
    if (g == nullptr) return r->Fail("duplicate stream group");
    if (!r->PlainLen(&npel)) return false;
    for (uint64_t k = 0; k < npel; ++k) {
      std::string_view raw;
      uint64_t time, count;
      if (!r->Bytes(16, &raw) || !r->U64Le(&time) || !r->PlainLen(&count)) return false;
      auto nack = std::make_unique<StreamNACK>();
      nack->delivery_time = int64_t(time);
      nack->delivery_count = count;
      if (!g->pel.emplace(DecodeId(raw), std::move(nack)).second) {
        return r->Fail("duplicate stream PEL entry");
      }
    }
    uint64_t nconsumers;
    if (!r->PlainLen(&nconsumers)) return false;
    for (uint64_t k = 0; k < nconsumers; ++k) {
      std::string cname;
      uint64_t seen, active, cpel;
      if (!r->String(&cname) || !r->U64Le(&seen)) return false;
      if (type == kTypeStreamListpacks3 && !r->U64Le(&active)) return false;
      bool created;
      StreamConsumer* c = g->AddConsumer(cname, int64_t(seen), &created);
      if (!created) return r->Fail("duplicate stream consumer");
      if (!r->PlainLen(&cpel)) return false;
      for (uint64_t j = 0; j < cpel; ++j) {
        std::string_view raw;
        if (!r->Bytes(16, &raw)) return false;
        StreamID id = DecodeId(raw);
        auto it = g->pel.find(id);
        if (it == g->pel.end() || it->second->consumer != nullptr) {
          return r->Fail("stream consumer PEL entry not in the group PEL");
        }
        it->second->consumer = c;
        c->pel[id] = it->second.get();
      }
    }
    for (const auto& [id, nack] : g->pel) {
      if (nack->consumer == nullptr) return r->Fail("stream PEL entry without consumer");
    }
  }
  return true;
}

}  // namespace

bool LoadStream(uint8_t type, Reader* r, CompactObj* out) {
  auto s = std::make_unique<StreamObj>();
  uint64_t nodes;
  if (!r->PlainLen(&nodes)) return false;
  for (uint64_t n = 0; n < nodes; ++n) {
    std::string key, blob;
    if (!r->String(&key) || !r->String(&blob)) return false;
    if (key.size() != 16) return r->Fail("bad stream node key");
    if (!LoadNode(key, blob, s.get(), r)) return false;
  }
  uint64_t length;
  StreamID last, first, maxdel;
  uint64_t added = s->size();  // RDB_TYPE_STREAM_LISTPACKS: Redis starts the count at the length
  if (!r->PlainLen(&length) || !r->PlainLen(&last.ms) || !r->PlainLen(&last.seq)) return false;
  if (type != kTypeStreamListpacks) {
    if (!r->PlainLen(&first.ms) || !r->PlainLen(&first.seq) || !r->PlainLen(&maxdel.ms) ||
        !r->PlainLen(&maxdel.seq) || !r->PlainLen(&added)) {
      return false;
    }
  } else {
    first = s->first_id;
  }
  if (length != s->size()) return r->Fail("stream length mismatch");
  if (s->size() > 0 && last < s->last_id) return r->Fail("stream last ID below its entries");
  s->last_id = last;
  s->first_id = s->size() > 0 ? s->first_id : first;
  s->max_deleted_id = maxdel;
  s->entries_added = added;
  if (!LoadGroups(type, r, s.get())) return false;
  out->SetRobj(ObjType::kStream, s.release());
  return true;
}

}  // namespace lw::rdb
